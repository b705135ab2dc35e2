"""Background jobs: batch notices and the responses export, made off the request by a thread or a real RQ worker."""

import csv
import datetime
import io
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from redis import Redis
from rq import SimpleWorker
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import UnixSignalDeathPenalty

from reports.jobs.kinds import notice_units
from reports.jobs.queue import QUEUE_NAME, job_dispatch, job_queue, rq_job_id
from reports.jobs.runner import jobs_prune
from reports.models import ReportJob
from surveys.models import AuditEntry, Membership, Unit
from tests.conftest import make_world
from tests.factories import UnitFactory, UserFactory
from tests.reports.test_exports import import_sipas

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
BEFORE_MERGER = datetime.date(2025, 6, 30)
# A job is waited for at most this long: ample on a busy machine, and a hang still fails.
PATIENCE = 60


@pytest.fixture(autouse=True)
def _calendar(frozen_clock):
    """Jobs make last month's notices and refuse next month's: the same months on every run."""


@pytest.fixture(autouse=True)
def _threads(settings):
    """Without REDIS_URL jobs run in threads of this process, as in a web server without Redis."""
    settings.REDIS_URL = ""
    settings.SIPAS_JOB_HEARTBEAT_SECONDS = 1


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def merged_world():
    """The personas, with the district and its ward ended on 30/6/2025 as load_units records them."""
    world = make_world()
    Unit.objects.filter(pk__in=[world.district.pk, world.old_ward.pk]).update(valid_to=BEFORE_MERGER)
    return world


def start(client, unit, month: datetime.date):
    return client.post(reverse("reports:jobs"), {"unit": unit.code, "month": f"{month:%m/%Y}"})


def export(client, unit, period: str, fmt: str, *, subtree: bool = False):
    data = {"format": fmt, **({"subtree": "1"} if subtree else {})}
    return client.post(reverse("reports:responses_export", args=[unit.code, period]), data)


def finished(job: ReportJob, *, patience: float = PATIENCE) -> ReportJob:
    """The job once it is done or failed, read as its page reads it."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.active:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job still {job.status} ({job.done}/{job.total}) after {patience} s")


def archive_of(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("reports:job_download", args=[job.key]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="thong-bao-01-{job.params["period"]}.zip"'
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def assert_one_pdf_per_commune(archive: zipfile.ZipFile, month: datetime.date) -> None:
    assert sorted(archive.namelist()) == [f"thong-bao-09556-{month:%Y-%m}.pdf", f"thong-bao-09886-{month:%Y-%m}.pdf"]
    for name in archive.namelist():
        assert archive.read(name).startswith(b"%PDF")


def notices_job(world, **fields) -> ReportJob:
    """A job recorded as a worker leaves it, without making it."""
    job = ReportJob.objects.create(
        kind="notices",
        unit=world.hanoi,
        params={"period": f"{last_month():%Y-%m}"},
        requested_by=world.official,
        **fields,
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def world(db):
    return merged_world()


def test_a_province_job_covers_its_current_units_only(world):
    assert list(notice_units(world.hanoi)) == [world.commune_a, world.commune_b]


@pytest.mark.django_db(transaction=True)
def test_the_official_gets_every_notice_of_the_province_in_one_zip(client):
    world = merged_world()
    client.force_login(world.official)
    month = last_month()

    response = start(client, world.hanoi, month)

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.key])
    job = finished(job)
    assert (job.status, job.done, job.total, job.percent, job.error) == ("done", 2, 2, 100, "")
    assert (job.kind, job.unit, job.params["period"], job.requested_by) == (
        "notices",
        world.hanoi,
        f"{month:%Y-%m}",
        world.official,
    )
    assert job.finished is not None and job.started is not None and job.size > 0
    assert AuditEntry.objects.filter(action="reports.job.started", unit=world.hanoi, target_id=str(job.pk)).exists()
    assert_one_pdf_per_commune(archive_of(client, job), month)

    page = client.get(response["Location"]).content.decode()
    assert f"Thông báo kết quả tháng {month:%m/%Y}" in page and "Các đơn vị trực thuộc Thành phố Hà Nội" in page
    assert "2/2 văn bản · 100%" in page
    assert 'aria-valuenow="100"' in page
    assert reverse("reports:job_download", args=[job.key]) in page
    assert "hx-trigger" not in page  # done: the page stops asking

    listing = client.get(reverse("reports:jobs")).content.decode()
    assert reverse("reports:job", args=[job.key]) in listing


@pytest.mark.django_db(transaction=True)
def test_the_request_returns_at_once_and_a_thread_makes_the_job_while_its_heartbeat_keeps_it_alive(client, settings):
    """Forty notices take seconds; the request returns before, and the job's page shows it running, then done."""
    world = merged_world()
    for number in range(40):
        UnitFactory(code=f"3{number:04d}", name=f"Phường Thử {number}", parent=world.hanoi)
    settings.SIPAS_JOB_STALE_SECONDS = 2  # shorter than the job: only the heartbeat keeps it from being given up
    client.force_login(world.official)

    asked = time.monotonic()
    response = start(client, world.hanoi, last_month())
    answered = time.monotonic() - asked

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert job.status in ("queued", "running") and job.total == 42, "the request made the job itself"
    seen = set()
    url = reverse("reports:job", args=[job.key])
    while True:
        fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
        job.refresh_from_db()
        seen.add(job.status)
        if not job.active:
            break
        assert 'hx-trigger="every 1s"' in fragment
        assert time.monotonic() - asked < PATIENCE
        time.sleep(0.3)
    assert job.status == "done", job.error
    assert "running" in seen and time.monotonic() - asked > answered
    assert (
        len(
            zipfile.ZipFile(
                io.BytesIO(b"".join(client.get(reverse("reports:job_download", args=[job.key])).streaming_content))
            ).namelist()
        )
        == 42
    )


