"""The results page of a unit, and its drill-down into one factor and one question.

The path goes country → province → commune or department (the comparison pages) →
its factors and questions → one question's answers, by procedure, field, civil servant
and unit below. Breadcrumbs lead back up to whatever the reader may read.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import charts
from reports.comparison import NATIONAL
from reports.drilldown import factor_detail, question_detail, question_of, reachable_ancestors
from reports.index import Scope, Slice
from reports.pictures import ranked_items
from reports.selectors import results_for
from reports.views.periods import last_month, period_or_404, picked_period, picker
from sipas.db_routing import reads_from_replica
from surveys.models import Dossier, Factor, FormTemplate, Procedure, ProcedureField, Response
from surveys.permissions import get_unit_with, holds, home_units_with, may, units_with


@login_required
@reads_from_replica
def results_home(request):
    """Open the results of the user's own unit for the last complete month (the country's comparison if none)."""
    unit = home_units_with(request.user, "results.view").order_by("path").first()
    if unit is None and holds(request.user, "compare.national"):
        return redirect("reports:comparison_home")
    if unit is None:
        return render(request, "reports/results_none.html")
    return results_latest(request, unit.code)


@login_required
@reads_from_replica
def results_latest(request, code):
    """A unit's results for the last complete month, its units below included if it has any (links from "Đơn vị")."""
    unit = get_unit_with(request.user, "results.view", code)
    url = reverse("reports:results", args=[unit.code, last_month().key])
    return redirect(url + ("?subtree=1" if unit.children.exists() else ""))


@login_required
@reads_from_replica
def results(request, code, period):
    unit = get_unit_with(request.user, "results.view", code)
    subtree = request.GET.get("subtree") == "1"
    picked = picked_period(request.GET)
    if picked is not None:  # the period picker, which works without a script
        return redirect(reverse("reports:results", args=[unit.code, picked.key]) + ("?subtree=1" if subtree else ""))
    chosen = period_or_404(period)
    choices = _slice_choices(request.user, unit, chosen, subtree)
    narrowed = _slice_or_404(request.GET, choices)
    page = results_for(user=request.user, unit=unit, period=chosen, subtree=subtree, slice=narrowed)
    found = page.figures
    return render(
        request,
        "reports/results.html",
        {
            "r": page,
            "f": found,
            "breadcrumbs": _breadcrumbs(request.user, unit, chosen, subtree),
            "compares": page.children and holds(request.user, "compare.view"),
            "factor_chart": charts.bar_chart(
                [(factor.name, factor.index) for factor in found.factors], title=_("Chỉ số theo yếu tố")
            ),
            "trend_chart": charts.trend_chart(
                [(f"{month.start:%m/%Y}", index) for month, index, _before in page.trend],
                previous=[before for _month, _index, before in page.trend],
                current_label=_("12 tháng đến %(month)s") % {"month": f"{page.trend[-1][0].start:%m/%Y}"},
                previous_label=_("cùng kỳ năm trước"),
                title=_("Chỉ số SIPAS 12 tháng"),
            ),
            "distribution_chart": _distribution_chart(found.scored),
            "picker": picker(chosen),
            "channels": [(Response.Channel(code).label, count) for code, count in found.channels.items()],
            "change": abs(found.previous.change) if found.previous.change is not None else None,
            "public_month": f"{min(chosen.end, timezone.localdate()):%Y-%m}",
            "downloads": _downloads(chosen),
            "filters": [
                {
                    "name": name,
                    "label": label,
                    "options": [(str(value), text) for value, text in choices[name]],
                    "current": request.GET.get(name, ""),
                }
                for name, label in _filter_labels()
                if choices[name]
            ],
            "narrowed": any(request.GET.get(name) for name in SLICE_PARAMETERS),
        },
    )


# The query parameters that narrow a results page: each is checked against the choices the page offers.
SLICE_PARAMETERS = ("channel", "form", "field", "procedure", "officer")


def _filter_labels() -> list[tuple[str, str]]:
    return [
        ("channel", _("Kênh")),
        ("form", _("Mẫu phiếu")),
        ("field", _("Lĩnh vực")),
        ("procedure", _("Thủ tục")),
        ("officer", _("Công chức giải quyết")),
    ]


def _slice_choices(user, unit, period, subtree: bool) -> dict:
    """What the results page may be narrowed to: channels, forms, fields and procedures, civil servants (the head's)."""
    scope = Scope.of(unit, subtree=subtree)
    procedures = Procedure.objects.available_to(unit).select_related("field").order_by("field__name", "name")
    officers = []
    if may(user, "results.officers", unit):
        officers = list(
            Dossier.objects.filter(unit_id__in=scope.unit_ids, resolved__gte=period.start, resolved__lte=period.end)
            .exclude(officer="")
            .values_list("officer", flat=True)
            .distinct()
            .order_by("officer")
        )
    return {
        "channel": Response.Channel.choices,
        "form": list(
            (FormTemplate.objects.filter(unit__isnull=True) | FormTemplate.objects.filter(unit__in=scope.unit_ids))
            .order_by("code")
            .values_list("code", "name")
        ),
        "field": list(
            ProcedureField.objects.filter(procedures__in=procedures)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        ),
        "procedure": [(procedure.pk, procedure.name) for procedure in procedures],
        "officer": [(name, name) for name in officers],
    }


