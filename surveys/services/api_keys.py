"""Create, check and revoke the keys a unit's one-stop software uses."""

from django.db import transaction
from django.utils import timezone

from surveys.audit import log_action
from surveys.models import ApiKey, Unit
from surveys.tokens import api_key_new, digest


def api_key_create(*, actor, unit: Unit, name: str) -> tuple[ApiKey, str]:
    """Make a key for `unit`; returns the row and the key itself, which is shown this once and never stored."""
    secret = api_key_new()
    with transaction.atomic():
        key = ApiKey.objects.create(
            unit=unit,
            name=name.strip() or "Phần mềm một cửa",
            prefix=secret[:12],
            digest=digest(secret),
            created_by=actor,
        )
        log_action(actor=actor, action="surveys.api_key.created", unit=unit, target=key, data={"prefix": key.prefix})
    return key, secret


def api_key_revoke(*, actor, key: ApiKey) -> None:
    with transaction.atomic():
        key.revoked = timezone.now()
        key.save(update_fields=["revoked"])
        log_action(
            actor=actor, action="surveys.api_key.revoked", unit=key.unit, target=key, data={"prefix": key.prefix}
        )


def api_key_check(secret: str) -> ApiKey | None:
    """The active key matching `secret`, marked as used now; None for unknown or revoked keys."""
    if not secret:
        return None
    key = ApiKey.objects.active().select_related("unit").filter(digest=digest(secret)).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used=timezone.now())
    return key
