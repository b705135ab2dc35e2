"""Counters and their tablets: pairing by code, what a tablet is shown, and who may manage them."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from surveys.models import Counter, IssuedSurvey, Kiosk
from surveys.services.answering import survey_answer
from surveys.services.issuing import survey_send_to_counter
from surveys.services.kiosks import counter_create, kiosk_pairing_start
from surveys.views.api import KIOSK_COOKIE
from tests.factories import dossier_with_survey

ANSWERS = {"Câu 1": 5, "Câu 2": 4, "Câu 3": 4, "Câu 4": 5, "Câu 5": 3, "Câu 6": 5, "Câu 7": 4, "Câu 8": 2}


@pytest.fixture
def counter(world):
    return counter_create(actor=world.head_a, unit=world.commune_a, name="Quầy 1")


@pytest.fixture
def other_counter(world):
    return counter_create(actor=world.head_a, unit=world.commune_a, name="Quầy 2")


def pair_tablet(client, code, address="10.1.1.1"):
    return client.post("/may-tinh-bang/ghep/", {"code": code}, REMOTE_ADDR=address)


@pytest.fixture
def tablet(client, world, counter):
    """A test client holding the cookie of a tablet paired to `counter`."""
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    assert pair_tablet(client, code).status_code == 302
    return client


def shown_code(response) -> str:
    return re.search(r'id="pairing-code">([\d ]+)<', response.content.decode()).group(1).replace(" ", "")


# --- the counters page ---------------------------------------------------------------------------


def test_a_head_adds_a_counter_and_a_duplicate_name_is_refused_next_to_the_field(client, world):
    client.force_login(world.head_a)

    page = client.get("/quay/")
    added = client.post("/quay/them/", {"unit": "09556", "name": "Quầy 1 – Đất đai"})
    again = client.post("/quay/them/", {"unit": "09556", "name": " quầy 1 –  đất đai"})

    assert page.status_code == 200
    assert "Cách dùng máy tính bảng tại quầy" in page.content.decode()
    assert added.status_code == 302
    assert list(Counter.objects.values_list("unit__code", "name")) == [("09556", "Quầy 1 – Đất đai")]
    assert again.status_code == 400
    html = again.content.decode()
    assert 'id="error_1_id_09556_name"' in html and "Đơn vị đã có quầy tên này." in html
    assert Counter.objects.count() == 1


def test_a_head_pairs_a_tablet_with_a_code_shown_once(client, world, counter):
    client.force_login(world.head_a)

    response = client.post(f"/quay/{counter.pk}/ghep/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    code = shown_code(response)
    assert len(code) == 8
    assert "Trên máy tính bảng, mở <strong>http://testserver/may-tinh-bang/</strong> và nhập mã này." in html
    kiosk = Kiosk.objects.get(counter=counter)
    assert kiosk.pairing_digest != code and code not in str(kiosk.__dict__)
    assert timezone.now() + datetime.timedelta(minutes=14) < kiosk.pairing_expires
    assert kiosk.pairing_expires <= timezone.now() + datetime.timedelta(minutes=15)
    assert code not in client.get("/quay/").content.decode().replace(" ", "")  # once: the list never shows it


def test_counter_staff_see_their_counters_but_cannot_pair_or_revoke(client, world, counter):
    kiosk, _code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    client.force_login(world.staff_a)

    page = client.get("/quay/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Quầy 1" in html and "Ghép máy tính bảng</button>" not in html and "Thêm quầy" not in html
    assert client.post(f"/quay/{counter.pk}/ghep/").status_code == 404
    assert client.post(f"/quay/may/{kiosk.pk}/thu-hoi/").status_code == 404
    assert client.post("/quay/them/", {"unit": "09556", "name": "Quầy 9"}).status_code == 404
    assert Kiosk.objects.get().revoked is None and Counter.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff_b", "outsider", "official"])
def test_counters_of_another_unit_are_not_found(client, world, counter, persona):
    kiosk, _code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    client.force_login(getattr(world, persona))

    assert client.get("/quay/?don-vi=09556").status_code == 404
    assert client.post(f"/quay/{counter.pk}/ghep/").status_code == 404
    assert client.post(f"/quay/may/{kiosk.pk}/thu-hoi/").status_code == 404
    assert client.post("/quay/them/", {"unit": "09556", "name": "Quầy lạ"}).status_code == 404
    own_page = client.get("/quay/")
    assert own_page.status_code == (404 if persona == "official" else 200)
    assert f'id="counter-{counter.pk}"' not in own_page.content.decode()
    assert Kiosk.objects.filter(revoked__isnull=True).count() == 1 and Counter.objects.count() == 1


# --- pairing the tablet ----------------------------------------------------------------------------


def test_the_right_code_pairs_the_tablet_and_sets_a_long_lived_private_cookie(client, world, counter):
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)

    unpaired = client.get("/may-tinh-bang/")
    response = pair_tablet(client, f"{code[:4]} {code[4:]}")

    assert 'name="code"' in unpaired.content.decode() and "csrfmiddlewaretoken" in unpaired.content.decode()
    assert response.status_code == 302 and response.url == "/may-tinh-bang/"
    cookie = response.cookies[KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    assert not cookie["secure"]  # the test settings serve plain HTTP
    kiosk = Kiosk.objects.get()
    assert kiosk.paired and kiosk.pairing_digest is None and kiosk.key_digest != cookie.value
    welcome = client.get("/may-tinh-bang/")
    html = welcome.content.decode()
    assert "Phường Hà Đông" in html and "Quầy 1" in html and "Mời ông/bà đánh giá sự phục vụ" in html
    assert "http://testserver/danh-gia/09556/" in html
    assert "no-store" in welcome["Cache-Control"]


def test_the_cookie_is_secure_when_the_site_is(client, world, counter, settings):
    settings.SESSION_COOKIE_SECURE = True
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)

    assert pair_tablet(client, code).cookies[KIOSK_COOKIE]["secure"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong", "Mã ghép nối không đúng hoặc đã hết hạn."),
        ("expired", "Mã ghép nối không đúng hoặc đã hết hạn."),
        ("used", "Mã ghép nối không đúng hoặc đã hết hạn."),
        ("revoked", "Mã ghép nối không đúng hoặc đã hết hạn."),
        ("letters", "Mã ghép nối gồm đúng 8 chữ số."),
    ],
)
def test_a_bad_code_is_refused_next_to_the_field(client, world, counter, case, message):
    kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    if case == "wrong":
        code = f"{(int(code) + 1) % 10**8:08d}"
    elif case == "expired":
        Kiosk.objects.filter(pk=kiosk.pk).update(pairing_expires=timezone.now() - datetime.timedelta(seconds=1))
    elif case == "used":
        assert pair_tablet(client, code).status_code == 302
        client.cookies.clear()
    elif case == "revoked":
        Kiosk.objects.filter(pk=kiosk.pk).update(revoked=timezone.now())
    else:
        code = "1234abcd"

    response = pair_tablet(client, code, address="10.1.1.2")

    assert response.status_code == 400
    assert KIOSK_COOKIE not in response.cookies
    html = response.content.decode()
    assert 'id="code-error"' in html and message in html and 'aria-invalid="true"' in html
    assert Kiosk.objects.filter(paired__isnull=False).count() == (1 if case == "used" else 0)


def test_a_paired_tablet_that_types_a_wrong_code_stays_paired(tablet):
    response = pair_tablet(tablet, "00000000")

    assert response.status_code == 400 and KIOSK_COOKIE not in response.cookies
    assert tablet.get("/may-tinh-bang/phieu-moi/").status_code == 200


def test_pairing_tries_are_throttled_per_address(client, world, counter):
    _kiosk, code = kiosk_pairing_start(actor=world.head_a, counter=counter)
    for attempt in range(5):
        assert pair_tablet(client, f"{attempt:08d}").status_code == 400

    blocked = pair_tablet(client, code)
    elsewhere = pair_tablet(client, code, address="10.9.9.9")

    assert blocked.status_code == 429
    assert "Đã thử quá nhiều lần." in blocked.content.decode()
    assert elsewhere.status_code == 302


def test_a_revoked_tablet_loses_access(tablet, world):
    kiosk = Kiosk.objects.get()
    assert tablet.get("/may-tinh-bang/phieu-moi/").status_code == 200

    head = type(tablet)()
    head.force_login(world.head_a)
    assert head.post(f"/quay/may/{kiosk.pk}/thu-hoi/").status_code == 302

    refused = tablet.get("/may-tinh-bang/phieu-moi/")
    home = tablet.get("/may-tinh-bang/")
    assert refused.status_code == 403 and refused.json()["error"] == "not_paired"
    assert 'name="code"' in home.content.decode()
    assert home.cookies[KIOSK_COOKIE].value == ""  # the stale cookie is dropped
    assert Kiosk.objects.get().revoked is not None


def test_a_browser_without_a_tablet_cookie_gets_nothing(client, world, builtin_forms, counter):
    dossier_with_survey(unit=world.commune_a, counter=counter)
    client.cookies[KIOSK_COOKIE] = "made-up"

    assert client.get("/may-tinh-bang/phieu-moi/").status_code == 403
    assert client.post("/may-tinh-bang/dong/", {"token": "x"}).status_code == 403
    assert IssuedSurvey.objects.get().kiosk_closed is None


# --- what the tablet shows -------------------------------------------------------------------------


def next_url(tablet):
    response = tablet.get("/may-tinh-bang/phieu-moi/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.json()["url"]


def test_the_tablet_gets_its_counters_newest_open_survey(tablet, world, builtin_forms, counter, other_counter):
    assert next_url(tablet) is None
    _d, first, first_token = dossier_with_survey(unit=world.commune_a, code="HS-1", counter=counter)
    assert next_url(tablet) == f"/p/{first_token}/"

    _d, _other, _t = dossier_with_survey(unit=world.commune_a, code="HS-2", counter=other_counter)
    _d, _none, _t = dossier_with_survey(unit=world.commune_a, code="HS-3")
    assert next_url(tablet) == f"/p/{first_token}/"  # never another counter's, nor one sent nowhere

    _d, second, second_token = dossier_with_survey(unit=world.commune_a, code="HS-4", counter=counter)
    IssuedSurvey.objects.filter(pk=first.pk).update(counter_sent=timezone.now() - datetime.timedelta(seconds=30))
    assert next_url(tablet) == f"/p/{second_token}/"


@pytest.mark.parametrize("case", ["answered", "expired", "sent_long_ago", "closed"])
def test_the_tablet_never_gets_a_survey_it_must_not_show(tablet, world, builtin_forms, counter, case):
    _d, survey, token = dossier_with_survey(unit=world.commune_a, counter=counter)
    now = timezone.now()
    if case == "answered":
        survey_answer(token=token, client_id=uuid.uuid4(), raw=ANSWERS)
    elif case == "expired":
        IssuedSurvey.objects.filter(pk=survey.pk).update(
            issued=now - datetime.timedelta(days=8), expires=now - datetime.timedelta(minutes=1)
        )
    elif case == "sent_long_ago":
        IssuedSurvey.objects.filter(pk=survey.pk).update(counter_sent=now - datetime.timedelta(minutes=16))
    else:
        assert tablet.post("/may-tinh-bang/dong/", {"token": token}).status_code == 204

    assert next_url(tablet) is None


def test_a_survey_sent_again_after_the_tablet_closed_it_shows_again(tablet, world, builtin_forms, counter):
    _d, survey, token = dossier_with_survey(unit=world.commune_a, counter=counter)
    tablet.post("/may-tinh-bang/dong/", f'{{"token": "{token}"}}', content_type="application/json")
    assert next_url(tablet) is None

    survey_send_to_counter(survey=survey, counter=counter)

    assert next_url(tablet) == f"/p/{token}/"


def test_a_tablet_closes_only_its_own_counters_surveys(tablet, world, builtin_forms, counter, other_counter):
    _d, own, own_token = dossier_with_survey(unit=world.commune_a, code="HS-1", counter=counter)
    _d, other, other_token = dossier_with_survey(unit=world.commune_a, code="HS-2", counter=other_counter)

    as_json = tablet.post("/may-tinh-bang/dong/", {"token": own_token}, content_type="application/json")
    foreign = tablet.post("/may-tinh-bang/dong/", {"token": other_token})
    unknown = tablet.post("/may-tinh-bang/dong/", {"token": "khong-co"})

    assert (as_json.status_code, foreign.status_code, unknown.status_code) == (204, 204, 204)
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.kiosk_closed is not None
    assert other.kiosk_closed is None
