"""Biên bản mở hòm phiếu: the minutes of one opening of the sealed ballot box (seed 002)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.dates import vn_date
from reports.numbers import vn_number_words
from reports.renderers.base import PdfRenderer
from reports.renderers.letterhead import letterhead_for
from surveys.models import BoxOpening


class BoxOpeningMinutes(PdfRenderer):
    identifier = "box_opening_minutes"
    name = _("Biên bản mở hòm phiếu")
    template_name = "reports/box_opening_minutes.html"

    def __init__(self, opening: BoxOpening):
        self.opening = opening

    def filename(self) -> str:
        opened = timezone.localtime(self.opening.opened_at)
        return f"bien-ban-mo-hom-phieu-{self.opening.unit.code}-{opened:%Y%m%d-%H%M}.pdf"

    def context(self) -> dict:
        opening = self.opening
        opened = timezone.localtime(opening.opened_at)
        recorded = timezone.localtime(opening.created)
        return {
            "letterhead": letterhead_for(opening.unit, document_kind="BB", day=opened.date()),
            "opening": opening,
            "opened": opened,
            "opened_day": vn_date(opened.date()),
            "ballot_words": vn_number_words(opening.ballot_count),
            "witnesses": list(opening.witnesses.all()),
            "recorder": opening.recorded_by.get_full_name() or opening.recorded_by.username,
            # Recorded during the opening, the minutes print the time they end; recorded later, the pen writes it.
            "closed": recorded if recorded.date() == opened.date() and recorded >= opened else None,
        }
