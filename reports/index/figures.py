"""Figures: the counts of a scope and period turned into what screens, reports and the command print.

`figures` answers for one scope; `figures_of` for many scopes at once (the rows of a
comparison) with the same handful of queries however many there are. Both count through
reports.index.counting and compute through reports.index.arithmetic, so a figure on the
screen, in every document and in `sipas_index --json` is the same number.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from reports.index import arithmetic
from reports.index.arithmetic import DEFAULT_MARGIN, Rated, percent, round2
from reports.index.counting import Counts, counts, counts_by, uses_tallies
from reports.index.scope import Scope, Slice
from reports.periods import Period
from surveys.models import ANSWERED, SATISFIED_FROM, Factor, Question, Response, ResponseTally, SurveyPlan
from surveys.selectors.dossiers import resolved_used

# Kinds of question whose answers are counted; procedure, unit, free text and contact are read, not counted.
COUNTED_KINDS = {
    Question.Kind.SCALE,
    Question.Kind.SINGLE,
    Question.Kind.MULTI,
    Question.Kind.YES_NO,
    Question.Kind.TIMELINESS,
}
YES = 1
TIMELINESS_KEYS = {1: "early", 2: "on_time", 3: "late"}
# Paper ballots and issued surveys answer for a resolved dossier; online ratings have none.
COVERING_CHANNELS = {Response.Channel.PAPER, Response.Channel.ISSUED}


@dataclass
class Share:
    value: int
    label: str
    count: int
    percent: float | None


@dataclass
class QuestionFigures:
    key: str  # the question's code, prefixed by its form's code when several forms are counted
    code: str
    text: str
    kind: str
    factor: str
    template: str
    flags_integrity: bool
    n: int
    distribution: list[Share]
    satisfied: int | None = None
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    mean: float | None = None
    question_ids: tuple[int, ...] = ()

    @property
    def yes(self) -> int:
        return next((share.count for share in self.distribution if share.value == YES), 0)

    @property
    def yes_percent(self) -> float | None:
        return percent(self.yes, self.n)

    @property
    def factor_label(self) -> str:
        return str(Factor(self.factor).label) if self.factor else ""


@dataclass
class FactorFigures:
    code: str
    name: str
    index: float | None
    questions: int
    low: float | None = None  # the factor index's 95 % interval, as the SIPAS index's
    high: float | None = None


@dataclass
class Coverage:
    responses: int  # paper and issued responses in the units and months whose resolved dossiers are known
    resolved: int | None  # dossiers resolved in those units and months; None when none is known
    unmatched: int  # paper and issued responses in units and months without a known count: left out
    rate: float | None
    target: str  # the plan's target in words ("" without a plan)
    required: int | None  # responses the plan's target asks for
    met: bool | None
    sample_required: int | None  # n = N / (1 + N·e²)
    enough: bool | None  # enough responses for that sample to be read as a result


@dataclass
class Comparison:
    period: Period
    responses: int
    index: float | None
    change: float | None  # index points, this period minus the previous one
    factors: dict[str, float | None]


@dataclass
class Figures:
    period: Period
    responses: int
    channels: dict[str, int]
    index: float | None
    factors: list[FactorFigures]
    questions: list[QuestionFigures]
    timeliness: dict[str, float | None]
    coverage: Coverage | None
    index_low: float | None = None  # the index's 95 % interval (docs/index.md)
    index_high: float | None = None
    needed: int = 0  # responses a unit needs to be ranked
    previous: Comparison | None = None
    plan: SurveyPlan | None = None
    source: str = "tallies"  # or "answers": which table the counts came from

    @property
    def empty(self) -> bool:
        return self.responses == 0

    @property
    def enough(self) -> bool:
        """Whether the period holds enough responses to rank the unit (docs/index.md, "Ranking")."""
        return self.index is not None and self.responses >= self.needed

    @property
    def scored(self) -> list[QuestionFigures]:
        return [question for question in self.questions if question.rate is not None]

    @property
    def weakest(self) -> list[QuestionFigures]:
        """Scored questions, lowest satisfaction first: what to act on."""
        return sorted(self.scored, key=lambda question: (question.rate, question.key))

    @property
    def integrity(self) -> list[QuestionFigures]:
        """The yes/no questions where "Có" is a red flag (extra papers, extra fees)."""
        return [question for question in self.questions if question.flags_integrity]

    def factor(self, code: str) -> float | None:
        return next((factor.index for factor in self.factors if factor.code == code), None)

    def to_json(self) -> dict:
        """The figures as `sipas_index --json` prints them; percentages rounded to two decimals."""
        return {
            "period": {
                "kind": self.period.kind,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "responses": self.responses,
            "channels": self.channels,
            "index": round2(self.index),
            "index_ci95": [round2(self.index_low), round2(self.index_high)] if self.index_low is not None else None,
            "enough": self.enough,
            "factors": {str(Factor(factor.code).label): round2(factor.index) for factor in self.factors},
            "questions": {
                question.key: {
                    "n": question.n,
                    "rate": round2(question.rate),
                    "ci95": [round2(question.ci_low), round2(question.ci_high)] if question.rate is not None else None,
                    "mean": round2(question.mean),
                    "distribution": {str(share.value): share.count for share in question.distribution},
                }
                for question in self.questions
            },
            "integrity": {
                question.key: {"yes": question.yes, "n": question.n, "percent": round2(question.yes_percent)}
                for question in self.integrity
            },
            "timeliness": {key: round2(value) for key, value in self.timeliness.items()},
            "coverage": _coverage_json(self.coverage),
            "previous": (
                {
                    "start": self.previous.period.start.isoformat(),
                    "end": self.previous.period.end.isoformat(),
                    "responses": self.previous.responses,
                    "index": round2(self.previous.index),
                    "change": round2(self.previous.change),
                }
                if self.previous
                else None
            ),
        }


def figures(
    *, scope: Scope, period: Period, slice: Slice = Slice(), compare: bool = True, tallies: bool = True
) -> Figures:
    """Every figure of `scope` in `period`, optionally narrowed by `slice`.

    `tallies=False` groups the raw answers even where the tallies would do (to check one against the other).
    """
    return figures_of(scopes={None: scope}, period=period, slice=slice, compare=compare, tallies=tallies)[None]


def figures_of(
    *,
    scopes: dict,
    period: Period,
    slice: Slice = Slice(),
    compare: bool = True,
    tallies: bool = True,
    detail: bool = True,
) -> dict:
    """The figures of many scopes (key → Scope), as `figures` computes them, with one query per table.

    The counts are grouped by unit once and summed per scope, so a unit that belongs to two
    scopes (a ward merged into its successor, shown under its own name too) counts in both.
    `detail=False` leaves out what a table of units does not show: the questions one by one
    and the factors' intervals (the index, its interval and the factors stay).
    """
    found = _figures_of(scopes, period, slice, tallies, detail)
    if compare:
        before = _comparisons_of(scopes, period.previous(), slice, tallies)
        for key, result in found.items():
            earlier = before[key]
            if result.index is not None and earlier.index is not None:
                earlier.change = result.index - earlier.index
            result.previous = earlier
    return found


def _comparisons_of(scopes: dict, period: Period, slice: Slice, tallies: bool) -> dict:
    """The period before: each scope's responses, index and factors only (no coverage, no interval, no questions)."""
    grouped = _counts_of(scopes, period, slice, tallies, pairs=False)
    metadata = question_metadata({question_id for found in grouped.values() for question_id in found.cells})
    return {key: comparison_of(counted, metadata, period) for key, counted in grouped.items()}


