"""Production settings, tested the way a deployer meets them: in a child process with DEBUG off."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET = "k7Vq2xN9pL4mR8tW1zY6bH3jF5dS0aQeUcXiOgEnKvMrTyPl-test-only-0123"  # 50+ characters, many distinct


def production_env(tmp_path, **extra) -> dict:
    """Only what docs/deploy.md says is required: DEBUG off, a secret key and the host name."""
    # Not what the test run itself set: the browser tests allow async-unsafe calls, which a deployment never does.
    ours = {"DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in ours}
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="sipas.example.gov.vn,127.0.0.1",
        SIPAS_ENV_FILE=str(tmp_path / "no-such-file.env"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(extra)
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_check_deploy_passes_with_only_debug_off_a_secret_key_and_allowed_hosts(tmp_path):
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_without_settings_the_server_is_not_a_debugging_server_and_asks_for_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DEBUG"], env["SECRET_KEY"]
    done = manage(env, "check")
    assert done.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off" in done.stderr


def test_secrets_can_be_read_from_files_and_the_settings_file_yields_to_the_environment(tmp_path):
    (tmp_path / "secret").write_text(SECRET + "\n")
    (tmp_path / "sipas.env").write_text("# settings\nDEBUG=false\nSITE_URL=https://from-file.example\nLOG_LEVEL=INFO\n")
    env = production_env(tmp_path, SECRET_KEY_FILE=str(tmp_path / "secret"), SIPAS_ENV_FILE=str(tmp_path / "sipas.env"))
    del env["SECRET_KEY"], env["DEBUG"]
    env["LOG_LEVEL"] = "ERROR"
    code = (
        "from django.conf import settings as s; import json; "
        "print(json.dumps([s.DEBUG, s.SECRET_KEY, s.SITE_URL, s.LOGGING['root']['level'], s.SECURE_SSL_REDIRECT]))"
    )
    done = manage(env, "shell", "-v", "0", "-c", code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, SECRET, "https://from-file.example", "ERROR", True]


def test_a_malformed_settings_file_is_refused_with_its_line(tmp_path):
    (tmp_path / "bad.env").write_text("DEBUG=false\nthis line has no equals sign\n")
    done = manage(production_env(tmp_path, SIPAS_ENV_FILE=str(tmp_path / "bad.env")), "check")
    assert done.returncode != 0
    assert "bad.env, line 2: write NAME=VALUE" in done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict | None = None):
    """(status, headers, body) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and DEBUG off, after migrate and collectstatic, as `make serve` does."""
    port = free_port()
    # gunicorn's own settings come from the settings file, as Django's may.
    (tmp_path / "sipas.env").write_text(f"SIPAS_BIND=127.0.0.1:{port}\nWEB_WORKERS=2\n")
    env = production_env(
        tmp_path, SIPAS_ENV_FILE=str(tmp_path / "sipas.env"), SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    for args in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        done = manage(env, *args)
        assert done.returncode == 0, done.stderr
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "sipas.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fetch(base + "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    yield base, server
    server.terminate()
    server.wait(timeout=30)


def test_gunicorn_with_debug_off_serves_styled_pages_hashed_static_files_and_a_health_check(gunicorn):
    base, _server = gunicorn
    status, _headers, body = fetch(base + "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "redis": "not configured"}

    # Plain HTTP is sent to HTTPS; the proxy's header says a request came over HTTPS.
    status, headers, _body = fetch(base + "/dang-nhap/")
    assert status == 301 and headers["Location"].startswith("https://")
    https = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    status, headers, body = fetch(base + "/dang-nhap/", https)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    page = body.decode()
    css = page.split('href="/static/css/sipas.', 1)[1].split('"', 1)[0]
    digest = css.removesuffix(".css")
    assert len(digest) == 12 and int(digest, 16) >= 0, "sipas.css is linked under its hashed name"

    status, headers, body = fetch(f"{base}/static/css/sipas.{css}", {**https, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert fetch(base + "/static/vendor/bootstrap/bootstrap.min.css", https)[0] == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("redis_url", "redis", "status"),
    [
        ("", "not configured", "ok"),
        ("redis://127.0.0.1:6379/0", "ok", "ok"),  # the machine's real Redis
        (f"redis://127.0.0.1:{free_port()}/0", "down", "degraded"),  # nothing listens there
    ],
)
def test_the_health_check_reports_the_database_and_redis(client, settings, redis_url, redis, status):
    settings.REDIS_URL = redis_url
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": status, "database": "ok", "redis": redis}
    assert "no-cache" in answer["Cache-Control"]


def test_connections_are_kept_by_production_workers_and_closed_by_the_development_server(tmp_path):
    show = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/sipas_unused"}
    production = manage(production_env(tmp_path, **database), "shell", "-c", show)
    development = manage(production_env(tmp_path, DEBUG="true", **database), "shell", "-c", show)
    sized = manage(production_env(tmp_path, DATABASE_CONN_MAX_AGE="300", **database), "shell", "-c", show)

    assert [done.stdout.split()[-1] for done in (production, development, sized)] == ["60", "0", "300"], (
        production.stderr + development.stderr + sized.stderr
    )


def test_the_browsers_own_favicon_request_finds_the_icon(client):
    reply = client.get("/favicon.ico")
    assert reply.status_code == 301
    assert reply.url == "/static/favicon.svg"
