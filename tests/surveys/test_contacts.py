"""Contact details go after the retention period the consent text promises; the answers stay."""

import datetime
import io
import uuid

from django.core.management import call_command
from django.utils import timezone

from surveys.models import Response, ResponseContact, SurveySettings
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