def test_the_form_offers_units_with_units_below_and_last_month(client, world):
    client.force_login(world.official)
    form = client.get(reverse("reports:jobs")).context["form"]
    assert list(form.fields["unit"].queryset) == [world.hanoi]
    assert form.fields["month"].initial == f"{last_month():%m/%Y}"


def test_an_outsider_gets_404_on_every_page_of_the_job(client, world, job_files):
    job = notices_job(world, status="done", total=2, done=2, filename="thong-bao.zip", mimetype="application/zip")
    (job_files / str(job.key)).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    client.force_login(world.official)
    assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 200

    for persona in ("outsider", "staff_a"):
        client.force_login(getattr(world, persona))
        assert client.get(reverse("reports:job", args=[job.key])).status_code == 404
        assert client.get(reverse("reports:job", args=[job.key]), headers={"HX-Request": "true"}).status_code == 404
        assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404
        assert client.post(reverse("reports:job_again", args=[job.key])).status_code == 404
        assert reverse("reports:job", args=[job.key]) not in client.get(reverse("reports:jobs")).content.decode()
    assert ReportJob.objects.count() == 1


def test_counter_staff_cannot_start_a_job(client, world):
    client.force_login(world.staff_a)
    assert client.get(reverse("reports:jobs")).context["form"] is None
    assert start(client, world.commune_a, last_month()).status_code == 404
    assert export(client, world.commune_a, "2026", "csv").status_code == 404
    assert not ReportJob.objects.exists()


def test_a_unit_outside_the_users_reach_is_refused(client, world):
    client.force_login(world.official)
    response = start(client, world.hatinh, last_month())
    assert response.status_code == 400
    assert "Chọn một đơn vị trong danh sách." in response.content.decode()
    assert export(client, world.hatinh, "2026", "csv").status_code == 404
    assert not ReportJob.objects.exists()


def test_a_month_that_has_not_begun_is_refused_next_to_the_field(client, world):
    client.force_login(world.official)
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=4)).replace(day=1)

    response = start(client, world.hanoi, next_month)

    assert response.status_code == 400
    assert response.context["form"].errors == {"month": ["Tháng này chưa tới."]}
    assert "Tháng này chưa tới." in response.content.decode()
    assert not ReportJob.objects.exists()


