"""A year of made-up but plausible paper ballots for the demo units, and three months of resolved dossiers
with their issued surveys, stored through the real services.

Each unit has its own level of satisfaction, each question its own strength or weakness,
and the months drift (a dip around Tết, a slow improvement after), so that every screen
and report has something to show. Fixed random seeds make every run the same.
"""

import datetime
import random
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from surveys.models import (
    Batch,
    Counter,
    Dossier,
    FormTemplate,
    IntegrityAlert,
    IssuedSurvey,
    Procedure,
    Question,
    Response,
    Unit,
)
from surveys.services.answering import rating_submit, survey_answer
from surveys.services.ballots import box_opening_record
from surveys.services.batches import batch_close
from surveys.services.issuing import survey_form_for, survey_issue
from surveys.services.kiosks import counter_create, kiosk_pair, kiosk_pairing_start
from surveys.services.responses import BallotParser, responses_bulk_create
from surveys.services.survey_settings import survey_settings_save
from surveys.services.tallies import tallies_rebuild
from surveys.tokens import fingerprint, survey_token


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
        first = month_start(today, months_back)
        last = min(month_end(first), today)
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


def month_start(today: datetime.date, months_back: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months_back
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(first: datetime.date) -> datetime.date:
    return month_start(first, -1) - datetime.timedelta(days=1)


# Civil servants who resolve each demo unit's dossiers.
OFFICERS = {
    "09556": ["Nguyễn Thị Lan", "Trần Văn Hùng", "Phạm Minh Tuấn"],
    "09886": ["Lê Thị Thu", "Hoàng Văn Nam", "Đỗ Thị Hạnh"],
    "10465": ["Vũ Văn Long", "Nguyễn Thị Mai"],
    "18118": ["Bùi Văn Sơn", "Trần Thị Hương", "Lê Quang Vinh"],
    "18115": ["Ngô Văn Tài", "Phan Thị Yến"],
    "20161": ["Hồ Thị Nga", "Đặng Văn Khoa"],
    "75-SCT": ["Dương Văn Phúc", "Lý Thị Ngọc", "Trịnh Văn Quang"],
}
# Citizens served by this civil servant answer far less often: the head's per-officer table shows it.
SLOW_OFFICER = ("09556", "Trần Văn Hùng")
# The unit whose counter has a paired tablet, a busy morning on it, and an evening of answers from one address.
TABLET_UNIT = "09556"
# The unit whose citizens say "Có" to extra papers or fees on the Bình Phước form.
FLAGGED_UNIT = "75-SCT"
ISSUED_SHARE, ANSWERED_SHARE, SLOW_ANSWERED_SHARE, TABLET_SHARE = 0.6, 0.6, 0.2, 0.4


@dataclass
class DemoSurveys:
    """What demo_surveys_seed made."""

    counters: int = 0
    dossiers: int = 0
    issued: int = 0
    answered: int = 0
    ratings: int = 0

    def add(self, other: "DemoSurveys") -> None:
        for name in ("counters", "dossiers", "issued", "answered", "ratings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Plan:
    """One demo dossier and what happens to its survey."""

    dossier: Dossier
    issued_at: datetime.datetime | None = None
    answered_at: datetime.datetime | None = None
    origin: str = ""
    device: str = ""
    counter: Counter | None = None
    raw: dict = field(default_factory=dict)


def demo_surveys_seed(*, today: datetime.date | None = None) -> DemoSurveys:
    """Counters, three months of resolved dossiers, their surveys and answers, a few online ratings.

    Does nothing if the demo units already have dossiers.
    """
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[d.code for d in DEMO_UNITS])}
    made = DemoSurveys()
    if Dossier.objects.filter(unit__in=units.values()).exists():
        return made
    today = today or timezone.localdate()
    users = {user.username: user for user in get_user_model().objects.all()}
    for demo in DEMO_UNITS:
        made.add(_seed_unit_surveys(demo, units[demo.code], users, today))
    # The heads have read the older alerts (the paper ones too): the home page shows the recent few.
    for demo in DEMO_UNITS:
        IntegrityAlert.objects.filter(
            unit=units[demo.code], seen__isnull=True, response__answered_on__lt=today - datetime.timedelta(days=30)
        ).update(seen=timezone.now(), seen_by=users[demo.closer])
    # The answers were moved back in time after the services counted them: count them again where they now fall
    # (the rebuild first sets each answer's copy of its response's day).
    tallies_rebuild(units.values())
    return made


