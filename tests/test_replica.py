"""Reports read a real hot standby; writes, and the screens that show them, stay on the primary.

The machine's PostgreSQL takes no replication connections, so bench/replica.sh starts a primary and
its standby of our own in a temporary directory. The test database is copied onto that primary and,
for this module, `default` points at it and `replica` at the standby: what DATABASE_URL and
DATABASE_REPLICA_URL give a deployment. Data must be committed to reach the standby, hence
transactional tests.
"""

import copy
import datetime
import io
import os
import pwd
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from reports.models import ReportJob
from surveys.models import Batch, BoxOpening, Question, Response
from tests.factories import dossier_with_survey

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 55432
FULL = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 5, "Câu 4": 5, "Câu 5": 3, "Câu 6": 4, "Câu 7": 5, "Câu 8": 2}


def _why_skip() -> str:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: DATABASE_URL=postgres://… (CI's second pass)"
    programs = ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "psql")
    missing = [name for name in programs if not (PG_BIN / name).exists()]
    if missing:
        return f"PostgreSQL programs missing from {PG_BIN}: {', '.join(missing)}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "run as root, but there is no postgres user to run PostgreSQL as"
    return ""


pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(bool(_why_skip()), reason=_why_skip()),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, check=True, capture_output=True, timeout=120, **kwargs)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{error.stderr.decode(errors='replace')}")


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """Point `default` at a primary of our own holding a copy of the test database, `replica` at its standby."""
    directory = tempfile.mkdtemp(prefix="sipas-replica-")
    pair = str(ROOT / "bench" / "replica.sh")
    primary = connections["default"].settings_dict
    saved = {key: primary[key] for key in ("HOST", "PORT")}
    try:
        _run(pair, "start", directory, str(PORT))
        name, ours = primary["NAME"], ["-h", directory, "-p", str(PORT), "-U", "postgres"]
        env = {**os.environ, "PGPASSWORD": primary["PASSWORD"] or ""}
        theirs = ["-h", primary["HOST"], "-p", str(primary["PORT"]), "-U", primary["USER"]]
        dump = _run(PG_BIN / "pg_dump", "--no-owner", "--no-privileges", *theirs, name, env=env)
        _run(PG_BIN / "createdb", *ours, name)
        _run(PG_BIN / "psql", "-q", "-v", "ON_ERROR_STOP=1", *ours, "-d", name, input=dump.stdout)
        with django_db_blocker.unblock():
            connections["default"].close()
            primary.update(HOST=directory, PORT=PORT)
            replica = copy.deepcopy(primary) | {"PORT": PORT + 1}
            replica["TEST"]["MIRROR"] = "default"  # never flushed or created by the test runner
            connections.settings["replica"] = replica
        yield directory
    finally:
        with django_db_blocker.unblock():
            for alias in ("replica", "default"):
                if alias in connections.settings:
                    connections[alias].close()
            if hasattr(connections._connections, "replica"):
                del connections["replica"]
            connections.settings.pop("replica", None)
            primary.update(saved)
        subprocess.run([pair, "stop", directory], check=False, timeout=60)


@pytest.fixture
def routed(standby, settings):
    """The router settings.py installs when DATABASE_REPLICA_URL is set."""
    settings.DATABASE_ROUTERS = ["sipas.db_routing.ReplicaRouter"]
    settings.REDIS_URL = ""  # report jobs run in the request
    yield
    _replay(resume=True)  # a test that failed while replay was paused must not leave it so


