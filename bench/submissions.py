"""Submissions per second on one machine: citizens answering issued surveys through gunicorn (docs/scaling.md).

Builds, in the database named by DATABASE_URL (dropped and created again), one province of
--units communes on the built-in sipas-5 form and --submissions issued surveys, then starts
gunicorn with deploy/gunicorn.conf.py (DEBUG off, --workers processes) and sends every survey's
answers to POST /api/v1/responses from --clients threads at once, as phones on a busy morning.
It prints the throughput, the latency percentiles and the replies; every reply must be 201.
The clients run on the same machine, so they take CPU from the server: the figure is a floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench .venv/bin/python bench/submissions.py
    ... bench/submissions.py --submissions 500 --clients 4    # a quick check
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import province_year  # noqa: E402  (recreate_database, from the same folder)

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sipas_bench"
ANSWERS = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--units", type=int, default=50, help="communes the surveys are spread over")
    parser.add_argument("--clients", type=int, default=16, help="threads sending at once")
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1, help="gunicorn processes")
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    with tempfile.TemporaryDirectory() as scratch:
        port = _free_port()
        env = {
            key: value for key, value in os.environ.items() if key not in {"DEBUG", "REDIS_URL", "DATABASE_REPLICA_URL"}
        }
        env.update(
            DATABASE_URL=url,
            DEBUG="false",
            SECRET_KEY="bench-only-not-secret-bench-only-not-secret-bench-only",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            SIPAS_ENV_FILE=str(Path(scratch) / "none.env"),
            STATIC_ROOT=scratch,
            SIPAS_BIND=f"127.0.0.1:{port}",
            WEB_WORKERS=str(options.workers),
            # Every phone here shares one address: the address throttle would stop a real morning's worth.
            THROTTLE_ADDRESS_COUNT="1000000",
        )
        province_year.recreate_database(url)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([PYTHON, "manage.py", "load_forms"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        made = subprocess.run(
            [PYTHON, __file__, "--child", str(options.submissions), str(options.units)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        tokens = json.loads(made.stdout.strip().splitlines()[-1])
        print(f"{len(tokens):,} issued surveys over {options.units} communes")
        server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "sipas.wsgi", "-c", "deploy/gunicorn.conf.py"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base + "/healthz")
            started = time.perf_counter()
            with ThreadPoolExecutor(options.clients) as pool:
                replies = list(pool.map(lambda token: _submit(base, token), tokens))
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    statuses = Counter(status for status, _seconds in replies)
    latencies = sorted(seconds * 1000 for _status, seconds in replies)
    cut = statistics.quantiles(latencies, n=100)
    print(
        f"{len(replies):,} submissions from {options.clients} clients to {options.workers} gunicorn workers in "
        f"{elapsed:.1f} s: {len(replies) / elapsed:.0f} per second; latency p50 {cut[49]:.0f} ms, "
        f"p95 {cut[94]:.0f} ms, max {latencies[-1]:.0f} ms; replies {dict(statuses)}"
    )
    if set(statuses) != {201}:
        raise SystemExit("some submissions were not stored")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


def _submit(base: str, token: str) -> tuple[int, float]:
    body = json.dumps({"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}).encode()
    request = urllib.request.Request(
        base + "/api/v1/responses", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            status = reply.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def make_surveys(count: int, units: int) -> list[str]:
    """A province, `units` communes, and `count` resolved dossiers with their issued surveys; their links' tokens."""
    import datetime

    from django.utils import timezone

    from surveys.models import Dossier, Unit
    from surveys.services.issuing import survey_issue
    from surveys.tokens import survey_token

    province = province_year._unit("B9", "Tỉnh Đo Tải", Unit.Kind.PROVINCE, None)
    communes = [
        province_year._unit(f"{95001 + n}", f"Xã Đo Tải {n + 1}", Unit.Kind.COMMUNE, province) for n in range(units)
    ]
    today = timezone.localdate()
    tokens = []
    for number in range(count):
        dossier = Dossier.objects.create(
            unit=communes[number % units],
            code=f"HS-{number:06d}",
            procedure_text="Đăng ký khai sinh",
            received=today - datetime.timedelta(days=3),
            resolved=today,
            on_time=True,
            officer=f"Công chức {number % 7 + 1}",
        )
        survey, _created = survey_issue(dossier=dossier)
        tokens.append(survey_token(survey.key))
    return tokens


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        print(json.dumps(make_surveys(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