@transaction.atomic
def _seed_unit_surveys(demo: DemoUnit, unit: Unit, users: dict, today: datetime.date) -> DemoSurveys:
    rng = random.Random(f"surveys-{demo.code}")
    head, staff = users[demo.closer], users[demo.recorder]
    template = FormTemplate.objects.get(code=demo.form, unit__isnull=True)
    survey_settings_save(actor=head, unit=unit, form=template, expiry_days=7, public_rating=True)
    counters = [counter_create(actor=head, unit=unit, name="Quầy 1")]
    tablet = ""
    if demo.code == TABLET_UNIT:
        counters.append(counter_create(actor=head, unit=unit, name="Quầy 2"))
        kiosk, code = kiosk_pairing_start(actor=head, counter=counters[0])
        kiosk, _key = kiosk_pair(code=code)
        tablet = f"kiosk-{kiosk.pk}"
    version = survey_form_for(unit)
    questions = list(version.questions.all())
    lean = {question.code: rng.uniform(-0.12, 0.06) for question in questions}
    catalogue = list(Procedure.objects.available_to(unit).order_by("pk")[:40])
    now = timezone.now()
    plans: list[_Plan] = []

    def plan(resolved: datetime.date, officer: str) -> _Plan:
        dossier = Dossier(
            unit=unit,
            code=f"{unit.code}-{resolved:%y%m%d}-{len(plans) + 1:04d}",
            procedure=rng.choice(catalogue) if catalogue else None,
            procedure_text="" if catalogue else rng.choice(FALLBACK_PROCEDURES),
            received=resolved - datetime.timedelta(days=rng.choice([0, 0, 1, 2, 3, 5, 7, 10, 15])),
            resolved=resolved,
            on_time=rng.random() < 0.9,
            officer=officer,
            source=rng.choice([Dossier.Source.API, Dossier.Source.API, Dossier.Source.MANUAL, Dossier.Source.IMPORT]),
        )
        dossier.created_by = None if dossier.source == Dossier.Source.API else staff
        planned = _Plan(dossier=dossier, raw=_raw_answers(rng, questions, demo.satisfaction, lean))
        plans.append(planned)
        return planned

    for months_back in (2, 1, 0):
        first = month_start(today, months_back)
        last = min(month_end(first), today)
        # The current month has only run part of its course.
        share = ((last - first).days + 1) / ((month_end(first) - first).days + 1)
        count = round(min(120, max(40, rng.gauss(demo.monthly * 1.6, demo.monthly * 0.2))) * share)
        for _ in range(count):
            officer = rng.choice(OFFICERS[demo.code])
            planned = plan(_weekday(rng, first, last), officer)
            if rng.random() >= ISSUED_SHARE:
                continue
            planned.issued_at = min(_at(planned.dossier.resolved, rng.uniform(7.5, 16.5)), now - _minutes(30))
            planned.counter = rng.choice(counters)
            slow = (demo.code, officer) == SLOW_OFFICER
            if rng.random() >= (SLOW_ANSWERED_SHARE if slow else ANSWERED_SHARE):
                continue
            if tablet and rng.random() < TABLET_SHARE:
                planned.counter, planned.device = counters[0], tablet
                planned.origin = fingerprint(f"demo-office-{demo.code}")
                planned.answered_at = planned.issued_at + _minutes(rng.uniform(1, 4))
            else:
                planned.origin = fingerprint(f"demo-address-{rng.randrange(5000)}")
                planned.device = fingerprint(f"demo-phone-{rng.randrange(10**9)}")
                planned.answered_at = min(planned.issued_at + _minutes(rng.uniform(10, 3 * 24 * 60)), now)

    if tablet:
        # A busy morning at the tablet (expected), and twelve links answered one evening from one address (not).
        busy = _weekday(rng, today - datetime.timedelta(days=9), today - datetime.timedelta(days=6))
        for n in range(11):
            planned = plan(busy, OFFICERS[demo.code][0])
            planned.issued_at = _at(busy, 8 + n * 5 / 60)
            planned.answered_at = planned.issued_at + _minutes(2)
            planned.counter, planned.device, planned.origin = counters[0], tablet, fingerprint("demo-office")
        evening = today - datetime.timedelta(days=3)
        for n in range(12):
            planned = plan(evening - datetime.timedelta(days=1), OFFICERS[demo.code][2])
            planned.issued_at = _at(planned.dossier.resolved, 15 + n / 12)
            planned.answered_at = _at(evening, 20 + n * 4 / 60)
            planned.counter, planned.origin = counters[0], fingerprint("demo-burst-address")
            planned.device = fingerprint(f"demo-private-window-{n}")
    if demo.code == FLAGGED_UNIT:
        flagged = [question.code for question in questions if question.flags_integrity]
        recent = [planned for planned in plans if planned.answered_at and planned.dossier.resolved > today - _days(20)]
        for n, planned in enumerate(recent[-3:]):
            planned.raw[flagged[n % len(flagged)]] = "Có"

    made = DemoSurveys(counters=len(counters))
    Dossier.objects.bulk_create([planned.dossier for planned in plans])
    made.dossiers = len(plans)
    surveys, responses = [], []
    for planned in plans:
        if planned.issued_at is None:
            continue
        survey, _created = survey_issue(dossier=planned.dossier, actor=staff)
        lifetime = survey.expires - survey.issued
        if planned.answered_at is not None:
            response, _created = survey_answer(
                token=survey_token(survey.key),
                client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                raw=planned.raw,
                origin=planned.origin,
                device=planned.device,
            )
            # The services stamp everything "now"; move the answer back to when the story says it came.
            response.created = planned.answered_at
            response.answered_on = timezone.localdate(planned.answered_at)
            responses.append(response)
        survey.issued, survey.expires = planned.issued_at, planned.issued_at + lifetime
        survey.counter, survey.counter_sent = planned.counter, planned.issued_at
        # Every demo survey has left the tablet's screen: none is shown to the next person.
        survey.kiosk_closed = planned.issued_at + _minutes(5)
        surveys.append(survey)
    made.issued, made.answered = len(surveys), len(responses)
    made.ratings = _seed_ratings(rng, demo, unit, questions, lean, today, responses)
    # Same reason: queryset updates, since created is stamped on insert and survey_issue uses the present.
    IssuedSurvey.objects.bulk_update(
        surveys, ["issued", "expires", "counter", "counter_sent", "kiosk_closed"], batch_size=500
    )
    Response.objects.bulk_update(responses, ["created", "answered_on"], batch_size=500)
    IntegrityAlert.objects.filter(response__in=responses).update(
        created=Subquery(Response.objects.filter(pk=OuterRef("response_id")).values("created")[:1])
    )
    return made


