"""sipas behind a real PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLER=true).

The test starts a PgBouncer of its own on a free port in front of the test database, with two
server connections for every client, and a child process whose DATABASE_URL names it does a busy
morning's work: submissions through the API from several threads at once, the results page, the
XLSX of every response, an `.iterator()` over them. PgBouncer's own counters then show that the
work went through it.
"""

import io
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from reports.models import ReportJob
from surveys.models import Response
from tests.factories import dossier_with_survey

ROOT = Path(__file__).resolve().parent.parent
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
THREADS = 4
SUBMISSIONS = 12
ANSWERS = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def _why_skip() -> str:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: DATABASE_URL=postgres://… (CI's second pass)"
    if not os.access(PGBOUNCER, os.X_OK):
        return "PgBouncer is not installed (make system-deps installs it)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "run as root, but there is no postgres user to run PgBouncer as (it refuses root)"
    return ""


pytestmark = [
    pytest.mark.pgbouncer,
    pytest.mark.skipif(bool(_why_skip()), reason=_why_skip()),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pgbouncer(django_db_setup):
    """A PgBouncer of our own in transaction mode in front of the test database; yields its port."""
    server = connections["default"].settings_dict
    directory = Path(tempfile.mkdtemp(prefix="sipas-pgbouncer-"))
    port = free_port()
    # jit=off cannot travel as a startup option through PgBouncer: the pool sets it on each server connection.
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
{server["NAME"]} = host={server["HOST"]} port={server["PORT"]} connect_query='SET jit = off'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
admin_users = {server["USER"]}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
logfile = {directory}/pgbouncer.log
"""
    )
    (directory / "users.txt").write_text(f'"{server["USER"]}" ""\n')
    owner = {}
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        owner = {"user": "postgres"}
        os.chown(directory, pwd.getpwnam("postgres").pw_uid, -1)
    process = subprocess.Popen([PGBOUNCER, str(directory / "pgbouncer.ini")], **owner)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                log = directory / "pgbouncer.log"
                assert process.poll() is None, log.read_text() if log.exists() else "PgBouncer exited"
                assert time.monotonic() < deadline, "PgBouncer did not listen in 10 s"
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def pooled_work(*, tokens: list[str], head: str, unit: str, month: str, now: str) -> dict:
    """In the child, at the parent's time: submit every token from several threads, then read the results.

    The export is a job that a thread of this process makes (no REDIS_URL), as in a web server.
    """
    import datetime
    from concurrent.futures import ThreadPoolExecutor

    import time_machine
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from openpyxl import load_workbook

    setup_test_environment()  # the client records each page's context
    time_machine.travel(datetime.datetime.fromisoformat(now), tick=True).start()

    def submit(token: str) -> int:
        try:
            body = {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}
            return Client().post("/api/v1/responses", body, content_type="application/json").status_code
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(submit, tokens))
    client = Client()
    client.force_login(get_user_model().objects.get(username=head))
    page = client.get(f"/ket-qua/{unit}/{month}/")
    job_page = client.post(f"/bao-cao/{unit}/{month}/phieu/", {"format": "xlsx"}).url
    deadline = time.monotonic() + 60
    while (job := ReportJob.objects.get(key=job_page.strip("/").split("/")[-1])).active:
        assert time.monotonic() < deadline, "the export was still running after 60 s"
        time.sleep(0.1)
    export = client.get(f"{job_page}tai-ve/")
    sheet = load_workbook(io.BytesIO(export.getvalue()), read_only=True).worksheets[0]
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    return {
        "statuses": statuses,
        "page": page.status_code,
        "counted": page.context["f"].responses,
        "export": (job.status, job.error, export.status_code),
        "rows": sum(1 for _row in sheet.iter_rows()) - 1,
        "iterated": sum(1 for _ in Response.objects.order_by("pk").iterator(chunk_size=5)),
        "server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
        "jit": jit,
    }


def admin(port: int, command: str) -> list[dict]:
    """A SHOW command on PgBouncer's admin console, as dicts."""
    user = connections["default"].settings_dict["USER"]
    console = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="pgbouncer")
    console.autocommit = True  # the console takes no BEGIN
    try:
        with console.cursor() as cursor:
            cursor.execute(command)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        console.close()


def test_a_busy_morning_through_pgbouncer_in_transaction_mode(pgbouncer, world, builtin_forms, frozen_clock, tmp_path):
    tokens = [dossier_with_survey(unit=world.commune_a, code=f"HS-{n}")[2] for n in range(SUBMISSIONS)]
    name = connections["default"].settings_dict["NAME"]
    ours = {"DEBUG", "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in ours}
    env.update(
        DEBUG="true",
        SIPAS_ENV_FILE=os.devnull,
        SIPAS_JOB_DIR=str(tmp_path / "jobs"),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{pgbouncer}/{name}",
        DATABASE_TRANSACTION_POOLER="true",
    )
    arguments = {
        "tokens": tokens,
        "head": world.head_a.username,
        "unit": "09556",
        "month": f"{frozen_clock:%Y-%m}",
        "now": timezone.now().isoformat(),
    }
    script = (
        "import django, json, sys; django.setup(); from tests.test_pgbouncer import pooled_work; "
        "print(json.dumps(pooled_work(**json.loads(sys.argv[1]))))"
    )
    child = subprocess.run(
        [sys.executable, "-c", script, json.dumps(arguments)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "sipas.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    seen = json.loads(child.stdout.splitlines()[-1])

    assert seen["statuses"] == [201] * SUBMISSIONS
    assert (seen["page"], seen["counted"]) == (200, SUBMISSIONS)
    assert (seen["export"], seen["rows"], seen["iterated"]) == (["done", "", 200], SUBMISSIONS, SUBMISSIONS)
    assert (seen["server_side_cursors"], seen["jit"]) == (False, "off")
    assert Response.objects.count() == SUBMISSIONS
    # And it all went through PgBouncer, in transaction mode, over at most two server connections.
    config = {row["key"]: row["value"] for row in admin(pgbouncer, "SHOW CONFIG")}
    assert config["pool_mode"] == "transaction"
    (stats,) = [row for row in admin(pgbouncer, "SHOW STATS") if row["database"] == name]
    assert stats["total_xact_count"] >= SUBMISSIONS
    (pool,) = [row for row in admin(pgbouncer, "SHOW POOLS") if row["database"] == name]
    assert pool["sv_active"] + pool["sv_idle"] + pool["sv_used"] + pool["sv_tested"] + pool["sv_login"] <= 2
