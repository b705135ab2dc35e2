"""The SIPAS index engine: every figure of every screen and report, computed by the database.

`figures(scope, period, slice)` asks the database for a handful of grouped counts
(responses per channel; answers per question and value) and derives from those
counts, never from responses one by one, the rates, means, confidence intervals,
factor indices, the index, coverage and the comparison with the period before.
The method is written down in docs/index.md, whose worked example a test checks.

Whole-month periods without a procedure, field or civil-servant filter are summed
from the monthly tallies (surveys.models.tallies); anything finer is grouped from
the raw answers. Both give the same rows, so the arithmetic below is shared.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from reports.periods import Period
from surveys.models import (
    ANSWERED,
    Answer,
    AnswerTally,
    Factor,
    FormTemplate,
    Procedure,
    ProcedureField,
    Question,
    Response,
    ResponseTally,
    SurveyPlan,
    Unit,
    subtree_q,
)
from surveys.scoping import paths_merged_into
from surveys.selectors.dossiers import resolved_dossier_counts

Z_95 = 1.959964
# Scores of 4 and 5 count as satisfied (DOMAIN.md §3).
SATISFIED_FROM = 4
# The margin the Ministry's guidance sizes a sample with when a plan does not say: n = N / (1 + N·e²).
DEFAULT_MARGIN = 5
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


@dataclass(frozen=True)
class Scope:
    """Whose responses count: a unit (and its subtree, if asked) plus every unit merged into them.

    Callers build it from a unit that the access-scoping function (surveys.scoping) let them reach.
    """

    unit_ids: tuple[int, ...]
    root: Unit | None
    subtree: bool

    @classmethod
    def of(cls, unit: Unit, *, subtree: bool = False) -> "Scope":
        if subtree:
            paths = [unit.path, *paths_merged_into([unit.path])]
            ids = set(Unit.objects.filter(subtree_q(*paths)).values_list("pk", flat=True))
        else:
            # The unit and the units merged into it, following chains (A into B into C); not its children.
            ids, frontier = {unit.pk}, {unit.pk}
            while frontier:
                frontier = set(Unit.objects.filter(successor_id__in=frontier).values_list("pk", flat=True)) - ids
                ids |= frontier
        return cls(unit_ids=tuple(sorted(ids)), root=unit, subtree=subtree)

    @classmethod
    def of_units(cls, units) -> "Scope":
        return cls(unit_ids=tuple(sorted({unit.pk for unit in units})), root=None, subtree=False)


@dataclass(frozen=True)
class Slice:
    """Optional filters: one form, procedure, field, channel or civil servant."""

    form: FormTemplate | None = None
    procedure: Procedure | None = None
    field: ProcedureField | None = None
    channel: str | None = None
    officer: str | None = None

    @property
    def needs_raw_answers(self) -> bool:
        """The tallies are kept per unit, month, channel and question only."""
        return bool(self.procedure or self.field or self.officer)


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

    @property
    def yes(self) -> int:
        return next((share.count for share in self.distribution if share.value == YES), 0)

    @property
    def yes_percent(self) -> float | None:
        return percent(self.yes, self.n)


@dataclass
class FactorFigures:
    code: str
    name: str
    index: float | None
    questions: int


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
    previous: Comparison | None = None
    plan: SurveyPlan | None = None
    source: str = "tallies"  # or "answers": which table the counts came from

    @property
    def empty(self) -> bool:
        return self.responses == 0

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
    scope: Scope, period: Period, slice: Slice = Slice(), *, compare: bool = True, tallies: bool = True
) -> Figures:
    """Every figure of `scope` in `period`, optionally narrowed by `slice`.

    `tallies=False` groups the raw answers even where the tallies would do (to check one against the other).
    """
    from_tallies = tallies and period.whole_months and not slice.needs_raw_answers
    channels = _response_counts(scope, period, slice, from_tallies)
    cells = _answer_cells(scope, period, slice, from_tallies)
    questions = _questions(cells, _question_metadata(cells))
    factors = _factors(questions)
    responses = sum(channels.values())
    plan = _plan_of(scope, period)
    result = Figures(
        period=period,
        responses=responses,
        channels=channels,
        index=_index(factors),
        factors=factors,
        questions=questions,
        timeliness=_timeliness(questions),
        # Resolved dossiers are counted per month: a coverage of part of a month would be a guess.
        coverage=_coverage(scope, period, plan) if period.whole_months and not slice.needs_raw_answers else None,
        plan=plan,
        source="tallies" if from_tallies else "answers",
    )
    if compare:
        before = figures(scope, period.previous(), slice, compare=False, tallies=tallies)
        result.previous = Comparison(
            period=before.period,
            responses=before.responses,
            index=before.index,
            change=result.index - before.index if result.index is not None and before.index is not None else None,
            factors={factor.code: factor.index for factor in before.factors},
        )
    return result


def monthly_trend(scope: Scope, months: list[Period], slice: Slice = Slice()) -> list[tuple[Period, float | None]]:
    """The index of each month, for a trend chart: two grouped queries for all the months together."""
    found = indices_by(scope, Period.between(months[0].start, months[-1].end), "month", slice)
    return [(month, found[month.start].index if month.start in found else None) for month in months]


@dataclass
class GroupIndex:
    responses: int
    index: float | None


# What `indices_by` groups by: the tallies' own column (None: not kept there) and the response's field.
GROUPINGS = {"month": ("month", "answered_on"), "officer": (None, "survey__dossier__officer")}


def indices_by(scope: Scope, period: Period, by: str, slice: Slice = Slice()) -> dict:
    """Responses and index per month (first day → GroupIndex) or per civil servant (name → GroupIndex).

    The same counting and arithmetic as `figures`, with one more GROUP BY column instead of one call per group.
    """
    tally_column, field = GROUPINGS[by]
    responses: dict = defaultdict(int)
    cells: dict = defaultdict(lambda: defaultdict(dict))
    if tally_column and period.whole_months and not slice.needs_raw_answers:
        counted = _tallies(ResponseTally, scope, period, slice).values_list(tally_column).annotate(n=Sum("responses"))
        # The tallies keep the ANSWERED counts as value 0, so the valued rows hold them already.
        valued = _tallies(AnswerTally, scope, period, slice).values_list(tally_column, "question_id", "value")
        valued, answered = valued.annotate(n=Sum("answers")), []
    else:
        rows = _responses(scope, period, slice)
        column = TruncMonth(field) if by == "month" else F(field)
        counted = rows.annotate(group=column).values_list("group").annotate(n=Count("id"))
        answers = Answer.objects.filter(response__in=rows).annotate(
            group=TruncMonth(f"response__{field}") if by == "month" else F(f"response__{field}")
        )
        valued = (
            answers.filter(value__isnull=False).values_list("group", "question_id", "value").annotate(n=Count("id"))
        )
        answered = answers.values_list("group", "question_id").annotate(n=Count("response_id", distinct=True))
        answered = answered.order_by()
    for group, count in counted.order_by():
        responses[group] += count
    for group, question_id, value, count in valued.order_by():
        cells[group][question_id][value] = count
    for group, question_id, count in answered:
        cells[group][question_id][ANSWERED] = count
    metadata = _question_metadata({question_id for group in cells.values() for question_id in group})
    return {
        group: GroupIndex(responses=count, index=_index(_factors(_questions(cells[group], metadata))))
        for group, count in responses.items()
    }


# --- counting: the only place that reads survey data -------------------------------------------


def _tallies(model, scope: Scope, period: Period, slice: Slice):
    """The tally rows of `model` (ResponseTally or AnswerTally) in scope, period, form and channel."""
    rows = model.objects.filter(unit_id__in=scope.unit_ids, month__gte=period.start, month__lte=period.end)
    if slice.form:
        template = "version__template" if model is ResponseTally else "question__version__template"
        rows = rows.filter(**{template: slice.form})
    if slice.channel:
        rows = rows.filter(channel=slice.channel)
    return rows


def _response_counts(scope: Scope, period: Period, slice: Slice, from_tallies: bool) -> dict[str, int]:
    if from_tallies:
        counted = _tallies(ResponseTally, scope, period, slice).values("channel").annotate(n=Sum("responses"))
    else:
        counted = _responses(scope, period, slice).values("channel").annotate(n=Count("id"))
    found = {row["channel"]: row["n"] for row in counted.order_by()}
    return {channel: found.get(channel, 0) for channel in Response.Channel.values}


def _responses(scope: Scope, period: Period, slice: Slice):
    responses = Response.objects.filter(
        unit_id__in=scope.unit_ids, answered_on__gte=period.start, answered_on__lte=period.end
    )
    if slice.form:
        responses = responses.filter(version__template=slice.form)
    if slice.channel:
        responses = responses.filter(channel=slice.channel)
    if slice.procedure:
        responses = responses.filter(procedure=slice.procedure)
    if slice.field:
        responses = responses.filter(procedure__field=slice.field)
    if slice.officer:
        responses = responses.filter(survey__dossier__officer=slice.officer)
    return responses


def _answer_cells(scope: Scope, period: Period, slice: Slice, from_tallies: bool) -> dict[int, dict[int, int]]:
    """question id → {value: answers}, value 0 (ANSWERED) holding the responses that answered it."""
    cells: dict[int, dict[int, int]] = defaultdict(dict)
    if from_tallies:
        rows = _tallies(AnswerTally, scope, period, slice)
        grouped = rows.values_list("question_id", "value").annotate(n=Sum("answers")).order_by()
        for question_id, value, count in grouped:
            cells[question_id][value] = count
        return cells
    answers = Answer.objects.filter(response__in=_responses(scope, period, slice))
    valued = answers.filter(value__isnull=False).values_list("question_id", "value").annotate(n=Count("id"))
    for question_id, value, count in valued.order_by():
        cells[question_id][value] = count
    answered = answers.values_list("question_id").annotate(n=Count("response_id", distinct=True))
    for question_id, count in answered.order_by():
        cells[question_id][ANSWERED] = count
    return cells


# --- arithmetic on the counts ----------------------------------------------------------------


def _question_metadata(question_ids) -> list[Question]:
    """The counted questions among `question_ids`, with their forms, oldest version first."""
    return list(
        Question.objects.filter(pk__in=question_ids, kind__in=COUNTED_KINDS)
        .select_related("version__template")
        .order_by("version__template__code", "version__number")
    )


def _questions(cells: dict[int, dict[int, int]], metadata: list[Question]) -> list[QuestionFigures]:
    """Merge the versions of each form's question (same form, same code) and compute its figures."""
    merged: dict[tuple[int, str], tuple[Question, dict[int, int]]] = {}
    for question in metadata:  # oldest version first, so the newest wording wins
        if question.pk not in cells:
            continue
        key = (question.version.template_id, question.code)
        counts = dict(merged[key][1]) if key in merged else {}
        for value, count in cells[question.pk].items():
            counts[value] = counts.get(value, 0) + count
        merged[key] = (question, counts)
    several_forms = len({template_id for template_id, _code in merged}) > 1
    results = [
        _question_figures(question, counts, several_forms)
        for question, counts in sorted(
            merged.values(), key=lambda item: (item[0].version.template.code, item[0].position)
        )
    ]
    return [result for result in results if result.n]


