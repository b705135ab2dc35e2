"""Reads of resolved dossiers and of the monthly counts that coverage divides by."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from surveys.models import Counter, Dossier, DossierTally, ResolvedCount, Unit
from surveys.permissions import units_with
from surveys.scoping import units_for_user


class SurveyState:
    """Where a dossier's survey stands; the codes are also the list's filter values."""

    NONE = "chua-phat"
    ISSUED = "da-phat"
    OPEN = "cho"
    ANSWERED = "da-tra-loi"
    EXPIRED = "het-han"


def _state_q(state: str) -> Q | None:
    now = timezone.now()
    return {
        SurveyState.NONE: Q(survey__isnull=True),
        SurveyState.ISSUED: Q(survey__isnull=False),
        SurveyState.OPEN: Q(survey__isnull=False, survey__response__isnull=True, survey__expires__gt=now),
        SurveyState.ANSWERED: Q(survey__response__isnull=False),
        SurveyState.EXPIRED: Q(survey__isnull=False, survey__response__isnull=True, survey__expires__lte=now),
    }.get(state)


def dossiers_of(units) -> QuerySet[Dossier]:
    """Dossiers of `units`, newest resolved first, each annotated with its `survey_state`."""
    state = Case(
        When(_state_q(SurveyState.NONE), then=Value(SurveyState.NONE)),
        When(_state_q(SurveyState.ANSWERED), then=Value(SurveyState.ANSWERED)),
        When(_state_q(SurveyState.EXPIRED), then=Value(SurveyState.EXPIRED)),
        default=Value(SurveyState.OPEN),
        output_field=CharField(),
    )
    return (
        Dossier.objects.filter(unit__in=units)
        .select_related("unit", "procedure", "survey__counter")
        .annotate(survey_state=state)
        .order_by("-resolved", "-id")
    )


def dossiers_for_user(
    *, user, month: datetime.date | None = None, state: str = "", code: str = ""
) -> QuerySet[Dossier]:
    """Dossiers of the units `user` reaches, narrowed to a month, a survey state and a code."""
    dossiers = dossiers_of(units_for_user(user))
    if month is not None:
        dossiers = dossiers.filter(resolved__gte=month, resolved__lt=_next_month(month))
    if (state_q := _state_q(state)) is not None:
        dossiers = dossiers.filter(state_q)
    if code:
        dossiers = dossiers.filter(code__icontains=code)
    return dossiers


def get_dossier_for_user(*, user, pk: int) -> Dossier:
    """The dossier if `user` reaches its unit, else 404."""
    return get_object_or_404(dossiers_of(units_for_user(user)), pk=pk)


def get_dossier_for_recorder(*, user, pk: int) -> Dossier:
    """The dossier if `user` issues surveys for its unit (counter staff, head), else 404."""
    return get_object_or_404(dossiers_of(units_with(user, "dossiers.record")), pk=pk)


def counters_of(*, units) -> QuerySet[Counter]:
    return Counter.objects.filter(unit__in=units).select_related("unit").order_by("unit__path", "name")


@dataclass(frozen=True)
class ResolvedMonth:
    """One unit's month: dossiers registered here, the count entered for it, and the one coverage uses."""

    unit_id: int
    month: datetime.date
    registered: int
    entered: int | None

    @property
    def used(self) -> int:
        return self.entered if self.entered is not None else self.registered

    @property
    def uses_entered(self) -> bool:
        return self.entered is not None


def resolved_dossier_counts(*, units, start: datetime.date, end: datetime.date) -> list[ResolvedMonth]:
    """Per unit and month from start's month to end's month, both counted by the database (GROUP BY).

    A month appears when it has registered dossiers or an entered count; coverage
    divides by the entered count when there is one, else by the dossiers registered here.
    """
    counts, typed = _resolved_months(units, start, end)
    return [
        ResolvedMonth(unit_id=key[0], month=key[1], registered=counts.get(key, 0), entered=typed.get(key))
        for key in sorted(counts.keys() | typed.keys())
    ]


def resolved_used(*, units, start: datetime.date, end: datetime.date) -> dict[tuple[int, datetime.date], int]:
    """(unit id, month) → the resolved dossiers coverage divides by: the entered count, else those registered."""
    counts, typed = _resolved_months(units, start, end)
    return {**counts, **typed}


def _resolved_months(units, start: datetime.date, end: datetime.date) -> tuple[dict, dict]:
    """Dossiers registered and counts entered per (unit id, month), each counted by the database."""
    first, after = start.replace(day=1), _next_month(end.replace(day=1))
    # Kept per unit and month as dossiers are registered (surveys.services.tallies.dossier_months_count).
    registered = DossierTally.objects.filter(unit__in=units, month__gte=first, month__lt=after).values_list(
        "unit_id", "month", "dossiers"
    )
    entered = ResolvedCount.objects.filter(unit__in=units, month__gte=first, month__lt=after).values_list(
        "unit_id", "month", "count"
    )
    counts = {(unit_id, month): count for unit_id, month, count in registered}
    typed = {(unit_id, month): count for unit_id, month, count in entered}
    return counts, typed


def resolved_months_of(*, unit: Unit, months: int = 12) -> list[ResolvedMonth]:
    """The unit's last `months` months, newest first, with zeros where nothing is known."""
    this_month = timezone.localdate().replace(day=1)
    days = [this_month]
    while len(days) < months:
        days.append((days[-1] - datetime.timedelta(days=1)).replace(day=1))
    known = {row.month: row for row in resolved_dossier_counts(units=[unit], start=days[-1], end=this_month)}
    return [known.get(day) or ResolvedMonth(unit_id=unit.pk, month=day, registered=0, entered=None) for day in days]


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
