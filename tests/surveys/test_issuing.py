"""Issuing a survey: one per dossier, an unguessable link that is never stored, the unit's form."""

import datetime

import pytest
from django.utils import timezone

from surveys.models import Dossier, FormTemplate, IssuedSurvey, SurveySettings
from surveys.services.dossiers import DossierInvalid, dossier_parse, dossier_register
from surveys.services.form_editor import form_copy, version_publish
from surveys.services.issuing import survey_for_token, survey_form_for, survey_issue
from surveys.tokens import SURVEY_TOKEN_LENGTH, survey_token
from tests.factories import dossier_with_survey


def test_issuing_twice_gives_the_same_survey_and_link(world, builtin_forms):
    dossier, survey, token = dossier_with_survey(unit=world.commune_a)

    again, created = survey_issue(dossier=dossier)

    assert not created and again == survey
    assert survey_token(again.key) == token
    assert IssuedSurvey.objects.count() == 1


def test_the_link_is_long_random_and_only_its_digest_is_stored(world, builtin_forms):
    _dossier, survey, token = dossier_with_survey(unit=world.commune_a)
    _other, other_survey, other_token = dossier_with_survey(unit=world.commune_a, code="HS-0002")

    assert len(token) == SURVEY_TOKEN_LENGTH  # 24 base64url characters: 144 bits
    assert token != other_token
    stored = IssuedSurvey.objects.filter(pk=survey.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    assert survey_for_token(token) == survey
    assert survey_for_token(other_token) == other_survey
    assert survey_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert survey_for_token("") is None


def test_a_link_lives_seven_days_unless_the_unit_says_otherwise(world, builtin_forms):
    _dossier, survey, _token = dossier_with_survey(unit=world.commune_a)
    SurveySettings.objects.create(unit=world.commune_b, expiry_days=2)
    _dossier_b, survey_b, _token_b = dossier_with_survey(unit=world.commune_b)

    assert survey.expires - survey.issued == datetime.timedelta(days=7)
    assert survey_b.expires - survey_b.issued == datetime.timedelta(days=2)


def test_the_unit_issues_its_chosen_form_else_its_own_else_sipas_5(world, builtin_forms):
    assert survey_form_for(world.commune_a).template.code == "sipas-5"

    own = form_copy(
        actor=world.head_a,
        template=builtin_forms["short-5"],
        unit=world.commune_a,
        code="hadong-ngan",
        name="Phiếu ngắn",
    )
    version_publish(actor=world.head_a, version=own.versions.get())
    assert survey_form_for(world.commune_a).template == own

    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    assert survey_form_for(world.commune_a).template.code == "binh-phuoc"
    assert FormTemplate.objects.filter(unit=world.commune_a).count() == 1


def test_dossier_fields_are_checked_with_a_message_each(world, builtin_forms):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    raw = {
        "dossier_code": "  ",
        "procedure": "Đăng ký khai sinh",
        "received": "31/02/2026",
        "resolved": f"{tomorrow:%d/%m/%Y}",
        "on_time": "có lẽ",
    }

    with pytest.raises(DossierInvalid) as caught:
        dossier_parse(unit=world.commune_a, raw=raw)

    errors = caught.value.errors
    assert errors["dossier_code"] == "Thiếu mã hồ sơ."
    assert "không có thật" in errors["received"]
    assert "ngày giải quyết không được sau hôm nay" in errors["resolved"]
    assert "Đúng hạn" in errors["on_time"]


def test_resolved_before_received_is_refused(world, builtin_forms):
    raw = {
        "dossier_code": "HS-1",
        "procedure": "x",
        "received": "05/03/2025",
        "resolved": "04/03/2025",
        "on_time": True,
    }

    with pytest.raises(DossierInvalid) as caught:
        dossier_parse(unit=world.commune_a, raw=raw)

    assert "trước ngày tiếp nhận" in caught.value.errors["resolved"]


def test_registering_the_same_dossier_code_twice_keeps_the_first(world, builtin_forms):
    raw = {
        "dossier_code": "000.00.10.H01-250305-0001",
        "procedure": "đăng ký khai sinh",
        "received": "03/03/2025",
        "resolved": "05/03/2025",
        "on_time": "Đúng hạn",
        "officer": "Lê Thị Hoa",
    }
    first, created = dossier_register(
        unit=world.commune_a, data=dossier_parse(unit=world.commune_a, raw=raw), source="api"
    )
    raw["officer"] = "Người khác"
    second, created_again = dossier_register(
        unit=world.commune_a, data=dossier_parse(unit=world.commune_a, raw=raw), source="api"
    )

    assert created and not created_again and first == second
    assert Dossier.objects.get().officer == "Lê Thị Hoa"


def test_a_dossier_code_must_be_text(world, builtin_forms):
    raw = {"dossier_code": {"a": 1}, "procedure": ["x"], "received": "03/03/2025", "resolved": "05/03/2025"}

    with pytest.raises(DossierInvalid) as caught:
        dossier_parse(unit=world.commune_a, raw={**raw, "on_time": True})

    assert "không đúng dạng" in caught.value.errors["dossier_code"]
    assert "không đúng dạng" in caught.value.errors["procedure"]