def _question_figures(question: Question, counts: dict[int, int], several_forms: bool) -> QuestionFigures:
    n = counts.get(ANSWERED, 0)
    distribution = [
        Share(value=value, label=label, count=counts.get(value, 0), percent=percent(counts.get(value, 0), n))
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
    )
    if question.is_scale and n:
        result.satisfied = sum(count for value, count in counts.items() if value >= SATISFIED_FROM)
        result.rate = percent(result.satisfied, n)
        result.ci_low, result.ci_high = wilson_interval(result.satisfied, n)
        result.mean = sum(value * count for value, count in counts.items() if value != ANSWERED) / n
    return result


def _factors(questions: list[QuestionFigures]) -> list[FactorFigures]:
    """Each factor the counted questions feed: the mean of its questions' rates."""
    rates: dict[str, list[float]] = defaultdict(list)
    for question in questions:
        if question.factor and question.rate is not None:
            rates[question.factor].append(question.rate)
    return [
        FactorFigures(
            code=factor.value,
            name=str(factor.label),
            index=sum(rates[factor.value]) / len(rates[factor.value]),
            questions=len(rates[factor.value]),
        )
        for factor in Factor
        if rates[factor.value]
    ]


def _index(factors: list[FactorFigures]) -> float | None:
    """The SIPAS index: the mean of the factor indices the forms ask."""
    rated = [factor.index for factor in factors if factor.index is not None]
    return sum(rated) / len(rated) if rated else None


