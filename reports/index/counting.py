"""Counting: the only part of the index engine that reads survey data.

Each function answers with grouped counts (a GROUP BY in the database), never with
responses one by one. Whole months without a procedure, field or civil-servant
slice are summed from the monthly tallies (surveys.models.tallies); anything
finer is grouped from the raw answers. Both give the same `Counts`, so the
arithmetic that follows (reports.index.arithmetic) never knows which it got.

Counts can be grouped by one more key (GROUPS): the month, the unit, the civil
servant, the procedure or its field. One query per table serves every group,
however many units or months there are.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations

from django.db import connection
from django.db.models import BigIntegerField, Case, Count, F, Max, Sum, Value, When
from django.db.models.functions import TruncMonth

from reports.index.scope import Scope, Slice
from reports.periods import Period
from surveys.models import (
    ANSWERED,
    SATISFIED_FROM,
    Answer,
    AnswerTally,
    PairTally,
    ProvinceAnswerTally,
    ProvincePairTally,
    ProvinceResponseTally,
    Question,
    Response,
    ResponseTally,
)

# The key each grouping reads: the tallies' own column (None: not kept there), and the field a response
# and each of its answers (which carry a copy) both have.
GROUPS = {
    "month": ("month", "answered_on"),
    "unit": ("unit_id", "unit_id"),
    "officer": (None, "officer"),
    "procedure": (None, "procedure_id"),
    "field": (None, "procedure__field_id"),
}
# How each of the four pair counts is read from the two answers of one ballot.
PAIR_COUNTS = ("both_answered", "both_satisfied", "first_satisfied", "second_satisfied")


@dataclass
class Counts:
    """Everything the arithmetic needs about one group of responses, as counts.

    `cells[question_id][value]` counts the answers of each value; value 0 (ANSWERED)
    counts the responses that answered the question at all. `pairs[(first, second)]`
    holds, for two scale questions answered on the same ballots, the four PAIR_COUNTS.
    """

    responses: Counter = field(default_factory=Counter)
    cells: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    pairs: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))

    def add(self, other: "Counts") -> None:
        """Add another group's counts (the units of one row of a comparison, say) to these."""
        self.responses.update(other.responses)
        for question_id, values in other.cells.items():
            self.cells[question_id].update(values)
        for pair, counts in other.pairs.items():
            mine = self.pairs[pair]
            for index, count in enumerate(counts):
                mine[index] += count

    @property
    def total(self) -> int:
        return sum(self.responses.values())


def counts(*, scope: Scope, period: Period, slice: Slice = Slice(), tallies: bool = True, pairs: bool = True) -> Counts:
    """The counts of the responses of `scope` in `period`, narrowed by `slice` (see counts_by)."""
    found = counts_by(scope=scope, period=period, slice=slice, by=None, tallies=tallies, pairs=pairs)
    return found.get(None, Counts())


def counts_by(
    *,
    scope: Scope,
    period: Period,
    by: str | None,
    slice: Slice = Slice(),
    tallies: bool = True,
    pairs: bool = True,
    pairs_within: Period | None = None,
) -> dict:
    """Counts per group (`by` is a key of GROUPS, or None for one group keyed None).

    `tallies=False` groups the raw answers even where the tallies would do (to check one against the other).
    `pairs=False` leaves out the pair counts, which only the index's interval needs: a trend or a
    breakdown by procedure then costs no join of each ballot's answers with each other.
    `pairs_within` counts pairs only in that part of `period`: the months whose interval is shown.
    Grouped by civil servant, only issued surveys are counted: no other response names one.
    """
    if by is not None and by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {sorted(GROUPS)}")
    if by == "officer" and not slice.channel:
        slice = replace(slice, channel=Response.Channel.ISSUED)
    tally_column = GROUPS[by][0] if by else None
    if tallies and period.whole_months and not slice.needs_raw_answers and (by is None or tally_column):
        responses, cells, paired = _from_tallies(scope, period, slice, tally_column, pairs and (pairs_within or period))
    else:
        field_name = GROUPS[by][1] if by else None
        responses, cells, paired = _from_answers(scope, period, slice, field_name, pairs and (pairs_within or period))
    found: dict = defaultdict(Counts)
    for group, channel, count in responses:
        found[group].responses[channel] += count
    for group, question_id, value, count in cells:
        found[group].cells[question_id][value] += count
    for group, first, second, *numbers in paired:
        mine = found[group].pairs[(first, second)]
        for index, number in enumerate(numbers):
            mine[index] += number
    return dict(found)


def uses_tallies(*, period: Period, slice: Slice) -> bool:
    """Whether `counts` reads the monthly tallies for this period and slice (figures say where they came from)."""
    return period.whole_months and not slice.needs_raw_answers


