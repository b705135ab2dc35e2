"""Downloads of the reports in PDF, XLSX and DOCX, and the two pages a head fills for them.

Every response of a period is exported as a background job (reports.views.jobs.responses_export).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from reports.builders import annual_report, minutes_document, monthly_notice, period_report
from reports.builders.common import text_of
from reports.forms import ReportTextForm, SurveyPlanForm
from reports.periods import Period, PeriodInvalid, parse_period
from reports.renderers.minutes import BoxOpeningMinutes
from reports.services import plan_save, report_text_save
from reports.writers import FORMATS
from reports.writers import render as render_document
from sipas.db_routing import reads_from_replica
from surveys import selectors
from surveys.models import SurveyPlan
from surveys.permissions import get_unit_with

# Which periods each report is made for.
REPORT_PERIODS = {
    "notice": {"month"},
    "period": {"month", "quarter", "nine_months", "year"},
    "annual": {"year"},
}


def period_or_404(key: str) -> Period:
    try:
        return parse_period(key)
    except PeriodInvalid:
        raise Http404 from None


def _attachment(filename: str, mimetype: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
@reads_from_replica
def report_download(request, code, period, kind, fmt):
    unit = get_unit_with(request.user, "reports.download", code)
    period = period_or_404(period)
    if fmt not in FORMATS or period.kind not in REPORT_PERIODS.get(kind, ()):
        raise Http404
    if kind == "notice":
        document = monthly_notice(unit, period)
    elif kind == "annual":
        document = annual_report(unit, period.start.year)
    else:
        document = period_report(unit, period, subtree=request.GET.get("subtree") == "1")
    return _attachment(*render_document(document, fmt))


@login_required
def minutes_download(request, pk, fmt):
    opening = selectors.get_box_opening_for_user(user=request.user, pk=pk)
    if fmt == "pdf":
        return _attachment(*BoxOpeningMinutes(opening).generate())
    if fmt not in FORMATS:
        raise Http404
    return _attachment(*render_document(minutes_document(opening), fmt))


@login_required
def report_text_edit(request, code, period):
    unit = get_unit_with(request.user, "reports.write", code)
    period = period_or_404(period)
    text = text_of(unit, period)
    form = ReportTextForm(request.POST or None, instance=text)
    if request.method == "POST" and form.is_valid():
        report_text_save(actor=request.user, unit=unit, period=period, form=form)
        messages.success(request, _("Đã lưu nội dung báo cáo %(period)s.") % {"period": period.label})
        return redirect("reports:report_text", code=unit.code, period=period.key)
    return render(
        request,
        "reports/report_text_form.html",
        {"unit": unit, "period": period, "form": form, "kinds": _kinds_for(period), "formats": list(FORMATS)},
    )


@login_required
def plan_edit(request, code, year):
    unit = get_unit_with(request.user, "reports.write", code)
    if not 2015 <= year <= 2100:
        raise Http404
    plan = SurveyPlan.objects.filter(unit=unit, year=year).first()
    form = SurveyPlanForm(request.POST or None, instance=plan, unit=unit, year=year)
    if request.method == "POST" and form.is_valid():
        plan_save(actor=request.user, unit=unit, year=year, form=form)
        messages.success(request, _("Đã lưu kế hoạch khảo sát năm %(year)s.") % {"year": year})
        return redirect("reports:plan", code=unit.code, year=year)
    return render(request, "reports/plan_form.html", {"unit": unit, "year": year, "form": form, "plan": plan})


def _kinds_for(period: Period) -> list[tuple[str, str]]:
    names = {"notice": _("Thông báo kết quả tháng"), "period": _("Báo cáo kỳ"), "annual": _("Phụ lục 2 (báo cáo năm)")}
    return [(kind, names[kind]) for kind, periods in REPORT_PERIODS.items() if period.kind in periods]