def comparison_of(counted: Counts, metadata: list[Question], period: Period, *, now: float | None = None) -> Comparison:
    """An earlier period's responses, index and factors, and the change to `now` (the index of the period shown)."""
    by_factor = arithmetic.factor_indices(rated_questions(counted.cells, metadata))
    index = arithmetic.sipas_index(by_factor)
    return Comparison(
        period=period,
        responses=counted.total,
        index=index,
        change=now - index if now is not None and index is not None else None,
        factors={code: value for code, (value, _count) in by_factor.items()},
    )


def _figures_of(scopes: dict, period: Period, slice: Slice, tallies: bool, detail: bool = True) -> dict:
    grouped = _counts_of(scopes, period, slice, tallies, pairs=True)
    metadata = question_metadata({question_id for found in grouped.values() for question_id in found.cells})
    plans = plans_of(scopes, period)
    # Resolved dossiers are counted per month: a coverage of part of a month would be a guess.
    covered = period.whole_months and not slice.needs_raw_answers
    coverages = coverages_of(scopes, period, plans) if covered else {}
    source = "tallies" if tallies and uses_tallies(period=period, slice=slice) else "answers"
    return {
        key: build_figures(
            counted=grouped[key],
            metadata=metadata,
            period=period,
            coverage=coverages.get(key),
            plan=plans.get(key),
            source=source,
            detail=detail,
        )
        for key in scopes
    }


