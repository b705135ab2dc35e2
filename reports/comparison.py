"""Compare the units under one unit, or the provinces of the country: one row each, ranked fairly.

Every row's figures come from reports.index.figures_of, one grouped query per table
however many rows there are. A unit is ranked only with enough responses
(Figures.enough); its rank carries the range its interval allows, and units chained
by overlapping intervals share a group that the page, the charts and the exports
never tell apart (docs/index.md, "Ranking").
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.index import Figures, Scope, Slice, figures_of, rank_items
from reports.index.arithmetic import Ranked
from reports.periods import Period
from surveys.models import Division, Factor, FormTemplate, Response, Unit
from surveys.text import fold

INDEX = "index"
# The code of the whole country in comparison URLs: lower case, so no unit code can ever be it.
NATIONAL = "toan-quoc"


@dataclass(frozen=True)
class Measure:
    """What the rows are ranked on: the index, one factor (`factor`) or one question (`template`, `code`)."""

    factor: str = ""
    template: str = ""
    code: str = ""

    def read(self, result: Figures) -> tuple[float | None, float | None, float | None, int]:
        """(value, low, high, responses behind it) of this measure in `result`."""
        if self.code:
            question = next((q for q in result.scored if (q.template, q.code) == (self.template, self.code)), None)
            return (question.rate, question.ci_low, question.ci_high, question.n) if question else (None, None, None, 0)
        if self.factor:
            factor = next((f for f in result.factors if f.code == self.factor), None)
            if factor is None:
                return None, None, None, 0
            return factor.index, factor.low, factor.high, result.responses
        return result.index, result.index_low, result.index_high, result.responses


@dataclass(frozen=True)
class Filters:
    """What a comparison is narrowed to: a kind of unit (Division), a form, a channel."""

    kind: str = ""
    form: FormTemplate | None = None
    channel: str = ""

    @property
    def slice(self) -> Slice:
        return Slice(form=self.form, channel=self.channel or None)


@dataclass
class Row:
    unit: Unit
    figures: Figures
    value: float | None
    low: float | None
    high: float | None
    enough: bool
    ranked: Ranked | None = None

    @cached_property
    def sort_name(self) -> str:
        """The unit's name without diacritics, so that "Đông" sorts among the D's."""
        return fold(self.unit.name)

    @property
    def rank_text(self) -> str:
        """ "4 (2–7)": the rank, and the best and worst its interval allows."""
        if self.ranked is None:
            return ""
        ranked = self.ranked
        if ranked.best == ranked.worst:
            return str(ranked.rank)
        return f"{ranked.rank} ({ranked.best}–{ranked.worst})"


# Factor names short enough for the header of a table of fifteen columns.
SHORT_FACTORS = {
    "access": _("Tiếp cận"),
    "procedure": _("Thủ tục"),
    "officer": _("Công chức"),
    "result": _("Kết quả"),
    "feedback": _("Góp ý, phản ánh"),
}
# Sort keys of the comparison table: what each column sorts by. None sorts last either way.
SORTS = {
    "name": lambda row: row.sort_name,
    "responses": lambda row: row.figures.responses,
    **{channel: (lambda row, c=channel: row.figures.channels[c]) for channel in Response.Channel.values},
    "coverage": lambda row: row.figures.coverage.rate if row.figures.coverage else None,
    INDEX: lambda row: row.figures.index,
    **{factor: (lambda row, f=factor: row.figures.factor(f)) for factor in Factor.values},
    "change": lambda row: row.figures.previous.change if row.figures.previous else None,
    "rank": lambda row: row.ranked.rank if row.ranked else None,
    "value": lambda row: row.value,
}
# Larger is better for these, so they sort from the top by default; names and ranks sort upwards.
ASCENDING_BY_DEFAULT = {"name", "rank"}


@dataclass
class UnitComparison:
    root: Unit | None  # None: the provinces of the whole country
    period: Period
    filters: Filters
    measure: Measure
    rows: list[Row]
    sort: str
    descending: bool

    @cached_property
    def ranked(self) -> list[Row]:
        return sorted((row for row in self.rows if row.ranked), key=lambda row: (row.ranked.rank, row.sort_name))

    @cached_property
    def groups(self) -> int:
        return max((row.ranked.group for row in self.ranked), default=0)

    @cached_property
    def factors(self) -> list[tuple[str, str]]:
        """The factors any row has a figure for, in the order of the five factors."""
        present = {factor.code for row in self.rows for factor in row.figures.factors}
        return [(factor.value, str(factor.label)) for factor in Factor if factor.value in present]

    @cached_property
    def empty(self) -> bool:
        return not any(row.figures.responses for row in self.rows)


def compare_units(
    *,
    root: Unit | None,
    period: Period,
    filters: Filters = Filters(),
    measure: Measure = Measure(),
    sort: str = "rank",
    descending: bool | None = None,
) -> UnitComparison:
    """The rows of the units directly under `root` (the provinces when None) in `period`.

    A unit appears when it existed during the period, or when its scope holds responses
    of the period (a ward merged in 2025 counts with its successor: the successor's row
    includes it, and the ward keeps a row of its own for the months it existed).
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; expected one of {sorted(SORTS)}")
    candidates = list(Unit.objects.filter(Q(parent=root) if root else Q(parent__isnull=True)).order_by("name"))
    if filters.kind:
        candidates = [unit for unit in candidates if unit.division == filters.kind]
    scopes = Scope.of_many(candidates, subtree=True)
    # A ranking on the index needs no question one by one, nor the factors' intervals.
    found = figures_of(scopes=scopes, period=period, slice=filters.slice, detail=measure != Measure())
    rows = []
    for unit in candidates:
        result = found[unit.pk]
        if not (_existed(unit, period) or result.responses):
            continue
        value, low, high, behind = measure.read(result)
        enough = value is not None and low is not None and behind >= result.needed
        rows.append(Row(unit=unit, figures=result, value=value, low=low, high=high, enough=enough))
    ranks = rank_items({row.unit.pk: (row.value, row.low, row.high) for row in rows if row.enough})
    for row in rows:
        row.ranked = ranks.get(row.unit.pk)
    descending = sort not in ASCENDING_BY_DEFAULT if descending is None else descending
    return UnitComparison(
        root=root,
        period=period,
        filters=filters,
        measure=measure,
        rows=sort_rows(rows, sort=sort, descending=descending),
        sort=sort,
        descending=descending,
    )


def sort_rows(rows: list[Row], *, sort: str, descending: bool) -> list[Row]:
    """Rows by one column, rows without a value last whichever the direction, then by name."""
    key = SORTS[sort]
    by_name = sorted(rows, key=lambda row: row.sort_name)
    valued = sorted((row for row in by_name if key(row) is not None), key=key, reverse=descending)
    return valued + [row for row in by_name if key(row) is None]


def divisions_of(units) -> list[tuple[str, str]]:
    """The kinds (Division) present among `units`, for the filter's choices."""
    present = {unit.division for unit in units}
    return [(division.value, str(division.label)) for division in Division if division.value in present]


def _existed(unit: Unit, period: Period) -> bool:
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to >= period.start
    )