def _timeliness(questions: list[QuestionFigures]) -> dict[str, float | None]:
    """Shares of early / on time / late over every timeliness answer."""
    counts = dict.fromkeys(TIMELINESS_KEYS.values(), 0)
    for question in questions:
        if question.kind == Question.Kind.TIMELINESS:
            for share in question.distribution:
                counts[TIMELINESS_KEYS[share.value]] += share.count
    total = sum(counts.values())
    return {key: percent(count, total) for key, count in counts.items()}


def _plan_of(scope: Scope, period: Period) -> SurveyPlan | None:
    if scope.root is None:
        return None
    return SurveyPlan.objects.filter(unit=scope.root, year=period.start.year).first()


def _coverage(scope: Scope, period: Period, plan: SurveyPlan | None) -> Coverage:
    """Responses over resolved dossiers, unit by unit and month by month where the count is known.

    A month whose resolved dossiers nobody entered or registered would otherwise
    inflate the rate; its responses are reported apart as `unmatched`.
    """
    months = resolved_dossier_counts(units=scope.unit_ids, start=period.start, end=period.end)
    known = {(month.unit_id, month.month) for month in months}
    resolved = sum(month.used for month in months) if months else None
    covering = (
        ResponseTally.objects.filter(
            unit_id__in=scope.unit_ids,
            month__gte=period.start,
            month__lte=period.end,
            channel__in=COVERING_CHANNELS,
        )
        .values_list("unit_id", "month")
        .annotate(n=Sum("responses"))
        .order_by()
    )
    counted = unmatched = 0
    for unit_id, month, count in covering:
        if (unit_id, month) in known:
            counted += count
        else:
            unmatched += count
    margin = float(plan.margin_percent) if plan and plan.margin_percent else DEFAULT_MARGIN
    sample = sample_size(resolved, margin) if resolved else None
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


def percent(part: int, whole: int | None) -> float | None:
    return 100 * part / whole if whole else None


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion, in percent: honest for small n and for 0 % or 100 %."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def sample_size(population: int, margin_percent: float) -> int:
    """n = N / (1 + N·e²), rounded up: the responses a period of N resolved dossiers needs."""
    e = margin_percent / 100
    return math.ceil(population / (1 + population * e * e))


def round2(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 2)


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


# --- the rows of Phụ lục 2 that are not rates ------------------------------------------------


@dataclass
class Busiest:
    field: str
    procedure: str
    responses: int


def busiest_procedure(scope: Scope, period: Period) -> Busiest | None:
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


def survey_days(scope: Scope, period: Period) -> tuple | None:
    """The first and the last day with a response in the period."""
    found = Response.objects.filter(
        unit_id__in=scope.unit_ids, answered_on__gte=period.start, answered_on__lte=period.end
    ).aggregate(first=Min("answered_on"), last=Max("answered_on"))
    return (found["first"], found["last"]) if found["first"] else None


def subunits_surveying(unit: Unit, period: Period) -> tuple[int, int]:
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