def _counts_of(scopes: dict, period: Period, slice: Slice, tallies: bool, *, pairs: bool) -> dict:
    """key → Counts: one ungrouped count for a single scope, else counts by unit summed per scope."""
    if len(scopes) == 1:
        [(key, scope)] = scopes.items()
        return {key: counts(scope=scope, period=period, slice=slice, tallies=tallies, pairs=pairs)}
    union = Scope(
        unit_ids=tuple(sorted({pk for scope in scopes.values() for pk in scope.unit_ids})),
        root=None,
        subtree=False,
        provinces=tuple(sorted({pk for scope in scopes.values() for pk in scope.provinces})),
        others=tuple(sorted({pk for scope in scopes.values() for pk in scope.others})),
    )
    by_unit = counts_by(scope=union, period=period, slice=slice, by="unit", tallies=tallies, pairs=pairs)
    from_tallies = tallies and uses_tallies(period=period, slice=slice)
    totals = {}
    for key, scope in scopes.items():
        # From the tallies a whole province is one group; from the raw answers each of its units is.
        wholes = [("province", pk) for pk in scope.provinces]
        groups = [*scope.others, *wholes] if from_tallies else scope.unit_ids
        total = Counts()
        for group in groups:
            if group in by_unit:
                total.add(by_unit[group])
        totals[key] = total
    return totals


def build_figures(
    *,
    counted: Counts,
    metadata: list[Question],
    period: Period,
    coverage=None,
    plan=None,
    source="tallies",
    detail: bool = True,
):
    """The Figures of one group's counts (`metadata`: the counted questions, oldest version first)."""
    questions = merged_questions(counted.cells, metadata) if detail else []
    rated = rated_questions(counted.cells, metadata)
    by_factor = arithmetic.factor_indices(rated)
    factors = []
    for factor in Factor:
        if factor.value in by_factor:
            own = [question for question in rated if question.factor == factor.value]
            interval = (
                arithmetic.index_interval(rated=own, pairs=counted.pairs, responses=counted.total) if detail else None
            )
            index, count = by_factor[factor.value]
            low, high = interval or (None, None)
            factors.append(FactorFigures(factor.value, str(factor.label), index, count, low=low, high=high))
    interval = arithmetic.index_interval(rated=rated, pairs=counted.pairs, responses=counted.total)
    channels = {channel: counted.responses.get(channel, 0) for channel in Response.Channel.values}
    return Figures(
        period=period,
        responses=counted.total,
        channels=channels,
        index=arithmetic.sipas_index(by_factor),
        index_low=interval[0] if interval else None,
        index_high=interval[1] if interval else None,
        factors=factors,
        questions=questions,
        timeliness=_timeliness(questions),
        coverage=coverage,
        needed=coverage.sample_required if coverage and coverage.sample_required else settings.SIPAS_MIN_RESPONSES,
        plan=plan,
        source=source,
    )


