"""The period in a results or comparison URL, and the picker that chooses it without a script."""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.periods import ROMAN, Period, PeriodInvalid, parse_period

YEARS_OFFERED = 6


def period_or_404(key: str) -> Period:
    """A month, quarter, nine months or year written as the URLs write them (years parse_period allows), else 404."""
    try:
        chosen = parse_period(key)
    except PeriodInvalid:
        raise Http404 from None
    if chosen.kind == "range":
        raise Http404
    return chosen


def picked_period(query) -> Period | None:
    """The period chosen in the picker (?nam=2026&ky=Q4), or None when the picker was not used."""
    if "nam" not in query:
        return None
    return period_or_404(f"{query['nam']}-{query['ky']}" if query.get("ky") else query["nam"])


def last_month() -> Period:
    """The last complete month: what a results or comparison page opens on."""
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return Period.month(day.year, day.month)


def ranking_period() -> Period:
    """What a comparison opens on: units are ranked on a year (as the Ministry ranks provinces).

    This year so far once a quarter of it is over (labelled provisional), else last year, whole.
    """
    today = timezone.localdate()
    return Period.year(today.year if today.month > 3 else today.year - 1)


def picker(chosen: Period) -> dict:
    """Choices of the period picker: one select for the month, quarter, nine months or year, one for the year."""
    kinds = [(f"{month:02d}", _("Tháng %(month)d") % {"month": month}) for month in range(1, 13)]
    kinds += [(f"Q{quarter}", _("Quý %(quarter)s") % {"quarter": ROMAN[quarter]}) for quarter in range(1, 5)]
    kinds += [("9T", _("9 tháng")), ("", _("Cả năm"))]
    selected = chosen.key.partition("-")[2]
    this_year = timezone.localdate().year
    years = sorted({*range(this_year - YEARS_OFFERED + 1, this_year + 1), chosen.start.year}, reverse=True)
    return {"kinds": kinds, "selected": selected, "years": years, "year": chosen.start.year}