def _one(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def caught_up() -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    target = _one("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + 20
    while not _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, "the standby did not catch up in 20 s"
        time.sleep(0.05)


def _replay(*, resume: bool) -> None:
    """Pause or resume the standby's replay of the primary's changes, and wait until it has."""
    _one("replica", "SELECT pg_wal_replay_resume()" if resume else "SELECT pg_wal_replay_pause()")
    wanted = "not paused" if resume else "paused"
    deadline = time.monotonic() + 20
    while _one("replica", "SELECT pg_get_wal_replay_pause_state()") != wanted:
        assert time.monotonic() < deadline, f"the standby's replay is not {wanted} after 20 s"
        time.sleep(0.05)


def batch_of(world, builtin_forms, *, counted: int) -> Batch:
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa",
        seal_intact=True,
        ballot_count=counted,
        recorded_by=world.staff_a,
    )
    version = builtin_forms["sipas-5"].current_version()
    return Batch.objects.create(unit=world.commune_a, opening=opening, version=version, created_by=world.staff_a)


def post_ballot(client, batch):
    payload = {"client_id": str(uuid.uuid4()), "answered_on": f"{timezone.localdate():%d/%m/%Y}", "answers": FULL}
    return client.post(f"/lo-phieu/{batch.pk}/phieu/", payload, content_type="application/json")


def responses_on_results_page(client, unit_code: str, month: datetime.date) -> int:
    page = client.get(f"/ket-qua/{unit_code}/{month:%Y-%m}/")
    assert page.status_code == 200
    return page.context["f"].responses


def test_a_report_reads_the_standby_while_the_typing_screen_reads_the_primary(
    routed, world, builtin_forms, frozen_clock, client
):
    batch = batch_of(world, builtin_forms, counted=2)
    client.force_login(world.staff_a)
    assert post_ballot(client, batch).status_code == 201
    caught_up()

    _replay(resume=False)
    with CaptureQueriesContext(connections["replica"]) as writing:
        assert post_ballot(client, batch).status_code == 201
    typed = client.get(f"/lo-phieu/{batch.pk}/phieu/").json()["ballots"]
    client.force_login(world.head_a)
    with CaptureQueriesContext(connections["replica"]) as reading:
        seen_while_paused = responses_on_results_page(client, "09556", frozen_clock)
    _replay(resume=True)
    caught_up()

    assert len(writing) == 0 and len(typed) == 2  # the typist sees both ballots at once
    assert len(reading) > 0 and seen_while_paused == 1  # the report, from the standby, only the replayed one
    assert responses_on_results_page(client, "09556", frozen_clock) == 2
    assert Response.objects.count() == 2


def test_every_screen_that_writes_keeps_off_the_standby_and_every_report_reads_it(
    routed, world, builtin_forms, frozen_clock, client
):
    """A write on a hot standby fails ("cannot execute INSERT in a read-only transaction"): none reaches it."""
    version = builtin_forms["sipas-5"].current_version()
    scales = list(version.questions.filter(kind=Question.Kind.SCALE).order_by("position"))
    answers = {f"q-{question.pk}": "4" for question in scales}
    today = f"{timezone.localdate():%d/%m/%Y}"
    batch = batch_of(world, builtin_forms, counted=2)
    _dossier, _survey, link = dossier_with_survey(unit=world.commune_a, code="HS-1")
    _dossier, _survey, api_link = dossier_with_survey(unit=world.commune_a, code="HS-2")
    plan = {
        "number": "15/KH-UBND",
        "signed_on": "05/01/2026",
        "target_kind": "percent",
        "target_percent": "50",
        "uses_paper": "on",
        "collection_months": "1",
        "starts": "01/01/2026",
        "ends": "31/12/2026",
        "lead_unit": "Văn phòng UBND phường",
        "publication": "Niêm yết tại Bộ phận Một cửa",
    }
    opening = {
        "unit": "09556",
        "opened_on": today,
        "opened_time": "08:30",
        "place": "Bộ phận Một cửa",
        "seal_intact": "1",
        "ballot_count": "5",
        "key_keeper": "Văn phòng UBND phường",
        "version": str(version.pk),
        "witness-TOTAL_FORMS": "1",
        "witness-INITIAL_FORMS": "0",
        "witness-0-name": "Nguyễn Văn Dũng",
        "witness-0-role": "Trưởng bộ phận Một cửa",
    }
    typed = {"client_id": uuid.uuid4(), "answered_on": today, **answers}
    typed_json = {"client_id": str(uuid.uuid4()), "answered_on": today, "answers": FULL}
    submitted = {"token": api_link, "client_id": str(uuid.uuid4()), "answers": FULL}
    # (who, method, address, what is sent, the status expected)
    writes = [
        (world.staff_a, "post", "/hom-phieu/mo/", opening, 302),
        (world.staff_a, "get", f"/lo-phieu/{batch.pk}/nhap/", None, 200),
        (world.staff_a, "post", f"/lo-phieu/{batch.pk}/nhap/", typed, 302),
        (world.staff_a, "json", f"/lo-phieu/{batch.pk}/phieu/", typed_json, 201),
        (world.staff_a, "get", f"/lo-phieu/{batch.pk}/phieu/", None, 200),
        (world.head_a, "post", f"/lo-phieu/{batch.pk}/khoa-so/", {"note": ""}, 302),
        (None, "get", f"/p/{link}/", None, 200),
        (None, "post", f"/p/{link}/", {"client_id": uuid.uuid4(), **answers}, 200),
        (None, "json", "/api/v1/responses", submitted, 201),
        (None, "post", "/danh-gia/09556/", {"client_id": uuid.uuid4(), **answers}, 200),
        (world.head_a, "post", "/bao-cao/09556/2026-Q3/noi-dung/", {"strengths": "Tốt"}, 302),
        (world.head_a, "post", "/ke-hoach/09556/2026/", plan, 302),
        (world.official, "post", "/tao-hang-loat/", {"unit": "01", "month": "10/2026"}, 302),
        (world.head_a, "post", f"/bao-cao/09556/{frozen_clock:%Y-%m}/phieu/", {"format": "xlsx"}, 302),
        (world.official, "post", f"/so-sanh/01/{frozen_clock:%Y}.xlsx", {}, 302),
    ]
    for user, method, url, data, status in writes:
        client.logout()
        if user:
            client.force_login(user)
        with CaptureQueriesContext(connections["replica"]) as on_standby:
            if method == "json":
                reply = client.post(url, data, content_type="application/json")
            else:
                reply = getattr(client, method)(url, data)
        assert (reply.status_code, len(on_standby)) == (status, 0), url
    # The jobs (batch notices, the responses, the comparison) are made by threads of this process: each ends done.
    deadline = time.monotonic() + 60
    while ReportJob.objects.filter(status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING]).exists():
        assert time.monotonic() < deadline, "a job was still running after 60 s"
        time.sleep(0.1)
    assert [(job.status, job.error) for job in ReportJob.objects.all()] == [("done", "")] * 3

    caught_up()
    reads = [
        (world.head_a, f"/ket-qua/09556/{frozen_clock:%Y-%m}/"),
        (world.head_a, f"/ket-qua/09556/{frozen_clock:%Y-%m}/yeu-to/officer/"),
        (world.official, f"/so-sanh/01/{frozen_clock:%Y}/"),
        (world.head_a, f"/bao-cao/09556/{frozen_clock:%Y-%m}/notice.pdf"),
        (None, f"/cong-khai/09556/{frozen_clock:%Y-%m}/"),
    ]
    for user, url in reads:
        client.logout()
        if user:
            client.force_login(user)
        with CaptureQueriesContext(connections["replica"]) as on_standby:
            assert client.get(url).status_code == 200, url
        assert len(on_standby) > 0, url
    # Two ballots typed, one answered at the link, one through the API, one rated online: all replayed.
    client.force_login(world.head_a)
    assert responses_on_results_page(client, "09556", frozen_clock) == Response.objects.count() == 5


def test_the_export_job_reads_the_standby(routed, world, builtin_forms, frozen_clock, client):
    batch = batch_of(world, builtin_forms, counted=2)
    client.force_login(world.staff_a)
    assert post_ballot(client, batch).status_code == 201
    caught_up()
    _replay(resume=False)
    assert post_ballot(client, batch).status_code == 201
    client.force_login(world.head_a)
    job_page = client.post(f"/bao-cao/09556/{frozen_clock:%Y-%m}/phieu/", {"format": "xlsx"}).url
    deadline = time.monotonic() + 60
    while (job := ReportJob.objects.get(key=job_page.strip("/").split("/")[-1])).active:
        assert time.monotonic() < deadline, "the export was still running after 60 s"
        time.sleep(0.1)
    _replay(resume=True)
    assert (job.status, job.error) == ("done", "")
    sheet = load_workbook(io.BytesIO(client.get(f"{job_page}tai-ve/").getvalue()), read_only=True).worksheets[0]
    assert sum(1 for _row in sheet.iter_rows()) - 1 == 1  # the standby had replayed the first ballot only