def question_metadata(question_ids) -> list[Question]:
    """The counted questions among `question_ids`, with their forms, oldest version first."""
    return list(
        Question.objects.filter(pk__in=question_ids, kind__in=COUNTED_KINDS)
        .select_related("version__template")
        .order_by("version__template__code", "version__number")
    )


def rated_questions(cells: dict, metadata: list[Question]) -> list[Rated]:
    """The scale questions the index reads, versions of each form's question merged: what a trend or the
    period before needs, without the distributions and intervals of merged_questions."""
    merged: dict[tuple[int, str], list] = {}
    for question in metadata:
        if question.pk not in cells or not question.is_scale:
            continue
        values = cells[question.pk]
        found = merged.setdefault((question.version.template_id, question.code), [question.factor, 0, 0, []])
        found[0] = question.factor  # the newest version's mapping, as merged_questions keeps its wording
        found[1] += values.get(ANSWERED, 0)
        found[2] += sum(count for value, count in values.items() if value >= SATISFIED_FROM)
        found[3].append(question.pk)
    return [
        Rated(key=f"{template}:{code}", factor=factor, n=n, satisfied=satisfied, question_ids=tuple(ids))
        for (template, code), (factor, n, satisfied, ids) in merged.items()
        if n
    ]


def merged_questions(cells: dict, metadata: list[Question]) -> list[QuestionFigures]:
    """Merge the versions of each form's question (same form, same code) and compute its figures."""
    merged: dict[tuple[int, str], tuple[Question, Counter, tuple]] = {}
    for question in metadata:  # oldest version first, so the newest wording wins
        if question.pk not in cells:
            continue
        key = (question.version.template_id, question.code)
        counts_so_far, ids = (merged[key][1], merged[key][2]) if key in merged else (Counter(), ())
        merged[key] = (question, counts_so_far + Counter(cells[question.pk]), (*ids, question.pk))
    several_forms = len({template_id for template_id, _code in merged}) > 1
    results = [
        _question_figures(question, merged_counts, several_forms, ids)
        for question, merged_counts, ids in sorted(
            merged.values(), key=lambda item: (item[0].version.template.code, item[0].position)
        )
    ]
    return [result for result in results if result.n]


def _question_figures(question: Question, counted: Counter, several_forms: bool, ids: tuple) -> QuestionFigures:
    n = counted.get(ANSWERED, 0)
    distribution = [
        Share(value=value, label=label, count=counted.get(value, 0), percent=percent(counted.get(value, 0), n))
        for value, label in question.scored_options()
    ]
    template = question.version.template.code
    result = QuestionFigures(
        key=f"{template}:{question.code}" if several_forms else question.code,
        code=question.code,
        text=question.text,
        kind=question.kind,
        factor=question.factor,
        template=template,
        flags_integrity=question.flags_integrity,
        n=n,
        distribution=distribution,
        question_ids=ids,
    )
    if question.is_scale and n:
        result.satisfied = sum(count for value, count in counted.items() if value >= SATISFIED_FROM)
        result.rate = percent(result.satisfied, n)
        result.ci_low, result.ci_high = arithmetic.wilson_interval(result.satisfied, n)
        result.mean = sum(value * count for value, count in counted.items() if value != ANSWERED) / n
    return result


def _timeliness(questions: list[QuestionFigures]) -> dict[str, float | None]:
    """Shares of early / on time / late over every timeliness answer."""
    found = dict.fromkeys(TIMELINESS_KEYS.values(), 0)
    for question in questions:
        if question.kind == Question.Kind.TIMELINESS:
            for share in question.distribution:
                found[TIMELINESS_KEYS[share.value]] += share.count
    total = sum(found.values())
    return {key: percent(count, total) for key, count in found.items()}


