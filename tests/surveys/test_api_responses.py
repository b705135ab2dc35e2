"""POST /api/v1/responses: every reply the README documents, and exactly-once storage."""

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import pytest
from django.db import connection
from django.utils import timezone

from surveys.models import IntegrityAlert, Response, SurveySettings
from tests.factories import dossier_with_survey

URL = "/api/v1/responses"
ANSWERS = {"Câu 1": 5, "Câu 2": "Hài lòng", "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


def post(client, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


@pytest.fixture
def issued(world, builtin_forms):
    return dossier_with_survey(unit=world.commune_a)


def test_a_submission_is_stored_once_with_its_answers(client, issued):
    dossier, survey, token = issued
    client_id = str(uuid.uuid4())

    first = post(client, {"token": token, "client_id": client_id, "answers": ANSWERS})
    again = post(client, {"token": token, "client_id": client_id, "answers": ANSWERS})

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    response = Response.objects.get()
    assert (response.channel, response.unit, response.survey) == ("issued", dossier.unit, survey)
    assert response.procedure_text == "Đăng ký khai sinh"  # from the dossier, not asked again
    assert response.answered_on == timezone.localdate()
    scores = dict(response.answers.values_list("question__code", "value"))
    assert scores == {"Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}
    assert response.origin and len(response.origin) == 16


def test_another_submission_on_an_answered_link_is_refused(client, issued):
    _dossier, _survey, token = issued
    post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS})

    second = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 1}})

    assert second.status_code == 409
    assert second.json()["error"] == "answered"
    assert "đã được trả lời" in second.json()["message"]
    assert Response.objects.count() == 1


def test_expired_unknown_and_malformed_submissions(client, issued):
    _dossier, survey, token = issued
    survey.issued = timezone.now() - timezone.timedelta(days=8)
    survey.expires = timezone.now() - timezone.timedelta(days=1)
    survey.save()

    expired = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS})
    unknown = post(client, {"token": "x" * 24, "client_id": str(uuid.uuid4()), "answers": ANSWERS})
    no_client_id = post(client, {"token": token, "answers": ANSWERS})
    not_json = post(client, "{token:")
    not_utf8 = post(client, b'{"token": "\xff\xfe", "answers": {}}')

    assert expired.status_code == 410 and "hết hạn" in expired.json()["message"]
    assert unknown.status_code == 404 and "Không tìm thấy" in unknown.json()["message"]
    assert no_client_id.status_code == 400 and "client_id" in no_client_id.json()["message"]
    assert not_json.status_code == 400 and "JSON" in not_json.json()["message"]
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["message"]
    assert Response.objects.count() == 0


def test_bad_answers_get_a_message_per_question_and_store_nothing(client, issued):
    _dossier, _survey, token = issued
    answers = {**ANSWERS, "Câu 1": 6, "Câu 2": "Tuyệt vời", "Câu 99": 5, "Góp ý": "x"}

    reply = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": answers})

    assert reply.status_code == 400
    errors = reply.json()["errors"]
    assert set(errors) == {"Câu 1", "Câu 2", "Câu 99", "Góp ý"}
    assert "chỉ nhận điểm 1–5" in errors["Câu 1"]
    assert "Mẫu phiếu không có câu" in errors["Câu 99"]
    assert Response.objects.count() == 0


def test_text_is_stored_as_nfc_and_limits_are_enforced(client, world, builtin_forms):
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a)
    comment_question = builtin_forms["binh-phuoc"].current_version().questions.get(kind="text")
    decomposed = "Thu\u0309 tu\u0323c nhanh <b>to\u0302\u0301t</b>"  # NFD: base letters + combining marks

    too_long = post(
        client,
        {"token": token, "client_id": str(uuid.uuid4()), "answers": {comment_question.code: "a" * 2001}},
    )
    nul = post(
        client,
        {"token": token, "client_id": str(uuid.uuid4()), "answers": {comment_question.code: "a\u0000b"}},
    )
    stored = post(
        client,
        {"token": token, "client_id": str(uuid.uuid4()), "answers": {comment_question.code: decomposed}},
    )

    assert too_long.status_code == 400 and "quá dài" in too_long.json()["errors"][comment_question.code]
    # A NUL character is refused before any view reads the body (sipas/middleware.py).
    assert nul.status_code == 400 and "không hợp lệ" in nul.json()["message"]
    assert stored.status_code == 201
    text = Response.objects.get().answers.get(question=comment_question).text
    assert text == "Thủ tục nhanh <b>tốt</b>"  # NFC; escaping is the templates' job


def test_contact_details_need_consent_online(client, world, builtin_forms):
    version = builtin_forms["binh-phuoc"].current_version()
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    _d, _s, token = dossier_with_survey(unit=world.commune_a, code="HS-BP")
    contact = version.questions.get(kind="contact").code

    refused = post(
        client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {contact: {"name": "Trần Thị Bình"}}}
    )
    stored = post(
        client,
        {
            "token": token,
            "client_id": str(uuid.uuid4()),
            "answers": {contact: {"name": "Trần Thị Bình", "consent": True}, "3.7": "Có", "3.8": False},
        },
    )

    assert refused.status_code == 400 and "đồng ý" in refused.json()["errors"][contact]
    assert stored.status_code == 201, stored.json()
    response = Response.objects.get()
    assert response.contact.name == "Trần Thị Bình"
    assert list(IntegrityAlert.objects.values_list("question__code", flat=True)) == ["3.7"]