def _seed_ratings(rng, demo: DemoUnit, unit: Unit, questions, lean, today, stamped: list[Response]) -> int:
    """A few ratings from the unit's public page over the last three months, added to `stamped` to backdate."""
    count = rng.randint(3, 7)
    for _ in range(count):
        answered_at = _at(today - _days(rng.randrange(0, 85)), rng.uniform(6, 22))
        answered_at = min(answered_at, timezone.now())
        raw = _raw_answers(rng, questions, demo.satisfaction - 0.1, lean, keep_procedure=True)
        response, _created = rating_submit(
            unit=unit,
            client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            raw=raw,
            origin=fingerprint(f"demo-address-{rng.randrange(5000)}"),
            device=fingerprint(f"demo-phone-{rng.randrange(10**9)}"),
        )
        response.created, response.answered_on = answered_at, timezone.localdate(answered_at)
        stamped.append(response)
    return count


def _raw_answers(rng: random.Random, questions, level: float, lean: dict, keep_procedure: bool = False) -> dict:
    """A citizen's answers online: like a paper ballot, with consent given to any contact details left."""
    raw = _raw_ballot(rng, questions, level, lean, FALLBACK_PROCEDURES)
    for question in questions:
        if question.kind == Question.Kind.PROCEDURE and not keep_procedure:
            raw.pop(question.code, None)  # the dossier says which procedure it was
        if question.kind == Question.Kind.CONTACT and question.code in raw:
            raw[question.code] = {**raw[question.code], "consent": True}
    return raw


def _weekday(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    """A random working day (Monday to Friday) between the two, or any day if there is none."""
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    return rng.choice([day for day in days if day.weekday() < 5] or days)


def _at(day: datetime.date, hour: float) -> datetime.datetime:
    """`day` at a time of day in hours (9.5 is 09:30), Vietnam time."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return start + datetime.timedelta(hours=hour)


def _minutes(count: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=count)


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)
