"""Báo cáo kết quả khảo sát of a month, quarter, nine months or year, in the shape of seed 001."""

from reports.builders import common
from reports.charts import bar_chart, trend_chart
from reports.document import Chart, Document, Heading, Paragraph, Signature, Table
from reports.index import Figures, Scope, figures, monthly_trend
from reports.periods import Period
from reports.renderers.letterhead import letterhead_for
from surveys.models import FormTemplate, Response, Unit

DEFAULT_PUBLICATION = "Niêm yết tại Bộ phận Một cửa và đăng trên Trang thông tin điện tử của đơn vị."


def period_report(unit: Unit, period: Period, *, subtree: bool = False) -> Document:
    """The report of `unit` (with its subtree if asked) for `period`, with the head's written sections."""
    scope = Scope.of(unit, subtree=subtree)
    result = figures(scope=scope, period=period)
    text = common.text_of(unit, period)
    opening = common.plan_sentence(result.plan, unit)
    lead = f"{opening}; {unit.name}" if opening else unit.name
    blocks = [
        Paragraph(
            f"{lead} báo cáo kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ hành chính "
            f"{period.label} như sau:"
        ),
        Heading("I. KẾT QUẢ KHẢO SÁT"),
        Heading("1. Thời gian thực hiện", level=2),
        Paragraph(f"Từ ngày {common.day(period.start)} đến ngày {common.day(period.end)}."),
        Heading("2. Phương pháp, hình thức khảo sát, lấy ý kiến", level=2),
        *_methods(scope, period, result),
        Heading("3. Nội dung khảo sát", level=2),
        *[Paragraph(f"- {factor.name}.") for factor in result.factors],
        *([] if result.factors else [Paragraph("Chưa có nội dung nào được đánh giá trong kỳ.")]),
        Heading("4. Kết quả khảo sát", level=2),
        *_results(scope, period, result),
        Heading("5. Công bố kết quả khảo sát", level=2),
        Paragraph(result.plan.publication if result.plan else DEFAULT_PUBLICATION),
        Heading("II. NHẬN XÉT CHUNG"),
        Heading("1. Ưu điểm", level=2),
        *common.paragraphs(text.strengths),
        Heading("2. Tồn tại, hạn chế", level=2),
        *_weakest(result),
        *common.paragraphs(text.weaknesses),
        Heading("III. KIẾN NGHỊ, ĐỀ XUẤT"),
        *common.paragraphs(text.recommendations),
        Paragraph(f"Trên đây là báo cáo kết quả khảo sát mức độ hài lòng {period.label} của {unit.name}./."),
    ]
    return Document(
        letterhead=letterhead_for(unit, document_kind="BC", day=common.today()),
        kind="BÁO CÁO",
        subject=["Kết quả khảo sát mức độ hài lòng của người dân, tổ chức", f"{period.label} tại {unit.name}"],
        blocks=blocks,
        recipients=common.recipients(text, _default_recipients(unit)),
        signature=Signature(lines=common.signature_lines(unit, text), name=text.signer_name),
        filename=common.filename("bao-cao", unit, period),
        title=f"Báo cáo kết quả khảo sát {period.label} – {unit.name}",
    )


def _methods(scope: Scope, period: Period, result: Figures) -> list:
    used = [channel for channel, count in result.channels.items() if count]
    if not used and result.plan:
        used = [name for name in Response.Channel.values if getattr(result.plan, f"uses_{name}")]
    lines = [
        Paragraph(
            f"- {common.CHANNEL_METHODS[channel]}"
            + (f": {common.number(result.channels[channel])} phiếu." if result.channels[channel] else ".")
        )
        for channel in used
    ]
    forms = FormTemplate.objects.filter(
        versions__responses__unit_id__in=scope.unit_ids,
        versions__responses__answered_on__range=(period.start, period.end),
    ).distinct()
    names = ", ".join(form.name for form in forms)
    if names:
        lines.append(Paragraph(f"- Mẫu phiếu sử dụng: {names}."))
    return lines or [Paragraph("Chưa có phiếu khảo sát nào trong kỳ.")]