def test_the_progress_fragment_polls_until_the_job_ends(client, world):
    client.force_login(world.official)
    job = notices_job(world, total=4, done=1, status="running")
    url = reverse("reports:job", args=[job.key])

    fragment = client.get(url, headers={"HX-Request": "true"})

    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="job-progress"')
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html and f'hx-get="{url}"' in html
    assert "1/4 văn bản · 25%" in html
    assert f'href="{url}"' in html  # the reload link for a browser without JavaScript
    assert "HX-Request" in fragment["Vary"]
    assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404

    ReportJob.objects.filter(pk=job.pk).update(status="failed", error="Không tạo được thông báo của X: hỏng")
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert "Không tạo được thông báo của X: hỏng" in html
    assert reverse("reports:job_again", args=[job.key]) in html


@pytest.mark.django_db(transaction=True)
def test_a_failing_notice_marks_the_job_failed_with_the_reason(client, monkeypatch):
    def broken(unit, period):
        raise ValueError("thiếu dữ liệu")

    monkeypatch.setattr("reports.jobs.kinds.monthly_notice", broken)
    world = merged_world()
    client.force_login(world.official)

    response = start(client, world.hanoi, last_month())

    job = finished(ReportJob.objects.get())
    assert response.status_code == 302
    assert job.status == "failed"
    assert job.error == "Không tạo được thông báo của Phường Hà Đông: thiếu dữ liệu"
    assert job.filename == "" and not list(job_files_of(job))
    page = client.get(response["Location"]).content.decode()
    assert "Không tạo được thông báo của Phường Hà Đông: thiếu dữ liệu" in page and "hx-trigger" not in page
    assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404

    monkeypatch.undo()
    again = client.post(reverse("reports:job_again", args=[job.key]))
    retried = ReportJob.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("reports:job", args=[retried.key])
    assert finished(retried).status == "done"


def job_files_of(job):
    return Path(settings.SIPAS_JOB_DIR).glob(f"{job.key}*")


def fill(world, forms):
    """A ballot of Hà Đông and one of Dương Nội in March 2025 (Hà Nội), one of Hà Tĩnh."""
    import_sipas(world, forms, world.commune_a, [["05/03/2025", "Đăng ký khai sinh", 5, 4, 3, 2, 1, 5, 4, None]])
    import_sipas(world, forms, world.commune_b, [["10/03/2025", "Khai tử", 3, 3, 3, 3, 3, 3, 3, 3]])
    import_sipas(world, forms, world.commune_c, [["10/03/2025", "Tỉnh khác", 2, 2, 2, 2, 2, 2, 2, 2]])


