"""docs/deploy.md's backup rehearsed: pg_dump, drop the database, pg_restore, and every figure is the same."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from surveys.models import SurveySettings
from surveys.services.answering import rating_submit
from tests.conftest import VIETNAM

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="the PostgreSQL client tools are not installed"),
]


def _server_args() -> list[str]:
    """psql-style connection flags for the server the tests run on."""
    params = connection.get_connection_params()
    return ["-h", params.get("host") or "127.0.0.1", "-p", str(params.get("port") or 5432), "-U", params.get("user")]


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _figures(database: str) -> dict:
    """The year's figures as a deployer reads them: sipas_index in a process of its own, on `database`."""
    params = connection.get_connection_params()
    url = f"postgres://{params['user']}@{params.get('host') or '127.0.0.1'}:{params.get('port') or 5432}/{database}"
    env = {key: value for key, value in os.environ.items() if key != "SIPAS_TEST_TODAY"}
    env.update(DEBUG="true", DATABASE_URL=url, SIPAS_ENV_FILE=os.devnull)
    results = {}
    for unit, extra in [("09556", []), ("01", ["--subtree"])]:
        command = [sys.executable, "manage.py", "sipas_index", "--unit", unit, "--year", "2025", "--json", *extra]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        results[unit] = json.loads(done.stdout)
    return results


@pytest.mark.django_db(transaction=True)
def test_back_up_drop_restore_and_the_figures_are_the_same(world, builtin_forms, time_machine, tmp_path):
    SurveySettings.objects.create(unit=world.commune_a, public_rating=True)
    SurveySettings.objects.create(unit=world.commune_b, public_rating=True)
    time_machine.move_to(datetime.datetime(2025, 3, 15, 9, 0, tzinfo=VIETNAM), tick=False)
    for number in range(24):
        unit = world.commune_a if number % 3 else world.commune_b
        answers = {f"Câu {question}": 1 + (number * question) % 5 for question in range(1, 9)}
        answers["Câu 2"] = "Hài lòng" if number % 2 else "Bình thường"
        rating_submit(unit=unit, client_id=uuid.uuid4(), raw=answers)
    rehearsal = f"{connection.settings_dict['NAME']}_rehearsal"
    server = _server_args()
    # The office's database: a copy of this test's, made while other sessions may still hold it open.
    seed = tmp_path / "seed.dump"
    _run("pg_dump", *server, "--format=custom", f"--file={seed}", connection.settings_dict["NAME"])
    _run("dropdb", *server, "--if-exists", rehearsal)
    _run("createdb", *server, rehearsal)
    _run("pg_restore", *server, "--no-owner", "-d", rehearsal, str(seed))
    try:
        before = _figures(rehearsal)
        dump = tmp_path / "sipas.dump"
        # The commands of docs/deploy.md, "Backups".
        _run("pg_dump", *server, "--format=custom", f"--file={dump}", rehearsal)
        _run("dropdb", *server, rehearsal)
        _run("createdb", *server, rehearsal)
        _run("pg_restore", *server, "--no-owner", "-d", rehearsal, str(dump))
        after = _figures(rehearsal)
    finally:
        _run("dropdb", *server, "--if-exists", rehearsal)

    assert before["09556"]["responses"] == 16
    assert before["01"]["responses"] == 24
    assert after == before
