"""Dates as Vietnamese administrative documents write them."""

import datetime

from django.utils.translation import gettext as _


def vn_date(day: datetime.date) -> str:
    """Spell a date the Nghị định 30/2020 way: "ngày 05 tháng 11 năm 2026"."""
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{day:%d}",
        "month": f"{day:%m}",
        "year": f"{day:%Y}",
    }
