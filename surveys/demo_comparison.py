"""A year of ballots in many units, so that comparisons, heatmaps and ranks have something to say.

Three dozen communes of Hà Nội and of Hà Tĩnh (a few of them small, with too few
ballots to be ranked) and three communes in every other province, each province with
its own level of satisfaction, each unit its own lean. The ballots are written in bulk
(no typing screen, no batch: they stand for ballots imported from the one-stop software)
and counted with tallies_rebuild, so `make run` stays quick. Fixed seeds make every
run the same. Never run it on a production database (seed_demo refuses nothing, so don't).
"""

import datetime
import math
import random

from django.db import connection, transaction

from surveys.demo import month_end, month_start
from surveys.models import Answer, FormTemplate, Question, ResolvedCount, Response, Unit
from surveys.services.tallies import tallies_rebuild

# The provinces whose units are compared in the demo, how many of their communes, and their form.
PROVINCES = {"01": (30, "sipas-5"), "42": (30, "short-5")}
OTHER_PROVINCE_COMMUNES = 2
# Every few units is a small one: a handful of ballots a month, too few to be ranked.
SMALL_EVERY = 7
# A few busy units serve their citizens badly: they stand apart from the rest, in a group of their own.
TROUBLED = {"00167", "00304", "18133", "18244"}
BLANK = 0.04


def demo_comparison_seed(*, today: datetime.date) -> int:
    """Store a year of ballots in the demo's comparison units; returns how many. Does nothing the second time."""
    units = _units()
    if Response.objects.filter(unit__in=units, batch__isnull=True, channel=Response.Channel.PAPER).exists():
        return 0
    codes = {form for _count, form in PROVINCES.values()} | {"sipas-5"}
    forms = {code: FormTemplate.objects.get(code=code, unit__isnull=True).current_version() for code in codes}
    questions = {code: list(version.questions.filter(kind=Question.Kind.SCALE)) for code, version in forms.items()}
    stored = 0
    with transaction.atomic():
        for unit in units:
            province = unit.path.strip("/").split("/")[0]
            form = PROVINCES.get(province, (0, "sipas-5"))[1]
            stored += _seed_unit(unit, forms[form], questions[form], province, today)
        tallies_rebuild(units)
    return stored


def _units() -> list[Unit]:
    """The comparison units: the first communes (by code) of each province, the demo's own units left out."""
    from surveys.demo import DEMO_UNITS

    own = {demo.code for demo in DEMO_UNITS}
    chosen = []
    for province in Unit.objects.filter(kind=Unit.Kind.PROVINCE, parent__isnull=True).current().order_by("code"):
        count = PROVINCES.get(province.code, (OTHER_PROVINCE_COMMUNES,))[0]
        communes = Unit.objects.filter(parent=province, kind=Unit.Kind.COMMUNE).current().exclude(code__in=own)
        chosen += list(communes.order_by("code")[:count])
    return chosen


def _seed_unit(unit: Unit, version, questions: list[Question], province: str, today: datetime.date) -> int:
    rng = random.Random(f"comparison-{unit.code}")
    # Each province its own level (so that provinces differ), each unit a lean around it.
    level = random.Random(f"province-{province}").uniform(0.8, 0.95) + rng.uniform(-0.1, 0.04)
    if unit.code in TROUBLED:
        level = 0.5
    small = int(unit.code) % SMALL_EVERY == 0
    monthly = rng.randint(1, 3) if small else rng.randint(6, 30)
    lean = [rng.uniform(-0.6, 0.3) for _question in questions]
    responses, answers, resolved = [], [], []
    for months_back in range(11, -1, -1):
        first = month_start(today, months_back)
        last = min(month_end(first), today)
        count = max(0, round(rng.gauss(monthly, monthly * 0.2)))
        for _ballot in range(count):
            day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
            response = Response(unit=unit, version=version, channel=Response.Channel.PAPER, answered_on=day)
            responses.append(response)
            mood = rng.gauss(0, 1.0)
            for question, shift in zip(questions, lean, strict=True):
                if rng.random() < BLANK:
                    continue
                satisfied = rng.random() < _logistic(_logit(level) + shift + mood)
                score = rng.choice([4, 5]) if satisfied else rng.choices([3, 2, 1], weights=[6, 3, 1])[0]
                answers.append((response, question, score))
        if not small:  # the one-stop software's count: about two thirds of the resolved dossiers answered
            resolved.append(ResolvedCount(unit=unit, month=first, count=round(count * 1.5) + rng.randint(0, 4)))
    ResolvedCount.objects.bulk_create(resolved, ignore_conflicts=True)
    Response.objects.bulk_create(responses, batch_size=2000)
    # Plain INSERTs: the ORM's bulk_create would spend most of `make run`'s time building 200,000 answers.
    # Each answer carries its response's unit, day and channel, as surveys.services.responses writes them.
    table = connection.ops.quote_name(Answer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (response_id, question_id, value, text, unit_id, answered_on, channel, officer) "
            "VALUES (%s, %s, %s, '', %s, %s, %s, '')",
            [
                (response.pk, question.pk, score, unit.pk, response.answered_on, response.channel)
                for response, question, score in answers
            ],
        )
    return len(responses)


def _logit(p: float) -> float:
    p = min(max(p, 0.01), 0.99)
    return math.log(p / (1 - p))


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))
