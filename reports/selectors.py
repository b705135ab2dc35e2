"""Reads behind the results pages: the index figures plus what a head reads beside them.

Every read takes a Scope built from a unit the caller may read results of (surveys.permissions);
contact details and figures per civil servant are for the unit head only.
"""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from reports.index import Figures, GroupIndex, QuestionFigures, Scope, Slice, indices_by
from reports.index.counting import answers_of
from reports.index.grouped import figures_and_trend
from reports.periods import Period, month_end
from surveys.models import Dossier, IntegrityAlert, Question, Response, Unit
from surveys.permissions import may, units_with
from surveys.selectors.integrity import alerts_to_acknowledge

COMMENTS_SHOWN = 50
TREND_MONTHS = 12


@dataclass(frozen=True)
class Contact:
    response_id: int  # where the head erases it on the citizen's request
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Comment:
    text: str
    answered_on: datetime.date
    channel: str  # the channel's label
    question: str  # the question's code
    contact: Contact | None  # only for those who may read contacts ("results.contacts")


@dataclass(frozen=True)
class OfficerFigures:
    name: str
    responses: int
    index: float | None


@dataclass
class Results:
    """Everything the results page shows for one unit and period, already limited to what the reader may see."""

    unit: Unit
    period: Period
    subtree: bool
    writes_reports: bool  # the report's written sections and the year's plan
    figures: Figures
    trend: list[tuple[Period, float | None, float | None]]  # month, its index, the index a year before
    comments: list[Comment]
    parent: Unit | None
    children: list[Unit]
    officers: list[OfficerFigures] = field(default_factory=list)
    alerts: list[IntegrityAlert] = field(default_factory=list)
    slice: Slice = Slice()

    @property
    def other_questions(self) -> list[QuestionFigures]:
        """Counted questions without a rate that are neither red flags nor timeliness (what citizens chose)."""
        return [
            question
            for question in self.figures.questions
            if question.rate is None and not question.flags_integrity and question.kind != Question.Kind.TIMELINESS
        ]


def results_for(*, user, unit: Unit, period: Period, subtree: bool, slice: Slice = Slice()) -> Results:
    """The results of `unit` in `period`, narrowed by `slice`, with only the extras `user` may see there.

    What `user` may see is decided by surveys.permissions; the caller checked the slice's
    officer against the unit's civil servants for the head alone.
    """
    scope = Scope.of(unit, subtree=subtree)
    reachable = units_with(user, "results.view")
    # The period, the one before, and two years of months for the trend: one count grouped by month.
    months = period.trailing_months(TREND_MONTHS)
    year_before = [Period.month(month.start.year - 1, month.start.month) for month in months]
    found, trend = figures_and_trend(scope=scope, period=period, months=year_before + months, slice=slice)
    result = Results(
        unit=unit,
        period=period,
        subtree=subtree,
        writes_reports=may(user, "reports.write", unit),
        figures=found,
        trend=_beside_year_before(trend),
        comments=comments_for(
            scope=scope, period=period, slice=slice, with_contacts=may(user, "results.contacts", unit)
        ),
        parent=reachable.filter(pk=unit.parent_id).first(),
        children=list(reachable.filter(parent=unit).order_by("name")),
        slice=slice,
    )
    # Figures per civil servant feed staff evaluation: the head's alone, as in surveys.selectors.integrity.
    if may(user, "results.officers", unit) and not slice.officer:
        result.officers = officer_figures(scope=scope, period=period, slice=slice)
    if may(user, "alerts.mark_seen", unit):
        result.alerts = list(alerts_to_acknowledge(user=user).filter(unit_id__in=scope.unit_ids))
    return result


def _beside_year_before(trend: list) -> list[tuple[Period, float | None, float | None]]:
    """Two years of (month, index) as (month, index, the index a year earlier) for the last year."""
    return [(month, index, before) for (month, index), (_, before) in zip(trend[TREND_MONTHS:], trend, strict=False)]


def comments_for(
    *, scope: Scope, period: Period, slice: Slice = Slice(), with_contacts: bool = False, limit: int = COMMENTS_SHOWN
) -> list[Comment]:
    """Written answers (free text and the "other" option's words) in scope and period, newest first.

    The months are read newest first, one at a time, until `limit` comments are found: a
    province-year's comments are never all sorted to show the latest fifty. Contact details
    are read only when asked: they are for the unit head alone ("results.contacts").
    """
    found: list[Comment] = []
    for month in reversed(period.months):
        within = Period.between(max(month, period.start), min(month_end(month), period.end))
        answers = (
            answers_of(scope=scope, period=within, slice=slice)
            .exclude(text="")
            .filter(Q(question__kind=Question.Kind.TEXT) | Q(question__allows_other=True, value__isnull=False))
            .select_related("response__contact" if with_contacts else "response", "question")
            .order_by("-response__answered_on", "-response_id", "question__position")
        )
        found += [
            Comment(
                text=answer.text,
                answered_on=answer.response.answered_on,
                channel=answer.response.get_channel_display(),
                question=answer.question.code,
                contact=_contact(answer.response) if with_contacts else None,
            )
            for answer in answers[: limit - len(found)]
        ]
        if len(found) >= limit:
            break
    return found


def officer_figures(*, scope: Scope, period: Period, slice: Slice = Slice()) -> list[OfficerFigures]:
    """Responses and index per civil servant who resolved a dossier of the scope in the period, lowest index first.

    Only issued surveys name a dossier, so only they count here (and none when `slice` keeps another channel).
    """
    if slice.channel not in (None, Response.Channel.ISSUED):
        return []
    names = (
        Dossier.objects.filter(unit_id__in=scope.unit_ids, resolved__gte=period.start, resolved__lte=period.end)
        .exclude(officer="")
        .values_list("officer", flat=True)
        .distinct()
        .order_by("officer")
    )
    # Only issued surveys name a dossier: paper ballots are left out before anything is joined.
    issued = dataclasses.replace(slice, channel=Response.Channel.ISSUED)
    found = indices_by(scope=scope, period=period, by="officer", slice=issued)
    none = GroupIndex(responses=0, index=None)
    rows = [OfficerFigures(name, found.get(name, none).responses, found.get(name, none).index) for name in names]
    return sorted(rows, key=lambda row: (row.index is None, row.index or 0, row.name))


def _contact(response) -> Contact | None:
    contact = getattr(response, "contact", None)
    if contact is None:
        return None
    return Contact(response_id=response.pk, name=contact.name, address=contact.address, phone=contact.phone)
