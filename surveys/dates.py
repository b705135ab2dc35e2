"""Dates as Vietnamese offices write them: dd/mm/yyyy."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _


def parse_day(text: str, *, allow_future: bool = False) -> datetime.date:
    """Read "05/11/2026" (or "5/11/2026"); raise ValueError with a Vietnamese message otherwise."""
    try:
        day = datetime.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as error:
        raise ValueError(_("“%(text)s” không phải ngày có thật theo dạng dd/mm/yyyy.") % {"text": text}) from error
    if not allow_future and day > timezone.localdate():
        raise ValueError(_("Ngày %(day)s chưa tới.") % {"day": f"{day:%d/%m/%Y}"})
    return day
