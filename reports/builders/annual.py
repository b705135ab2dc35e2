"""Phụ lục 2: the annual report of seed 002, its ten-row table filled from the plan and the database."""

from reports.builders import common
from reports.document import Document, Heading, Paragraph, Signature, Table
from reports.index import Scope, busiest_procedure, figures, subunits_surveying, survey_days
from reports.periods import Period
from reports.renderers.letterhead import letterhead_for
from surveys.models import Response, SurveyPlan, Unit

NOT_PLANNED = "Chưa nhập kế hoạch khảo sát năm"


def annual_report(unit: Unit, year: int) -> Document:
    """Báo cáo kết quả khảo sát năm `year` of `unit`, row by row as Phụ lục 2 asks.

    Rows 2, 3, 6, 7, 9 and 10 come from the responses; 1, 4, 5 and 8 from the year's plan.
    """
    period = Period.year(year)
    own = Scope.of(unit)
    result = figures(scope=own, period=period, compare=False)
    plan = result.plan
    text = common.text_of(unit, period)
    subunits, subunit_responses = subunits_surveying(unit=unit, period=period)
    rows = [
        [1, "Đơn vị triển khai khảo sát", _planned(plan)],
        [2, "Thời gian triển khai trong năm", _when(own, period, plan)],
        [3, "Hình thức khảo sát", _how(result.channels, plan)],
        [4, "Kỳ lấy phiếu", plan.get_collection_months_display() if plan else NOT_PLANNED],
        [5, "Đơn vị được giao chủ trì tham mưu triển khai thực hiện", plan.lead_unit if plan else NOT_PLANNED],
        [6, "Lĩnh vực/TTHC có số phiếu khảo sát nhiều nhất", _busiest(own, period)],
        [7, "Tổng số phiếu khảo sát thu về trong năm", result.responses],
        [8, "Hình thức công khai kết quả khảo sát", plan.publication if plan else NOT_PLANNED],
        [9, "Số đơn vị trực thuộc triển khai khảo sát", subunits],
        [10, "Tổng số phiếu khảo sát tại các đơn vị trực thuộc", subunit_responses],
    ]
    blocks = [
        Heading("1. Kết quả triển khai"),
        Table(
            columns=["STT", "Nội dung", "Kết quả thực hiện"],
            rows=rows,
            widths=[1.2, 6, 7],
            caption="",
            sheet="Phụ lục 2",
        ),
        Paragraph(_index_sentence(result), italic=True),
        Heading("2. Khó khăn, vướng mắc (nếu có)"),
        *common.paragraphs(text.difficulties),
        Heading("3. Kiến nghị, đề xuất (nếu có)"),
        *common.paragraphs(text.recommendations),
    ]
    return Document(
        letterhead=letterhead_for(unit, document_kind="BC", day=common.today()),
        kind="BÁO CÁO",
        subject=[
            "Kết quả khảo sát, lấy ý kiến người dân, tổ chức",
            f"đã giao dịch, nhận kết quả giải quyết TTHC năm {year}",
        ],
        blocks=blocks,
        recipients=common.recipients(text, [common.body(unit.parent)] if unit.parent else []),
        signature=Signature(
            lines=[text.signer_title.upper() if text.signer_title else "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"],
            hint="(Ký tên, đóng dấu)",
            name=text.signer_name,
        ),
        filename=common.filename("phu-luc-2", unit, period),
        title=f"Báo cáo kết quả khảo sát năm {year} – {unit.name}",
    )


def _planned(plan: SurveyPlan | None) -> str:
    """Row 1: "Có" with the plan's number and date, or "Không" (the template's own guidance)."""
    if plan is None:
        return "Không"
    return f"Có. Kế hoạch số {plan.number} ngày {common.day(plan.signed_on)}"


def _when(scope: Scope, period: Period, plan: SurveyPlan | None) -> str:
    days = survey_days(scope=scope, period=period)
    if days:
        return f"Từ ngày {common.day(days[0])} đến ngày {common.day(days[1])}"
    if plan:
        return f"Theo kế hoạch: từ ngày {common.day(plan.starts)} đến ngày {common.day(plan.ends)} (chưa có phiếu)"
    return "Chưa có phiếu khảo sát trong năm"


def _how(channels: dict[str, int], plan: SurveyPlan | None) -> str:
    used = [
        f"{common.CHANNEL_METHODS[channel]} ({common.number(count)} phiếu)"
        for channel, count in channels.items()
        if count
    ]
    if not used and plan:
        used = [common.CHANNEL_METHODS[name] for name in Response.Channel.values if getattr(plan, f"uses_{name}")]
    return "; ".join(used) or "Chưa có phiếu khảo sát trong năm"


def _busiest(scope: Scope, period: Period) -> str:
    busiest = busiest_procedure(scope=scope, period=period)
    if busiest is None:
        return "Chưa có phiếu ghi thủ tục"
    field = f"Lĩnh vực {busiest.field}: " if busiest.field else ""
    return f"{field}{busiest.procedure} ({common.number(busiest.responses)} phiếu)"


def _index_sentence(result) -> str:
    if result.empty:
        return "Trong năm chưa có phiếu khảo sát nào."
    return f"Chỉ số hài lòng về sự phục vụ hành chính năm {result.period.start.year}: {common.pct(result.index)}."
