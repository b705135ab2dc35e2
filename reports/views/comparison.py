"""Compare and rank the units under one unit, or the provinces of the country: the table, its pictures, its files."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from reports import charts
from reports.comparison import (
    ASCENDING_BY_DEFAULT,
    NATIONAL,
    SHORT_FACTORS,
    SORTS,
    Filters,
    compare_units,
    divisions_of,
)
from reports.jobs.kinds import Comparison
from reports.jobs.services import job_start
from reports.pictures import heatmap_rows, ranked_items
from reports.views.periods import last_month, period_or_404, picked_period, picker, ranking_period
from sipas.db_routing import reads_from_replica
from surveys.models import FormTemplate, Response, Unit
from surveys.permissions import get_unit_with, holds, home_units_with, units_with
from surveys.text import fold

# Column headers short enough for a table of fifteen columns; the full names are in each header's title.
SHORT_CHANNELS = {"paper": _lazy("Giấy"), "issued": _lazy("Phát phiếu"), "online": _lazy("Trực tuyến")}
# The query parameters a comparison keeps from one view of it to the next (sorting, filters).
KEPT = ("kind", "form", "channel", "sort", "order")
EXPORTS = ("xlsx", "pdf")


@login_required
@reads_from_replica
def comparison_home(request):
    """The comparison wanted first: the country for a national reader, else their highest unit with units below."""
    if holds(request.user, "compare.national"):
        return redirect("reports:comparison", NATIONAL, ranking_period().key)
    roots = home_units_with(request.user, "compare.view").order_by("path")
    root = next((unit for unit in roots if unit.children.exists()), None)
    if root is None:
        return render(request, "reports/comparison_none.html", {"units": roots, "period": last_month()})
    return redirect("reports:comparison", root.code, ranking_period().key)


@login_required
@reads_from_replica
def comparison_latest(request, code):
    """The units under one unit compared on the period ranks are made on (links from "Đơn vị")."""
    root = _root_or_404(request.user, code)
    return redirect("reports:comparison", root.code if root else NATIONAL, ranking_period().key)


@login_required
@reads_from_replica
def comparison(request, code, period):
    root = _root_or_404(request.user, code)
    picked = picked_period(request.GET)
    if picked is not None:  # the picker, which works without a script; filters and sorting stay
        query = QueryDict(mutable=True)
        query.update({name: request.GET[name] for name in KEPT if request.GET.get(name)})
        url = reverse("reports:comparison", args=[code, picked.key])
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    chosen = period_or_404(period)
    if root is not None and not root.children.exists():
        return render(request, "reports/comparison_none.html", {"units": [root], "period": last_month()})
    filters, sort, descending = _options(request, root)
    table = compare_units(root=root, period=chosen, filters=filters, sort=sort, descending=descending)
    units = [row.unit for row in table.rows]
    with_children = set(Unit.objects.filter(parent__in=units).values_list("parent_id", flat=True))
    # Units without a single response in the period are named under the table, not given a row of dashes.
    lines = [_line(row, table, with_children) for row in table.rows if row.figures.responses]
    return render(
        request,
        "reports/comparison.html",
        {
            "table": table,
            "code": code,
            "national": root is None,
            "breadcrumbs": _breadcrumbs(request.user, root, chosen),
            "picker": picker(chosen),
            "lines": lines,
            "silent": sorted(
                (row.unit for row in table.rows if not row.figures.responses), key=lambda unit: fold(unit.name)
            ),
            "kinds": divisions_of(_candidates(root)),
            "forms": _forms(request.user, root),
            "channels": Response.Channel.choices,
            "columns": _columns(table, request.GET),
            "download_query": _query(request.GET, sorting=True),
            "ranking_chart": _ranking_chart(table),
            "heatmap": _heatmap(table),
            "exports": EXPORTS,
            "several_groups": table.groups > 1,
        },
    )


@login_required
@require_POST
def comparison_download(request, code, period, fmt):
    """The table as PDF or XLSX, made as a background job (a province's PDF takes seconds): its page follows.

    The filters and sorting come in the query string, as on the page, and are checked before anything is recorded.
    """
    root = _root_or_404(request.user, code)
    if fmt not in EXPORTS:
        raise Http404
    chosen = period_or_404(period)
    _options(request, root)
    params = Comparison.params(period=chosen, fmt=fmt, query=request.GET)
    job = job_start(actor=request.user, kind=Comparison.code, unit=root, params=params)
    return redirect("reports:job", key=job.key)


def _line(row, table, with_children: set) -> dict:
    """One row of the table as the template prints it: numbers written the reader's way, links made once."""
    result, key = row.figures, table.period.key
    change = result.previous.change if result.previous else None
    below = row.unit.pk in with_children
    return {
        "row": row,
        "results_url": reverse("reports:results", args=[row.unit.code, key]) + ("?subtree=1" if below else ""),
        "compare_url": reverse("reports:comparison", args=[row.unit.code, key]) if below else "",
        "channels": [result.channels[channel] for channel in Response.Channel.values],
        "coverage": _percent(result.coverage.rate if result.coverage else None),
        "index": _percent(result.index),
        "interval": f"{_number(result.index_low, 1)}–{_number(result.index_high, 1)}" if result.index_low else "",
        "factors": [_number(result.factor(code)) for code, _label in table.factors],
        "change": "—"
        if change is None
        else ("▲ " if change > 0 else "▼ " if change < 0 else "= ") + _number(abs(change)),
    }


def _number(value: float | None, places: int = 2) -> str:
    return "—" if value is None else number_format(value, decimal_pos=places)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{_number(value)}%"


def _root_or_404(user, code: str) -> Unit | None:
    """The unit whose units are compared (None: the country), if `user` may compare it; else 404."""
    if code == NATIONAL:
        if not holds(user, "compare.national"):
            raise Http404
        return None
    return get_unit_with(user, "compare.view", code)


def _options(request, root: Unit | None) -> tuple[Filters, str, bool | None]:
    """Filters and sorting from the query, each checked against a fixed list: anything else is 404."""
    query = request.GET
    kind = query.get("kind", "")
    if kind and kind not in {value for value, _label in divisions_of(_candidates(root))}:
        raise Http404
    channel = query.get("channel", "")
    if channel and channel not in Response.Channel.values:
        raise Http404
    form = None
    if query.get("form"):
        form = _forms(request.user, root).filter(code=query["form"]).first()
        if form is None:
            raise Http404
    sort = query.get("sort", "rank")
    order = query.get("order", "")
    if sort not in SORTS or order not in {"", "asc", "desc"}:
        raise Http404
    descending = {"asc": False, "desc": True}.get(order)
    return Filters(kind=kind, form=form, channel=channel), sort, descending


def _candidates(root: Unit | None):
    return Unit.objects.filter(parent=root) if root else Unit.objects.filter(parent__isnull=True)


def _forms(user, root: Unit | None):
    """The forms a filter may name: the built-in ones and those of units the user reaches."""
    own = FormTemplate.objects.filter(unit__in=units_with(user, "compare.view"))
    return (FormTemplate.objects.filter(unit__isnull=True) | own).order_by("unit__path", "code")


def _breadcrumbs(user, root: Unit | None, period) -> list[tuple[str, str]]:
    """(name, url) from the top the user may compare down to the root; the root itself comes last, without a link."""
    crumbs = []
    if holds(user, "compare.national"):
        crumbs.append((_("Toàn quốc"), reverse("reports:comparison", args=[NATIONAL, period.key])))
    if root is not None:
        reachable = set(
            units_with(user, "compare.view").filter(code__in=root.ancestor_codes).values_list("code", flat=True)
        )
        for ancestor in Unit.objects.filter(code__in=root.ancestor_codes).order_by("path"):
            if ancestor.code in reachable:
                crumbs.append((ancestor.name, reverse("reports:comparison", args=[ancestor.code, period.key])))
        crumbs.append((root.name, ""))
    else:
        crumbs[-1] = (crumbs[-1][0], "")
    return crumbs


def _query(query, *, sorting: bool = False) -> str:
    """The filters (and the sorting, if asked) of the current view as a query string, for links that keep them."""
    kept = QueryDict(mutable=True)
    kept.update({name: query[name] for name in (KEPT if sorting else KEPT[:3]) if query.get(name)})
    return kept.urlencode()


def _columns(table, query) -> list[dict]:
    """The sortable headers: each links to the table sorted by it, the other way round when it is the sort now."""
    names = [("rank", _("Hạng"), ""), ("name", _("Đơn vị"), ""), ("responses", _("Số phiếu"), "")]
    names += [(value, SHORT_CHANNELS[value], label) for value, label in Response.Channel.choices]
    names += [("coverage", _("Phiếu / hồ sơ"), _("Tỷ lệ phiếu trên hồ sơ đã giải quyết"))]
    names += [("index", _("Chỉ số SIPAS"), _("Chỉ số SIPAS và khoảng tin cậy 95%"))]
    names += [(code, SHORT_FACTORS[code], label) for code, label in table.factors]
    names += [("change", _("Thay đổi"), _("Thay đổi chỉ số so với kỳ trước (điểm phần trăm)"))]
    columns = []
    for key, label, title in names:
        current = table.sort == key
        descending = not table.descending if current else key not in ASCENDING_BY_DEFAULT
        filters = _query(query)
        order = f"sort={key}&order={'desc' if descending else 'asc'}"
        columns.append(
            {
                "key": key,
                "label": label,
                "title": title,
                "url": f"?{filters}&{order}" if filters else f"?{order}",
                "aria_sort": ("descending" if table.descending else "ascending") if current else "",
            }
        )
    return columns


def _ranking_chart(table) -> str:
    items = ranked_items(table)
    if not items:
        return ""
    return charts.ranking_chart(
        items,
        title=_("Xếp hạng chỉ số SIPAS, khoảng tin cậy 95%"),
        width_mm=180,
        note=_("Cùng hình đánh dấu là cùng nhóm: khoảng tin cậy chồng nhau, không phân biệt được hơn kém."),
    )


def _heatmap(table) -> str:
    rows, columns = heatmap_rows(table)
    if not rows or not columns:
        return ""
    return charts.heatmap(rows, columns, title=_("Chỉ số theo yếu tố (%)"), width_mm=200)
