import pytest
from django.core.exceptions import ImproperlyConfigured

from sipas.env import env_bool, env_database


def test_no_database_url_means_the_embedded_sqlite_file(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert env_database("DATABASE_URL", "/srv/db.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/srv/db.sqlite3",
    }


@pytest.mark.parametrize("url", ["sqlite:///tmp/x.db", "sqlite:////tmp/x.db"])
def test_sqlite_url_names_an_absolute_path(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    config = env_database("DATABASE_URL", "unused")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/x.db"


def test_postgres_url_switches_to_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sipas")
    config = env_database("DATABASE_URL", "unused")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == ("sipas", "127.0.0.1", 5432, "postgres")
    assert config["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.parametrize("url", ["mysql://root@localhost/sipas", "sqlite://", "sqlite:///"])
def test_bad_database_url_fails_loudly(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured):
        env_database("DATABASE_URL", "unused")


def test_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("DEBUG", True)