def _results(scope: Scope, period: Period, result: Figures) -> list:
    if result.empty:
        return [Paragraph(f"Trong {period.label} chưa nhận được phiếu khảo sát nào, nên chưa có kết quả để báo cáo.")]
    change = common.change_sentence(result)
    blocks = [
        Paragraph(
            f"Tổng số phiếu thu về: {common.number(result.responses)} phiếu ({common.channels_sentence(result)}). "
            f"{common.coverage_sentence(result)}".strip()
        ),
        Paragraph(
            f"Chỉ số hài lòng về sự phục vụ hành chính (SIPAS): {common.pct(result.index)}"
            + (f", {change}." if change else ".")
        ),
        Table(
            columns=["STT", "Yếu tố", "Số tiêu chí", "Chỉ số (%)", "Kỳ trước (%)"],
            rows=[
                [
                    index,
                    factor.name,
                    factor.questions,
                    factor.index,
                    result.previous.factors.get(factor.code) if result.previous else None,
                ]
                for index, factor in enumerate(result.factors, start=1)
            ]
            + [["", "Chỉ số hài lòng chung", None, result.index, result.previous.index if result.previous else None]],
            widths=[1.4, 6, 2, 2.5, 2.5],
            numeric=frozenset({2, 3, 4}),
            bold_rows=frozenset({len(result.factors)}),
            caption="Bảng 1. Chỉ số hài lòng theo yếu tố",
            sheet="Yếu tố",
        ),
        Chart(
            bar_chart([(factor.name, factor.index) for factor in result.factors]),
            caption="Biểu đồ 1. Chỉ số hài lòng theo yếu tố",
            width_mm=155,
        ),
        Table(
            columns=["STT", "Câu", "Nội dung", "Số trả lời", "Hài lòng (%)", "Khoảng tin cậy 95%", "Điểm TB"],
            rows=[
                [
                    index,
                    question.code,
                    question.text,
                    question.n,
                    question.rate,
                    f"{question.ci_low:.2f}–{question.ci_high:.2f}".replace(".", ",")
                    if question.rate is not None
                    else "",
                    question.mean,
                ]
                for index, question in enumerate(result.scored, start=1)
            ],
            widths=[1.4, 1.6, 6.6, 1.8, 2, 2.8, 1.6],
            numeric=frozenset({3, 4, 6}),
            caption="Bảng 2. Tỷ lệ hài lòng theo từng câu hỏi",
            sheet="Câu hỏi",
        ),
    ]
    if len(period.months) > 1:
        trend = monthly_trend(scope=scope, months=[Period.month(month.year, month.month) for month in period.months])
        blocks.append(
            Chart(
                trend_chart([(f"{month.start:%m/%Y}", index) for month, index in trend]),
                caption="Biểu đồ 2. Chỉ số hài lòng theo tháng",
                width_mm=155,
            )
        )
    choices = [question for question in result.questions if question.rate is None and not question.flags_integrity]
    for question in choices:
        listed = "; ".join(
            f"{share.label}: {share.count} ({common.pct(share.percent)})" for share in question.distribution
        )
        blocks.append(Paragraph(f"- {question.code} {question.text} {listed}."))
    for question in result.integrity:
        share = common.pct(question.yes_percent)
        blocks.append(
            Paragraph(f"- {question.code} {question.text} {question.yes}/{question.n} ý kiến trả lời “Có” ({share}).")
        )
    return blocks


def _weakest(result: Figures) -> list:
    weakest = [question for question in result.weakest[:3] if question.rate is not None and question.rate < 100]
    if not weakest:
        return []
    listed = "; ".join(f"{question.code} “{question.text}” ({common.pct(question.rate)})" for question in weakest)
    return [Paragraph(f"- Các nội dung có tỷ lệ hài lòng thấp nhất: {listed}.")]


def _default_recipients(unit: Unit) -> list[str]:
    above = [common.body(unit.parent)] if unit.parent else []
    return [*above, f"Lãnh đạo {unit.name}", "Bộ phận Một cửa"]
