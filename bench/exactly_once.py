"""Exactly once under faults: 1,000 citizens' answers through gunicorn on PostgreSQL while it breaks.

Each submission is an issued survey's answer with its own client_id, sent the way the tablet's
queue sends it (static/js/sipas-queue.js): resent with the same client_id on any error (no
connection, a reset, 5xx, 429) until the server says 201 (stored) or 200 (already stored).
While the load runs, every gunicorn worker is killed with SIGKILL twice and PostgreSQL is
restarted once. At the end the database must hold each of the 1,000 answers exactly once, with
all its answers and the tallies in step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_faults .venv/bin/python bench/exactly_once.py

The database named is dropped and created again. Restarting PostgreSQL needs the right to run
`pg_ctlcluster` (root on this machine); `--no-postgres-restart` leaves it out. Prints a JSON
summary and exits 1 if anything was lost or stored twice.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_faults"
UNIT = "09556"
ANSWERS = {"Câu 1": 5, "Câu 2": "Hài lòng", "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16, help="tablets sending at once")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-postgres-restart", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database")

    with tempfile.TemporaryDirectory(prefix="sipas-faults-") as scratch:
        env = _server_env(url, Path(scratch), args)
        _recreate_database(url)
        tokens = _prepare(env, args.submissions)
        server = _gunicorn(env, args)
        try:
            _wait_until_up(args.port)
            summary = _load_with_faults(server, tokens, args)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        summary.update(_count(env, tokens))
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    sys.exit(0 if summary["lost"] == 0 and summary["stored_twice"] == 0 and summary["tallies_in_step"] else 1)


def _server_env(url: str, scratch: Path, args) -> dict:
    """Production settings (DEBUG off) on plain HTTP, with the throttles out of the way of a load test."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "SIPAS_TEST_TODAY"}}
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="exactly-once-bench-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SIPAS_ENV_FILE=os.devnull,
        STATIC_ROOT=str(scratch / "static"),
        SIPAS_BIND=f"127.0.0.1:{args.port}",
        WEB_WORKERS=str(args.workers),
        WEB_THREADS=str(args.threads),
        THROTTLE_ADDRESS_COUNT="1000000",
        THROTTLE_TOKEN_COUNT="1000",
        LOG_LEVEL="ERROR",
    )
    return env


def _recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if name in {"postgres", "template0", "template1", "sipas", "test", "root"}:
        raise SystemExit(f"refusing to drop the database {name!r}")
    server = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", server, "-q", "-c", sql],
            check=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        )


def _manage(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


PREPARE = """
import json, sys
from surveys.models import Unit
from surveys.services.forms import forms_load
from tests.factories import UnitFactory, dossier_with_survey

forms_load()
province = UnitFactory(code="01", name="Thành phố Hà Nội", kind=Unit.Kind.PROVINCE)
unit = UnitFactory(code="{unit}", name="Phường Hà Đông", parent=province)
tokens = [dossier_with_survey(unit=unit, code=f"HS-{{n:05d}}")[2] for n in range({count})]
json.dump(tokens, sys.stdout)
"""


def _prepare(env: dict, count: int) -> list[str]:
    """Migrate, load the forms and issue `count` surveys; their tokens, as the slips would carry them."""
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "collectstatic", "--noinput", "-v0")
    out = _manage(env, "shell", "-c", PREPARE.format(unit=UNIT, count=count))
    return json.loads(out.strip().splitlines()[-1])


def _gunicorn(env: dict, args) -> subprocess.Popen:
    command = [str(Path(PYTHON).parent / "gunicorn"), "sipas.wsgi", "-c", "deploy/gunicorn.conf.py"]
    log = open(Path(env["STATIC_ROOT"]).parent / "gunicorn.log", "w")  # noqa: SIM115 (lives as long as the server)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up in 60 s")


def _send(port: int, body: bytes) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/responses", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return 0  # no connection, reset, timeout: the tablet keeps the answer and tries again


def _submit_until_answered(port: int, token: str, tally: dict, lock: threading.Lock) -> None:
    body = json.dumps({"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}).encode()
    delay = 0.1
    while True:
        status = _send(port, body)
        with lock:
            tally["attempts"] += 1
            tally["by_status"][str(status)] = tally["by_status"].get(str(status), 0) + 1
        if status in (200, 201):
            with lock:
                tally["done"] += 1
                tally["created" if status == 201 else "duplicate_replies"] += 1
            return
        if status not in (0, 429) and status < 500:
            with lock:
                tally["refused"].append({"token": token[:6], "status": status})
            return
        time.sleep(delay + random.random() * delay)
        delay = min(delay * 2, 2.0)


def _workers_of(server: subprocess.Popen) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def _faults(server: subprocess.Popen, tally: dict, lock: threading.Lock, total: int, args, log: list) -> None:
    """At a fifth, half and four fifths of the load: kill the workers, restart PostgreSQL, kill them again."""
    plan = [(0.2, "kill"), (0.5, "postgres"), (0.8, "kill")]
    for share, fault in plan:
        while True:
            with lock:
                if tally["done"] >= share * total or tally["done"] >= total:
                    break
            time.sleep(0.05)
        if fault == "kill":
            pids = _workers_of(server)
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            log.append({"at": tally["done"], "fault": "SIGKILL gunicorn workers", "pids": len(pids)})
        elif not args.no_postgres_restart:
            cluster = sorted(os.listdir("/etc/postgresql"))[-1]
            started = time.monotonic()
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                check=True,
                capture_output=True,
            )
            log.append(
                {"at": tally["done"], "fault": "PostgreSQL restarted", "seconds": round(time.monotonic() - started, 1)}
            )


def _load_with_faults(server: subprocess.Popen, tokens: list[str], args) -> dict:
    tally = {"attempts": 0, "done": 0, "created": 0, "duplicate_replies": 0, "by_status": {}, "refused": []}
    lock = threading.Lock()
    faults: list = []
    injector = threading.Thread(target=_faults, args=(server, tally, lock, len(tokens), args, faults), daemon=True)
    started = time.monotonic()
    injector.start()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        for token in tokens:
            pool.submit(_submit_until_answered, args.port, token, tally, lock)
    injector.join(timeout=5)
    return {"sent": len(tokens), **tally, "faults": faults, "seconds": round(time.monotonic() - started, 1)}


COUNT = """
import json, sys
from django.db.models import Count
from surveys.models import Answer, Response
from surveys.services.issuing import survey_for_token
from surveys.services.tallies import tallies_rebuild
from tests.surveys.test_tallies import snapshot

ids = {{survey_for_token(token).pk for token in json.load(sys.stdin)}}
answered = Response.objects.filter(survey_id__in=ids)
per_survey = answered.values("survey_id").annotate(n=Count("id")).filter(n__gt=1).count()
answers = Answer.objects.filter(response__in=answered).values("response_id").annotate(n=Count("id"))
kept = snapshot()
tallies_rebuild()
json.dump({{
    "stored": answered.count(),
    "lost": len(ids) - answered.values("survey_id").distinct().count(),
    "stored_twice": per_survey + Response.objects.exclude(survey_id__in=ids).count(),
    "responses_missing_answers": sum(1 for row in answers if row["n"] != {questions}),
    "tallies_in_step": snapshot() == kept,
}}, sys.stdout)
"""


def _count(env: dict, tokens: list[str]) -> dict:
    out = _manage(env, "shell", "-c", COUNT.format(questions=len(ANSWERS)), stdin=json.dumps(tokens))
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
