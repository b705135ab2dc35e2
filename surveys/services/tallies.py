"""Keep the monthly tallies equal to the raw answers: add on every write, rebuild when in doubt.

Every service that stores, corrects or imports a response calls `tally_response`
or `tally_many` in the same transaction, so the tallies never drift. The
increments are one upsert per table ("count = count + delta"), which stays
right when two answers for the same unit and month arrive at once. Each count
goes to its unit's row and to its province's (the Province… tallies).
`tallies_rebuild` recomputes them from the raw answers (after seeding demo
data, or to repair), as one INSERT … SELECT per table; tests check that both
ways give the same rows.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations

from django.db import connection, transaction
from django.db.models import Count, F, PositiveSmallIntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth

from surveys.models import (
    ANSWERED,
    PATH_END,
    SATISFIED_FROM,
    Answer,
    AnswerTally,
    Dossier,
    DossierTally,
    PairTally,
    ProvinceAnswerTally,
    ProvincePairTally,
    ProvinceResponseTally,
    Question,
    Response,
    ResponseTally,
    Unit,
    province_path,
)

# (question_id, value or None) for each stored answer of a response; None is a written-only answer.
AnswerKeys = Iterable[tuple[int, int | None]]
PAIR_COLUMNS = ["both_answered", "both_satisfied", "first_satisfied", "second_satisfied"]


def answer_keys(ballot_answers) -> list[tuple[int, int | None]]:
    """The (question_id, value) pairs of a parsed ballot's answers ((question, value, text) triples)."""
    return [(question.pk, value) for question, value, _text in ballot_answers]


def tally_response(response: Response, answers: AnswerKeys, *, sign: int = 1) -> None:
    """Count one response and its answers in (sign=1) or out (sign=-1) of its unit's month."""
    tally_many([(response, answers)], sign=sign)


def tally_stored(response: Response, *, sign: int) -> None:
    """Count a response in or out with the answers the database holds for it now."""
    tally_response(response, response.answers.values_list("question_id", "value"), sign=sign)


def tally_many(items: Iterable[tuple[Response, AnswerKeys]], *, sign: int = 1) -> None:
    """Count many responses at once: one upsert per table, whatever their number."""
    items = [(response, list(keys)) for response, keys in items]
    asked = {question_id for _response, keys in items for question_id, _value in keys}
    scales = set(Question.objects.filter(pk__in=asked, kind=Question.Kind.SCALE).values_list("pk", flat=True))
    province_of = provinces_of({response.unit_id for response, _keys in items})
    responses: Counter = Counter()
    answers: Counter = Counter()
    pairs: defaultdict = defaultdict(lambda: [0, 0, 0, 0])
    for response, keys in items:
        month = response.answered_on.replace(day=1)
        scored = sorted((question_id, value) for question_id, value in keys if question_id in scales)
        # The unit's own rows, and its province's: the key starts with ("unit", id) or ("province", id).
        for owner in (("unit", response.unit_id), ("province", province_of[response.unit_id])):
            cell = (owner, month, response.channel)
            responses[(*cell, response.version_id)] += sign
            for question_id in {question_id for question_id, _value in keys}:
                answers[(*cell, question_id, ANSWERED)] += sign
            for question_id, value in keys:
                if value is not None:
                    answers[(*cell, question_id, value)] += sign
            for (first, first_value), (second, second_value) in combinations(scored, 2):
                deltas = pairs[(*cell, first, second)]
                deltas[0] += sign
                deltas[1] += sign * (first_value >= SATISFIED_FROM and second_value >= SATISFIED_FROM)
                deltas[2] += sign * (first_value >= SATISFIED_FROM)
                deltas[3] += sign * (second_value >= SATISFIED_FROM)
    for models, counted, keys, columns in (
        ((ResponseTally, ProvinceResponseTally), responses, ["version_id"], ["responses"]),
        ((AnswerTally, ProvinceAnswerTally), answers, ["question_id", "value"], ["answers"]),
        ((PairTally, ProvincePairTally), pairs, ["first_id", "second_id"], PAIR_COLUMNS),
    ):
        for model, owner in zip(models, ("unit", "province"), strict=True):
            mine = {(key[0][1], *key[1:]): delta for key, delta in counted.items() if key[0][0] == owner}
            _upsert(model, ["unit_id", "month", "channel", *keys], columns, mine)


