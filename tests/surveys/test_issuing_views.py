"""Issuing a dossier's survey from the pages, its printable QR slip, and sending it to a counter's tablet."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from surveys.models import Counter, Dossier, IssuedSurvey
from surveys.services.answering import survey_answer
from surveys.tokens import survey_token
from tests.factories import dossier_with_survey


def plain_dossier(unit, code="HS-1") -> Dossier:
    today = timezone.localdate()
    return Dossier.objects.create(
        unit=unit, code=code, procedure_text="Đăng ký khai sinh", received=today, resolved=today, on_time=True
    )


def test_issuing_twice_makes_one_survey_and_both_clicks_land_on_the_slip(client, world, builtin_forms):
    record = plain_dossier(world.commune_a)
    client.force_login(world.staff_a)

    first = client.post(reverse("survey_issue", args=[record.pk]), follow=True)
    second = client.post(reverse("survey_issue", args=[record.pk]), follow=True)

    slip = reverse("survey_slip", args=[record.pk])
    assert first.redirect_chain == second.redirect_chain == [(slip, 302)]
    survey = IssuedSurvey.objects.get()
    assert survey.dossier == record and survey.issued_by == world.staff_a
    assert survey.version == builtin_forms["sipas-5"].current_version()
    assert first.context["link"] == second.context["link"]
    # Only the first click says a survey was issued.
    assert "Đã phát phiếu" in first.content.decode() and "Đã phát phiếu" not in second.content.decode()


def test_issuing_needs_a_post(client, world, builtin_forms):
    record = plain_dossier(world.commune_a)
    client.force_login(world.staff_a)
    assert client.get(reverse("survey_issue", args=[record.pk])).status_code == 405
    assert not IssuedSurvey.objects.exists()


def test_a_head_issues_for_the_unit_and_the_list_button_works(client, world, builtin_forms):
    record = plain_dossier(world.commune_a)
    client.force_login(world.head_a)
    assert ">Phát phiếu</button>" in client.get(reverse("dossier_list")).content.decode()
    response = client.post(reverse("survey_issue", args=[record.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("survey_slip", args=[record.pk])
    assert "Đã phát phiếu khảo sát cho hồ sơ HS-1." in response.content.decode()


def test_without_a_published_form_the_issue_button_says_why(client, world):
    record = plain_dossier(world.commune_a)
    client.force_login(world.staff_a)
    response = client.post(reverse("survey_issue", args=[record.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dossier_detail", args=[record.pk])
    assert "Chưa phát được phiếu khảo sát: Đơn vị Phường Hà Đông chưa có mẫu phiếu nào đã ban hành." in (
        response.content.decode()
    )
    assert not IssuedSurvey.objects.exists()


def test_the_slip_shows_the_unit_the_dossier_the_link_the_qr_and_the_expiry(client, world, builtin_forms):
    record, survey, token = dossier_with_survey(unit=world.commune_a, code="000.00.12.H26-0042")
    client.force_login(world.staff_a)

    response = client.get(reverse("survey_slip", args=[record.pk]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    link = f"http://testserver/p/{token}/"
    assert response.context["link"] == link and link in html
    assert "PHƯỜNG HÀ ĐÔNG" in html and "PHIẾU KHẢO SÁT SỰ HÀI LÒNG" in html
    assert "000.00.12.H26-0042" in html and "Đăng ký khai sinh" in html
    assert f"Hiệu lực đến {timezone.localtime(survey.expires):%d/%m/%Y}" in html
    assert reverse("survey_qr", args=[record.pk]) in html
    assert 'id="print-slip"' in html and "js/survey-slip.js" in html and "css/slip.css" in html

    qr = client.get(reverse("survey_qr", args=[record.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr["Cache-Control"]
    svg = qr.content.decode()
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and "<path" in svg


def test_the_slip_uses_the_site_address_when_one_is_set(client, world, builtin_forms, settings):
    settings.SITE_URL = "https://khaosat.hadong.gov.vn/"
    record, _survey, token = dossier_with_survey(unit=world.commune_a)
    client.force_login(world.staff_a)
    html = client.get(reverse("survey_slip", args=[record.pk])).content.decode()
    assert f"https://khaosat.hadong.gov.vn/p/{token}/" in html


def test_an_answered_survey_slip_says_so_without_link_or_qr(client, world, builtin_forms):
    record, _survey, token = dossier_with_survey(unit=world.commune_a)
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 5})
    client.force_login(world.staff_a)

    response = client.get(reverse("survey_slip", args=[record.pk]))

    html = response.content.decode()
    assert "ĐÃ TRẢ LỜI" in html and token not in html
    assert reverse("survey_qr", args=[record.pk]) not in html
    assert client.get(reverse("survey_qr", args=[record.pk])).status_code == 404
    listed = client.get(reverse("dossier_list")).content.decode()
    assert "Đã trả lời" in listed


def test_an_expired_survey_slip_says_so(client, world, builtin_forms):
    record, survey, token = dossier_with_survey(unit=world.commune_a)
    IssuedSurvey.objects.filter(pk=survey.pk).update(
        issued=timezone.now() - datetime.timedelta(days=8), expires=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(world.staff_a)

    html = client.get(reverse("survey_slip", args=[record.pk])).content.decode()

    assert "HẾT HẠN" in html and token not in html
    assert client.get(reverse("survey_qr", args=[record.pk])).status_code == 404
    assert "Hết hạn" in client.get(reverse("dossier_detail", args=[record.pk])).content.decode()


def test_the_slip_of_a_dossier_not_yet_issued_sends_back_to_the_dossier(client, world, builtin_forms):
    record = plain_dossier(world.commune_a)
    client.force_login(world.staff_a)
    response = client.get(reverse("survey_slip", args=[record.pk]))
    assert response["Location"] == reverse("dossier_detail", args=[record.pk])
    assert client.get(reverse("survey_qr", args=[record.pk])).status_code == 404
    assert client.post(reverse("survey_send", args=[record.pk])).status_code == 404


def test_an_official_reads_the_dossier_but_never_sees_the_link(client, world, builtin_forms):
    record, _survey, token = dossier_with_survey(unit=world.commune_a)
    client.force_login(world.official)
    detail = client.get(reverse("dossier_detail", args=[record.pk]))
    assert detail.status_code == 200 and "Chờ trả lời" in detail.content.decode()
    assert token not in detail.content.decode()
    assert reverse("survey_slip", args=[record.pk]) not in detail.content.decode()
    for name in ("survey_slip", "survey_qr"):
        assert client.get(reverse(name, args=[record.pk])).status_code == 404, name
    assert client.post(reverse("survey_send", args=[record.pk])).status_code == 404


def test_sending_to_a_counter_puts_the_survey_on_its_tablet_and_is_remembered(client, world, builtin_forms):
    first = Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    second = Counter.objects.create(unit=world.commune_a, name="Quầy 2")
    record, survey, _token = dossier_with_survey(unit=world.commune_a, counter=first)
    IssuedSurvey.objects.filter(pk=survey.pk).update(kiosk_closed=timezone.now())
    client.force_login(world.staff_a)
    slip = client.get(reverse("survey_slip", args=[record.pk]))
    assert slip.context["send_form"]["counter"].value() == first.pk

    response = client.post(reverse("survey_send", args=[record.pk]), {"counter": second.pk}, follow=True)

    assert "Đã gửi phiếu lên máy tính bảng của Quầy 2." in response.content.decode()
    survey.refresh_from_db()
    assert survey.counter == second and survey.counter_sent is not None and survey.kiosk_closed is None
    # The next dossier added goes to the same counter unless changed.
    assert client.get(reverse("dossier_create")).context["form"]["counter"].value() == second.pk


def test_a_counter_of_another_unit_is_refused(client, world, builtin_forms):
    Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    elsewhere = Counter.objects.create(unit=world.commune_b, name="Quầy B")
    record, survey, _token = dossier_with_survey(unit=world.commune_a)
    client.force_login(world.staff_a)
    response = client.post(reverse("survey_send", args=[record.pk]), {"counter": elsewhere.pk}, follow=True)
    assert "Chọn một quầy của đơn vị để gửi phiếu." in response.content.decode()
    survey.refresh_from_db()
    assert survey.counter is None


def test_an_answered_survey_is_not_sent_to_a_tablet(client, world, builtin_forms):
    counter = Counter.objects.create(unit=world.commune_a, name="Quầy 1")
    record, survey, token = dossier_with_survey(unit=world.commune_a)
    survey_answer(token=token, client_id=uuid.uuid4(), raw={"Câu 1": 4})
    client.force_login(world.staff_a)
    response = client.post(reverse("survey_send", args=[record.pk]), {"counter": counter.pk}, follow=True)
    assert "đã được trả lời hoặc đã hết hạn" in response.content.decode()
    survey.refresh_from_db()
    assert survey.counter is None


def test_the_slip_link_is_the_token_of_this_survey(world, builtin_forms, client):
    """The link printed is the one the citizen's page looks up: the keyed hash of this survey's key."""
    record, survey, _token = dossier_with_survey(unit=world.commune_a)
    other, _other_survey, other_token = dossier_with_survey(unit=world.commune_a, code="HS-2")
    client.force_login(world.staff_a)
    link = client.get(reverse("survey_slip", args=[record.pk])).context["link"]
    assert link.endswith(f"/p/{survey_token(survey.key)}/") and other_token not in link
