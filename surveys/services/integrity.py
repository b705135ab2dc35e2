"""The unit head acknowledges an integrity alert."""

from django.db import transaction
from django.utils import timezone

from surveys.audit import log_action
from surveys.models import IntegrityAlert


def alert_mark_seen(*, actor, alert: IntegrityAlert) -> IntegrityAlert:
    """Take the alert off the head's home page; the audit log keeps who saw it and when."""
    if alert.seen is not None:
        return alert
    with transaction.atomic():
        alert.seen = timezone.now()
        alert.seen_by = actor
        alert.save(update_fields=["seen", "seen_by"])
        log_action(
            actor=actor,
            action="surveys.alert.seen",
            unit=alert.unit,
            target=alert,
            data={"question": alert.question.code, "response": alert.response_id},
        )
    return alert
