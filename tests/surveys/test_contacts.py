"""Contact details go after the retention period the consent text promises; the answers stay."""

import datetime
import io
import uuid

from django.core.management import call_command
from django.utils import timezone

from surveys.models import AuditEntry, Response, ResponseContact, SurveySettings
from surveys.services.answering import rating_submit


def test_purge_contacts_deletes_only_old_contact_details(world, builtin_forms):
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    answers = {"3.10": 5, "5": {"name": "Trần Thị Bình", "phone": "0912345678", "consent": True}}
    old, _ = rating_submit(unit=world.commune_a, client_id=uuid.uuid4(), raw=answers)
    recent, _ = rating_submit(unit=world.commune_a, client_id=uuid.uuid4(), raw=answers)
    Response.objects.filter(pk=old.pk).update(created=timezone.now() - datetime.timedelta(days=366))

    out = io.StringIO()
    call_command("purge_contacts", stdout=out)

    assert out.getvalue().strip() == "purge_contacts: 1 deleted"
    assert list(ResponseContact.objects.values_list("response_id", flat=True)) == [recent.pk]
    assert Response.objects.get(pk=old.pk).answers.exists()


def _two_contacts(world, builtin_forms):
    SurveySettings.objects.create(unit=world.commune_a, form=builtin_forms["binh-phuoc"])
    asked, _ = rating_submit(
        unit=world.commune_a,
        client_id=uuid.uuid4(),
        raw={"3.10": 2, "5": {"name": "Trần Thị Bình", "phone": "0912345678", "consent": True}},
    )
    other, _ = rating_submit(
        unit=world.commune_a,
        client_id=uuid.uuid4(),
        raw={"3.10": 5, "5": {"name": "Lê Văn Cường", "phone": "0987654321", "consent": True}},
    )
    return asked, other


def test_the_head_finds_one_citizen_by_phone_and_erases_their_details_on_request(world, builtin_forms, client):
    asked, other = _two_contacts(world, builtin_forms)
    client.force_login(world.head_a)

    found = client.get("/lien-he/", {"q": "0912"}).content.decode()
    erased = client.post(f"/lien-he/{asked.pk}/xoa/", {"reason": "Đơn yêu cầu số 12 ngày 03/12/2026"})

    assert "Trần Thị Bình" in found and "Lê Văn Cường" not in found
    assert erased.status_code == 302
    assert list(ResponseContact.objects.values_list("response_id", flat=True)) == [other.pk]
    assert Response.objects.get(pk=asked.pk).answers.exists()
    entry = AuditEntry.objects.get(action="surveys.contact.erased")
    assert (entry.actor, entry.unit, entry.target_id) == (world.head_a, world.commune_a, str(asked.pk))
    assert entry.data == {"reason": "Đơn yêu cầu số 12 ngày 03/12/2026"}
    assert "0912345678" not in str(entry.data) and "Bình" not in str(entry.data)


def test_erasing_needs_a_reason_and_changes_nothing_without_one(world, builtin_forms, client):
    asked, _other = _two_contacts(world, builtin_forms)
    client.force_login(world.head_a)

    page = client.post(f"/lien-he/{asked.pk}/xoa/", {"reason": "   "})

    assert page.status_code == 200
    assert "Hãy ghi lý do xóa." in page.content.decode()
    assert ResponseContact.objects.count() == 2
    assert not AuditEntry.objects.filter(action="surveys.contact.erased").exists()


def test_nobody_but_the_units_head_reaches_its_contact_details(world, builtin_forms, client):
    asked, _other = _two_contacts(world, builtin_forms)

    for persona in ["staff_a", "official", "admin_hanoi", "superuser", "outsider"]:
        client.force_login(getattr(world, persona))
        assert client.get(f"/lien-he/{asked.pk}/xoa/").status_code == 404, persona
        assert client.post(f"/lien-he/{asked.pk}/xoa/", {"reason": "thử"}).status_code == 404, persona
        assert "0912345678" not in client.get("/lien-he/", {"q": "0912"}).content.decode(), persona
    assert ResponseContact.objects.count() == 2
