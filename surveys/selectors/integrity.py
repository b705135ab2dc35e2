"""Integrity signals: red-flag answers, surveys left unanswered per civil servant, bursts of answers
from one place. Every figure is a GROUP BY in the database, within the units whose signals the reader
may see (surveys.permissions): heads act on them, those who oversee read them."""

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast, TruncHour
from django.shortcuts import get_object_or_404
from django.utils import timezone

from surveys.models import IntegrityAlert, IssuedSurvey, Response
from surveys.permissions import units_with

# Answers from one address or device within one hour that make a burst worth a look.
BURST_MINIMUM = 10
BURST_DAYS = 30
# What an alert's line shows: its unit, question and dossier.
ALERT_RELATED = ("unit", "question", "response__survey__dossier")
# Counter tablets answer one citizen after another: a busy hour there is expected.
KIOSK_DEVICE_PREFIX = "kiosk-"


def alerts_unseen(*, user) -> QuerySet[IntegrityAlert]:
    """Red-flag answers ("Có" to extra papers or fees) nobody has marked seen yet, newest first.

    Officials read them too; each alert's `markable` says whether `user` may mark it seen.
    """
    return _alerts_for(user).unseen().order_by("-created", "-pk")


def alerts_to_acknowledge(*, user) -> QuerySet[IntegrityAlert]:
    """Unseen alerts `user` may mark seen: what the menu badge counts and the home page shows at once."""
    return (
        IntegrityAlert.objects.unseen()
        .filter(unit__in=units_with(user, "alerts.mark_seen"))
        .select_related(*ALERT_RELATED)
        .annotate(markable=Value(True))
        .order_by("-created", "-pk")
    )


def alerts_seen_recently(*, user, limit: int = 20) -> list[IntegrityAlert]:
    return list(_alerts_for(user).filter(seen__isnull=False).select_related("seen_by").order_by("-seen", "-pk")[:limit])


def get_alert_for_user(*, user, pk: int) -> IntegrityAlert:
    """The alert if `user` may mark it seen, else 404: reading one is not enough."""
    return get_object_or_404(IntegrityAlert.objects.filter(unit__in=units_with(user, "alerts.mark_seen")), pk=pk)


def _alerts_for(user) -> QuerySet[IntegrityAlert]:
    markable = Q(unit__in=units_with(user, "alerts.mark_seen"))
    return (
        IntegrityAlert.objects.filter(unit__in=units_with(user, "alerts.view"))
        .select_related(*ALERT_RELATED)
        .annotate(markable=ExpressionWrapper(markable, output_field=BooleanField()))
    )


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next one, in Vietnam's time."""
    start = month.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    aware = [timezone.make_aware(datetime.datetime.combine(day, datetime.time())) for day in (start, following)]
    return aware[0], aware[1]


def officer_answer_rates(*, user, month: datetime.date) -> QuerySet:
    """Surveys issued in the month per unit and civil servant: issued, answered, still open, share unanswered.

    Results per civil servant are for the unit head only (they feed staff evaluation),
    so administrators, officials and system administrators get nothing here.
    """
    start, end = month_bounds(month)
    # A float division on both databases (PostgreSQL would otherwise answer in numeric).
    unanswered = Cast(F("issued_count") - F("answered_count"), FloatField()) * 100 / F("issued_count")
    return (
        IssuedSurvey.objects.filter(
            dossier__unit__in=units_with(user, "signals.officers"), issued__gte=start, issued__lt=end
        )
        .values("dossier__unit__code", "dossier__unit__name", "dossier__officer")
        .annotate(
            issued_count=Count("id"),
            answered_count=Count("response"),
            open_count=Count("id", filter=Q(response__isnull=True, expires__gt=timezone.now())),
        )
        .annotate(unanswered_rate=unanswered)
        .order_by("-unanswered_rate", "-issued_count", "dossier__unit__name", "dossier__officer")
    )


def channel_counts(*, user, month: datetime.date) -> dict[str, int]:
    """Responses answered in the month by channel (paper, issued, online), so online ratings stay apart."""
    start = month.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    rows = (
        Response.objects.filter(
            unit__in=units_with(user, "alerts.view"), answered_on__gte=start, answered_on__lt=following
        )
        .values("channel")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(Response.Channel.values, 0)
    counts.update({row["channel"]: row["count"] for row in rows})
    return counts


@dataclass(frozen=True)
class Burst:
    """Answers from one address or one device within one hour."""

    unit_code: str
    unit_name: str
    kind: str  # "origin" or "device"
    key: str
    hour: datetime.datetime
    count: int
    issued: int
    online: int
    from_kiosk: bool


def bursts(*, user, minimum: int = BURST_MINIMUM, days: int = BURST_DAYS) -> list[Burst]:
    """Hours of the last `days` days in which one address or one device sent at least `minimum` answers."""
    recent = Response.objects.filter(
        unit__in=units_with(user, "signals.bursts"),
        channel__in=[Response.Channel.ISSUED, Response.Channel.ONLINE],
        created__gte=timezone.now() - datetime.timedelta(days=days),
    )
    # A counter tablet sends from the office's address: its answers count under its device only.
    by_key = {
        "origin": recent.exclude(origin="").exclude(device__startswith=KIOSK_DEVICE_PREFIX),
        "device": recent.exclude(device=""),
    }
    found = []
    for kind, answers in by_key.items():
        rows = (
            answers.annotate(hour=TruncHour("created"))
            .values("unit__code", "unit__name", kind, "hour")
            .annotate(
                count=Count("id"),
                issued=Count("id", filter=Q(channel=Response.Channel.ISSUED)),
                online=Count("id", filter=Q(channel=Response.Channel.ONLINE)),
            )
            .filter(count__gte=minimum)
            .order_by()
        )
        found += [
            Burst(
                unit_code=row["unit__code"],
                unit_name=row["unit__name"],
                kind=kind,
                key=row[kind],
                hour=row["hour"],
                count=row["count"],
                issued=row["issued"],
                online=row["online"],
                from_kiosk=kind == "device" and row[kind].startswith(KIOSK_DEVICE_PREFIX),
            )
            for row in rows
        ]
    return sorted(found, key=lambda burst: (burst.hour, burst.count), reverse=True)
