"""Plans, monthly resolved counts and a head's written sections for the demo units, so every report has content.

Like surveys/demo.py it is for demonstrations only and does nothing when the plans exist.
"""

import datetime
import random

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from reports.models import ReportText
from reports.periods import Period
from surveys.demo import DEMO_UNITS
from surveys.models import Dossier, FormTemplate, ResolvedCount, Response, SurveyPlan, Unit

# The targets of the source documents: seed 000 (50 % of resolved dossiers), seed 003 (10 % of
# transactions), and the Ministry's sample size for the others.
TARGETS = {"09556": ("percent", 50), "75-SCT": ("percent", 10), "18118": ("percent", 50)}
LEAD_UNITS = {"75-SCT": "Văn phòng Sở Công Thương"}
PUBLICATION = "Niêm yết tại Bộ phận Một cửa; đăng trên Trang thông tin điện tử của đơn vị."


def demo_plans_seed(*, today: datetime.date | None = None) -> int:
    """A plan for last year and this year for each demo unit, resolved counts where no dossiers were
    registered, and the head's sections of last quarter's report; returns the number of plans made."""
    today = today or timezone.localdate()
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[demo.code for demo in DEMO_UNITS])}
    if SurveyPlan.objects.filter(unit__in=units.values()).exists():
        return 0
    made = 0
    for number, demo in enumerate(DEMO_UNITS, start=1):
        unit = units[demo.code]
        form = FormTemplate.objects.get(code=demo.form, unit__isnull=True)
        for year in (today.year - 1, today.year):
            _plan(unit, year, number, form)
            made += 1
        _resolved_counts(unit, random.Random(f"resolved-{demo.code}"))
    _report_text(units["09556"], today)
    return made


def _plan(unit: Unit, year: int, number: int, form: FormTemplate) -> None:
    kind, target = TARGETS.get(unit.code, ("sample", None))
    plan = SurveyPlan.objects.create(
        unit=unit,
        year=year,
        number=f"{10 + number}/KH-{'SCT' if unit.kind == Unit.Kind.DEPARTMENT else 'UBND'}",
        signed_on=datetime.date(year, 1, 5 + number),
        target_kind=kind,
        target_percent=target,
        margin_percent=5 if kind == "sample" else None,
        uses_paper=True,
        uses_issued=True,
        uses_online=unit.code in {"09556", "18118"},
        collection_months=3 if unit.kind == Unit.Kind.DEPARTMENT else 1,
        starts=datetime.date(year, 1, 1),
        ends=datetime.date(year, 12, 31),
        lead_unit=LEAD_UNITS.get(unit.code, "Văn phòng HĐND và UBND"),
        publication=PUBLICATION,
    )
    plan.forms.add(form)


def _resolved_counts(unit: Unit, rng: random.Random) -> None:
    """The one-stop software's monthly count for each month with ballots but no dossiers registered here."""
    registered = set(
        Dossier.objects.filter(unit=unit).annotate(month=TruncMonth("resolved")).values_list("month", flat=True)
    )
    ballots = (
        Response.objects.filter(unit=unit, channel=Response.Channel.PAPER)
        .annotate(month=TruncMonth("answered_on"))
        .values_list("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    ResolvedCount.objects.bulk_create(
        ResolvedCount(unit=unit, month=month, count=int(count / rng.uniform(0.45, 0.8)))
        for month, count in ballots
        if month not in registered
    )


def _report_text(unit: Unit, today: datetime.date) -> None:
    """What Hà Đông's head wrote for last quarter's report (the shape of seed 001)."""
    quarter = Period.quarter(today.year, (today.month - 1) // 3 + 1).previous()
    ReportText.objects.create(
        unit=unit,
        starts=quarter.start,
        ends=quarter.end,
        strengths="Người dân, tổ chức được tạo điều kiện tham gia giám sát công tác cải cách hành chính.\n"
        "Công chức Bộ phận Một cửa có thái độ phục vụ lịch sự, hướng dẫn tận tình.",
        weaknesses="Phiếu khảo sát còn dài, một số người dân bỏ sót câu hỏi.\nÍt doanh nghiệp tham gia đánh giá.",
        recommendations="Trang bị máy lấy số xếp hàng tự động và máy tra cứu thủ tục hành chính.\n"
        "Rút gọn phiếu khảo sát theo hướng ít nội dung hơn.",
        signer_title="Chủ tịch",
        signer_name="Lê Văn Lãnh",
    )
