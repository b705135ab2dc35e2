"""Keep the monthly tallies equal to the raw answers: add on every write, rebuild when in doubt.

Every service that stores, corrects or imports a response calls `tally_response`
or `tally_many` in the same transaction, so the tallies never drift. The
increments are one upsert per table ("count = count + delta"), which stays
right when two answers for the same unit and month arrive at once.
`tallies_rebuild` recomputes them from the raw answers (after seeding demo
data, or to repair); tests check that both ways give the same rows.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from surveys.models import ANSWERED, Answer, AnswerTally, Response, ResponseTally

# (question_id, value or None) for each stored answer of a response; None is a written-only answer.
AnswerKeys = Iterable[tuple[int, int | None]]


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
    responses: Counter = Counter()
    answers: Counter = Counter()
    for response, keys in items:
        cell = (response.unit_id, response.answered_on.replace(day=1), response.channel)
        responses[(*cell, response.version_id)] += sign
        keys = list(keys)
        for question_id in {question_id for question_id, _value in keys}:
            answers[(*cell, question_id, ANSWERED)] += sign
        for question_id, value in keys:
            if value is not None:
                answers[(*cell, question_id, value)] += sign
    _upsert(ResponseTally, ["unit_id", "month", "channel", "version_id"], "responses", responses)
    _upsert(AnswerTally, ["unit_id", "month", "channel", "question_id", "value"], "answers", answers)


def _upsert(model, key_columns: list[str], count_column: str, deltas: Counter) -> None:
    """INSERT … ON CONFLICT DO UPDATE count = count + delta, in key order so concurrent writers never deadlock."""
    rows = [(*key, delta) for key, delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*key_columns, count_column]
    quoted = [connection.ops.quote_name(column) for column in columns]
    count = connection.ops.quote_name(count_column)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(quoted[:-1])}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}",
                [value for row in chunk for value in row],
            )


def raw_answer_cells(answers):
    """The tallies' answer rows computed from raw answers: the valued counts, then the ANSWERED counts."""
    month = TruncMonth("response__answered_on")
    keys = ["response__unit_id", "response__channel", "question_id"]
    valued = answers.filter(value__isnull=False).values(*keys, "value", month=month).annotate(answers=Count("id"))
    answered = answers.values(*keys, month=month).annotate(answers=Count("response_id", distinct=True))
    return valued.order_by(), answered.order_by()


@transaction.atomic
def tallies_rebuild(units=None) -> None:
    """Recompute the tallies of `units` (all units by default) from the raw answers."""
    responses = Response.objects.all() if units is None else Response.objects.filter(unit__in=units)
    answers = Answer.objects.all() if units is None else Answer.objects.filter(response__unit__in=units)
    for model in (ResponseTally, AnswerTally):
        (model.objects.all() if units is None else model.objects.filter(unit__in=units)).delete()
    response_rows = responses.values("unit_id", "channel", "version_id", month=TruncMonth("answered_on"))
    _create_in_chunks(ResponseTally(**row) for row in response_rows.annotate(responses=Count("id")).order_by())
    valued, answered = raw_answer_cells(answers)
    _create_in_chunks(
        AnswerTally(
            unit_id=row["response__unit_id"],
            month=row["month"],
            channel=row["response__channel"],
            question_id=row["question_id"],
            value=row.get("value", ANSWERED),
            answers=row["answers"],
        )
        for rows in (valued, answered)
        for row in rows.iterator(chunk_size=5000)
    )


def _create_in_chunks(objects, size: int = 5000) -> None:
    """bulk_create without holding every row in memory at once (a province-year has hundreds of thousands)."""
    chunk = []
    for obj in objects:
        chunk.append(obj)
        if len(chunk) == size:
            type(obj).objects.bulk_create(chunk)
            chunk = []
    if chunk:
        type(chunk[0]).objects.bulk_create(chunk)