def test_online_rating_through_the_unit_code(client, world, builtin_forms):
    reply = post(client, {"unit": world.commune_a.code, "client_id": str(uuid.uuid4()), "answers": ANSWERS})
    unknown = post(client, {"unit": "99999", "client_id": str(uuid.uuid4()), "answers": ANSWERS})

    assert reply.status_code == 201
    assert Response.objects.get().channel == "online"
    assert unknown.status_code == 404


def test_submissions_are_throttled_per_token_with_a_clear_message(client, issued, settings):
    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (3, 600)}
    _dossier, _survey, token = issued
    replies = [
        post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 9}}) for _ in range(4)
    ]

    assert [reply.status_code for reply in replies] == [400, 400, 400, 429]
    assert "thử lại sau" in replies[-1].json()["message"]
    assert replies[-1]["Retry-After"] == "600"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_submissions_on_one_token_store_exactly_one(live_server, settings):
    """Fifty phones answer the same link at once: the database lets exactly one in, the rest get 409."""
    from surveys.services.forms import forms_load
    from tests.conftest import make_world

    settings.SIPAS_THROTTLES = {**settings.SIPAS_THROTTLES, "token": (1000, 600), "address": (1000, 600)}
    forms_load()
    world = make_world()
    _dossier, _survey, token = dossier_with_survey(unit=world.commune_a)

    start = threading.Barrier(50)

    def submit(_n):
        body = json.dumps({"token": token, "client_id": str(uuid.uuid4()), "answers": ANSWERS}).encode()
        request = Request(f"{live_server.url}{URL}", data=body, headers={"Content-Type": "application/json"})
        start.wait()
        # The test server's listen queue is short: a phone whose connection is refused tries
        # again with the same client_id, as the form's queue does.
        for attempt in range(20):
            try:
                with urlopen(request, timeout=30) as reply:
                    return reply.status
            except HTTPError as error:
                return error.code
            except (ConnectionError, URLError):
                time.sleep(0.05 * (attempt + 1))
        return None

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(submit, range(50)))

    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 49, statuses
    assert Response.objects.filter(survey__isnull=False).count() == 1


def test_one_client_id_names_one_submission_only(client, world, builtin_forms):
    _d, _s, token = dossier_with_survey(unit=world.commune_a)
    _d2, other_survey, other_token = dossier_with_survey(unit=world.commune_a, code="HS-0002")
    client_id = str(uuid.uuid4())
    post(client, {"token": token, "client_id": client_id, "answers": ANSWERS})

    reused = post(client, {"token": other_token, "client_id": client_id, "answers": ANSWERS})
    as_rating = post(client, {"unit": world.commune_a.code, "client_id": client_id, "answers": ANSWERS})

    assert reused.status_code == 409 and "đã được dùng cho một phiếu khác" in reused.json()["message"]
    assert as_rating.status_code == 409
    assert not hasattr(other_survey, "response")
    assert Response.objects.count() == 1


def test_an_empty_submission_does_not_use_up_the_link(client, issued):
    _dossier, survey, token = issued

    empty = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {}})
    procedure_only = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": {"Thủ tục": "x"}})

    assert empty.status_code == 400 and empty.json()["error"] == "empty"
    assert procedure_only.status_code == 400
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        ({"Câu 1": [5]}, "Câu 1", "không đúng dạng"),
        ({"Câu 1": {"score": 5}}, "Câu 1", "không đúng dạng"),
        ({"Câu 1": "²"}, "Câu 1", "chỉ nhận điểm 1–5"),
        ({"Câu 1": 10**30}, "Câu 1", "chỉ nhận điểm 1–5"),
    ],
    ids=["list-for-a-scale", "object-for-a-scale", "superscript-digit", "huge-number"],
)
def test_answers_of_the_wrong_shape_are_refused(client, issued, answers, code, message):
    _dossier, _survey, token = issued

    reply = post(client, {"token": token, "client_id": str(uuid.uuid4()), "answers": answers})

    assert reply.status_code == 400
    assert message in reply.json()["errors"][code]


def test_bodies_that_break_a_json_parser_get_400(client, issued):
    _dossier, _survey, token = issued
    digits = "9" * 5000
    long_number = f'{{"token": "{token}", "client_id": "{uuid.uuid4()}", "answers": {{"Câu 1": {digits}}}}}'
    deep = '{"answers": ' + "[" * 20000

    assert post(client, long_number).status_code == 400
    assert post(client, deep).status_code == 400
    assert Response.objects.count() == 0


def test_throttling_counts_an_ipv6_network_and_trusts_only_the_configured_proxies(rf, settings):
    from surveys.throttle import client_address

    phone = rf.post("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    forged = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert client_address(phone) == "2001:db8:1:2::/64"
    assert client_address(forged) == "10.0.0.2"
    settings.SIPAS_PROXY_HOPS = 1
    assert client_address(forged) == "203.0.113.9"
