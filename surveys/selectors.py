"""Reads of the survey administration domain, always through the scoping gate."""

from django.db.models import F, QuerySet

from surveys.models import Membership, Unit, UnitQuerySet
from surveys.scoping import units_for_user, units_managed_by

# Units that still exist before the ones abolished in 2025, on both databases.
CURRENT_FIRST = F("valid_to").desc(nulls_first=True)


def unit_search(*, user, text: str, limit: int = 20) -> list[Unit]:
    """Units in the user's reach whose name matches `text`, with or without diacritics."""
    units = units_for_user(user).search(text).select_related("parent")
    return list(units.order_by("match_rank", CURRENT_FIRST, "kind", "search_name")[:limit])


def unit_ancestors(*, unit: Unit) -> UnitQuerySet:
    """The chain above `unit`, top first: one query on the codes in its path."""
    return Unit.objects.filter(code__in=unit.ancestor_codes).order_by("path")


def unit_children(*, user, unit: Unit) -> UnitQuerySet:
    return units_for_user(user).filter(parent=unit).order_by(CURRENT_FIRST, "search_name")


def unit_predecessors(*, user, unit: Unit) -> UnitQuerySet:
    """Units merged into `unit` that `user` may also reach."""
    return units_for_user(user).filter(successor=unit).order_by("search_name")


def memberships_of(*, user) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("unit").order_by("unit__path", "role"))


def memberships_managed_by(*, user) -> QuerySet[Membership]:
    """Roles held in the units whose accounts `user` manages."""
    return (
        Membership.objects.filter(unit__in=units_managed_by(user))
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__username")
    )