@pytest.fixture
def year_of_responses(world, builtin_forms):
    fill(world, builtin_forms)
    return world


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_responses_export_is_a_job_whose_file_the_reader_downloads(client, builtin_forms, fmt):
    world = merged_world()
    fill(world, builtin_forms)
    client.force_login(world.official)

    response = export(client, world.hanoi, "2025", fmt, subtree=True)

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.key])
    assert (job.kind, job.total, job.params["format"], job.params["subtree"]) == ("responses", 2, fmt, True)
    job = finished(job)
    assert job.status == "done", job.error
    assert job.filename == f"phieu-01-2025.{fmt}"
    page = client.get(reverse("reports:job", args=[job.key])).content.decode()
    assert f"Tất cả phiếu năm 2025 ({fmt.upper()})" in page and "Thành phố Hà Nội và các đơn vị trực thuộc" in page
    assert "2/2 phiếu · 100%" in page and f"Tải về phieu-01-2025.{fmt}" in page
    download = client.get(reverse("reports:job_download", args=[job.key]))
    content = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == f'attachment; filename="phieu-01-2025.{fmt}"'
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content))["Phiếu"].iter_rows(values_only=True))
    else:
        assert download["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3 and {row[2] for row in rows[1:]} == {"09556", "09886"}

    client.force_login(world.head_a)  # a head of one commune does not see the province's export
    assert client.get(reverse("reports:job", args=[job.key])).status_code == 404


def test_an_xlsx_too_long_for_excel_is_refused_on_the_results_page_and_nothing_is_recorded(
    client, year_of_responses, monkeypatch
):
    world = year_of_responses
    monkeypatch.setattr("reports.exports.XLSX_MAX_ROWS", 2)  # the header and one row
    client.force_login(world.official)

    response = export(client, world.hanoi, "2025", "xlsx", subtree=True)

    assert response.status_code == 302
    assert response["Location"] == reverse("reports:results", args=["01", "2025"]) + "?subtree=1"
    assert not ReportJob.objects.exists() and not AuditEntry.objects.filter(action="reports.job.started").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Có 2 phiếu, quá giới hạn 2 dòng của một trang tính Excel. Hãy tải tệp CSV" in page
    assert export(client, world.hanoi, "2025", "csv", subtree=True).status_code == 302
    assert ReportJob.objects.get().params["format"] == "csv"


def test_bad_export_requests_are_not_found(client, year_of_responses):
    world = year_of_responses
    client.force_login(world.official)
    assert export(client, world.hanoi, "2025", "ods").status_code == 404
    assert export(client, world.hanoi, "2025-13", "csv").status_code == 404
    assert client.get(reverse("reports:responses_export", args=["01", "2025"])).status_code == 405
    assert client.get("/bao-cao/01/2025/phieu.xlsx").status_code == 404  # no longer made in the request
    assert not ReportJob.objects.exists()


def test_asking_twice_while_it_runs_gives_the_same_job(client, year_of_responses, django_capture_on_commit_callbacks):
    world = year_of_responses
    client.force_login(world.official)
    with django_capture_on_commit_callbacks() as handed_over:  # left waiting: not handed to a thread
        first = export(client, world.hanoi, "2025", "csv", subtree=True)
        second = export(client, world.hanoi, "2025", "csv", subtree=True)
    assert first["Location"] == second["Location"] and ReportJob.objects.count() == 1 and len(handed_over) == 1
    export(client, world.hanoi, "2025", "csv")  # not the same export: without the units below
    assert ReportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_national_comparison_is_a_job_of_the_whole_country_seen_by_national_readers_alone(client):
    world = merged_world()
    national = UserFactory(username="theodoi.quocgia")
    Membership.objects.create(user=national, unit=None, role=Membership.Role.NATIONAL)
    client.force_login(national)

    asked = client.post(reverse("reports:comparison_download", args=["toan-quoc", "2026-10", "pdf"]) + "?sort=name")

    job = finished(ReportJob.objects.get())
    assert asked["Location"] == reverse("reports:job", args=[job.key])
    assert (job.kind, job.unit, job.params["sort"], job.status) == ("comparison", None, "name", "done")
    page = client.get(asked["Location"]).content.decode()
    assert "Bảng so sánh tháng 10/2026 (PDF)" in page and "Các tỉnh, thành phố" in page
    assert reverse("reports:comparison", args=["toan-quoc", "2026-10"]) + "?sort=name" in page  # back to the page
    download = client.get(reverse("reports:job_download", args=[job.key]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "Toàn quốc" in client.get(reverse("reports:jobs")).content.decode()

    for persona in ("official", "head_a", "outsider"):
        client.force_login(getattr(world, persona))
        assert client.get(asked["Location"]).status_code == 404, persona
        assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404, persona


def ago(seconds: int):
    """A moment `seconds` ago by the database's clock, which every time of a job is."""
    return ExpressionWrapper(Now() - datetime.timedelta(seconds=seconds), output_field=DateTimeField())


@pytest.mark.parametrize(
    "status, field, seconds, message",
    [
        ("running", "heartbeat", 130, "Việc bị dừng giữa chừng: nơi tạo tệp không còn báo tiến độ từ "),
        ("running", "started", 3700, "Việc chạy quá 60 phút nên đã bị dừng."),
        ("queued", "heartbeat", 3700, "Việc đã chờ quá 60 phút mà chưa nơi nào nhận làm"),
    ],
)
def test_reading_the_page_of_a_job_whose_process_died_marks_it_failed(client, world, status, field, seconds, message):
    job = notices_job(world, status=status, total=4, done=1)
    ReportJob.objects.filter(pk=job.pk).update(**{"started": ago(10), "heartbeat": ago(1), field: ago(seconds)})
    alive = notices_job(world, status="running", total=4, done=1)
    ReportJob.objects.filter(pk=alive.pk).update(started=ago(10), heartbeat=ago(5))
    client.force_login(world.official)

    html = client.get(reverse("reports:job", args=[job.key]), headers={"HX-Request": "true"}).content.decode()

    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith(message) and job.finished is not None
    assert message in html and "hx-trigger" not in html
    assert 'hx-trigger="every 1s"' in client.get(reverse("reports:job", args=[alive.key])).content.decode()
    alive.refresh_from_db()
    assert alive.status == "running"


def test_a_queued_job_that_redis_lost_is_marked_failed(client, world, redis_queue):
    job = notices_job(world)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat=ago(5))
    client.force_login(world.official)
    url = reverse("reports:job", args=[job.key])
    job_dispatch(job)  # on the queue: still waiting
    assert 'hx-trigger="every 1s"' in client.get(url).content.decode()

    redis_queue.connection.flushdb()  # Redis restarted without its data
    assert 'hx-trigger="every 1s"' in client.get(url).content.decode()  # not before the stale time
    ReportJob.objects.filter(pk=job.pk).update(heartbeat=ago(130))

    assert (
        "Việc không còn trong hàng đợi (Redis đã bị xóa dữ liệu hoặc khởi động lại)" in client.get(url).content.decode()
    )


def test_rq_reporting_a_job_abandoned_marks_it_failed(world, redis_queue):
    job = notices_job(world)
    job_dispatch(job)
    rq_job = Job.fetch(rq_job_id(job), connection=redis_queue.connection)

    # What RQ does for a job its registry finds abandoned (StartedJobRegistry.cleanup).
    rq_job.execute_failure_callback(UnixSignalDeathPenalty, AbandonedJobError, AbandonedJobError(), None)

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Bộ xử lý hàng đợi báo lỗi: AbandonedJobError. Hãy tạo lại.")


def test_run_worker_needs_redis_url(settings):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="Chưa đặt REDIS_URL"):
        call_command("run_worker", "--burst")


@pytest.fixture
def redis_queue(settings):
    """The "sipas" queue on Redis database 15, emptied after the test; no Redis is a failure, not a skip."""
    settings.REDIS_URL = REDIS_TEST_URL
    connection = Redis.from_url(REDIS_TEST_URL)
    connection.ping()
    connection.flushdb()
    yield job_queue()
    connection.flushdb()


@pytest.mark.django_db(transaction=True)
def test_with_redis_the_job_waits_for_the_worker_then_is_made(client, redis_queue):
    world = merged_world()
    client.force_login(world.official)
    month = last_month()

    response = start(client, world.hanoi, month)

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.done, job.total, job.filename) == ("queued", 0, 2, "")
    assert redis_queue.count == 1
    assert "0/2 văn bản · 0%" in client.get(response["Location"]).content.decode()

    assert SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)

    job.refresh_from_db()
    assert (job.status, job.done, job.percent) == ("done", 2, 100)
    assert redis_queue.count == 0
    assert_one_pdf_per_commune(archive_of(client, job), month)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_job_says_so_at_once(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    world = merged_world()
    client.force_login(world.official)

    start(client, world.hanoi, last_month())

    job = ReportJob.objects.get()
    assert job.status == "failed" and job.error.startswith("Không gửi được việc cho hàng đợi (Redis):")


def test_run_worker_burst_stops_when_the_queue_is_empty(redis_queue, capsys, db):
    call_command("run_worker", "--burst")
    assert f"Đã dừng bộ xử lý hàng đợi “{QUEUE_NAME}”." in capsys.readouterr().out


def test_old_jobs_and_their_files_are_deleted_after_the_keeping_days(world, job_files, settings):
    old = notices_job(world, status="done", total=2, done=2, filename="a.zip", mimetype="application/zip")
    (job_files / str(old.key)).write_bytes(b"PK")
    days = datetime.timedelta(days=settings.SIPAS_JOB_KEEP_DAYS, hours=1)
    ReportJob.objects.filter(pk=old.pk).update(created=Now() - days)  # jobs' times are the database's
    recent = notices_job(world, status="failed", error="hỏng")
    waiting = notices_job(world)
    ReportJob.objects.filter(pk=waiting.pk).update(created=Now() - days)  # the dead-job sweep's, not this

    assert jobs_prune() == 1
    assert set(ReportJob.objects.all()) == {recent, waiting}
    assert not (job_files / str(old.key)).exists()
