"""A year of made-up but plausible paper ballots for the demo units, stored through the real services.

Each unit has its own level of satisfaction, each question its own strength or weakness,
and the months drift (a dip around Tết, a slow improvement after), so that every screen
and report has something to show. Fixed random seeds make every run the same.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from surveys.models import Batch, FormTemplate, Procedure, Question, Response, Unit
from surveys.services.ballots import box_opening_record
from surveys.services.batches import batch_close
from surveys.services.responses import BallotParser, responses_bulk_create


@dataclass(frozen=True)
class DemoUnit:
    code: str
    form: str
    monthly: int  # ballots in an ordinary month
    satisfaction: float  # share of answers scoring 4 or 5
    recorder: str  # username of who records the openings
    closer: str  # username of the head who closes the batches


DEMO_UNITS = [
    DemoUnit("09556", "sipas-5", 60, 0.88, "motcua.hadong", "lanhdao.hadong"),
    DemoUnit("09886", "sipas-5", 35, 0.79, "motcua.duongnoi", "quantri"),
    DemoUnit("10465", "sipas-21", 25, 0.84, "lanhdao.hongson", "lanhdao.hongson"),
    DemoUnit("18118", "short-5", 40, 0.91, "motcua.namhonglinh", "lanhdao.namhonglinh"),
    DemoUnit("18115", "short-5", 30, 0.74, "motcua.bachonglinh", "quantri"),
    DemoUnit("20161", "short-5", 20, 0.82, "lanhdao.khetre", "lanhdao.khetre"),
    DemoUnit("75-SCT", "binh-phuoc", 30, 0.86, "lanhdao.sct.dongnai", "lanhdao.sct.dongnai"),
]
FALLBACK_PROCEDURES = ["Đăng ký khai sinh", "Chứng thực bản sao từ bản chính", "Đăng ký kết hôn", "Đăng ký khai tử"]
COMMENTS = [
    "Cán bộ hướng dẫn nhiệt tình.",
    "Phòng chờ hơi nóng, đề nghị lắp thêm quạt.",
    "Nên có máy lấy số thứ tự.",
    "Thời gian chờ lâu vào buổi sáng.",
    "Hài lòng.",
]


def demo_ballots_seed(*, today: datetime.date | None = None) -> int:
    """Store twelve months of ballots per demo unit; returns how many. Does nothing if they exist."""
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[d.code for d in DEMO_UNITS])}
    if Response.objects.filter(unit__in=units.values()).exists():
        return 0
    today = today or timezone.localdate()
    users = {user.username: user for user in get_user_model().objects.all()}
    stored = 0
    for demo in DEMO_UNITS:
        stored += _seed_unit(demo, units[demo.code], users, today)
    return stored


@transaction.atomic
def _seed_unit(demo: DemoUnit, unit: Unit, users: dict, today: datetime.date) -> int:
    rng = random.Random(demo.code)
    version = FormTemplate.objects.get(code=demo.form, unit__isnull=True).current_version()
    parser = BallotParser(version=version, unit=unit)
    procedures = list(Procedure.objects.available_to(unit).values_list("name", flat=True)[:40])
    procedures = procedures or FALLBACK_PROCEDURES
    # Each question leans a little above or below the unit's level, the same way all year.
    lean = {question.code: rng.uniform(-0.12, 0.06) for question in parser.questions.values()}
    stored = 0
    for months_back in range(11, -1, -1):
        first = _month_start(today, months_back)
        last = min(_month_end(first), today)
        month_level = demo.satisfaction - (0.08 if first.month in (1, 2) else 0) + (11 - months_back) * 0.004
        count = max(5, int(rng.gauss(demo.monthly, demo.monthly * 0.15)))
        rows = []
        for _ in range(count):
            day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
            raw = _raw_ballot(rng, parser.questions.values(), month_level, lean, procedures)
            rows.append((day, parser.parse(raw)))
        current = months_back == 0
        opened_at = timezone.make_aware(datetime.datetime.combine(last, datetime.time(16, 30)))
        seal_intact = rng.random() > 0.08
        opening = box_opening_record(
            actor=users[demo.recorder],
            unit=unit,
            opened_at=opened_at,
            place=f"Bộ phận Một cửa, {unit.name}",
            seal_intact=seal_intact,
            seal_note="" if seal_intact else "Niêm phong bị rách một góc; đã báo Thường trực UBND trước khi mở.",
            ballot_count=count + (1 if rng.random() < 0.1 else 0),
            key_keeper="Văn phòng HĐND và UBND",
            witnesses=[("Nguyễn Thị Hoa", "Trưởng bộ phận Một cửa"), ("Trần Văn Bình", "Đại diện Ủy ban MTTQ")],
            version=version,
        )
        batch = Batch.objects.get(opening=opening)
        typed = rows[: count // 2] if current else rows
        stored += responses_bulk_create(
            version=version, unit=unit, batch=batch, rows=typed, entered_by=users[demo.recorder]
        )
        if not current:
            note = "" if opening.ballot_count == len(typed) else "Một phiếu để trống toàn bộ, không nhập."
            batch_close(actor=users[demo.closer], batch=batch, note=note)
    return stored


def _raw_ballot(rng: random.Random, questions, level: float, lean: dict, procedures: list[str]) -> dict:
    raw = {}
    for question in questions:
        if rng.random() < 0.05 and question.kind != Question.Kind.PROCEDURE:
            continue  # citizens skip questions: a blank answer
        if question.kind == Question.Kind.SCALE:
            raw[question.code] = _score(rng, level + lean[question.code])
        elif question.kind == Question.Kind.PROCEDURE:
            raw[question.code] = rng.choice(procedures) if rng.random() < 0.8 else ""
        elif question.kind == Question.Kind.YES_NO:
            raw[question.code] = "Có" if rng.random() < (0.02 if question.flags_integrity else 0.5) else "Không"
        elif question.kind == Question.Kind.TIMELINESS:
            raw[question.code] = rng.choices([1, 2, 3], weights=[25, 70, 5])[0]
        elif question.kind == Question.Kind.MULTI:
            raw[question.code] = sorted(rng.sample(range(1, len(question.options)), k=rng.choice([1, 1, 2])))
        elif question.kind == Question.Kind.SINGLE:
            raw[question.code] = rng.randrange(1, len(question.options) + 1)
        elif question.kind == Question.Kind.TEXT and rng.random() < 0.15:
            raw[question.code] = rng.choice(COMMENTS)
        elif question.kind == Question.Kind.CONTACT and rng.random() < 0.05:
            raw[question.code] = {"name": "Nguyễn Văn An", "address": "", "phone": f"09{rng.randrange(10**8):08d}"}
    return raw


def _score(rng: random.Random, level: float) -> int:
    if rng.random() < level:
        return 5 if rng.random() < 0.55 else 4
    return rng.choices([3, 2, 1], weights=[60, 30, 10])[0]


def _month_start(today: datetime.date, months_back: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(first: datetime.date) -> datetime.date:
    return _month_start(first, -1) - datetime.timedelta(days=1)
