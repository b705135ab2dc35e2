"""The results page of a unit: the index, its factors and questions, comments, and the files to download."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.charts import bar_chart, trend_chart
from reports.periods import ROMAN, Period, PeriodInvalid, parse_period
from reports.selectors import results_for
from surveys.models import Response
from surveys.permissions import get_unit_with, units_with

YEARS_OFFERED = 6


@login_required
def results_home(request):
    """Open the results of the user's first unit for the last complete month."""
    unit = units_with(request.user, "results.view").order_by("path").first()
    if unit is None:
        return render(request, "reports/results_none.html")
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    url = reverse("reports:results", args=[unit.code, Period.month(last_month.year, last_month.month).key])
    return redirect(url + ("?subtree=1" if unit.children.exists() else ""))


@login_required
def results(request, code, period):
    unit = get_unit_with(request.user, "results.view", code)
    subtree = request.GET.get("subtree") == "1"
    if "nam" in request.GET:  # the period picker, which works without a script
        key = f"{request.GET['nam']}-{request.GET['ky']}" if request.GET.get("ky") else request.GET["nam"]
        url = reverse("reports:results", args=[unit.code, _period(key).key])
        return redirect(url + ("?subtree=1" if subtree else ""))
    chosen = _period(period)
    page = results_for(user=request.user, unit=unit, period=chosen, subtree=subtree)
    return render(
        request,
        "reports/results.html",
        {
            "r": page,
            "f": page.figures,
            "factor_chart": bar_chart(
                [(factor.name, factor.index) for factor in page.figures.factors], title=_("Chỉ số theo yếu tố")
            ),
            "trend_chart": trend_chart(
                [(f"{month.start:%m/%Y}", index) for month, index in page.trend],
                title=_("Chỉ số SIPAS 12 tháng"),
            ),
            "picker": _picker(chosen),
            "channels": [(Response.Channel(code).label, count) for code, count in page.figures.channels.items()],
            "change": abs(page.figures.previous.change) if page.figures.previous.change is not None else None,
            "public_month": f"{min(chosen.end, timezone.localdate()):%Y-%m}",
            "downloads": _downloads(chosen),
        },
    )


def _period(key: str) -> Period:
    try:
        chosen = parse_period(key)
    except PeriodInvalid:
        raise Http404 from None
    if chosen.kind == "range":
        raise Http404
    return chosen


def _picker(chosen: Period) -> dict:
    """Choices of the period picker: one select for the month, quarter, nine months or year, one for the year."""
    kinds = [(f"{month:02d}", _("Tháng %(month)d") % {"month": month}) for month in range(1, 13)]
    kinds += [(f"Q{quarter}", _("Quý %(quarter)s") % {"quarter": ROMAN[quarter]}) for quarter in range(1, 5)]
    kinds += [("9T", _("9 tháng")), ("", _("Cả năm"))]
    selected = chosen.key.partition("-")[2]
    this_year = timezone.localdate().year
    years = sorted({*range(this_year - YEARS_OFFERED + 1, this_year + 1), chosen.start.year}, reverse=True)
    return {"kinds": kinds, "selected": selected, "years": years, "year": chosen.start.year}


def _downloads(chosen: Period) -> list[tuple[str, str]]:
    """(kind, name) of the documents this period has: the monthly notice for a month, the annual report for a year."""
    kinds = [("period", _("Báo cáo kết quả kỳ"))]
    if chosen.kind == "month":
        kinds.insert(0, ("notice", _("Thông báo kết quả tháng")))
    if chosen.kind == "year":
        kinds.append(("annual", _("Báo cáo năm")))
    return kinds
