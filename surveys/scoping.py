"""Who may reach which units: the one gate in front of every piece of survey data.

Every view and query of survey data asks `units_for_user` first (or
surveys.permissions, which builds on it) and filters by it; a unit outside the
answer is reported as not found (404), never as forbidden, so nobody learns what
lies outside their scope.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from surveys.models import Membership, Unit, UnitQuerySet, subtree_q

Role = Membership.Role

# Roles that see the whole subtree below their unit; counter staff see only their own unit.
SUBTREE_ROLES = {Role.HEAD, Role.OFFICIAL, Role.ADMIN}
# Roles held in units, which administrators grant; the national official is appointed by a system administrator.
UNIT_ROLES = [Role.COUNTER, Role.HEAD, Role.OFFICIAL, Role.ADMIN]


def units_for_user(user, *, roles=None) -> UnitQuerySet:
    """Return the units `user` may reach, optionally only through the given roles.

    Superusers and national officials reach every unit. Heads, officials and
    administrators reach their unit's subtree and the units merged into it
    (history stays readable after the 2025 merger); counter staff reach their own unit.
    What a person may do in the units they reach is for surveys.permissions to say.
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Unit.objects.all()
    return units_through_memberships(user, roles=roles)


def units_through_memberships(user, *, roles=None) -> UnitQuerySet:
    """Return the units `user` reaches through their memberships alone, optionally only those of `roles`.

    Being a system administrator adds nothing here: surveys.permissions decides what
    that grants, because some permissions (citizens' contacts) need a head's membership.
    """
    if not (user.is_authenticated and user.is_active):
        return Unit.objects.none()
    memberships = Membership.objects.filter(user=user).select_related("unit")
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    own_units, roots = [], []
    for membership in memberships:
        if membership.role == Role.NATIONAL:
            return Unit.objects.all()
        if membership.role in SUBTREE_ROLES:
            roots.append(membership.unit.path)
        else:
            own_units.append(membership.unit_id)
    roots += paths_merged_into(roots)
    return Unit.objects.filter(Q(pk__in=own_units) | subtree_q(*_outermost(roots)))


def get_unit_for_user(user, code: str) -> Unit:
    """Return the unit with `code` if `user` may reach it, else raise Http404."""
    return get_object_or_404(units_for_user(user), code=code)


def units_managed_by(user) -> UnitQuerySet:
    """Return the units whose accounts `user` may manage.

    Administrators manage their subtree, unit heads the counter staff of their own unit.
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Unit.objects.all()
    administered, headed = _granting_reach(user)
    return Unit.objects.filter(pk__in=administered | headed)


def roles_grantable_by(user, unit: Unit) -> list[str]:
    """Roles `user` may grant or revoke in `unit`.

    Heads staff their own counter; appointing heads, officials and
    administrators is for administrators of the subtree.
    """
    administered, headed = _granting_reach(user)
    if unit.pk in administered:
        return list(UNIT_ROLES)
    if unit.pk in headed:
        return [Role.COUNTER]
    return []


def roles_grantable_somewhere(user) -> list[str]:
    """Roles `user` may grant in at least one unit: what the account form offers."""
    administered, headed = _granting_reach(user)
    if administered:
        return list(UNIT_ROLES)
    return [Role.COUNTER] if headed else []


def revocable_memberships(user, memberships) -> set[int]:
    """Ids of the given memberships that `user` may revoke, with two queries for any number.

    Nobody revokes their own role: that is how a unit loses its last head by mistake.
    """
    administered, headed = _granting_reach(user)
    return {
        membership.pk
        for membership in memberships
        if membership.user_id != user.pk
        and (membership.unit_id in administered or (membership.unit_id in headed and membership.role == Role.COUNTER))
    }


def _granting_reach(user) -> tuple[set[int], set[int]]:
    """Ids of the units `user` administers (subtrees) and of those they head."""
    if not (user.is_authenticated and user.is_active):
        return set(), set()
    administered = set(units_for_user(user, roles=[Role.ADMIN]).values_list("pk", flat=True))
    headed = set(Membership.objects.filter(user=user, role=Role.HEAD).values_list("unit_id", flat=True))
    return administered, headed


def paths_merged_into(roots: list[str]) -> list[str]:
    """Paths of the units merged into these subtrees, following chains of mergers (A into B into C)."""
    found: list[str] = []
    frontier = roots
    while frontier:
        merged = Unit.objects.filter(successor__in=Unit.objects.filter(subtree_q(*frontier)))
        frontier = [path for path in merged.values_list("path", flat=True) if path not in found + roots]
        found += frontier
    return found


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list: their range adds nothing."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
