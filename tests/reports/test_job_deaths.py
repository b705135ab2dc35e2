"""Jobs whose process dies: real workers and server processes are started, killed with SIGKILL mid-job,
and the job's page must say it failed, within a bounded time, never poll for ever.

The processes run `manage.py` against this test database (a file on SQLite, see tests/conftest.py)
and Redis database 11. The job is real work made slow by real data: forty-two monthly notices.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.functions import Now
from django.urls import reverse
from redis import Redis

from reports.models import ReportJob
from surveys.models import Unit
from tests.conftest import make_world
from tests.factories import UnitFactory

ROOT = Path(__file__).resolve().parents[2]
# A database of their own: a worker here must not take the jobs of test_jobs.py run at the same time.
REDIS_TEST_URL = "redis://127.0.0.1:6379/11"
MONTH = "2026-10"
# A dead job is noticed once its heartbeat is this old.
STALE = 3
# Waits for a process or a job end after this long: ample on a busy machine, and a hang still fails.
PATIENCE = 90

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _settings(settings, frozen_clock):
    settings.SIPAS_JOB_HEARTBEAT_SECONDS = 1
    settings.SIPAS_JOB_STALE_SECONDS = STALE


@pytest.fixture
def redis(settings):
    """Jobs go to the "sipas" queue on Redis database 11, emptied before and after."""
    settings.REDIS_URL = REDIS_TEST_URL
    connection = Redis.from_url(REDIS_TEST_URL)
    connection.ping()
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def province():
    """Hà Nội with forty-two current communes: a notices job of some seconds."""
    world = make_world()
    Unit.objects.filter(pk__in=[world.district.pk, world.old_ward.pk]).update(valid_to="2025-06-30")
    for number in range(40):
        UnitFactory(code=f"3{number:04d}", name=f"Phường Thử {number}", parent=world.hanoi)
    return world


class Child:
    """A `manage.py` process on this test database, its output kept in a file to show when a test fails."""

    def __init__(self, *args: str, **env: str):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the child writes to it)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=child_env(**env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def children(self) -> list[int]:
        """The processes this one forked (an RQ worker's work horse)."""
        found = []
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return found

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"manage.py did not end:\n{self.output()}") from None


def child_env(**extra: str) -> dict:
    """The environment of a child: this test database, this run's job folder, short heartbeats."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{database['NAME']}"
    else:
        user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        url = f"postgres://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "true",
        "SIPAS_JOB_DIR": settings.SIPAS_JOB_DIR,
        "SIPAS_JOB_HEARTBEAT_SECONDS": "1",
        "SIPAS_JOB_STALE_SECONDS": str(STALE),
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    }
    env.pop("DATABASE_REPLICA_URL", None)
    return env


@pytest.fixture
def children():
    """Every child a test starts is killed at its end, whatever happened."""
    started = []
    yield lambda *args, **env: started.append(Child(*args, **env)) or started[-1]
    for child in started:
        for pid in child.children() if child.process.poll() is None else []:
            os.kill(pid, signal.SIGKILL)
        child.kill()


def start(client, world):
    client.force_login(world.official)
    response = client.post(reverse("reports:jobs"), {"unit": world.hanoi.code, "month": "10/2026"})
    assert response.status_code == 302
    return ReportJob.objects.get()


def running(job: ReportJob, child: Child, *, notices: int = 3) -> None:
    """Wait until the job is running and has made a few notices, as its page would show."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == "running" and job.done >= notices:
            assert job.done < job.total, "the job ended before it could be killed"
            return
        assert job.status in ("queued", "running"), f"{job.status}: {job.error}\n{child.output()}"
        assert child.process.poll() is None, child.output()
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} never ran:\n{child.output()}")


def page_until_failed(client, job: ReportJob, *, within: float) -> str:
    """Read the job's progress block as the page polls it, until it shows a failure; return it."""
    url = reverse("reports:job", args=[job.key])
    deadline = time.monotonic() + within
    while True:
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
        if 'id="job-error"' in html:
            return html
        assert 'hx-trigger="every 1s"' in html
        assert time.monotonic() < deadline, f"the page still shows a live job after {within} s:\n{html}"
        time.sleep(0.5)


