"""The header of a Vietnamese administrative document: issuing body, its parent, number, place and date."""

import datetime
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.dates import vn_date
from surveys.models import Unit

# Units run by a People's Committee (Ủy ban nhân dân); departments and centres issue under their own name.
COMMITTEE_KINDS = {Unit.Kind.PROVINCE, Unit.Kind.DISTRICT, Unit.Kind.COMMUNE}
# How a territorial name starts; the place line of a document drops it ("Phường Hà Đông" -> "Hà Đông").
_KIND_PREFIXES = ["Thành phố", "Tỉnh", "Thị xã", "Thị trấn", "Quận", "Huyện", "Phường", "Xã", "Đặc khu"]


@dataclass(frozen=True)
class Letterhead:
    """What Nghị định 30/2020 puts above the title, as the template prints it."""

    parent_body: str
    issuing_body: list[str]
    number_code: str
    place: str
    day: datetime.date

    @property
    def place_and_date(self) -> str:
        # A property, so the date is spelled in the language the document is rendered in.
        return f"{self.place}, {vn_date(self.day)}"


def letterhead_for(unit: Unit, *, document_kind: str, day: datetime.date) -> Letterhead:
    """The header of a document of `document_kind` ("BB", "BC", "TB") that `unit` issues on `day`."""
    if unit.kind in COMMITTEE_KINDS:
        issuing_body = [_("ỦY BAN NHÂN DÂN"), unit.name.upper()]
        symbol = _("UBND")
    else:
        issuing_body = [unit.name.upper()]
        symbol = _initials(unit.name)
    return Letterhead(
        parent_body=_body_name(unit.parent) if unit.parent else "",
        issuing_body=issuing_body,
        number_code=f"{document_kind}-{symbol}",
        place=_place_name(unit),
        day=day,
    )


def _body_name(unit: Unit) -> str:
    """The short name of a body as the line above the issuer prints it: "UBND THÀNH PHỐ HÀ NỘI"."""
    if unit.kind in COMMITTEE_KINDS:
        return f"{_('UBND')} {unit.name.upper()}"
    return unit.name.upper()


def _place_name(unit: Unit) -> str:
    """Where the body sits, as the date line names it: the territorial name without its kind."""
    while unit.kind not in COMMITTEE_KINDS and unit.parent:
        unit = unit.parent
    for prefix in _KIND_PREFIXES:
        if unit.name.startswith(f"{prefix} "):
            return unit.name[len(prefix) + 1 :]
    return unit.name


def _initials(name: str) -> str:
    """The abbreviation of a body's name, as numbers carry it: "Sở Công Thương" -> "SCT"."""
    # Tone marks go (Ủ -> U) but Đ is a letter of its own and stays.
    return "".join(unicodedata.normalize("NFD", word[0])[0].upper() for word in name.split())