@transaction.atomic
def dossier_months_count(*, unit_id: int, months) -> None:
    """Count again the dossiers the unit registered in these months, under a lock on their tally rows.

    A recount, not an increment: an import skips the codes the one-stop software sent a
    moment earlier, so only the database knows how many rows it added. The row lock,
    taken in month order, makes a registration at the same moment wait, then count with
    this one's dossiers in.
    """
    months = sorted({month.replace(day=1) for month in months})
    if not months:
        return
    DossierTally.objects.bulk_create(
        [DossierTally(unit_id=unit_id, month=month) for month in months], ignore_conflicts=True
    )
    rows = list(DossierTally.objects.select_for_update().filter(unit_id=unit_id, month__in=months).order_by("month"))
    after = (months[-1] + datetime.timedelta(days=32)).replace(day=1)
    counted = dict(
        Dossier.objects.filter(unit_id=unit_id, resolved__gte=months[0], resolved__lt=after)
        .values_list(TruncMonth("resolved"))
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        row.dossiers = counted.get(row.month, 0)
    DossierTally.objects.bulk_update(rows, ["dossiers"])


def provinces_of(unit_ids) -> dict[int, int]:
    """unit id → the id of its province: the top of its subtree (a province is its own)."""
    paths = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    tops = {pk: province_path(path) for pk, path in paths.items()}
    found = dict(Unit.objects.filter(path__in=set(tops.values())).values_list("path", "pk"))
    return {pk: found[top] for pk, top in tops.items()}


def _upsert(model, key_columns: list[str], count_columns: list[str], deltas) -> None:
    """INSERT … ON CONFLICT DO UPDATE count = count + delta, in key order so concurrent writers never deadlock."""
    rows = []
    for key, delta in sorted(deltas.items()):
        delta = delta if isinstance(delta, list) else [delta]
        if any(delta):
            rows.append((*key, *delta))
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = [connection.ops.quote_name(column) for column in [*key_columns, *count_columns]]
    updates = ", ".join(f"{column} = {table}.{column} + EXCLUDED.{column}" for column in quoted[len(key_columns) :])
    placeholders = "(" + ", ".join(["%s"] * len(quoted)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quoted[: len(key_columns)])}) DO UPDATE SET {updates}",
                [value for row in chunk for value in row],
            )


@transaction.atomic
def tallies_rebuild(units=None) -> None:
    """Recompute the tallies of `units` (all units by default) from the raw answers.

    First the answers' copies of their response's fields (and the responses' civil servant)
    are set right where they differ, then each table is filled by
    one INSERT … SELECT whose SELECT is a GROUP BY the ORM writes, so the database does the
    whole rebuild without a row passing through Python.
    """
    unit_ids = None
    if units is not None:
        unit_ids = list(units.values_list("pk", flat=True) if isinstance(units, QuerySet) else [u.pk for u in units])
    copies_repair(unit_ids)
    responses = Response.objects.all() if units is None else Response.objects.filter(unit_id__in=unit_ids)
    answers = Answer.objects.all() if units is None else Answer.objects.filter(unit_id__in=unit_ids)
    for model in (ResponseTally, AnswerTally, PairTally):
        (model.objects.all() if units is None else model.objects.filter(unit__in=units)).delete()
    if units is None:
        for rollup, _tally, _keys, _counts in ROLLUPS:
            rollup.objects.all().delete()
    (DossierTally.objects.all() if units is None else DossierTally.objects.filter(unit__in=units)).delete()
    dossiers = Dossier.objects.all() if units is None else Dossier.objects.filter(unit__in=units)
    _insert(
        DossierTally,
        ["unit_id", "month", "dossiers"],
        dossiers.values_list("unit_id", TruncMonth("resolved")).annotate(n=Count("*")),
    )
    month = TruncMonth("answered_on")
    _insert(
        ResponseTally,
        ["unit_id", "month", "channel", "version_id", "responses"],
        responses.values_list("unit_id", month, "channel", "version_id").annotate(Count("id")),
    )
    keys = ["unit_id", TruncMonth("answered_on"), "channel", "question_id"]
    columns = ["unit_id", "month", "channel", "question_id", "value", "answers"]
    _insert(AnswerTally, columns, answers.filter(value__isnull=False).values_list(*keys, "value").annotate(Count("id")))
    # Responses that answered each question: one row each, but a multiple choice has one row per tick.
    answered = [*keys, Value(ANSWERED, output_field=PositiveSmallIntegerField())]
    single = answers.exclude(question__kind=Question.Kind.MULTI).values_list(*answered).annotate(Count("id"))
    multi = answers.filter(question__kind=Question.Kind.MULTI).values_list(*answered)
    _insert(AnswerTally, columns, single)
    _insert(AnswerTally, columns, multi.annotate(Count("response_id", distinct=True)))
    _insert(PairTally, ["unit_id", "month", "channel", "first_id", "second_id", *PAIR_COLUMNS], _pairs(answers, keys))
    _provinces_rebuild(None if units is None else provinces_of(unit_ids).values())


