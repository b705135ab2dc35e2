"""Dates as Vietnamese offices write them: dd/mm/yyyy."""

import datetime

from django.utils import timezone


def parse_day(text: str, *, allow_future: bool = False) -> datetime.date:
    """Read "05/11/2026" (or "5/11/2026"); raise ValueError with a Vietnamese message otherwise."""
    try:
        day = datetime.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as error:
        raise ValueError(f"“{text}” không phải ngày có thật theo dạng dd/mm/yyyy.") from error
    if not allow_future and day > timezone.localdate():
        raise ValueError(f"Ngày {day:%d/%m/%Y} chưa tới.")
    return day
