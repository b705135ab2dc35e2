"""Who may do what: one table of named permissions, and the few questions every view asks of it.

A membership role holds a permission in the units that role reaches (surveys.scoping
decides the reach: counter staff their own unit, heads, officials and administrators
their subtree, the national official the whole country). Views, services and selectors
name a permission, never a role; a unit outside the answer is not found (404), never
forbidden.

System administrators (`is_superuser`) hold every permission but the personal ones:
citizens' contact details and figures per civil servant are the unit head's alone, so
a system administrator sees them only through a head's membership of the unit.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from surveys.models import Membership, Unit, UnitQuerySet
from surveys.scoping import units_through_memberships

Role = Membership.Role
COUNTER, HEAD, OFFICIAL, ADMIN, NATIONAL = Role.COUNTER, Role.HEAD, Role.OFFICIAL, Role.ADMIN, Role.NATIONAL

# Heads and those who oversee them read the figures; officials and the national official change nothing.
READERS = frozenset({HEAD, OFFICIAL, ADMIN, NATIONAL})
# The counter's daily work, in which the head may stand in (seed 002).
AT_THE_COUNTER = frozenset({COUNTER, HEAD})
# What the head looks after, and what administrators of the subtree may help set up.
HEAD_OR_ADMIN = frozenset({HEAD, ADMIN})
HEAD_ONLY = frozenset({HEAD})

PERMISSIONS: dict[str, frozenset[str]] = {
    # Results and reports.
    "results.view": READERS,
    "results.contacts": HEAD_ONLY,  # citizens' names, addresses, phone numbers (Nghị định 13/2023)
    "contacts.erase": HEAD_ONLY,  # one citizen's contact details, on their request, audited
    "results.officers": HEAD_ONLY,  # the index per civil servant feeds staff evaluation
    "compare.view": READERS,  # compare, rank and drill down a subtree (for a head, one with units under it)
    "compare.national": frozenset({NATIONAL}),  # the provinces of the whole country side by side
    "reports.download": READERS,
    "reports.write": HEAD_OR_ADMIN,  # the report's written sections and the year's survey plan
    "jobs.start": frozenset({HEAD, OFFICIAL, ADMIN}),  # notices of every unit below, in one ZIP
    # Integrity signals.
    "alerts.view": READERS,
    "alerts.mark_seen": HEAD_OR_ADMIN,
    "signals.officers": HEAD_ONLY,  # surveys left unanswered per civil servant
    "signals.bursts": HEAD_OR_ADMIN,  # many answers from one address or device
    # Work at the counter.
    "dossiers.record": AT_THE_COUNTER,  # register and import dossiers, issue surveys, enter monthly counts
    "ballots.record": AT_THE_COUNTER,  # the minutes of a box opening, which open a batch
    "ballots.enter": AT_THE_COUNTER,  # type ballots into an open batch
    "ballots.import": AT_THE_COUNTER,  # a spreadsheet of ballots
    "batches.close": HEAD_ONLY,  # and correct its ballots afterwards, on the audit log
    # The unit's set-up.
    "forms.edit": HEAD_ONLY,  # copy, reword and publish the unit's own forms
    "counters.view": AT_THE_COUNTER,
    "counters.manage": HEAD_ONLY,  # add counters, pair and revoke their tablets
    "settings.edit": HEAD_OR_ADMIN,  # the form citizens answer, link lifetime, public rating page
    "api_keys.manage": HEAD_OR_ADMIN,
    # Heads staff their own counter, administrators their subtree (surveys.scoping.roles_grantable_by).
    "accounts.manage": HEAD_OR_ADMIN,
    "catalogue.import": HEAD_OR_ADMIN,  # a province's own procedure list, for those reaching the province
    # The Django admin shows every unit of the country: system administrators alone.
    "system.admin": frozenset(),
}
# Who may grant which role in which unit is not here: see surveys.scoping.roles_grantable_by.

# Personal data: not even a system administrator holds these without a head's membership.
PERSONAL = frozenset({"results.contacts", "contacts.erase", "results.officers", "signals.officers"})


def roles_with(perm: str) -> frozenset[str]:
    """The membership roles that hold `perm`; an unknown name is a mistake in the code, not a refusal."""
    try:
        return PERMISSIONS[perm]
    except KeyError:
        raise KeyError(f"unknown permission {perm!r}; see surveys.permissions.PERMISSIONS") from None


def units_with(user, perm: str) -> UnitQuerySet:
    """The units in which `user` holds `perm`: filter survey data by it before reading or writing."""
    roles = roles_with(perm)
    if _as_system_administrator(user, perm):
        return Unit.objects.all()
    return units_through_memberships(user, roles=roles)


def get_unit_with(user, perm: str, code: str) -> Unit:
    """The unit with `code` if `user` holds `perm` in it, else Http404."""
    return get_object_or_404(units_with(user, perm), code=code)


def may(user, perm: str, unit: Unit) -> bool:
    """Whether `user` holds `perm` in `unit`."""
    return units_with(user, perm).filter(pk=unit.pk).exists()


def holds(user, perm: str) -> bool:
    """Whether `user` holds `perm` in at least one unit (every membership reaches its own unit)."""
    roles_with(perm)
    return _as_system_administrator(user, perm) or memberships_with(user, perm).exists()


def held(user) -> frozenset[str]:
    """Every permission `user` holds somewhere, with one query: what the menu and the home page offer."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return frozenset(
        perm for perm, holders in PERMISSIONS.items() if roles & holders or _as_system_administrator(user, perm)
    )


def memberships_with(user, perm: str) -> QuerySet[Membership]:
    """`user`'s own memberships whose role holds `perm`: the units where their own work lies, for a default.

    Unlike units_with, neither the units below nor a system administrator's reach count here.
    """
    if not (user.is_authenticated and user.is_active):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, role__in=roles_with(perm))


def home_units_with(user, perm: str) -> UnitQuerySet:
    """The units of `user`'s own memberships that hold `perm`; every unit for a system administrator who holds it."""
    if _as_system_administrator(user, perm):
        return Unit.objects.all()
    return Unit.objects.filter(memberships__in=memberships_with(user, perm)).distinct()


def flags(user) -> dict[str, dict[str, bool]]:
    """The permissions `user` holds somewhere, nested for templates: `{% if can.alerts.mark_seen %}`."""
    found: dict[str, dict[str, bool]] = {}
    mine = held(user)
    for perm in PERMISSIONS:
        area, _dot, action = perm.partition(".")
        found.setdefault(area, {})[action] = perm in mine
    return found


def _as_system_administrator(user, perm: str) -> bool:
    """Whether being a system administrator alone gives `user` the permission."""
    return user.is_authenticated and user.is_active and user.is_superuser and perm not in PERSONAL
