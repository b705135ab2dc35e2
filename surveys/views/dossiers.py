"""Resolved dossiers: list, add, import, monthly counts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from surveys.forms.dossiers import DossierFilterForm, DossierForm, DossierImportForm, ResolvedCountForm
from surveys.models import Dossier
from surveys.permissions import get_unit_with, holds, units_with
from surveys.scoping import get_unit_for_user, units_for_user
from surveys.selectors import CURRENT_FIRST
from surveys.selectors import dossiers as selectors
from surveys.services.dossiers import DossiersImportError, dossier_register, dossiers_import, resolved_count_set
from surveys.services.templates_xlsx import dossier_template_xlsx
from surveys.views.issuing import COUNTER_SESSION_KEY, issue_and_show

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A file with thousands of bad cells would make a page nobody reads; the count still says how many.
MAX_SHOWN = 50
# Past this many units (a system administrator) the unit is chosen by ?don-vi=CODE, not from a list.
MAX_SWITCH = 200


@login_required
def dossier_list(request):
    units = units_for_user(request.user)
    if not units.exists():
        raise Http404
    filters = DossierFilterForm(request.GET or None)
    dossiers = selectors.dossiers_for_user(user=request.user, **filters.filters())
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("trang"))
    recorder_units = units_with(request.user, "dossiers.record")
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request,
        "surveys/dossier_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_record": recorder_units.exists(),
            "issuable": set(
                recorder_units.filter(pk__in={d.unit_id for d in page.object_list}).values_list("pk", flat=True)
            ),
            "several_units": len(units[:2]) > 1,
            "State": selectors.SurveyState,
        },
    )


@login_required
def dossier_create(request):
    units = units_with(request.user, "dossiers.record").current().order_by("path")
    if not units.exists():
        raise Http404
    counters = selectors.counters_of(units=units)
    remembered = counters.filter(pk=request.session.get(COUNTER_SESSION_KEY)).first()
    form = DossierForm(request.POST or None, units=units, counters=counters, counter=remembered)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        dossier, created = dossier_register(
            unit=unit, data=form.dossier_data, source=Dossier.Source.MANUAL, actor=request.user
        )
        if created and form.cleaned_data["issue_now"]:
            return issue_and_show(request, dossier, form.cleaned_data.get("counter"))
        if created:
            messages.success(request, _("Đã ghi hồ sơ %(code)s.") % {"code": dossier.code})
            return redirect("dossier_detail", pk=dossier.pk)
        form.add_error(
            "dossier_code",
            _("Hồ sơ mã %(code)s đã có ở %(unit)s (giải quyết ngày %(day)s); không ghi lại.")
            % {"code": dossier.code, "unit": unit.name, "day": f"{dossier.resolved:%d/%m/%Y}"},
        )
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/dossier_form.html", {"form": form}, status=status)


@login_required
def dossier_detail(request, pk):
    dossier = selectors.get_dossier_for_user(user=request.user, pk=pk)
    may_issue = units_with(request.user, "dossiers.record").filter(pk=dossier.unit_id).exists()
    survey = dossier.survey if dossier.survey_state != selectors.SurveyState.NONE else None
    return render(
        request,
        "surveys/dossier_detail.html",
        {"dossier": dossier, "survey": survey, "may_issue": may_issue, "State": selectors.SurveyState},
    )


@login_required
def dossier_import(request):
    units = units_with(request.user, "dossiers.record").order_by(CURRENT_FIRST, "path")
    if not units.exists():
        raise Http404
    form = DossierImportForm(request.POST or None, request.FILES or None, units=units)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        unit, upload = form.cleaned_data["unit"], form.cleaned_data["file"]
        try:
            result = dossiers_import(actor=request.user, unit=unit, file=upload)
        except DossiersImportError as error:
            problems = error.problems
            form.add_error("file", _("Tệp có %(count)d lỗi, xem danh sách bên dưới.") % {"count": len(problems)})
        else:
            messages.success(
                request,
                _("Đã nhập %(created)d hồ sơ, %(existing)d hồ sơ đã có được giữ nguyên (%(unit)s, tệp %(file)s).")
                % {"created": result.created, "existing": result.existing, "unit": unit.name, "file": upload.name},
            )
            return redirect("dossier_list")
    context = {"form": form, "problems": problems[:MAX_SHOWN], "more_problems": max(0, len(problems) - MAX_SHOWN)}
    return render(request, "surveys/dossier_import.html", context, status=400 if form.errors else 200)


@login_required
def dossier_import_template(request):
    if not holds(request.user, "dossiers.record"):
        raise Http404
    return HttpResponse(
        dossier_template_xlsx(),
        content_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="mau-nhap-ho-so.xlsx"'},
    )


@login_required
def resolved_counts(request):
    """Enter a month's count of resolved dossiers; list the last twelve months beside the dossiers registered."""
    recorder_units = units_with(request.user, "dossiers.record").order_by(CURRENT_FIRST, "path")
    if request.method == "POST":
        unit = get_unit_with(request.user, "dossiers.record", request.POST.get("unit", ""))
    elif code := request.GET.get("don-vi"):
        unit = get_unit_for_user(request.user, code)
    else:
        unit = recorder_units.first() or units_for_user(request.user).order_by(CURRENT_FIRST, "path").first()
    if unit is None:
        raise Http404
    form = ResolvedCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = resolved_count_set(actor=request.user, unit=unit, **form.cleaned_data)
        messages.success(
            request,
            _("Đã ghi %(count)d hồ sơ đã giải quyết trong tháng %(month)s của %(unit)s.")
            % {"count": record.count, "month": f"{record.month:%m/%Y}", "unit": unit.name},
        )
        return redirect(f"{reverse('resolved_counts')}?don-vi={unit.code}")
    switch = list(recorder_units[: MAX_SWITCH + 1])
    return render(
        request,
        "surveys/resolved_counts.html",
        {
            "unit": unit,
            "form": form,
            "may_enter": recorder_units.filter(pk=unit.pk).exists(),
            "recorder_units": switch if 1 < len(switch) <= MAX_SWITCH else [],
            "months": selectors.resolved_months_of(unit=unit),
        },
        status=400 if request.method == "POST" else 200,
    )
