"""Keep citizens' contact details no longer than the consent text promises."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from surveys.audit import log_action
from surveys.models import ResponseContact


def contacts_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete contact details left more than SIPAS_CONTACT_RETENTION_DAYS ago; the answers stay."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.SIPAS_CONTACT_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _per_model = ResponseContact.objects.filter(response__created__lt=cutoff).delete()
        if deleted:
            log_action(actor=None, action="surveys.contacts.purged", data={"count": deleted})
    return deleted


def contact_erase(*, actor, contact: ResponseContact, reason: str) -> None:
    """Erase one citizen's contact details at their request (Nghị định 13/2023, right to deletion).

    The answers stay: they were given anonymously apart from these details. The audit log
    records who erased which response's details and why, never the details themselves.
    """
    response = contact.response
    with transaction.atomic():
        contact.delete()
        log_action(
            actor=actor, action="surveys.contact.erased", unit=response.unit, target=response, data={"reason": reason}
        )
