"""The index per month or per civil servant: one grouped count for all the groups, not one figures() call each."""

from dataclasses import dataclass

from reports.index import arithmetic
from reports.index.counting import counts_by
from reports.index.figures import question_metadata, rated_questions
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