def plans_of(scopes: dict, period: Period) -> dict:
    """key → the survey plan of the scope's unit for the period's year (one query for all)."""
    roots = {key: scope.root.pk for key, scope in scopes.items() if scope.root is not None}
    plans = {
        plan.unit_id: plan for plan in SurveyPlan.objects.filter(unit_id__in=roots.values(), year=period.start.year)
    }
    return {key: plans[unit_id] for key, unit_id in roots.items() if unit_id in plans}


def coverages_of(scopes: dict, period: Period, plans: dict) -> dict:
    """key → Coverage: responses over resolved dossiers, unit by unit and month by month where the count is known.

    A month whose resolved dossiers nobody entered or registered would otherwise
    inflate the rate; its responses are reported apart as `unmatched`.
    """
    unit_ids = sorted({pk for scope in scopes.values() for pk in scope.unit_ids})
    resolved = resolved_used(units=unit_ids, start=period.start, end=period.end)
    covering = (
        ResponseTally.objects.filter(
            unit_id__in=unit_ids, month__gte=period.start, month__lte=period.end, channel__in=COVERING_CHANNELS
        )
        .values_list("unit_id", "month")
        .annotate(n=Sum("responses"))
        .order_by()
    )
    by_unit = defaultdict(lambda: [0, 0, 0, False])  # counted, unmatched, resolved, any month known
    for unit_id, month, count in covering:
        by_unit[unit_id][0 if (unit_id, month) in resolved else 1] += count
    for (unit_id, _month), count in resolved.items():
        by_unit[unit_id][2] += count
        by_unit[unit_id][3] = True
    found = {}
    for key, scope in scopes.items():
        counted = unmatched = total = 0
        known = False
        for unit_id in scope.unit_ids:
            if unit_id in by_unit:
                row = by_unit[unit_id]
                counted, unmatched, total, known = counted + row[0], unmatched + row[1], total + row[2], known or row[3]
        found[key] = coverage(
            counted=counted, unmatched=unmatched, resolved=total if known else None, plan=plans.get(key)
        )
    return found


def coverage(*, counted: int, unmatched: int, resolved: int | None, plan: SurveyPlan | None) -> Coverage:
    """Coverage of `counted` responses over `resolved` dossiers, against the plan's target and the sample size."""
    margin = float(plan.margin_percent) if plan and plan.margin_percent else DEFAULT_MARGIN
    sample = arithmetic.sample_size(resolved, margin) if resolved else None
    target, required = "", None
    if plan and plan.target_kind == SurveyPlan.Target.PERCENT:
        target = _("ít nhất %(percent)s%% số hồ sơ đã giải quyết") % {"percent": _number(plan.target_percent)}
        required = math.ceil(resolved * float(plan.target_percent) / 100) if resolved is not None else None
    elif plan:
        target = _("đủ cỡ mẫu n = N ÷ (1 + N·e²) với e = %(margin)s%%") % {"margin": _number(plan.margin_percent)}
        required = sample
    return Coverage(
        responses=counted,
        resolved=resolved,
        unmatched=unmatched,
        rate=percent(counted, resolved),
        target=target,
        required=required,
        met=counted >= required if required is not None else None,
        sample_required=sample,
        enough=counted >= sample if sample is not None else None,
    )


def _number(value) -> str:
    """A plan's decimal as people write it: 50, 12,5."""
    return f"{float(value):g}".replace(".", ",")


def _coverage_json(coverage: Coverage | None) -> dict | None:
    if coverage is None:
        return None
    return {
        "responses": coverage.responses,
        "resolved": coverage.resolved,
        "unmatched": coverage.unmatched,
        "rate": round2(coverage.rate),
        "target": coverage.target,
        "required": coverage.required,
        "met": coverage.met,
        "sample_required": coverage.sample_required,
        "enough": coverage.enough,
    }
