"""The rows of Phụ lục 2 that are not rates: the busiest procedure, the days surveyed, the units below surveying."""

from dataclasses import dataclass

from django.db.models import Count, Max, Min, Sum

from reports.index.scope import Scope
from reports.periods import Period
from surveys.models import Response, ResponseTally, Unit


@dataclass
class Busiest:
    field: str
    procedure: str
    responses: int


def busiest_procedure(*, scope: Scope, period: Period) -> Busiest | None:
    """The procedure (with its field) that most responses named, catalogue entries and written names alike."""
    responses = Response.objects.filter(
        unit_id__in=scope.unit_ids, answered_on__gte=period.start, answered_on__lte=period.end
    )
    catalogued = (
        responses.filter(procedure__isnull=False)
        .values_list("procedure__field__name", "procedure__name")
        .annotate(n=Count("id"))
        .order_by("-n", "procedure__name")
        .first()
    )
    written = (
        responses.filter(procedure__isnull=True)
        .exclude(procedure_text="")
        .values_list("procedure_text")
        .annotate(n=Count("id"))
        .order_by("-n", "procedure_text")
        .first()
    )
    candidates = [Busiest(catalogued[0] or "", catalogued[1], catalogued[2])] if catalogued else []
    if written:
        candidates.append(Busiest("", written[0], written[1]))
    # On a tie the catalogue entry wins: it names the field too.
    return max(candidates, key=lambda busiest: busiest.responses, default=None)


def survey_days(*, scope: Scope, period: Period) -> tuple | None:
    """The first and the last day with a response in the period."""
    found = Response.objects.filter(
        unit_id__in=scope.unit_ids, answered_on__gte=period.start, answered_on__lte=period.end
    ).aggregate(first=Min("answered_on"), last=Max("answered_on"))
    return (found["first"], found["last"]) if found["first"] else None


def subunits_surveying(*, unit: Unit, period: Period) -> tuple[int, int]:
    """How many units below `unit` received responses in the period, and how many in all (from the tallies)."""
    own = set(Scope.of(unit).unit_ids)
    below = [pk for pk in Scope.of(unit, subtree=True).unit_ids if pk not in own]
    rows = (
        ResponseTally.objects.filter(
            unit_id__in=below, month__gte=period.start.replace(day=1), month__lte=period.end, responses__gt=0
        )
        .values("unit_id")
        .annotate(n=Sum("responses"))
        .order_by()
    )
    counts = [row["n"] for row in rows]
    return len(counts), sum(counts)
