"""The comparison table of the units under one unit (or of the provinces), with its heatmap, as a Document.

Printed on A4 turned sideways (PDF) or written as a workbook (XLSX) whose factor
columns carry the heatmap's colours; both from the rows reports.comparison ranked.
"""

from django.utils import translation

from reports import charts
from reports.builders import common
from reports.comparison import SHORT_FACTORS, UnitComparison
from reports.document import Chart, Document, Paragraph, Table
from reports.pictures import heatmap_rows, ranked_items
from reports.renderers.base import DOCUMENT_LANGUAGE
from reports.renderers.letterhead import Letterhead, letterhead_for
from surveys.models import Division, Response

# A landscape page holds a picture of about this many units; more go on to the next picture.
UNITS_PER_PICTURE = 18
# Without a unit of its own, the country's table is headed like the Ministry's: from the capital.
NATIONAL_PLACE = "Hà Nội"


def comparison_document(table: UnitComparison) -> Document:
    """The table, its heatmap and its ranking chart, in Vietnamese whatever the reader's language."""
    with translation.override(DOCUMENT_LANGUAGE):
        return _document(table)


def _document(table: UnitComparison) -> Document:
    root, period = table.root, table.period
    where = f"các đơn vị trực thuộc {root.name}" if root else "các tỉnh, thành phố trực thuộc trung ương"
    subject = [f"Kết quả khảo sát mức độ hài lòng của {where}", period.label]
    if period.provisional:
        subject[-1] += " (số liệu tạm tính)"
    if root is not None:
        letterhead = letterhead_for(root, document_kind="BC", day=common.today())
    else:
        letterhead = Letterhead(
            parent_body="", issuing_body=[], number_code="", place=NATIONAL_PLACE, day=common.today()
        )
    return Document(
        letterhead=letterhead,
        kind="BẢNG TỔNG HỢP",
        subject=subject,
        blocks=[*_explanation(table), _table(table), *_charts(table)],
        filename=f"so-sanh-{root.code if root else 'toan-quoc'}-{period.key}".lower(),
        title=f"So sánh {where}, {period.label}",
        landscape=True,
    )


def _explanation(table: UnitComparison) -> list[Paragraph]:
    ranked = len(table.ranked)
    lines = [
        f"Số liệu của hệ thống SIPAS đến ngày {common.day(common.today())}: {len(table.rows)} đơn vị, "
        f"{ranked} đơn vị đủ phiếu được xếp hạng, {len(table.rows) - ranked} đơn vị chưa đủ phiếu.",
        "Chỉ số hài lòng kèm khoảng tin cậy 95%. Hạng kèm khoảng hạng có thể có, ví dụ 4 (2–7). Các đơn vị cùng "
        "nhóm có khoảng tin cậy chồng nhau: không phân biệt được hơn kém. Đơn vị có ít phiếu hơn cỡ mẫu "
        "n = N ÷ (1 + N·e²) (hoặc 30 phiếu khi chưa biết số hồ sơ đã giải quyết) không được xếp hạng.",
    ]
    filters = table.filters
    narrowed = []
    if filters.kind:
        narrowed.append(f"loại đơn vị: {Division(filters.kind).label.lower()}")
    if filters.form:
        narrowed.append(f"mẫu phiếu: {filters.form.name}")
    if filters.channel:
        narrowed.append(f"kênh: {Response.Channel(filters.channel).label.lower()}")
    if narrowed:
        lines.append("Chỉ tính " + "; ".join(narrowed) + ".")
    return [Paragraph(line) for line in lines]


def _table(table: UnitComparison) -> Table:
    factors = table.factors
    columns = ["Hạng", "Nhóm", "Mã", "Đơn vị", "Số phiếu", "Phiếu giấy", "Phát phiếu", "Trực tuyến"]
    columns += ["Tỷ lệ phiếu / hồ sơ (%)", "Chỉ số SIPAS (%)", "KTC 95%"]
    columns += [f"{SHORT_FACTORS[code]} (%)" for code, _label in factors]
    columns += ["Thay đổi (điểm)"]
    rows = []
    for row in table.rows:
        result = row.figures
        interval = f"{common.pct(row.low)} – {common.pct(row.high)}" if row.low is not None else ""
        rows.append(
            [
                row.rank_text or "chưa đủ phiếu",
                row.ranked.group if row.ranked else None,
                row.unit.code,
                row.unit.name,
                result.responses,
                *(result.channels[channel] for channel in Response.Channel.values),
                result.coverage.rate if result.coverage and result.coverage.rate is not None else None,
                result.index,
                interval,
                *(result.factor(code) for code, _label in factors),
                result.previous.change if result.previous else None,
            ]
        )
    first_factor = 11
    return Table(
        columns=columns,
        rows=rows,
        widths=[2.2, 1.3, 1.8, 5.5, 1.8, 1.6, 1.6, 1.6, 1.9, 1.9, 2.6, *([1.9] * len(factors)), 1.9],
        numeric=frozenset({1, 4, 5, 6, 7, 8, 9, *range(first_factor, first_factor + len(factors) + 1)}),
        shaded=frozenset({9, *range(first_factor, first_factor + len(factors))}),
        sheet="So sánh",
    )


def _charts(table: UnitComparison) -> list[Chart]:
    """The heatmap and the ranking, a page's worth of units in each picture: a chart never breaks across pages."""
    found = []
    rows, columns = heatmap_rows(table)
    for start in range(0, len(rows) if columns else 0, UNITS_PER_PICTURE):
        heat = charts.heatmap(
            rows[start : start + UNITS_PER_PICTURE], columns, title=_part("Chỉ số theo yếu tố (%)", start), width_mm=240
        )
        found.append(Chart(svg=heat, caption="Màu càng đậm, chỉ số càng cao; số trong ô là chỉ số (%).", width_mm=240))
    items = ranked_items(table)
    for start in range(0, len(items), UNITS_PER_PICTURE):
        title = _part("Xếp hạng chỉ số SIPAS, khoảng tin cậy 95%", start)
        ranking = charts.ranking_chart(items[start : start + UNITS_PER_PICTURE], title=title, width_mm=240)
        found.append(
            Chart(svg=ranking, caption="Cùng hình đánh dấu là cùng nhóm: không phân biệt được hơn kém.", width_mm=240)
        )
    return found


def _part(title: str, start: int) -> str:
    """ "… (tiếp theo)" on the pictures that carry on the first one."""
    return f"{title} (tiếp theo)" if start else title
