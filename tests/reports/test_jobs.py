"""The monthly notices of a province as one job: in the request without Redis, through a real RQ worker with it."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from redis import Redis
from rq import SimpleWorker

from reports.jobs import QUEUE_NAME, job_queue, job_units
from reports.models import ReportJob
from surveys.models import AuditEntry, Unit
from tests.conftest import make_world

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
BEFORE_MERGER = datetime.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _calendar(frozen_clock):
    """Jobs make last month's notices and refuse next month's: the same months on every run."""


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def merged_world():
    """The personas, with the district and its ward ended on 30/6/2025 as load_units records them."""
    world = make_world()
    Unit.objects.filter(pk__in=[world.district.pk, world.old_ward.pk]).update(valid_to=BEFORE_MERGER)
    return world


def start(client, unit, month: datetime.date):
    return client.post(reverse("reports:jobs"), {"unit": unit.code, "month": f"{month:%m/%Y}"})


def archive_of(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("reports:job_download", args=[job.key]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="thong-bao-01-{job.month:%Y-%m}.zip"'
    return zipfile.ZipFile(io.BytesIO(response.content))


def assert_one_pdf_per_commune(archive: zipfile.ZipFile, month: datetime.date) -> None:
    assert sorted(archive.namelist()) == [f"thong-bao-09556-{month:%Y-%m}.pdf", f"thong-bao-09886-{month:%Y-%m}.pdf"]
    for name in archive.namelist():
        assert archive.read(name).startswith(b"%PDF")


@pytest.fixture
def world(db):
    return merged_world()


def test_a_province_job_covers_its_current_units_only(world):
    assert list(job_units(world.hanoi)) == [world.commune_a, world.commune_b]


def test_the_official_gets_every_notice_of_the_province_in_one_zip(client, world):
    client.force_login(world.official)
    month = last_month()

    response = start(client, world.hanoi, month)

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.key])
    assert (job.status, job.done, job.total, job.percent) == ("done", 2, 2, 100)
    assert (job.unit, job.month, job.requested_by, job.error) == (world.hanoi, month, world.official, "")
    assert job.finished is not None
    assert AuditEntry.objects.filter(action="reports.job.started", unit=world.hanoi, target_id=str(job.pk)).exists()
    assert_one_pdf_per_commune(archive_of(client, job), month)

    page = client.get(response["Location"]).content.decode()
    assert "2/2 văn bản · 100%" in page
    assert 'aria-valuenow="100"' in page
    assert reverse("reports:job_download", args=[job.key]) in page
    assert "hx-trigger" not in page

    listing = client.get(reverse("reports:jobs")).content.decode()
    assert reverse("reports:job", args=[job.key]) in listing


def test_the_form_offers_units_with_units_below_and_last_month(client, world):
    client.force_login(world.official)
    form = client.get(reverse("reports:jobs")).context["form"]
    assert list(form.fields["unit"].queryset) == [world.hanoi]
    assert form.fields["month"].initial == f"{last_month():%m/%Y}"


def test_an_outsider_gets_404_on_every_page_of_the_job(client, world):
    client.force_login(world.official)
    start(client, world.hanoi, last_month())
    job = ReportJob.objects.get()

    client.force_login(world.outsider)
    assert client.get(reverse("reports:job", args=[job.key])).status_code == 404
    assert client.get(reverse("reports:job", args=[job.key]), headers={"HX-Request": "true"}).status_code == 404
    assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404
    assert reverse("reports:job", args=[job.key]) not in client.get(reverse("reports:jobs")).content.decode()


def test_counter_staff_cannot_start_a_job(client, world):
    client.force_login(world.staff_a)
    assert client.get(reverse("reports:jobs")).context["form"] is None
    assert start(client, world.commune_a, last_month()).status_code == 404
    assert not ReportJob.objects.exists()


def test_a_unit_outside_the_users_reach_is_refused(client, world):
    client.force_login(world.official)
    response = start(client, world.hatinh, last_month())
    assert response.status_code == 400
    assert "Chọn một đơn vị trong danh sách." in response.content.decode()
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
    job = ReportJob.objects.create(unit=world.hanoi, month=last_month(), total=4, done=1, status="running")
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


def test_a_failing_notice_marks_the_job_failed_with_the_reason(client, world, monkeypatch):
    def broken(unit, period):
        raise ValueError("thiếu dữ liệu")

    monkeypatch.setattr("reports.jobs.monthly_notice", broken)
    client.force_login(world.official)

    response = start(client, world.hanoi, last_month())

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert job.status == "failed"
    assert job.error == "Không tạo được thông báo của Phường Hà Đông: thiếu dữ liệu"
    assert job.archive is None
    assert (
        "Không tạo được thông báo của Phường Hà Đông: thiếu dữ liệu"
        in client.get(response["Location"]).content.decode()
    )


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
    assert (job.status, job.done, job.total, job.archive) == ("queued", 0, 2, None)
    assert redis_queue.count == 1
    assert "0/2 văn bản · 0%" in client.get(response["Location"]).content.decode()

    assert SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)

    job.refresh_from_db()
    assert (job.status, job.done, job.percent) == ("done", 2, 100)
    assert redis_queue.count == 0
    assert_one_pdf_per_commune(archive_of(client, job), month)


def test_run_worker_burst_stops_when_the_queue_is_empty(redis_queue, capsys):
    call_command("run_worker", "--burst")
    assert f"Đã dừng bộ xử lý hàng đợi “{QUEUE_NAME}”." in capsys.readouterr().out
