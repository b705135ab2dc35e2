"""What each kind of job makes, who may ask for it and see it, and how its page names it.

A kind checks its parameters when the job is asked for (JobRefused: nothing is recorded),
counts what it will make (the progress bar's total) and makes the file into an open
binary file, calling `progress(done, total)` as it goes. A failure it can explain is
JobFailed with a Vietnamese message for the job's page.
"""

import datetime
import zipfile
from collections.abc import Callable
from typing import IO
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from reports.builders import monthly_notice
from reports.builders.comparison import comparison_document
from reports.comparison import NATIONAL, Filters, compare_units
from reports.exports import FORMATS, ExportRefused, responses_count, responses_write, xlsx_refusal
from reports.index import Scope
from reports.models import ReportJob
from reports.periods import Period, parse_period
from reports.writers import render
from surveys.models import FormTemplate, Unit, UnitQuerySet
from surveys.permissions import holds, units_with

Progress = Callable[[int, int], None]


class JobRefused(Exception):
    """The job cannot be made as asked; the message says why, in Vietnamese."""


class JobFailed(Exception):
    """The job stopped for a reason its page can give, in Vietnamese."""


def notice_units(unit: Unit) -> UnitQuerySet:
    """The units that get a notice: every current unit below `unit`, not `unit` itself."""
    return Unit.objects.subtree_of(unit).current().exclude(pk=unit.pk)


class _Kind:
    code: str
    # Who may ask for a job of this kind and see it: those holding this in the job's unit.
    permission: str

    def visible_to(self, user) -> Q:
        """The jobs of this kind `user` may see."""
        return Q(kind=self.code, unit__in=units_with(user, self.permission))


class Notices(_Kind):
    """The monthly notice of every unit below one unit, each a PDF, in one ZIP."""

    code = ReportJob.Kind.NOTICES
    permission = "jobs.start"
    items = _lazy("văn bản")

    @staticmethod
    def params(*, month: datetime.date) -> dict:
        return {"period": f"{month:%Y-%m}"}

    def total(self, *, unit: Unit, params: dict) -> int:
        return notice_units(unit).count()

    def title(self, job: ReportJob) -> str:
        return _("Thông báo kết quả %(period)s") % {"period": parse_period(job.params["period"]).label}

    def subtitle(self, job: ReportJob) -> str:
        return _("Các đơn vị trực thuộc %(unit)s") % {"unit": job.unit.name}

    def back(self, job: ReportJob) -> tuple[str, str]:
        return reverse("reports:jobs"), _("Tạo thông báo hàng loạt")

    def make(self, job: ReportJob, out: IO[bytes], progress: Progress) -> tuple[str, str]:
        units = list(notice_units(job.unit))
        period = parse_period(job.params["period"])
        progress(0, len(units))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, unit in enumerate(units, start=1):
                try:
                    filename, _mimetype, content = render(monthly_notice(unit, period), "pdf")
                except Exception as error:
                    why = {"unit": unit.name, "error": error}
                    raise JobFailed(_("Không tạo được thông báo của %(unit)s: %(error)s") % why) from error
                archive.writestr(filename, content)
                progress(done, len(units))
        return f"thong-bao-{job.unit.code}-{period.key}.zip", "application/zip"