# --- from the monthly tallies ------------------------------------------------------------------


def _from_tallies(scope: Scope, period: Period, slice: Slice, column: str | None, pairs_period: Period | None):
    """(responses, cells, pairs) rows, each starting with the group (None without a grouping).

    Whole provinces are read from the province tallies, every other unit from its own. Grouped
    by unit, a province's rows come under the key ("province", id), apart from the rows of the
    province's own unit.
    """
    found = ([], [], [])
    sources = [(ResponseTally, AnswerTally, PairTally, scope.others, "unit")]
    if scope.provinces:
        sources.append((ProvinceResponseTally, ProvinceAnswerTally, ProvincePairTally, scope.provinces, "province"))
    for responses_model, answers_model, pairs_model, unit_ids, owner in sources:
        if not unit_ids:
            continue
        group = [column] if column else []
        responses = _tallies(responses_model, unit_ids, period, slice).values_list(*group, "channel")
        # The tallies keep the ANSWERED counts as value 0, so the valued rows hold them already.
        cells = _tallies(answers_model, unit_ids, period, slice).values_list(*group, "question_id", "value")
        queries = [responses.annotate(n=Sum("responses")), cells.annotate(n=Sum("answers"))]
        if pairs_period:
            pairs = _tallies(pairs_model, unit_ids, pairs_period, slice).values_list(*group, "first_id", "second_id")
            queries.append(pairs.annotate(*(Sum(name) for name in PAIR_COUNTS)))
        for rows, query in zip(found, queries, strict=False):
            grouped = _grouped(query.order_by(), bool(column), plain=column != "month")
            if column == "unit_id" and owner == "province":
                grouped = [(("province", row[0]), *row[1:]) for row in grouped]
            rows.extend(grouped)
    return found


# Which question column filters each kind of tally by form and by question.
QUESTION_OF = {"version": "version", "question": "question__version", "first": "first__version"}


def _tallies(model, unit_ids, period: Period, slice: Slice):
    """The tally rows of `model` for these units in period, form, channel and questions."""
    rows = model.objects.filter(unit_id__in=unit_ids, month__gte=period.start, month__lte=period.end)
    fields = {field.name for field in model._meta.fields}
    if slice.questions and "question" in fields:
        rows = rows.filter(question_id__in=slice.questions)
    if slice.questions and "first" in fields:
        rows = rows.filter(first_id__in=slice.questions, second_id__in=slice.questions)
    if slice.form:
        question = next(path for name, path in QUESTION_OF.items() if name in fields)
        rows = rows.filter(**{f"{question}__template": slice.form})
    if slice.channel:
        rows = rows.filter(channel=slice.channel)
    return rows


# --- from the raw answers ----------------------------------------------------------------------


def responses_of(*, scope: Scope, period: Period, slice: Slice = Slice()):
    """The responses of `scope` in `period` narrowed by `slice`: what the raw counts of responses read."""
    return Response.objects.filter(**_within(scope, period, slice, form="version__template"))


def answers_of(*, scope: Scope, period: Period, slice: Slice = Slice()):
    """Their answers, found by the answers' own copy of their response's fields (one index, no join)."""
    answers = Answer.objects.filter(**_within(scope, period, slice, form="question__version__template"))
    return answers.filter(question_id__in=slice.questions) if slice.questions else answers


def _within(scope: Scope, period: Period, slice: Slice, *, form: str) -> dict:
    """The conditions of scope, period and slice on a response or an answer (`form`: where the form is)."""
    conditions = {
        "unit_id__in": scope.unit_ids,
        "answered_on__gte": period.start,
        "answered_on__lte": period.end,
    }
    if slice.form:
        conditions[form] = slice.form
    if slice.channel:
        conditions["channel"] = slice.channel
    if slice.procedure:
        conditions["procedure"] = slice.procedure
    if slice.field:
        # The field's procedures, a short list: compared in the index, without a join.
        conditions["procedure_id__in"] = list(slice.field.procedures.values_list("pk", flat=True))
    if slice.officer:
        conditions["officer"] = slice.officer
        # Only issued surveys name a civil servant: saying so lets the database read their index alone.
        conditions.setdefault("channel", Response.Channel.ISSUED)
    return conditions


