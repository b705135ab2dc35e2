"""Thông báo kết quả khảo sát tháng: the one-page notice for the board and the website (seed 000)."""

from reports.builders import common
from reports.document import Document, Paragraph, Signature, Table
from reports.index import Figures, Scope, figures
from reports.periods import Period
from reports.renderers.letterhead import letterhead_for
from surveys.models import Unit

# Few enough lines that the notice stays on one page, whatever the form's length: no chart, three weakest.
WEAKEST_SHOWN = 3


def monthly_notice(unit: Unit, period: Period) -> Document:
    """The notice of `unit`'s results in the month `period`."""
    result = figures(scope=Scope.of(unit), period=period)
    text = common.text_of(unit, period)
    month = f"tháng {period.start:%m/%Y}"
    leaders = f"Chủ tịch, các Phó Chủ tịch {common.body(unit)}" if common.committee(unit) else f"Lãnh đạo {unit.name}"
    return Document(
        letterhead=letterhead_for(unit, document_kind="TB", day=common.today()),
        kind="THÔNG BÁO",
        subject=["Kết quả khảo sát mức độ hài lòng của người dân, tổ chức", f"đối với sự phục vụ hành chính {month}"],
        blocks=_blocks(unit, month, result),
        recipients=common.recipients(
            text,
            [
                leaders,
                "Bảng niêm yết tại Bộ phận Một cửa",
                "Trang thông tin điện tử",
            ],
        ),
        signature=Signature(lines=common.signature_lines(unit, text), name=text.signer_name),
        filename=common.filename("thong-bao", unit, period),
        title=f"Thông báo kết quả khảo sát {month} – {unit.name}",
    )


def _blocks(unit: Unit, month: str, result: Figures) -> list:
    opening = common.plan_sentence(result.plan, unit)
    lead = f"{opening}, {unit.name}" if opening else unit.name
    blocks = [Paragraph(f"{lead} thông báo kết quả khảo sát mức độ hài lòng của người dân, tổ chức {month} như sau:")]
    if result.empty:
        blocks.append(Paragraph(f"Trong {month}, {unit.name} chưa nhận được phiếu khảo sát nào."))
        return [*blocks, _closing(unit)]
    blocks.append(
        Paragraph(
            f"1. Số phiếu khảo sát thu được: {common.number(result.responses)} phiếu "
            f"({common.channels_sentence(result)}). {common.coverage_sentence(result)}".strip()
        )
    )
    change = common.change_sentence(result)
    blocks.append(
        Paragraph(
            f"2. Chỉ số hài lòng về sự phục vụ hành chính: {common.pct(result.index)}"
            + (f", {change}." if change else ".")
        )
    )
    rows = [
        [index, factor.name, factor.questions, factor.index] for index, factor in enumerate(result.factors, start=1)
    ]
    rows.append(["", "Chỉ số hài lòng chung", None, result.index])
    blocks.append(
        Table(
            columns=["STT", "Yếu tố", "Số tiêu chí", "Tỷ lệ hài lòng (%)"],
            rows=rows,
            widths=[1.4, 7, 2, 3],
            numeric=frozenset({2, 3}),
            bold_rows=frozenset({len(rows) - 1}),
            sheet="Chỉ số",
        )
    )
    weakest = result.weakest[:WEAKEST_SHOWN]
    if weakest:
        listed = "; ".join(f"{question.code} “{question.text}” ({common.pct(question.rate)})" for question in weakest)
        blocks.append(Paragraph(f"3. Nội dung có tỷ lệ hài lòng thấp nhất: {listed}."))
    flagged = [question for question in result.integrity if question.yes]
    if flagged:
        listed = "; ".join(f"{question.text} {question.yes}/{question.n} ý kiến trả lời “Có”" for question in flagged)
        blocks.append(Paragraph(f"4. Ý kiến phản ánh tiêu cực: {listed}."))
    return [*blocks, _closing(unit)]


def _closing(unit: Unit) -> Paragraph:
    return Paragraph(
        f"{unit.name} thông báo để người dân, tổ chức được biết và mong tiếp tục nhận được ý kiến đánh giá "
        "để nâng cao chất lượng phục vụ./."
    )
