"""Writes of the reports app: a unit's plan and a report's written sections, each audited."""

from django.db import transaction

from reports.models import ReportText
from reports.periods import Period
from surveys.audit import log_action
from surveys.models import SurveyPlan, Unit


@transaction.atomic
def plan_save(*, actor, unit: Unit, year: int, form) -> SurveyPlan:
    """Store the plan of `unit` for `year` from a valid SurveyPlanForm."""
    plan = form.save(commit=False)
    plan.unit, plan.year, plan.updated_by = unit, year, actor
    plan.save()
    form.save_m2m()
    log_action(actor=actor, action="reports.plan.saved", unit=unit, target=plan, data={"year": year})
    return plan


@transaction.atomic
def report_text_save(*, actor, unit: Unit, period: Period, form) -> ReportText:
    """Store the head's sections of the report of `unit` for `period` from a valid ReportTextForm."""
    text = form.save(commit=False)
    text.unit, text.starts, text.ends, text.updated_by = unit, period.start, period.end, actor
    text.save()
    log_action(actor=actor, action="reports.text.saved", unit=unit, target=text, data={"period": period.key})
    return text
