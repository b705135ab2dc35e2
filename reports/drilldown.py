"""Reads behind the drill-down: one factor or one question of a unit, by procedure, field, civil servant and unit below.

Every read takes a unit the caller may read results of (surveys.permissions) and counts
through the index engine, so a rate here is the rate on the results page and in the reports.
Figures per civil servant are for the unit head alone ("results.officers").
"""

from dataclasses import dataclass, field

from reports.comparison import Measure, UnitComparison, compare_units
from reports.index import Figures, QuestionFigures, Scope, Slice, figures
from reports.index.counting import counts_by
from reports.index.figures import COUNTED_KINDS, merged_questions, question_metadata
from reports.periods import Period
from surveys.models import Factor, FormTemplate, Procedure, ProcedureField, Question, Response, Unit
from surveys.permissions import may, units_with

# Procedures shown under a question, the busiest first; the rest are few ballots each.
PROCEDURES_SHOWN = 15


@dataclass(frozen=True)
class Breakdown:
    """One question's figures among the responses of one procedure, field or civil servant."""

    label: str
    n: int
    rate: float | None
    low: float | None
    high: float | None
    mean: float | None


@dataclass
class FactorDetail:
    unit: Unit
    period: Period
    subtree: bool
    factor: Factor
    figures: Figures
    units: UnitComparison | None  # the units below, ranked on this factor

    @property
    def own(self):
        return next((found for found in self.figures.factors if found.code == self.factor.value), None)

    @property
    def questions(self) -> list[QuestionFigures]:
        return [question for question in self.figures.scored if question.factor == self.factor.value]


@dataclass
class QuestionDetail:
    unit: Unit
    period: Period
    subtree: bool
    template: FormTemplate
    asked: Question  # the newest version: its wording and options
    question: QuestionFigures | None  # None when nobody answered it in the period
    by_procedure: list[Breakdown] = field(default_factory=list)
    by_field: list[Breakdown] = field(default_factory=list)
    by_officer: list[Breakdown] = field(default_factory=list)  # the head's alone
    units: UnitComparison | None = None  # the units below, ranked on this question


def reachable_ancestors(*, user, unit: Unit) -> list[Unit]:
    """The units above `unit` whose results `user` may read, from the top: the breadcrumbs back up."""
    return list(units_with(user, "results.view").filter(code__in=unit.ancestor_codes).order_by("path"))


def factor_detail(*, user, unit: Unit, period: Period, subtree: bool, factor: Factor) -> FactorDetail:
    scope = Scope.of(unit, subtree=subtree)
    return FactorDetail(
        unit=unit,
        period=period,
        subtree=subtree,
        factor=factor,
        figures=figures(scope=scope, period=period),
        units=_units_below(user, unit, period, Measure(factor=factor.value)),
    )


def question_of(*, template: FormTemplate, code: str) -> Question | None:
    """The newest version of the question `code` of `template`, or None when the form has no such question."""
    return (
        Question.objects.filter(version__template=template, code=code, kind__in=COUNTED_KINDS)
        .select_related("version__template")
        .order_by("-version__number")
        .first()
    )


def question_detail(
    *, user, unit: Unit, period: Period, subtree: bool, template: FormTemplate, asked: Question
) -> QuestionDetail:
    scope = Scope.of(unit, subtree=subtree)
    ids = tuple(Question.objects.filter(version__template=template, code=asked.code).values_list("pk", flat=True))
    only = Slice(questions=ids)
    found = figures(scope=scope, period=period, slice=only, compare=False)
    question = next((q for q in found.questions if q.template == template.code and q.code == asked.code), None)
    detail = QuestionDetail(
        unit=unit, period=period, subtree=subtree, template=template, asked=asked, question=question
    )
    if asked.is_scale:  # a province may have no answers of its own while its units below have many
        detail.units = _units_below(user, unit, period, Measure(template=template.code, code=asked.code))
    if question is None:
        return detail
    metadata = question_metadata(ids)
    procedures = _breakdown(scope, period, only, "procedure", metadata)
    names = dict(Procedure.objects.filter(pk__in=[pk for pk in procedures if pk]).values_list("pk", "name"))
    detail.by_procedure = sorted(
        (_labelled(row, names.get(pk, "")) for pk, row in procedures.items()), key=lambda row: (-row.n, row.label)
    )[:PROCEDURES_SHOWN]
    fields = _breakdown(scope, period, only, "field", metadata)
    names = dict(ProcedureField.objects.filter(pk__in=[pk for pk in fields if pk]).values_list("pk", "name"))
    detail.by_field = sorted(
        (_labelled(row, names.get(pk, "")) for pk, row in fields.items()), key=lambda row: (-row.n, row.label)
    )
    if may(user, "results.officers", unit):
        # Only issued surveys name the dossier, and so the civil servant who resolved it.
        issued = Slice(questions=ids, channel=Response.Channel.ISSUED)
        officers = _breakdown(scope, period, issued, "officer", metadata)
        detail.by_officer = sorted(
            (_labelled(row, name) for name, row in officers.items() if name), key=lambda row: (row.rate or 0, row.label)
        )
    return detail


def _breakdown(scope: Scope, period: Period, slice: Slice, by: str, metadata) -> dict:
    """group → the question's figures among that group's responses (one grouped count for all groups)."""
    found = {}
    for group, counted in counts_by(scope=scope, period=period, by=by, slice=slice, pairs=False).items():
        merged = merged_questions(counted.cells, metadata)
        if merged:
            found[group] = merged[0]
    return found


def _labelled(question: QuestionFigures, label: str) -> Breakdown:
    return Breakdown(
        label=label, n=question.n, rate=question.rate, low=question.ci_low, high=question.ci_high, mean=question.mean
    )


def _units_below(user, unit: Unit, period: Period, measure: Measure) -> UnitComparison | None:
    """The units directly below `unit`, ranked on `measure`, when the user may compare them."""
    if not unit.children.exists() or not may(user, "compare.view", unit):
        return None
    return compare_units(root=unit, period=period, measure=measure, sort="rank")
