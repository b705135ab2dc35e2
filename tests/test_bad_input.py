"""Bad input gets a clear refusal and changes nothing: the cases tests/test_fuzz.py found, one by one."""

import json
import uuid

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from reports.periods import PeriodInvalid, parse_period
from surveys.models import Batch, BoxOpening, Dossier, Response
from surveys.text import whole_number

REFUSED = "Yêu cầu chứa ký tự không hợp lệ."


def test_a_nul_character_in_the_address_or_the_query_is_refused_with_a_page_that_says_why(world, client):
    client.force_login(world.staff_a)
    for url in ["/don-vi/?q=%00", "/don-vi/?q%00=1", "/cong-khai/%00/2026-11/", "/don-vi/09556%00/"]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert REFUSED in response.content.decode()


def test_a_nul_character_in_a_form_field_is_refused_and_nothing_is_stored(world, client):
    client.force_login(world.staff_a)
    form = {"unit": "09556", "dossier_code": "HS-1\x00", "procedure_text": "Đăng ký khai sinh"}
    response = client.post("/ho-so/them/", form)
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    assert not Dossier.objects.exists()


def test_a_nul_character_in_an_api_body_is_refused_in_json(world, builtin_forms, client):
    body = {"unit": "09556\u0000", "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5}}
    response = client.post("/api/v1/responses", json.dumps(body), content_type="text/plain")
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": REFUSED}
    assert not Response.objects.exists()


def test_a_backslash_written_before_u0000_is_text_not_a_nul(world, builtin_forms, client):
    body = {"unit": "\\u0000", "client_id": str(uuid.uuid4()), "answers": {"Câu 1": 5}}
    response = client.post("/api/v1/responses", json.dumps(body), content_type="application/json")
    assert response.status_code == 404  # the unit "\u0000", six characters, does not exist
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("key", ["9999-12", "0001-01", "1999", "2101-Q1", "20991201-21010101", "٢٠٢٦-١١"])
def test_a_period_far_from_now_is_refused_before_any_arithmetic(key):
    with pytest.raises(PeriodInvalid):
        parse_period(key)


def test_the_first_and_last_years_still_read():
    assert parse_period("2000-01").previous().key == "1999-12"
    assert parse_period("2100-12").key == "2100-12"


@pytest.mark.parametrize(
    "url", ["/ket-qua/09556/9999-12/", "/ket-qua/09556/0001-01/", "/bao-cao/09556/9999-12/period.pdf"]
)
def test_results_and_reports_of_a_period_far_from_now_are_not_found(world, client, url):
    client.force_login(world.head_a)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13", "2026-Q4"])
def test_the_public_notice_of_a_month_that_is_not_one_is_not_found(world, client, month):
    assert client.get(f"/cong-khai/09556/{month}/").status_code == 404


@pytest.fixture
def batch(world, builtin_forms):
    opening = BoxOpening.objects.create(
        unit=world.commune_a,
        opened_at=timezone.now(),
        place="Bộ phận Một cửa",
        seal_intact=True,
        ballot_count=1,
        recorded_by=world.staff_a,
    )
    version = builtin_forms["sipas-5"].current_version()
    return Batch.objects.create(unit=world.commune_a, opening=opening, version=version, created_by=world.staff_a)


def test_a_nul_character_typed_into_a_ballot_is_refused_as_the_typing_screen_shows_errors(world, batch, client):
    client.force_login(world.staff_a)
    ballot = {"client_id": str(uuid.uuid4()), "answered_on": "16/11/2026", "answers": {"Câu 1": "5\u0000"}}
    response = client.post(f"/lo-phieu/{batch.pk}/phieu/", json.dumps(ballot), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED}
    assert not Response.objects.exists()


@pytest.mark.parametrize("number", ["abc", "²", "9" * 5000, "-1"])
def test_a_ballot_to_correct_must_be_written_as_a_number(world, batch, client, number):
    client.force_login(world.head_a)
    assert client.get(f"/lo-phieu/{batch.pk}/nhap/", {"sua": number}).status_code == 404


def test_whole_numbers_are_ascii_digits_short_enough_for_a_key():
    assert whole_number("42") == 42
    assert [whole_number(text) for text in ["", None, "²", "٣", "-1", "1.0", "9" * 19]] == [None] * 7


@pytest.mark.parametrize("url", ["/dang-nhap/", "/quan-tri/login/"])
def test_a_username_longer_than_any_account_is_refused_before_it_is_tried(world, client, url):
    response = client.post(url, {"username": "x" * 10_000, "password": "mat-khau"})
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()  # django-axes keeps 255 characters, PostgreSQL refuses more


@pytest.mark.parametrize("year", ["99999999999999999999999", "9999"])
def test_the_admins_date_drill_down_answers_a_year_out_of_the_calendar_as_a_bad_filter(world, client, year):
    client.force_login(world.superuser)
    response = client.get("/quan-tri/axes/accesslog/", {"attempt_time__year": year})
    assert (response.status_code, response["Location"]) == (302, "/quan-tri/axes/accesslog/?e=1")