def copies_repair(unit_ids=None) -> None:
    """Set each response's civil servant, and each answer's copy of its response's fields, where they differ.

    The services write them together; this repairs rows changed behind their back (a unit
    corrected in the database, say). Rows already right are only read, never rewritten.
    """
    if unit_ids is not None and not unit_ids:
        return
    officers = (
        "UPDATE surveys_response AS r SET officer = d.officer FROM surveys_issuedsurvey s, surveys_dossier d "
        "WHERE s.id = r.survey_id AND d.id = s.dossier_id AND r.officer IS DISTINCT FROM d.officer"
    )
    answers = (
        "UPDATE surveys_answer AS a SET unit_id = r.unit_id, answered_on = r.answered_on, channel = r.channel, "
        "procedure_id = r.procedure_id, officer = r.officer FROM surveys_response r WHERE r.id = a.response_id "
        "AND (a.unit_id IS DISTINCT FROM r.unit_id OR a.answered_on IS DISTINCT FROM r.answered_on "
        "OR a.channel IS DISTINCT FROM r.channel OR a.procedure_id IS DISTINCT FROM r.procedure_id "
        "OR a.officer IS DISTINCT FROM r.officer)"
    )
    with connection.cursor() as cursor:
        if unit_ids is None:
            cursor.execute(officers)
            cursor.execute(answers)
            return
        ids = ", ".join(["%s"] * len(unit_ids))
        cursor.execute(f"{officers} AND r.unit_id IN ({ids})", list(unit_ids))
        # Two statements rather than one OR, so each reads along its own index:
        # answers now under these units, and answers still copying one of them.
        cursor.execute(f"{answers} AND r.unit_id IN ({ids})", list(unit_ids))
        cursor.execute(f"{answers} AND a.unit_id IN ({ids})", list(unit_ids))


# Each province tally and the unit tally it sums: its key columns and its count columns.
ROLLUPS = [
    (ProvinceResponseTally, ResponseTally, ["month", "channel", "version_id"], ["responses"]),
    (ProvinceAnswerTally, AnswerTally, ["month", "channel", "question_id", "value"], ["answers"]),
    (ProvincePairTally, PairTally, ["month", "channel", "first_id", "second_id"], PAIR_COLUMNS),
]


def _provinces_rebuild(province_ids) -> None:
    """Sum the unit tallies of each province's whole subtree into its province tallies (all provinces by default)."""
    provinces = Unit.objects.filter(parent__isnull=True)
    if province_ids is not None:
        provinces = provinces.filter(pk__in=set(province_ids))
    for province in provinces:
        for rollup, tally, keys, counts in ROLLUPS:
            rollup.objects.filter(unit=province).delete()
            below = tally.objects.filter(unit__path__gte=province.path, unit__path__lt=province.path + PATH_END)
            summed = below.values_list(Value(province.pk), *keys).annotate(*(Sum(column) for column in counts))
            _insert(rollup, ["unit_id", *keys, *counts], summed)


def _pairs(answers, keys):
    """Two scale answers of one ballot, the first with the smaller question id, counted by the four PAIR_COLUMNS."""
    other = "response__answers"
    satisfied, other_satisfied = Q(value__gte=SATISFIED_FROM), Q(**{f"{other}__value__gte": SATISFIED_FROM})
    return (
        answers.filter(value__isnull=False, question__kind=Question.Kind.SCALE)
        .filter(
            **{
                f"{other}__value__isnull": False,
                f"{other}__question__kind": Question.Kind.SCALE,
                f"{other}__question_id__gt": F("question_id"),
            }
        )
        .values_list(*keys, f"{other}__question_id")
        .annotate(
            n_both_answered=Count("id"),
            n_both_satisfied=Count("id", filter=satisfied & other_satisfied),
            n_first_satisfied=Count("id", filter=satisfied),
            n_second_satisfied=Count("id", filter=other_satisfied),
        )
    )


def _insert(model, columns: list[str], rows) -> None:
    """INSERT INTO the tally table the rows of a grouped queryset, whose SELECT lists `columns` in order."""
    sql, params = rows.order_by().query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({quoted}) {sql}", params)
