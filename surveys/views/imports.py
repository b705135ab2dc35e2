"""Import typed-in paper ballots from an XLSX file, and download each form's empty file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from surveys.forms.imports import BallotImportForm, templates_for_import
from surveys.models import FormTemplate
from surveys.permissions import get_unit_with, units_with
from surveys.selectors import CURRENT_FIRST
from surveys.services.imports import BallotsImportError, ballots_import
from surveys.services.templates_xlsx import ballot_template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A file with thousands of bad cells would make a page nobody reads; the count still says how many.
MAX_SHOWN = 50


@login_required
def ballot_import(request):
    units = units_with(request.user, "ballots.import").order_by(CURRENT_FIRST, "path")
    code = request.POST.get("unit") or request.GET.get("unit")
    unit = get_unit_with(request.user, "ballots.import", code) if code else units.first()
    if unit is None:
        raise Http404
    form = BallotImportForm(request.POST or None, request.FILES or None, units=units, unit=unit)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = ballots_import(
                actor=request.user,
                unit=form.cleaned_data["unit"],
                template=form.cleaned_data["template"],
                file=upload,
                filename=upload.name,
            )
        except BallotsImportError as error:
            problems = error.problems
            form.add_error("file", _("Tệp có %(count)d lỗi, xem danh sách bên dưới.") % {"count": len(problems)})
        else:
            messages.success(
                request,
                _("Đã nhập %(count)d phiếu từ tệp %(file)s vào lô #%(batch)d của %(unit)s.")
                % {"count": result.count, "file": upload.name, "batch": result.batch.pk, "unit": unit.name},
            )
            return redirect("batch_detail", pk=result.batch.pk)
    context = {
        "form": form,
        "templates": templates_for_import(unit),
        "problems": problems[:MAX_SHOWN],
        "more_problems": max(0, len(problems) - MAX_SHOWN),
    }
    return render(request, "surveys/ballot_import.html", context, status=400 if form.errors else 200)


@login_required
def ballot_import_template(request, code):
    template = _get_template_for_user(request.user, code)
    version = template.current_version()
    if version is None:
        raise Http404
    return HttpResponse(
        ballot_template_xlsx(version),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="phieu-{template.code}.xlsx"'},
    )


def _get_template_for_user(user, code: str) -> FormTemplate:
    """A form that some unit the user types ballots for may use; 404 otherwise."""
    template = get_object_or_404(FormTemplate.objects.select_related("unit"), code=code)
    units = units_with(user, "ballots.import")
    if not template.is_official:
        units = units.filter(path__startswith=template.unit.path)
    if not units.exists():
        raise Http404
    return template
