"""The index per month or per civil servant: one grouped count for all the groups, not one figures() call each."""

from dataclasses import dataclass

from reports.index import arithmetic
from reports.index.counting import Counts, counts_by, uses_tallies
from reports.index.figures import (
    Figures,
    build_figures,
    comparison_of,
    coverages_of,
    figures,
    plans_of,
    question_metadata,
    rated_questions,
)
from reports.index.scope import Scope, Slice
from reports.periods import Period


@dataclass
class GroupIndex:
    responses: int
    index: float | None


def indices_by(*, scope: Scope, period: Period, by: str, slice: Slice = Slice()) -> dict:
    """Responses and index per group of `by` (a key of reports.index.counting.GROUPS).

    The same counting and arithmetic as `figures`, with one more GROUP BY column instead of one call per group.
    Responses outside any group (paper ballots have no civil servant) come under the key None.
    """
    grouped = counts_by(scope=scope, period=period, slice=slice, by=by, pairs=False)
    metadata = question_metadata({question_id for found in grouped.values() for question_id in found.cells})
    found = {}
    for group, counted in grouped.items():
        rated = rated_questions(counted.cells, metadata)
        found[group] = GroupIndex(
            responses=counted.total, index=arithmetic.sipas_index(arithmetic.factor_indices(rated))
        )
    return found


def monthly_trend(*, scope: Scope, months: list[Period], slice: Slice = Slice()) -> list[tuple[Period, float | None]]:
    """The index of each month, for a trend chart: one grouped count for all the months together."""
    found = indices_by(scope=scope, period=Period.between(months[0].start, months[-1].end), by="month", slice=slice)
    return [(month, found[month.start].index if month.start in found else None) for month in months]


def figures_and_trend(
    *, scope: Scope, period: Period, months: list[Period], slice: Slice = Slice()
) -> tuple[Figures, list[tuple[Period, float | None]]]:
    """The figures of `period` (with the period before) and the index of each of `months`, from ONE count
    grouped by month: a page narrowed to a procedure or a civil servant reads its raw answers once, not
    once for the period, once for the period before and once for its trend.
    """
    before = period.previous()
    if not (period.whole_months and before.whole_months):
        return figures(scope=scope, period=period, slice=slice), monthly_trend(scope=scope, months=months, slice=slice)
    span = Period.between(min(months[0].start, before.start, period.start), max(months[-1].end, period.end))
    # Pairs only for `period`: the interval is shown for it alone, not for the months of the trend.
    monthly = counts_by(scope=scope, period=span, by="month", slice=slice, pairs_within=period)
    metadata = question_metadata({question_id for counted in monthly.values() for question_id in counted.cells})

    def summed(within: Period) -> Counts:
        total = Counts()
        for month, counted in monthly.items():
            if within.start <= month <= within.end:
                total.add(counted)
        return total

    plans = plans_of({None: scope}, period)
    covered = not slice.needs_raw_answers
    result = build_figures(
        counted=summed(period),
        metadata=metadata,
        period=period,
        coverage=coverages_of({None: scope}, period, plans)[None] if covered else None,
        plan=plans.get(None),
        source="tallies" if uses_tallies(period=period, slice=slice) else "answers",
    )
    result.previous = comparison_of(summed(before), metadata, before, now=result.index)
    trend = []
    for month in months:
        counted = monthly.get(month.start)
        rated = rated_questions(counted.cells, metadata) if counted else []
        trend.append((month, arithmetic.sipas_index(arithmetic.factor_indices(rated))))
    return result, trend
