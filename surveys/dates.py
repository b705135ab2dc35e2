"""Dates as Vietnamese offices write them: dd/mm/yyyy."""

import datetime
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

# Ballots older than this are a typo in the year, not history.
EARLIEST = datetime.date(2000, 1, 1)
# Nor is a year after this one a plan: it is a typo too, and "the month after" must stay in the calendar.
LATEST = datetime.date(2100, 12, 31)
_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_day(value: Any, *, today: datetime.date | None = None, what: str | None = None) -> datetime.date:
    """A day written dd/mm/yyyy (or an Excel date cell), neither in the future nor before 2000.

    `what` names the day in messages ("ngày tiếp nhận"); a ballot's answer day by default.
    Raises ValueError with a Vietnamese message the typing screen and the imports show.
    """
    today = today or timezone.localdate()
    what = what or _("ngày đánh giá")
    if value is None or str(value).strip() == "":
        raise ValueError(_("Thiếu %(what)s.") % {"what": what})
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = str(value).strip()
        match = _DAY.fullmatch(text)
        if match is None:
            raise ValueError(
                _("“%(text)s” không phải ngày: ghi theo dạng dd/mm/yyyy, ví dụ 05/03/2026.") % {"text": text}
            )
        dd, mm, yyyy = (int(part) for part in match.groups())
        try:
            day = datetime.date(yyyy, mm, dd)
        except ValueError:
            raise ValueError(_("Ngày “%(text)s” không có thật.") % {"text": text}) from None
    if day > today:
        raise ValueError(
            _("Ngày %(day)s chưa tới: %(what)s không được sau hôm nay (%(today)s).")
            % {"day": f"{day:%d/%m/%Y}", "what": what, "today": f"{today:%d/%m/%Y}"}
        )
    if day < EARLIEST:
        raise ValueError(_("Ngày %(day)s quá xa: kiểm tra lại năm.") % {"day": f"{day:%d/%m/%Y}"})
    return day