class Responses(_Kind):
    """Every response of a unit (and the units below, if asked) in a period, one row each, as XLSX or CSV."""

    code = ReportJob.Kind.RESPONSES
    permission = "reports.download"
    items = _lazy("phiếu")

    @staticmethod
    def params(*, period: Period, subtree: bool, fmt: str) -> dict:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        return {"period": period.key, "subtree": subtree, "format": fmt}

    def total(self, *, unit: Unit, params: dict) -> int:
        """The responses to export, counted before anything is recorded: too many for Excel is refused here."""
        period = parse_period(params["period"])
        scope = Scope.of(unit, subtree=params["subtree"])
        count = responses_count(unit_ids=scope.unit_ids, start=period.start, end=period.end)
        if params["format"] == "xlsx" and (refusal := xlsx_refusal(count)):
            raise JobRefused(refusal)
        return count

    def title(self, job: ReportJob) -> str:
        period = parse_period(job.params["period"]).label
        return _("Tất cả phiếu %(period)s (%(format)s)") % {"period": period, "format": job.params["format"].upper()}

    def subtitle(self, job: ReportJob) -> str:
        if job.params["subtree"]:
            return _("%(unit)s và các đơn vị trực thuộc") % {"unit": job.unit.name}
        return job.unit.name

    def back(self, job: ReportJob) -> tuple[str, str]:
        url = reverse("reports:results", args=[job.unit.code, job.params["period"]])
        return url + ("?subtree=1" if job.params["subtree"] else ""), _("Kết quả khảo sát")

    def make(self, job: ReportJob, out: IO[bytes], progress: Progress) -> tuple[str, str]:
        period = parse_period(job.params["period"])
        fmt = job.params["format"]
        scope = Scope.of(job.unit, subtree=job.params["subtree"])
        try:
            responses_write(
                unit_ids=scope.unit_ids, start=period.start, end=period.end, fmt=fmt, out=out, progress=progress
            )
        except ExportRefused as refusal:
            raise JobFailed(str(refusal)) from None
        return f"phieu-{job.unit.code}-{period.key}.{fmt}".lower(), FORMATS[fmt]


class Comparison(_Kind):
    """The units directly under one unit, or the provinces of the country, compared: the table as PDF or XLSX.

    Its PDF draws a row, the ranking chart and the heatmap for each unit: seconds for a province.
    """

    code = ReportJob.Kind.COMPARISON
    permission = "compare.view"
    national_permission = "compare.national"
    items = _lazy("tệp")
    # The comparison page's filters and sorting, checked by its view before a job is asked for.
    QUERY = ("kind", "form", "channel", "sort", "order")

    @classmethod
    def params(cls, *, period: Period, fmt: str, query: dict) -> dict:
        return {"period": period.key, "format": fmt, **{name: query.get(name, "") for name in cls.QUERY}}

    def visible_to(self, user) -> Q:
        national = Q(kind=self.code, unit__isnull=True) if holds(user, self.national_permission) else Q(pk__in=[])
        return super().visible_to(user) | national

    def total(self, *, unit: Unit | None, params: dict) -> int:
        return 1

    def title(self, job: ReportJob) -> str:
        period = parse_period(job.params["period"]).label
        return _("Bảng so sánh %(period)s (%(format)s)") % {"period": period, "format": job.params["format"].upper()}

    def subtitle(self, job: ReportJob) -> str:
        if job.unit is None:
            return _("Các tỉnh, thành phố")
        return _("Các đơn vị trực thuộc %(unit)s") % {"unit": job.unit.name}

    def back(self, job: ReportJob) -> tuple[str, str]:
        code = job.unit.code if job.unit else NATIONAL
        url = reverse("reports:comparison", args=[code, job.params["period"]])
        query = urlencode({name: job.params[name] for name in self.QUERY if job.params.get(name)})
        return url + (f"?{query}" if query else ""), _("So sánh, xếp hạng")

    def make(self, job: ReportJob, out: IO[bytes], progress: Progress) -> tuple[str, str]:
        params = job.params
        progress(0, 1)
        form = FormTemplate.objects.filter(code=params["form"]).first() if params["form"] else None
        table = compare_units(
            root=job.unit,
            period=parse_period(params["period"]),
            filters=Filters(kind=params["kind"], form=form, channel=params["channel"]),
            sort=params["sort"] or "rank",
            descending={"asc": False, "desc": True}.get(params["order"]),
        )
        filename, mimetype, content = render(comparison_document(table), params["format"])
        out.write(content)
        progress(1, 1)
        return filename, mimetype


KINDS: dict[str, Notices | Responses | Comparison] = {
    kind.code: kind for kind in (Notices(), Responses(), Comparison())
}
