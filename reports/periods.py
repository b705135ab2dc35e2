"""Reporting periods: a month, a quarter, nine months, a year or any range of days.

A period knows its first and last day, how reports name it ("quý IV năm 2026"),
the period before it (for the comparison every report prints) and whether it
is made of whole months, which lets the index read the monthly tallies.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.dates import EARLIEST, LATEST

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# The years a period may fall in.
FIRST_YEAR, LAST_YEAR = EARLIEST.year, LATEST.year


class PeriodInvalid(ValueError):
    """A period written in a way we cannot read; the message says how to write it."""


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter", "nine_months", "year" or "range"
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls("month", datetime.date(year, month, 1), _month_end(year, month))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = 3 * quarter - 2
        return cls("quarter", datetime.date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def nine_months(cls, year: int) -> "Period":
        return cls("nine_months", datetime.date(year, 1, 1), datetime.date(year, 9, 30))

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls("year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def between(cls, start: datetime.date, end: datetime.date) -> "Period":
        if end < start:
            raise PeriodInvalid(_("Ngày kết thúc %(end)s trước ngày bắt đầu %(start)s.") % _dates(start, end))
        return cls("range", start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def whole_months(self) -> bool:
        """Whether the period starts on a first and ends on a last day of a month."""
        return self.start.day == 1 and self.end == _month_end(self.end.year, self.end.month)

    @property
    def provisional(self) -> bool:
        """Not over yet: its figures will still change, and every page and document says so."""
        return self.end >= timezone.localdate()

    @property
    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches, in order."""
        months, day = [], self.start.replace(day=1)
        while day <= self.end:
            months.append(day)
            day = _next_month(day)
        return months

    @property
    def label(self) -> str:
        """How a report names the period: "tháng 11/2026", "quý IV năm 2026", "9 tháng năm 2026"…"""
        if self.kind == "month":
            return _("tháng %(month)s") % {"month": f"{self.start:%m/%Y}"}
        if self.kind == "quarter":
            return _("quý %(quarter)s năm %(year)s") % {"quarter": ROMAN[self.quarter_number], "year": self.start.year}
        if self.kind == "nine_months":
            return _("9 tháng năm %(year)s") % {"year": self.start.year}
        if self.kind == "year":
            return _("năm %(year)s") % {"year": self.start.year}
        return _("từ ngày %(start)s đến ngày %(end)s") % _dates(self.start, self.end)

    @property
    def quarter_number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def key(self) -> str:
        """The period as the command line and URLs write it: 2026-11, 2026-Q4, 2026-9T, 2026, or the two days."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{self.quarter_number}"
        if self.kind == "nine_months":
            return f"{self.start.year}-9T"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def previous(self) -> "Period":
        """The period a report compares with: the month, quarter or year before; the same nine
        months of the year before; for a range, as many days just before it."""
        if self.kind == "month":
            day = self.start - datetime.timedelta(days=1)
            return Period.month(day.year, day.month)
        if self.kind == "quarter":
            day = self.start - datetime.timedelta(days=1)
            return Period.quarter(day.year, (day.month - 1) // 3 + 1)
        if self.kind == "nine_months":
            return Period.nine_months(self.start.year - 1)
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        end = self.start - datetime.timedelta(days=1)
        return Period.between(end - datetime.timedelta(days=self.days - 1), end)

    def trailing_months(self, count: int = 12) -> list["Period"]:
        """The `count` months ending with the one this period ends in, oldest first (for trends)."""
        months, day = [], self.end.replace(day=1)
        for _index in range(count):
            months.append(Period.month(day.year, day.month))
            day = (day - datetime.timedelta(days=1)).replace(day=1)
        return months[::-1]


def parse_period(text: str) -> Period:
    """Read a period key: "2026-11", "2026-Q4", "2026-9T" or "2026"; raise PeriodInvalid otherwise.

    Only years FIRST_YEAR to LAST_YEAR: a key is typed or comes from an address, and far outside
    them it is a mistake (year 1 has no year before, year 9999 no month after).
    """
    text = (text or "").strip()
    try:
        period = _read_period(text)
    except ValueError as error:
        if isinstance(error, PeriodInvalid):
            raise
        raise PeriodInvalid(_("Kỳ “%(text)s” không có thật.") % {"text": text}) from None
    if period is None:
        raise PeriodInvalid(
            _("Không đọc được kỳ “%(text)s”: viết YYYY-MM (tháng), YYYY-Qn (quý), YYYY-9T (9 tháng) hoặc YYYY (năm).")
            % {"text": text}
        )
    if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR:
        years = {"text": text, "first": FIRST_YEAR, "last": LAST_YEAR}
        raise PeriodInvalid(_("Kỳ “%(text)s” nằm ngoài các năm %(first)d–%(last)d.") % years)
    return period


def _read_period(text: str) -> Period | None:
    # [0-9], not \d: \d also matches other scripts' digits ("٢٠٢٦"), which no one means as a period.
    if match := re.fullmatch(r"([0-9]{4})-([0-9]{2})", text):
        return Period.month(int(match[1]), int(match[2]))
    if match := re.fullmatch(r"([0-9]{4})-[Qq]([1-4])", text):
        return Period.quarter(int(match[1]), int(match[2]))
    if match := re.fullmatch(r"([0-9]{4})-9[Tt]", text):
        return Period.nine_months(int(match[1]))
    if match := re.fullmatch(r"([0-9]{4})", text):
        return Period.year(int(match[1]))
    if match := re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{4})([0-9]{2})([0-9]{2})", text):
        numbers = [int(group) for group in match.groups()]
        return Period.between(datetime.date(*numbers[:3]), datetime.date(*numbers[3:]))
    return None


def month_end(day: datetime.date) -> datetime.date:
    """The last day of `day`'s month."""
    return _month_end(day.year, day.month)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _dates(start: datetime.date, end: datetime.date) -> dict[str, str]:
    return {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