def _from_answers(scope: Scope, period: Period, slice: Slice, field_name: str | None, pairs_period: Period | None):
    """(responses, cells, pairs) rows grouped from the raw answers, each starting with the group.

    Pairs are counted from the answers of `pairs_period` (None: no pairs).
    """
    grouped = field_name is not None
    by_month = field_name == "answered_on"
    key = [TruncMonth(field_name)] if by_month else [F(field_name)] if grouped else []
    responses = responses_of(scope=scope, period=period, slice=slice).values_list(*key, "channel")
    responses = responses.annotate(n=Count("id"))
    answers = answers_of(scope=scope, period=period, slice=slice)
    # Every question but a multiple choice has one row per response that answered it: its rows count them
    # (COUNT(*): the index holds every column read, so PostgreSQL never visits the table).
    cells = answers.values_list(*key, "question_id", "question__kind", "question__version_id", "value").annotate(
        n=Count("*")
    )
    multi = (
        answers.filter(question__kind=Question.Kind.MULTI)
        .values_list(*key, "question_id")
        .annotate(n=Count("response_id", distinct=True))
    )
    cell_rows, scales = [], defaultdict(set)
    for *group, question_id, kind, version_id, value, count in _grouped(cells.order_by(), grouped):
        if kind != Question.Kind.MULTI:
            cell_rows.append((*group, question_id, ANSWERED, count))
        if value is not None:
            cell_rows.append((*group, question_id, value, count))
        if kind == Question.Kind.SCALE:
            scales[version_id].add(question_id)
    cell_rows += [(*group, question_id, ANSWERED, count) for *group, question_id, count in _grouped(multi, grouped)]
    pairs = []
    if pairs_period and scales:
        paired = answers_of(scope=scope, period=pairs_period, slice=slice)
        pairs = _pairs_from_patterns(paired, key, scales, by_month)
    return _grouped(responses.order_by(), grouped), cell_rows, pairs


# A ballot's scale answers as two bit masks fit in a 64-bit integer while a form version asks fewer questions.
MASK_BITS = 62


def _pairs_from_patterns(answers, key: list, scales: dict, by_month: bool = False) -> list:
    """Pair counts from the patterns of the ballots: which scale questions each answered, which it was satisfied on.

    The database counts the ballots of each pattern (one GROUP BY per ballot, one over the
    patterns); each pattern's pairs are then added up once for all its ballots. A join of
    every answer of a ballot with every other would cost k² rows per ballot instead.
    """
    bits, versions = {}, {}
    for version_id, question_ids in scales.items():
        if len(question_ids) > MASK_BITS:
            raise ValueError(f"a form version with more than {MASK_BITS} scale questions cannot be counted in pairs")
        bits.update({question_id: 1 << index for index, question_id in enumerate(sorted(question_ids))})
        versions.update(dict.fromkeys(question_ids, version_id))
    as_bit = Case(*(When(question_id=pk, then=Value(bit)) for pk, bit in bits.items()), output_field=BigIntegerField())
    # The ballot's form version, from its questions' ids too: no join to the questions.
    as_version = Case(*(When(question_id=pk, then=Value(version)) for pk, version in versions.items()))
    if_satisfied = Case(When(value__gte=SATISFIED_FROM, then=as_bit), default=0, output_field=BigIntegerField())
    per_ballot = (
        answers.filter(question_id__in=bits, value__isnull=False)
        .values("response_id", **({"group": key[0]} if key else {}))
        .annotate(
            version=Max(as_version),
            answered=Sum(as_bit),
            satisfied=Sum(if_satisfied),
        )
        .order_by()
    )
    sql, params = per_ballot.query.sql_with_params()
    columns = ["group"] if key else []
    columns += ["version", "answered", "satisfied"]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted}, COUNT(*) FROM ({sql}) patterns GROUP BY {quoted}", params)
        patterns = cursor.fetchall()
    found = defaultdict(lambda: [0, 0, 0, 0])
    for *group, version, answered, satisfied, ballots in patterns:
        if by_month:  # read without the ORM: PostgreSQL gives a timestamp, SQLite text
            group = [datetime.date.fromisoformat(str(group[0])[:10])]
        ordered = sorted(scales[version])
        present = [index for index in range(len(ordered)) if answered >> index & 1]
        for first, second in combinations(present, 2):
            first_ok, second_ok = satisfied >> first & 1, satisfied >> second & 1
            counts = found[(group[0] if group else None, ordered[first], ordered[second])]
            counts[0] += ballots
            counts[1] += ballots * (first_ok and second_ok)
            counts[2] += ballots * first_ok
            counts[3] += ballots * second_ok
    return [(*pair, *counts) for pair, counts in found.items()]


def _grouped(rows, grouped: bool, *, plain: bool = False):
    """Rows as tuples that start with their group; None is the group when nothing is grouped.

    `plain` rows hold only whole numbers and text: they are read straight from the cursor,
    without the ORM's row building, which a comparison of hundreds of units would feel.
    """
    if plain:
        with connection.cursor() as cursor:
            cursor.execute(*rows.query.sql_with_params())
            rows = cursor.fetchall()
    return [tuple(row) for row in rows] if grouped else [(None, *row) for row in rows]
