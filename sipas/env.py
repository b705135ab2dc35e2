"""Typed readers of deploy-time settings that fail loudly on a bad value."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_file_load(path) -> None:
    """Read NAME=VALUE lines (blank lines and # comments skipped) into the environment.

    Variables already in the environment win, so one command can still override the file.
    A missing file is no error: a deployment may set everything in the environment instead.
    """
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except FileNotFoundError:
        return
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ImproperlyConfigured(f"{path}, line {number}: write NAME=VALUE, not {line!r}")
        os.environ.setdefault(name.strip(), value.strip().strip("'\""))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str) -> str:
    """NAME's value, or the contents of the file NAME_FILE names (secrets kept out of the environment)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as file:
                return file.read().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path} ({error.strerror})") from None
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, low: int | None = None, high: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(
    name: str, default_sqlite_path: str, *, transaction_pooler: bool = False, conn_max_age: int = 60
) -> dict:
    """Read a database URL: postgres://… or sqlite:///ABSOLUTE/PATH.

    Behind a pooler in transaction mode (PgBouncer) a server connection is lent for one transaction
    at a time: no server-side cursors, which outlive it, and no startup options, which PgBouncer refuses.
    """
    raw = env_secret(name, "").strip()
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path}
    scheme = raw.split(":", 1)[0]
    if scheme == "sqlite":
        # Both sqlite:///tmp/x.db and sqlite:////tmp/x.db name /tmp/x.db.
        path = raw.removeprefix("sqlite://")
        if not path.startswith("/") or path.strip("/") == "":
            raise ImproperlyConfigured(f"{name}: write sqlite:///ABSOLUTE/PATH, not {raw!r}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": "/" + path.lstrip("/")}
    if scheme in {"postgres", "postgresql"}:
        import dj_database_url

        database = dj_database_url.parse(raw, conn_max_age=conn_max_age, conn_health_checks=True)
        if transaction_pooler:
            # jit=off is then set on the database or in the pooler's connect_query (docs/scaling.md).
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
            return database
        # Pages group at most a province-year of rows: compiling each query to machine code (JIT) costs
        # PostgreSQL 40–90 ms a statement and saves less (docs/benchmarks.md).
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
        return database
    raise ImproperlyConfigured(f"{name} must start with postgres:// or sqlite:///, not {scheme}://")
