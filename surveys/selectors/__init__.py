"""Reads of the survey administration domain, always through the scoping gate."""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from surveys.models import Answer, Batch, BoxOpening, Membership, Response, Unit, UnitQuerySet
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


def units_with_children(*, units: UnitQuerySet) -> UnitQuerySet:
    """The current units among `units` with current units below them: those a batch of notices is made for."""
    below = Unit.objects.current().filter(parent=OuterRef("pk"))
    return units.current().filter(Exists(below))


def memberships_of(*, user) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("unit").order_by("unit__path", "role"))


def memberships_managed_by(*, user) -> QuerySet[Membership]:
    """Roles held in the units whose accounts `user` manages."""
    return (
        Membership.objects.filter(unit__in=units_managed_by(user))
        .select_related("user", "unit")
        .order_by("unit__path", "role", "user__username")
    )


def batches_for_user(*, user) -> QuerySet[Batch]:
    """Ballot batches of the units `user` reaches, with how many ballots are typed in."""
    return (
        Batch.objects.filter(unit__in=units_for_user(user))
        .select_related("unit", "opening", "version__template", "closed_by")
        .annotate(typed=Count("responses"))
        .order_by("-created")
    )


def get_batch_for_user(*, user, pk: int) -> Batch:
    """The batch if `user` reaches its unit, else 404."""
    return get_object_or_404(batches_for_user(user=user), pk=pk)


def batch_ballots(*, batch: Batch) -> QuerySet[Response]:
    """The batch's ballots in the order they were typed, with their answers."""
    answers = Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("question__position"))
    return batch.responses.select_related("procedure").prefetch_related(answers, "version__questions").order_by("id")


def box_openings_for_user(*, user) -> QuerySet[BoxOpening]:
    """Openings of the units `user` reaches, with how many of their ballots are typed in."""
    return (
        BoxOpening.objects.filter(unit__in=units_for_user(user))
        .select_related("unit", "batch__version__template", "recorded_by")
        .annotate(typed=Count("batch__responses"))
        .order_by("-opened_at", "-pk")
    )


def get_box_opening_for_user(*, user, pk: int) -> BoxOpening:
    """The opening if `user` reaches its unit, else 404."""
    return get_object_or_404(box_openings_for_user(user=user), pk=pk)
