"""Submissions per second on one machine: citizens answering issued surveys through gunicorn (docs/scaling.md).

Builds, in the database named by DATABASE_URL (dropped and created again), one province of
--units communes on the built-in sipas-5 form and --submissions issued surveys, then starts
gunicorn with deploy/gunicorn.conf.py (DEBUG off, --workers processes) and sends every survey's
answers to POST /api/v1/responses from --clients threads at once, as phones on a busy morning.
It prints the throughput, the latency percentiles and the replies; every reply must be 201.
The clients run on the same machine, so they take CPU from the server: the figure is a floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench .venv/bin/python bench/submissions.py
    ... bench/submissions.py --submissions 500 --clients 4    # a quick check

With --rate N it holds a steady N submissions a second for --seconds instead, and reports the p95
three times in one run: a static file at that rate (the baseline: what the machine and the
clients cost by themselves), the submissions alone, and the submissions while a signed-in head
downloads the province's Phụ lục 2 and starts its responses export over and over (the export
runs as a job in a server thread, as without Redis):

    ... bench/submissions.py --rate 20 --seconds 60
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
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
BENCH_PASSWORD = "bench-only-password-2026"
ANSWERS = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--units", type=int, default=50, help="communes the surveys are spread over")
    parser.add_argument("--clients", type=int, default=16, help="threads sending at once")
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1, help="gunicorn processes")
    parser.add_argument("--rate", type=float, help="a steady rate of submissions a second, instead of all at once")
    parser.add_argument("--seconds", type=int, default=60, help="how long each --rate phase lasts")
    options = parser.parse_args()
    if options.rate:
        options.submissions = max(options.submissions, int(2 * options.rate * options.seconds) + 20)
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
            STATIC_ROOT=str(Path(scratch) / "static"),
            SIPAS_JOB_DIR=str(Path(scratch) / "jobs"),
            SIPAS_BIND=f"127.0.0.1:{port}",
            WEB_WORKERS=str(options.workers),
            # Every phone here shares one address: the address throttle would stop a real morning's worth.
            THROTTLE_ADDRESS_COUNT="1000000",
            SECURE_COOKIES="false",  # plain HTTP here: the head's session cookie must travel
        )
        province_year.recreate_database(url)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([PYTHON, "manage.py", "load_forms"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
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
            if options.rate:
                _steady(base, tokens, options)
                return
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


def _steady(base: str, tokens: list[str], options) -> None:
    """The three phases of --rate: a static file, submissions alone, submissions beside reports."""
    login = urllib.request.urlopen(base + "/dang-nhap/", timeout=30).read().decode()
    static_file = base + re.search(r'href="(/static/css/sipas[^"]*)"', login).group(1)
    count = int(options.rate * options.seconds)
    # Each worker's first requests import and compile what later ones reuse: not what is measured.
    for token in tokens[-20:]:
        _submit(base, token)
    phases = [
        ("static file (baseline)", _at_rate(options, [lambda: _get(static_file)] * count)),
        ("submissions", _at_rate(options, [lambda t=token: _submit(base, t) for token in tokens[:count]])),
    ]
    reports = _Reports(base)
    reports.start()
    try:
        beside = _at_rate(options, [lambda t=token: _submit(base, t) for token in tokens[count : 2 * count]])
    finally:
        reports.stop()
    phases.append((f"submissions beside reports ({reports.summary()})", beside))
    for name, replies in phases:
        statuses = Counter(status for status, _seconds in replies)
        latencies = sorted(seconds * 1000 for _status, seconds in replies)
        cut = statistics.quantiles(latencies, n=100)
        print(
            f"{name}: {len(replies):,} at {options.rate:g}/s; p50 {cut[49]:.0f} ms, p95 {cut[94]:.0f} ms, "
            f"max {latencies[-1]:.0f} ms; replies {dict(statuses)}"
        )


def _at_rate(options, calls) -> list[tuple[int, float]]:
    """Start each call on time, `options.rate` a second, whatever the ones before are doing (an open loop)."""
    replies: list = [None] * len(calls)
    started = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        for number, call in enumerate(calls):
            time.sleep(max(0.0, started + number / options.rate - time.perf_counter()))
            pool.submit(lambda n=number, c=call: replies.__setitem__(n, c()))
    return replies


def _get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as reply:
        reply.read()
        return reply.status, time.perf_counter() - started


class _Reports(threading.Thread):
    """A head of the province, signed in, downloading Phụ lục 2 and starting the responses export in turn."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.done, self.stopping = base, Counter(), threading.Event()
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.jar = jar
        self._post("/dang-nhap/", {"username": "bench.head", "password": BENCH_PASSWORD}, form_page="/dang-nhap/")

    def run(self) -> None:
        year = time.localtime().tm_year
        while not self.stopping.is_set():
            self.opener.open(f"{self.base}/bao-cao/B9/{year}/annual.pdf", timeout=120).read()
            self.done["Phụ lục 2 PDF"] += 1
            page = f"/ket-qua/B9/{year}/?subtree=1"
            self._post(f"/bao-cao/B9/{year}/phieu/", {"format": "xlsx", "subtree": "1"}, form_page=page)
            self.done["responses exports started"] += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=300)

    def summary(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.done.items()) or "none finished"

    def _post(self, path: str, data: dict, *, form_page: str) -> None:
        self.opener.open(self.base + form_page, timeout=120).read()
        token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        headers = {"Referer": self.base + form_page}
        self.opener.open(urllib.request.Request(self.base + path, data=body, headers=headers), timeout=120).read()


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

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from surveys.models import Dossier, Membership, Unit
    from surveys.services.issuing import survey_issue
    from surveys.tokens import survey_token

    province = province_year._unit("B9", "Tỉnh Đo Tải", Unit.Kind.PROVINCE, None)
    communes = [
        province_year._unit(f"{95001 + n}", f"Xã Đo Tải {n + 1}", Unit.Kind.COMMUNE, province) for n in range(units)
    ]
    head = get_user_model().objects.create_user("bench.head", password=BENCH_PASSWORD)
    Membership.objects.create(user=head, unit=province, role=Membership.Role.HEAD)
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