def _slice_or_404(query, choices: dict) -> Slice:
    """The Slice the query asks for; a value the page does not offer is 404 and never reaches SQL."""
    picked = {}
    for name in SLICE_PARAMETERS:
        value = query.get(name, "")
        if value:
            offered = {str(key) for key, _label in choices[name]}
            if value not in offered:
                raise Http404
            picked[name] = value
    return Slice(
        channel=picked.get("channel"),
        form=FormTemplate.objects.get(code=picked["form"]) if "form" in picked else None,
        field=ProcedureField.objects.get(pk=picked["field"]) if "field" in picked else None,
        procedure=Procedure.objects.get(pk=picked["procedure"]) if "procedure" in picked else None,
        officer=picked.get("officer"),
    )


@login_required
@reads_from_replica
def factor(request, code, period, factor):
    unit = get_unit_with(request.user, "results.view", code)
    if factor not in Factor.values:
        raise Http404
    chosen = period_or_404(period)
    subtree = request.GET.get("subtree") == "1"
    detail = factor_detail(user=request.user, unit=unit, period=chosen, subtree=subtree, factor=Factor(factor))
    crumbs = _breadcrumbs(request.user, unit, chosen, subtree, below=True)
    return render(
        request,
        "reports/factor.html",
        {
            "d": detail,
            "breadcrumbs": [*crumbs, (str(Factor(factor).label), "")],
            "subtree_query": "?subtree=1" if subtree else "",
            "ranking_chart": _ranking_chart(detail.units, _("Xếp hạng các đơn vị trực thuộc theo yếu tố")),
        },
    )


@login_required
@reads_from_replica
def question(request, code, period, template, question):
    unit = get_unit_with(request.user, "results.view", code)
    chosen = period_or_404(period)
    subtree = request.GET.get("subtree") == "1"
    # The built-in forms and the forms of units the reader reaches; any other form "does not exist".
    forms = FormTemplate.objects.filter(unit__isnull=True) | FormTemplate.objects.filter(
        unit__in=units_with(request.user, "results.view")
    )
    form = forms.filter(code=template).first()
    asked = question_of(template=form, code=question) if form else None
    if asked is None:
        raise Http404
    detail = question_detail(user=request.user, unit=unit, period=chosen, subtree=subtree, template=form, asked=asked)
    crumbs = _breadcrumbs(request.user, unit, chosen, subtree, below=True)
    if asked.factor:
        url = reverse("reports:factor", args=[unit.code, chosen.key, asked.factor]) + ("?subtree=1" if subtree else "")
        crumbs.append((str(Factor(asked.factor).label), url))
    asked_question = detail.question
    return render(
        request,
        "reports/question.html",
        {
            "d": detail,
            "q": asked_question,
            "breadcrumbs": [*crumbs, (asked.numbered, "")],
            "distribution_chart": _distribution_chart([asked_question]) if asked_question else "",
            "breakdowns": [
                (_("Theo thủ tục hành chính"), _("Thủ tục"), detail.by_procedure, "by-procedure"),
                (_("Theo lĩnh vực"), _("Lĩnh vực"), detail.by_field, "by-field"),
                (
                    _("Theo công chức giải quyết (phiếu phát theo hồ sơ)"),
                    _("Công chức"),
                    detail.by_officer,
                    "by-officer",
                ),
            ],
            "ranking_chart": _ranking_chart(detail.units, _("Xếp hạng các đơn vị trực thuộc theo câu hỏi")),
        },
    )


def _breadcrumbs(user, unit, period, subtree: bool, *, below: bool = False) -> list[tuple[str, str]]:
    """(name, url) from the country or the highest unit the reader reaches down to `unit` (no link when it is last)."""
    crumbs = []
    if holds(user, "compare.national"):
        crumbs.append((_("Toàn quốc"), reverse("reports:comparison", args=[NATIONAL, period.key])))
    for ancestor in reachable_ancestors(user=user, unit=unit):
        crumbs.append((ancestor.name, reverse("reports:results", args=[ancestor.code, period.key]) + "?subtree=1"))
    own = reverse("reports:results", args=[unit.code, period.key]) + ("?subtree=1" if subtree else "")
    crumbs.append((unit.name, own if below else ""))
    return crumbs


def _distribution_chart(questions) -> str:
    """The answers of each scale question, 5 → 1, as stacked bars."""
    rows = [
        (question.key, [(share.label, share.count) for share in question.distribution])
        for question in questions
        if question.rate is not None
    ]
    return charts.distribution_chart(rows, title=_("Phân bố câu trả lời")) if rows else ""


def _ranking_chart(comparison, title: str) -> str:
    items = ranked_items(comparison)
    if not items:
        return ""
    return charts.ranking_chart(
        items,
        title=title,
        note=_("Cùng hình đánh dấu là cùng nhóm: khoảng tin cậy chồng nhau, không phân biệt được hơn kém."),
    )


def _downloads(chosen) -> list[tuple[str, str]]:
    """(kind, name) of the documents this period has: the monthly notice for a month, the annual report for a year."""
    kinds = [("period", _("Báo cáo kết quả kỳ"))]
    if chosen.kind == "month":
        kinds.insert(0, ("notice", _("Thông báo kết quả tháng")))
    if chosen.kind == "year":
        kinds.append(("annual", _("Báo cáo năm")))
    return kinds
