"""The procedure catalogue: browse and search it, suggest while typing ballots, import a province's list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from surveys.forms.catalogue import ProcedureImportForm
from surveys.models import Procedure
from surveys.scoping import get_unit_for_user, units_for_user
from surveys.services.catalogue import CatalogueInvalid, import_template, procedures_import, provinces_importable_by
from surveys.text import fold

PAGE_SIZE = 100
# A file with thousands of bad cells would make a page nobody reads; the count still says how many.
MAX_SHOWN = 50
SUGGESTIONS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def procedure_list(request):
    text = request.GET.get("q", "").strip()
    level = request.GET.get("cap", "")
    procedures = _catalogue_for(request.user)
    if text:
        procedures = procedures.search(text)
    if level in Procedure.Level.values:
        procedures = procedures.filter(level=level)
    procedures = procedures.select_related("field", "province").order_by("field__name", "name", "level")
    return render(
        request,
        "surveys/procedure_list.html",
        {
            "q": text,
            "level": level,
            "levels": Procedure.Level.choices,
            "page": Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("trang")),
            "can_import": provinces_importable_by(request.user).exists(),
        },
    )


@login_required
def procedure_suggest(request):
    """Up to 20 procedures of the unit's catalogue for the typing screen: the code first, then names."""
    unit = get_unit_for_user(request.user, request.GET.get("unit", ""))
    text = request.GET.get("q", "").strip()
    rank = Case(
        When(code__iexact=text, then=Value(0)),
        When(search_name__startswith=fold(text), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    found = (
        Procedure.objects.available_to(unit)
        .search(text)
        .select_related("field")
        .annotate(rank=rank)
        .order_by("rank", "search_name")[:SUGGESTIONS]
    )
    results = [
        {"id": procedure.pk, "code": procedure.code, "name": procedure.name, "field": procedure.field.name}
        for procedure in found
    ]
    return JsonResponse({"results": results})


@login_required
def procedure_import(request):
    provinces = _importable_or_404(request.user)
    if request.POST.get("province"):
        get_object_or_404(provinces, code=request.POST["province"])
    is_post = request.method == "POST"
    form = ProcedureImportForm(
        request.POST if is_post else None, request.FILES if is_post else None, provinces=provinces
    )
    problems = []
    if is_post and form.is_valid():
        province, upload = form.cleaned_data["province"], form.cleaned_data["file"]
        try:
            result = procedures_import(actor=request.user, province=province, file=upload, filename=upload.name)
        except CatalogueInvalid as error:
            problems = error.problems
            form.add_error("file", _("Tệp có %(count)d lỗi, xem danh sách bên dưới.") % {"count": len(problems)})
        else:
            messages.success(
                request,
                _(
                    "Đã nhập %(total)s thủ tục của %(province)s: %(created)s thêm mới, "
                    "%(updated)s cập nhật, %(unchanged)s không đổi."
                )
                % {
                    "total": result.total,
                    "province": province.name,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("procedure_list")
    context = {
        "form": form,
        "problems": problems[:MAX_SHOWN],
        "problem_count": len(problems),
        "more_problems": max(0, len(problems) - MAX_SHOWN),
    }
    return render(request, "surveys/procedure_import.html", context, status=400 if form.errors else 200)


@login_required
def procedure_template(request):
    _importable_or_404(request.user)
    response = HttpResponse(import_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-danh-muc-thu-tuc.xlsx"'
    return response


def _catalogue_for(user):
    """The national catalogue plus the own lists of the provinces the user's units belong to."""
    paths = units_for_user(user).values_list("path", flat=True)
    provinces = {path.strip("/").split("/")[0] for path in paths}
    return Procedure.objects.filter(Q(province__isnull=True) | Q(province__code__in=provinces))


def _importable_or_404(user):
    provinces = provinces_importable_by(user)
    if not provinces.exists():
        raise Http404
    return provinces
