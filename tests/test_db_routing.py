"""Which database a read or a write goes to, and the settings that add the replica: on any database.

tests/test_replica.py proves the same against a real hot standby, on PostgreSQL.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from reports.models import ReportJob
from sipas.db_routing import ReplicaRouter, reads_from_replica, replica_reads
from surveys.models import Answer, Response, Unit

ROOT = Path(__file__).resolve().parent.parent
router = ReplicaRouter()


def test_survey_data_is_read_from_the_replica_only_inside_the_context():
    assert router.db_for_read(Response) == "default"
    with replica_reads():
        assert [router.db_for_read(model) for model in (Response, Answer, Unit, ReportJob)] == ["replica"] * 4
        # Who is asking always comes from the primary: a login made a moment ago is there already.
        assert router.db_for_read(User) == router.db_for_read(Session) == "default"
        with replica_reads():
            pass
        assert router.db_for_read(Response) == "replica"  # an inner block does not end the outer one
    assert router.db_for_read(Response) == "default"


def test_writes_and_migrations_never_go_to_the_replica():
    unit = Unit(code="X")
    unit._state.db = "replica"  # read from the replica, then saved
    with replica_reads():
        assert router.db_for_write(Response) == router.db_for_write(Unit, instance=unit) == "default"
    assert router.allow_relation(unit, Response()) is True
    assert router.allow_migrate("replica", "surveys") is False
    assert router.allow_migrate("default", "surveys") is None


def test_the_view_decorator_reads_the_replica_for_get_and_head_only():
    seen = []

    @reads_from_replica
    def view(request):
        seen.append((request.method, router.db_for_read(Response)))

    for method in ("get", "head", "post"):
        view(getattr(RequestFactory(), method)("/"))
    assert seen == [("GET", "replica"), ("HEAD", "replica"), ("POST", "default")]
    assert router.db_for_read(Response) == "default"


def settings_of(tmp_path, **env) -> dict:
    """The databases and routers a fresh process gets from these variables (no database is touched)."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'aliases': sorted(settings.DATABASES), 'routers': settings.DATABASE_ROUTERS, "
        "'replica': settings.DATABASES.get('replica'), 'default': settings.DATABASES['default']}, default=str))"
    )
    ours = {"DATABASE_URL", "DATABASE_REPLICA_URL", "DATABASE_REPLICA_URL_FILE", "DATABASE_TRANSACTION_POOLER"}
    clean = {key: value for key, value in os.environ.items() if key not in ours}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DEBUG": "true", "SIPAS_ENV_FILE": str(tmp_path / "none.env"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_there_is_no_replica_and_no_router(tmp_path):
    seen = settings_of(tmp_path, DATABASE_URL="postgres://sipas@db.example:5432/sipas")
    assert (seen["aliases"], seen["routers"]) == (["default"], [])


def test_a_replica_url_adds_the_alias_the_router_and_a_test_mirror(tmp_path):
    (tmp_path / "replica-url").write_text("postgres://sipas@standby.example:5432/sipas\n")
    seen = settings_of(
        tmp_path,
        DATABASE_URL="postgres://sipas@db.example:5432/sipas",
        DATABASE_REPLICA_URL_FILE=str(tmp_path / "replica-url"),
    )
    assert seen["aliases"] == ["default", "replica"]
    assert seen["routers"] == ["sipas.db_routing.ReplicaRouter"]
    assert (seen["replica"]["HOST"], seen["replica"]["TEST"]["MIRROR"]) == ("standby.example", "default")
    assert seen["replica"]["OPTIONS"]["options"] == "-c jit=off"


def test_a_replica_needs_postgresql_on_both_sides(tmp_path):
    sqlite = settings_of(tmp_path, DATABASE_REPLICA_URL="postgres://sipas@standby.example:5432/sipas")
    assert "DATABASE_REPLICA_URL and DATABASE_URL must both be postgres://" in sqlite["error"]


def test_behind_a_transaction_pooler_both_databases_lose_server_side_cursors_and_startup_options(tmp_path):
    seen = settings_of(
        tmp_path,
        DATABASE_URL="postgres://sipas@127.0.0.1:6432/sipas",
        DATABASE_REPLICA_URL="postgres://sipas@127.0.0.1:6433/sipas",
        DATABASE_TRANSACTION_POOLER="true",
    )
    for alias in ("default", "replica"):
        assert seen[alias]["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert "options" not in seen[alias]["OPTIONS"]
    refused = settings_of(tmp_path, DATABASE_TRANSACTION_POOLER="maybe")
    assert "DATABASE_TRANSACTION_POOLER must be true or false, not 'maybe'" in refused["error"]
