"""Reads behind the results pages: the index figures plus what a head reads beside them.

Every read takes a Scope built from a unit the caller may read results of (surveys.permissions);
contact details and figures per civil servant are for the unit head only.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from reports.index import Figures, GroupIndex, QuestionFigures, Scope, Slice, figures, indices_by, monthly_trend
from reports.periods import Period
from surveys.models import Answer, Dossier, IntegrityAlert, Question, Response, Unit
from surveys.permissions import may, units_with
from surveys.selectors.integrity import alerts_to_acknowledge

COMMENTS_SHOWN = 50
TREND_MONTHS = 12


@dataclass(frozen=True)
class Contact:
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

    @property
    def other_questions(self) -> list[QuestionFigures]:
        """Counted questions without a rate that are neither red flags nor timeliness (what citizens chose)."""
        return [
            question
            for question in self.figures.questions
            if question.rate is None and not question.flags_integrity and question.kind != Question.Kind.TIMELINESS
        ]


def results_for(*, user, unit: Unit, period: Period, subtree: bool) -> Results:
    """The results of `unit` in `period`, with only the extras `user` may see there (surveys.permissions)."""
    scope = Scope.of(unit, subtree=subtree)
    reachable = units_with(user, "results.view")
    result = Results(
        unit=unit,
        period=period,
        subtree=subtree,
        writes_reports=may(user, "reports.write", unit),
        figures=figures(scope=scope, period=period),
        trend=trend_with_year_before(scope=scope, months=period.trailing_months(TREND_MONTHS)),
        comments=comments_for(scope=scope, period=period, with_contacts=may(user, "results.contacts", unit)),
        parent=reachable.filter(pk=unit.parent_id).first(),
        children=list(reachable.filter(parent=unit).order_by("name")),
    )
    # Figures per civil servant feed staff evaluation: the head's alone, as in surveys.selectors.integrity.
    if may(user, "results.officers", unit):
        result.officers = officer_figures(scope=scope, period=period)
    if may(user, "alerts.mark_seen", unit):
        result.alerts = list(alerts_to_acknowledge(user=user).filter(unit_id__in=scope.unit_ids))
    return result


def trend_with_year_before(*, scope: Scope, months: list[Period]) -> list[tuple[Period, float | None, float | None]]:
    """Each month's index beside the same month a year earlier, from one grouped count over both years."""
    earlier = [Period.month(month.start.year - 1, month.start.month) for month in months]
    found = monthly_trend(scope=scope, months=earlier + months)
    now, before = found[len(months) :], found[: len(months)]
    return [(month, index, earlier) for (month, index), (_month, earlier) in zip(now, before, strict=True)]


def comments_for(*, scope: Scope, period: Period, with_contacts: bool = False, limit: int = COMMENTS_SHOWN):
    """Written answers (free text and the "other" option's words) in scope and period, newest first.

    Contact details are read only when asked: they are for the unit head alone ("results.contacts").
    """
    answers = (
        Answer.objects.filter(
            response__unit_id__in=scope.unit_ids,
            response__answered_on__gte=period.start,
            response__answered_on__lte=period.end,
        )
        .filter(Q(question__kind=Question.Kind.TEXT) | Q(question__allows_other=True, value__isnull=False))
        .exclude(text="")
        .select_related("response", "question")
        .order_by("-response__answered_on", "-response_id", "question__position")
    )
    if with_contacts:
        answers = answers.select_related("response__contact")
    return [
        Comment(
            text=answer.text,
            answered_on=answer.response.answered_on,
            channel=answer.response.get_channel_display(),
            question=answer.question.code,
            contact=_contact(answer.response) if with_contacts else None,
        )
        for answer in answers[:limit]
    ]


def officer_figures(*, scope: Scope, period: Period) -> list[OfficerFigures]:
    """Responses and index per civil servant who resolved a dossier of the scope in the period, lowest index first.

    Only issued surveys name a dossier, so only they count here.
    """
    names = (
        Dossier.objects.filter(unit_id__in=scope.unit_ids, resolved__gte=period.start, resolved__lte=period.end)
        .exclude(officer="")
        .values_list("officer", flat=True)
        .distinct()
        .order_by("officer")
    )
    # Only issued surveys name a dossier: paper ballots are left out before anything is joined.
    found = indices_by(scope=scope, period=period, by="officer", slice=Slice(channel=Response.Channel.ISSUED))
    none = GroupIndex(responses=0, index=None)
    rows = [OfficerFigures(name, found.get(name, none).responses, found.get(name, none).index) for name in names]
    return sorted(rows, key=lambda row: (row.index is None, row.index or 0, row.name))


def _contact(response) -> Contact | None:
    contact = getattr(response, "contact", None)
    if contact is None:
        return None
    return Contact(name=contact.name, address=contact.address, phone=contact.phone)
