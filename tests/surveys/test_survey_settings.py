"""The head's survey settings: the form issued, how long a link lives, the public rating page."""

import pytest

from surveys.models import AuditEntry, SurveySettings
from surveys.services.answering import SurveyNotFound, rating_open_for
from surveys.services.form_editor import form_copy, version_publish
from surveys.services.issuing import survey_form_for
from tests.factories import dossier_with_survey

URL = "/cai-dat-khao-sat/"


def test_the_page_starts_from_the_defaults_and_shows_the_rating_link(world, builtin_forms, client):
    client.force_login(world.head_a)
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["unit"] == world.commune_a
    assert page.context["form"].initial == {"form": None, "expiry_days": 7, "public_rating": True}
    assert "http://testserver/danh-gia/09556/" in html
    assert "<svg" in html  # the QR of the public page, drawn on the server


def test_a_head_saves_the_form_link_lifetime_and_public_page(world, builtin_forms, client):
    client.force_login(world.head_a)
    response = client.post(URL, {"form": "binh-phuoc", "expiry_days": "14", "public_rating": ""})
    assert response.status_code == 302

    stored = SurveySettings.objects.get(unit=world.commune_a)
    assert (stored.form.code, stored.expiry_days, stored.public_rating) == ("binh-phuoc", 14, False)
    entry = AuditEntry.objects.get(action="surveys.survey_settings.changed")
    assert (entry.actor, entry.unit, entry.data["form"], entry.data["expiry_days"]) == (
        world.head_a,
        world.commune_a,
        "binh-phuoc",
        14,
    )
    # What the settings change: the form issued, the link's lifetime, the public page.
    assert survey_form_for(world.commune_a).template.code == "binh-phuoc"
    _dossier, survey, _token = dossier_with_survey(unit=world.commune_a)
    assert (survey.expires - survey.issued).days == 14
    with pytest.raises(SurveyNotFound, match="chưa nhận đánh giá trực tuyến"):
        rating_open_for(world.commune_a)

    # Saving again updates the one row.
    client.post(URL, {"form": "", "expiry_days": "7", "public_rating": "on"})
    assert SurveySettings.objects.get(unit=world.commune_a).form is None
    assert SurveySettings.objects.count() == 1


@pytest.mark.parametrize(
    ("days", "message"), [("0", "Ít nhất 1 ngày."), ("91", "Nhiều nhất 90 ngày."), ("", "Hãy nhập số ngày.")]
)
def test_a_lifetime_outside_1_to_90_days_is_refused_next_to_the_field(world, builtin_forms, client, days, message):
    client.force_login(world.head_a)
    page = client.post(URL, {"form": "", "expiry_days": days, "public_rating": "on"})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert page.context["form"].errors == {"expiry_days": [message]}
    assert not SurveySettings.objects.exists()


def test_only_published_forms_available_to_the_unit_are_offered(world, builtin_forms, client):
    draft = form_copy(
        actor=world.superuser, template=builtin_forms["short-5"], unit=world.commune_a, code="a-nhap", name="Nháp A"
    )
    published = form_copy(
        actor=world.superuser, template=builtin_forms["short-5"], unit=world.commune_a, code="a-ngan", name="Ngắn A"
    )
    version_publish(actor=world.superuser, version=published.versions.get())
    other = form_copy(
        actor=world.superuser, template=builtin_forms["short-5"], unit=world.commune_b, code="b-ngan", name="Ngắn B"
    )
    version_publish(actor=world.superuser, version=other.versions.get())

    client.force_login(world.head_a)
    offered = {template.code for template in client.get(URL).context["form"].fields["form"].queryset}
    assert offered == {"sipas-5", "binh-phuoc", "short-5", "sipas-21", "a-ngan"}
    assert draft.code not in offered

    refused = client.post(URL, {"form": "b-ngan", "expiry_days": "7", "public_rating": "on"})
    assert "Hãy chọn một mẫu phiếu trong danh sách." in refused.content.decode()
    assert not SurveySettings.objects.exists()


def test_an_administrator_picks_the_unit_among_those_of_the_province(world, builtin_forms, client):
    client.force_login(world.admin_hanoi)
    page = client.get(URL, {"don_vi": "09886"})
    assert page.context["unit"] == world.commune_b
    assert ("09556", "Phường Hà Đông") in page.context["unit_choices"]
    client.post(f"{URL}?don_vi=09886", {"form": "short-5", "expiry_days": "3", "public_rating": "on"})
    assert SurveySettings.objects.get().unit == world.commune_b


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "official", "outsider"])
def test_others_cannot_reach_the_settings_of_unit_a(world, builtin_forms, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get(URL, {"don_vi": "09556"}).status_code == 404
    posted = client.post(f"{URL}?don_vi=09556", {"form": "", "expiry_days": "30", "public_rating": ""})
    assert posted.status_code == 404
    assert not SurveySettings.objects.exists()
