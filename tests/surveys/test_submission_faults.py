"""What a device meets when things go wrong: a lost reply, a Redis that is down, a night offline."""

import datetime
import json
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from surveys.models import Response
from tests.conftest import VIETNAM
from tests.factories import dossier_with_survey

URL = "/api/v1/responses"
ANSWERS = {"Câu 1": 5, "Câu 2": "Hài lòng", "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def post(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def issued(world, builtin_forms):
    return dossier_with_survey(unit=world.commune_a)


def test_a_resend_of_a_stored_answer_gets_200_before_any_throttle_counts(client, issued, settings):
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (1, 600), "address": (2, 600)}
    _dossier, _survey, token = issued
    body = {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}

    first = post(client, body)
    # The address's allowance is now used up by other sends ...
    post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS})
    assert post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}).status_code == 429
    # ... yet the tablet whose reply was lost still hears that its answer is stored.
    resends = [post(client, body) for _ in range(5)]

    assert first.status_code == 201
    assert [reply.status_code for reply in resends] == [200] * 5
    assert resends[0].json()["status"] == "duplicate"
    assert Response.objects.count() == 1


def test_a_resent_form_without_script_is_thanked_and_not_throttled(client, issued, settings):
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (1, 600)}
    _dossier, _survey, token = issued
    client_id = str(uuid.uuid4())
    assert post(client, {"token": token, "client_id": client_id, "answers": ANSWERS}).status_code == 201

    page = client.post(f"/p/{token}/", {"client_id": client_id, "cau-1": "5"})

    assert page.status_code == 200
    assert "Cảm ơn" in page.content.decode()


def test_a_client_id_of_another_link_is_no_resend(client, world, builtin_forms):
    _d1, _s1, first = dossier_with_survey(unit=world.commune_a)
    _d2, _s2, second = dossier_with_survey(unit=world.commune_a, code="HS-0002")
    client_id = str(uuid.uuid4())
    post(client, {"token": first, "client_id": client_id, "answers": ANSWERS})

    reply = post(client, {"token": second, "client_id": client_id, "answers": ANSWERS})

    assert reply.status_code == 409
    assert Response.objects.count() == 1


# A port nobody listens on: every cache call fails at once.
REDIS_DOWN = "redis://127.0.0.1:1/0"
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_DOWN,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_with_redis_down_submissions_are_stored_and_counted_per_process(client, issued, settings):
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (2, 600)}
    _dossier, _survey, token = issued

    with override_settings(CACHES=CACHE_DOWN, REDIS_URL=REDIS_DOWN):
        stored = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS})
        refused = [
            post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 9}}) for _ in range(2)
        ]
        health = client.get("/healthz")

    assert stored.status_code == 201
    assert Response.objects.count() == 1
    # The per-process count still holds the link's limit.
    assert [reply.status_code for reply in refused] == [409, 429]
    assert health.json()["redis"] == "down"


@pytest.mark.parametrize(
    ("device_clock", "expected_day"),
    [
        ("2026-11-16T23:50:00+07:00", datetime.date(2026, 11, 16)),  # answered offline before midnight
        ("2026-11-16T16:50:00.123Z", datetime.date(2026, 11, 16)),  # the same moment as a browser writes it
        ("2026-11-17T03:00:00+07:00", datetime.date(2026, 11, 17)),  # a clock hours ahead: not believed
        ("2026-11-01T09:00:00+07:00", datetime.date(2026, 11, 17)),  # before the link was issued
        ("2026-11-16T23:50:00", datetime.date(2026, 11, 17)),  # no offset: whose midnight?
        ("hôm qua", datetime.date(2026, 11, 17)),
        (12345, datetime.date(2026, 11, 17)),
        (None, datetime.date(2026, 11, 17)),
    ],
)
def test_an_answer_keeps_the_device_time_when_it_is_plausible(
    client, world, builtin_forms, time_machine, device_clock, expected_day
):
    time_machine.move_to(datetime.datetime(2026, 11, 16, 8, 0, tzinfo=VIETNAM), tick=False)
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a)
    time_machine.move_to(datetime.datetime(2026, 11, 17, 0, 10, tzinfo=VIETNAM), tick=False)

    reply = post(
        client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS, "answered_at": device_clock}
    )

    assert reply.status_code == 201
    response = Response.objects.get()
    assert response.answered_on == expected_day
    kept = expected_day == datetime.date(2026, 11, 16)
    assert (response.answered_at is not None) == kept
    assert response.created == timezone.now()


def test_an_offline_rating_is_dated_by_the_device_within_a_week(client, world, builtin_forms, time_machine):
    from surveys.models import SurveySettings

    SurveySettings.objects.update_or_create(unit=world.commune_a, defaults={"public_rating": True})
    time_machine.move_to(datetime.datetime(2026, 11, 17, 0, 10, tzinfo=VIETNAM), tick=False)
    body = {"unit": world.commune_a.code, "answers": ANSWERS}

    yesterday = post(client, {**body, "client_id": str(uuid.uuid4()), "answered_at": "2026-11-16T23:59:00+07:00"})
    long_ago = post(client, {**body, "client_id": str(uuid.uuid4()), "answered_at": "2026-11-01T10:00:00+07:00"})

    assert (yesterday.status_code, long_ago.status_code) == (201, 201)
    days = sorted(Response.objects.values_list("answered_on", flat=True))
    assert days == [datetime.date(2026, 11, 16), datetime.date(2026, 11, 17)]
