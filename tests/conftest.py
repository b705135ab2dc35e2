"""Named personas shared by the tests: two communes of one province and one of another.

`SIPAS_TEST_TODAY=2028-02-29 make test` runs the whole suite as if it were that day (the clock
keeps ticking from 10:00 Vietnam time), to prove that no test depends on the day it runs.
"""

import datetime
import os
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from surveys.models import Membership, Unit
from tests.factories import MembershipFactory, UnitFactory, UserFactory

PASSWORD = "mat-khau-thu-nghiem"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The day of tests that need a calendar position (this month, last month, a year back): a Monday mid-month.
FROZEN_NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=VIETNAM)


def pytest_configure(config):
    """Move the clock to SIPAS_TEST_TODAY (YYYY-MM-DD) for the whole run, when it is set."""
    today = os.environ.get("SIPAS_TEST_TODAY")
    if today:
        start = datetime.datetime.combine(datetime.date.fromisoformat(today), datetime.time(10), tzinfo=VIETNAM)
        config._sipas_clock = time_machine.travel(start, tick=True)
        config._sipas_clock.start()


def pytest_report_header(config):
    if os.environ.get("SIPAS_TEST_TODAY"):
        return f"clock moved to {os.environ['SIPAS_TEST_TODAY']} (SIPAS_TEST_TODAY)"
    return None


def make_world():
    """Province Hà Nội with communes A and B (A formed from a pre-2025 ward), province Hà Tĩnh with C."""
    hanoi = UnitFactory(code="01", name="Thành phố Hà Nội", kind=Unit.Kind.PROVINCE)
    commune_a = UnitFactory(code="09556", name="Phường Hà Đông", parent=hanoi)
    commune_b = UnitFactory(code="09886", name="Phường Dương Nội", parent=hanoi)
    district = UnitFactory(code="H-HADONG", name="Quận Hà Đông", kind=Unit.Kind.DISTRICT, parent=hanoi)
    old_ward = UnitFactory(code="H-VANPHUC", name="Phường Vạn Phúc", parent=district, successor=commune_a)
    hatinh = UnitFactory(code="42", name="Tỉnh Hà Tĩnh", kind=Unit.Kind.PROVINCE)
    commune_c = UnitFactory(code="18118", name="Phường Nam Hồng Lĩnh", parent=hatinh)

    def person(username, unit, role):
        user = UserFactory(username=username)
        MembershipFactory(user=user, unit=unit, role=role)
        return user

    return SimpleNamespace(
        hanoi=hanoi,
        commune_a=commune_a,
        commune_b=commune_b,
        district=district,
        old_ward=old_ward,
        hatinh=hatinh,
        commune_c=commune_c,
        staff_a=person("motcua.a", commune_a, Membership.Role.COUNTER),
        head_a=person("lanhdao.a", commune_a, Membership.Role.HEAD),
        staff_b=person("motcua.b", commune_b, Membership.Role.COUNTER),
        official=person("theodoi.hanoi", hanoi, Membership.Role.OFFICIAL),
        admin_hanoi=person("quantri.hanoi", hanoi, Membership.Role.ADMIN),
        outsider=person("lanhdao.c", commune_c, Membership.Role.HEAD),
        superuser=UserFactory(username="quantri", is_superuser=True, is_staff=True),
    )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, not memory: a worker process a test starts sees the same data."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def job_files(tmp_path_factory):
    """Files of background jobs go to a folder of the test run, never to the repository's var/jobs."""
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("jobs")
    with override_settings(SIPAS_JOB_DIR=str(folder)):
        yield folder


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def frozen_clock(time_machine) -> datetime.date:
    """Set the clock to FROZEN_NOW (it keeps ticking, so expiries and throttles still work); return its day."""
    time_machine.move_to(FROZEN_NOW, tick=True)
    return FROZEN_NOW.date()


@pytest.fixture(autouse=True)
def vietnamese_after_each_test():
    """A test that switches the site to English must not leave the next test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash the personas' passwords cheaply; the real hasher costs a second per login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def builtin_forms(db):
    """The four official forms, loaded as `load_forms` does."""
    from surveys.models import FormTemplate
    from surveys.services.forms import forms_load

    forms_load()
    return {template.code: template for template in FormTemplate.objects.filter(unit__isnull=True)}
