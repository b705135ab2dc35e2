"""One helper writes the audit trail, in the same transaction as the change."""

from surveys.models import AuditEntry


def log_action(*, actor, action: str, unit=None, target=None, data: dict | None = None) -> AuditEntry:
    """Record that `actor` did `action` (a namespaced code such as "surveys.account.created")."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        unit=unit,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