def no_files_left(job: ReportJob) -> bool:
    return not list(Path(settings.SIPAS_JOB_DIR).glob(f"{job.key}*"))


def test_a_worker_killed_mid_job_is_found_dead_by_the_next_worker_and_the_job_made_again(
    client, redis, province, children
):
    worker = children("run_worker")
    job = start(client, province)
    running(job, worker)
    horse = worker.children()
    assert len(horse) == 1, worker.output()

    # The machine goes down: the worker and its work horse die at once, telling nobody.
    os.kill(horse[0], signal.SIGKILL)
    worker.kill()
    killed = time.monotonic()
    job.refresh_from_db()
    assert job.status == "running"

    # A worker starting up sweeps: once the heartbeat is older than the stale time, the job is failed.
    time.sleep(max(0.0, STALE + 1 - (time.monotonic() - killed)))
    sweeper = children("run_worker", "--burst")
    assert sweeper.wait() == 0, sweeper.output()
    job.refresh_from_db()
    assert job.status == "failed", sweeper.output()
    assert job.error.startswith("Việc bị dừng giữa chừng: nơi tạo tệp không còn báo tiến độ từ ")
    assert "Đã đánh dấu lỗi 1 việc bị dừng giữa chừng." in sweeper.output()
    assert no_files_left(job)  # the half-written ZIP is gone too

    page = client.get(reverse("reports:job", args=[job.key])).content.decode()
    assert "Việc bị dừng giữa chừng" in page and "hx-trigger" not in page
    assert client.get(reverse("reports:job_download", args=[job.key])).status_code == 404

    # "Tạo lại": a new job, made by a new worker.
    again = client.post(reverse("reports:job_again", args=[job.key]))
    retried = ReportJob.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("reports:job", args=[retried.key])
    worker = children("run_worker", "--burst")
    assert worker.wait() == 0, worker.output()
    retried.refresh_from_db()
    assert (retried.status, retried.done, retried.total) == ("done", 42, 42), retried.error


def test_a_work_horse_killed_mid_job_is_reported_at_once_by_its_worker(client, redis, province, children, settings):
    # No sweep could notice it in this test: only the worker that saw its horse die.
    settings.SIPAS_JOB_STALE_SECONDS = 3600
    worker = children("run_worker", SIPAS_JOB_STALE_SECONDS="3600")
    job = start(client, province)
    running(job, worker)
    (horse,) = worker.children()

    os.kill(horse, signal.SIGKILL)  # out of memory, say

    html = page_until_failed(client, job, within=20)
    assert "Tiến trình tạo tệp bị dừng đột ngột (tín hiệu SIGKILL)" in html
    assert no_files_left(job)
    assert worker.process.poll() is None, "the worker went down with its horse"

    # The worker lives on and makes the job again.
    client.post(reverse("reports:job_again", args=[job.key]))
    retried = ReportJob.objects.exclude(pk=job.pk).get()
    deadline = time.monotonic() + PATIENCE
    while retried.active and time.monotonic() < deadline:
        time.sleep(0.2)
        retried.refresh_from_db()
    assert retried.status == "done", f"{retried.status} {retried.error}\n{worker.output()}"


def test_a_server_process_killed_mid_job_leaves_a_job_its_page_reports_failed(client, settings, province, children):
    """Without Redis a thread of the web process makes the job; the process is killed (a restart, the OOM killer)."""
    settings.REDIS_URL = ""
    job = ReportJob.objects.create(
        kind="notices", unit=province.hanoi, params={"period": MONTH}, total=42, requested_by=province.official
    )
    ReportJob.objects.filter(pk=job.pk).update(heartbeat=Now())
    # The job's thread runs job_run, as here; the process around it is then killed.
    server = children("shell", "-c", f"from reports.jobs.runner import job_run; job_run({job.pk})", REDIS_URL="")
    running(job, server)

    server.kill()
    killed = time.monotonic()

    client.force_login(province.official)
    html = page_until_failed(client, job, within=STALE + 15)
    assert time.monotonic() - killed >= STALE - 1  # not before the heartbeat could be stale
    assert "Việc bị dừng giữa chừng: nơi tạo tệp không còn báo tiến độ từ" in html
    assert "hx-trigger" not in html
    job.refresh_from_db()
    assert job.status == "failed" and job.finished is not None
    assert no_files_left(job)
