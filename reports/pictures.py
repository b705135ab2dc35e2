"""What the comparison's pictures are drawn from, for the pages and the documents alike (reports.charts draws them)."""

from reports import charts
from reports.comparison import UnitComparison


def ranked_items(comparison: UnitComparison | None) -> list[charts.RankedItem]:
    """The ranked rows, best first, as the ranking chart draws them: value, interval, rank text and group."""
    if comparison is None:
        return []
    return [
        charts.RankedItem(
            label=row.unit.name, value=row.value, low=row.low, high=row.high, rank=row.rank_text, group=row.ranked.group
        )
        for row in comparison.ranked
    ]


def heatmap_rows(comparison: UnitComparison) -> tuple[list[tuple[str, list[float | None]]], list[str]]:
    """(rows, columns) of the heatmap: every row with an index, in the table's order, by the factors asked."""
    rows = [
        (row.unit.name, [row.figures.factor(code) for code, _label in comparison.factors])
        for row in comparison.rows
        if row.figures.index is not None
    ]
    return rows, [label for _code, label in comparison.factors]
