"""Create accounts and take roles away, within what the acting person may grant."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from surveys.audit import log_action
from surveys.models import Membership, Unit
from surveys.scoping import revocable_memberships, roles_grantable_by


@transaction.atomic
def account_create(*, actor, username: str, full_name: str, password: str, unit: Unit, role: str):
    """Create a login for someone in `unit` with `role`, if `actor` may grant it."""
    _require_grantable(actor, unit, role)
    user = get_user_model().objects.create_user(username=username, password=password, first_name=full_name)
    membership = Membership.objects.create(user=user, unit=unit, role=role)
    log_action(
        actor=actor,
        action="surveys.account.created",
        unit=unit,
        target=user,
        data={"username": username, "role": role},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    """Take a role away; the account stays for the audit trail but loses that reach."""
    if membership.pk not in revocable_memberships(actor, [membership]):
        raise PermissionDenied("Bạn không được thu hồi vai trò này.")
    log_action(
        actor=actor,
        action="surveys.membership.revoked",
        unit=membership.unit,
        target=membership.user,
        data={"username": membership.user.username, "role": membership.role},
    )
    membership.delete()


def _require_grantable(actor, unit: Unit, role: str) -> None:
    if role not in roles_grantable_by(actor, unit):
        raise PermissionDenied("Bạn không được cấp vai trò này tại đơn vị này.")
