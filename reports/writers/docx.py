"""The DOCX of a Document, because offices edit a report in Word before they sign it.

Layout follows Nghị định 30/2020 like the PDF: A4, margins 20/20/30/15 mm,
Times New Roman 13 pt, letterhead and closing as borderless two-column tables.
"""

from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reports import charts
from reports.document import Chart, Document, Heading, Paragraph, Table
from reports.renderers.base import DOCUMENT_LANGUAGE
from reports.writers.cells import cell_text, recipient_lines

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSION = "docx"
FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 30 - 15
CENTRE = WD_ALIGN_PARAGRAPH.CENTER
# Paragraph properties that follow w:pBdr in the order the schema (CT_PPr) demands.
_AFTER_BORDER = (
    *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct"),
    *("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid"),
    *("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc"),
    *("w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId"),
    *("w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"),
)


def write(document: Document) -> bytes:
    """Build the Word file of `document`, in Vietnamese whatever the reader's language."""
    with translation.override(DOCUMENT_LANGUAGE):
        word = new_docx()
        _set_up_page(word)
        _letterhead(word, document)
        _heading(word, document)
        for block in document.blocks:
            _BLOCK_WRITERS[type(block)](word, block)
        _closing(word, document)
        word.core_properties.title = charts.xml_safe(document.title or document.kind)
        word.core_properties.language = "vi-VN"
    out = BytesIO()
    word.save(out)
    return out.getvalue()


def _set_up_page(word) -> None:
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    # python-docx sets only the Latin font; Vietnamese letters may be looked up in the other slots.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15


def _paragraph(container, text: str = "", *, size: float | None = None, align=None, space_after: float = 0, **font):
    """Add one paragraph holding one run of `text`; `font` takes bold, italic, underline."""
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(space_after)
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(charts.xml_safe(text))
        for name, value in font.items():
            setattr(run.font, name, value)
        if size:
            run.font.size = Pt(size)
    return paragraph


def _rule(container, *, width_mm: float, column_mm: float) -> None:
    """A short centred line, as under the issuing body and the subject, drawn as a paragraph border."""
    paragraph = _paragraph(container, space_after=3)
    indent = Mm(max(column_mm - width_mm, 0) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = indent
    paragraph.paragraph_format.line_spacing = Pt(3)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {"w:val": "single", "w:sz": "6", "w:space": "1", "w:color": "000000"}.items():
        bottom.set(qn(key), value)
    borders.append(bottom)
    # The schema orders paragraph properties: the border goes before spacing and indentation.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_BORDER)


def _two_columns(word, left_mm: float):
    """A borderless table of two cells, for the letterhead and the closing."""
    table = word.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, [left_mm, TEXT_WIDTH_MM - left_mm])
    left, right = table.rows[0].cells
    # A new cell starts with an empty paragraph; drop it so the first line sits at the top.
    for cell in (left, right):
        cell._tc.remove(cell.paragraphs[0]._p)
    return left, right


def _letterhead(word, document: Document) -> None:
    letterhead = document.letterhead
    issuer_mm = TEXT_WIDTH_MM * 0.4
    left, right = _two_columns(word, issuer_mm)
    if letterhead.parent_body:
        _paragraph(left, letterhead.parent_body, size=12.5, align=CENTRE)
    for line in letterhead.issuing_body:
        _paragraph(left, line, size=12.5, align=CENTRE, bold=True)
    if letterhead.issuing_body:
        _rule(left, width_mm=issuer_mm * 0.35, column_mm=issuer_mm)
    if letterhead.number_code:
        _paragraph(left, _("Số: ……/%(code)s") % {"code": letterhead.number_code}, align=CENTRE)
    if not left.paragraphs:  # a Word cell must hold a paragraph, even without an issuing body
        _paragraph(left)
    _paragraph(right, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), size=12.5, align=CENTRE, bold=True)
    _paragraph(right, _("Độc lập - Tự do - Hạnh phúc"), size=13.5, align=CENTRE, bold=True, underline=True)
    _paragraph(right, "", space_after=4)
    _paragraph(right, letterhead.place_and_date, size=13.5, align=CENTRE, italic=True)


def _heading(word, document: Document) -> None:
    kind = _paragraph(word, document.kind.upper(), size=14, align=CENTRE, bold=True)
    kind.paragraph_format.space_before = Pt(18)
    for line in document.subject:
        _paragraph(word, line, size=14, align=CENTRE, bold=True)
    _rule(word, width_mm=TEXT_WIDTH_MM * 0.3, column_mm=TEXT_WIDTH_MM)
    _paragraph(word, space_after=6)


def _write_heading(word, heading: Heading) -> None:
    paragraph = _paragraph(word, heading.text, bold=True, italic=heading.level > 1, space_after=4)
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.paragraph_format.keep_with_next = True


def _write_paragraph(word, block: Paragraph) -> None:
    align = CENTRE if block.centre else WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph = _paragraph(word, block.text, align=align, space_after=6, bold=block.bold, italic=block.italic)
    if block.indent and not block.centre:
        paragraph.paragraph_format.first_line_indent = Mm(10)


def _write_table(word, block: Table) -> None:
    if block.caption:
        caption = _paragraph(word, block.caption, align=CENTRE, bold=True, space_after=3)
        caption.paragraph_format.keep_with_next = True
    widths = block.widths or [1] * len(block.columns)
    table = word.add_table(rows=1, cols=len(block.columns))
    table.style = word.styles["Table Grid"]
    for cell, column in zip(table.rows[0].cells, block.columns, strict=True):
        cell.paragraphs[0].alignment = CENTRE
        cell.paragraphs[0].add_run(charts.xml_safe(column)).bold = True
    _repeat_as_header(table.rows[0])
    for index, row in enumerate(block.rows):
        cells = table.add_row().cells
        for column, (cell, value) in enumerate(zip(cells, row, strict=True)):
            if column in block.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            cell.paragraphs[0].add_run(charts.xml_safe(cell_text(value))).bold = index in block.bold_rows or None
    _set_widths(table, [TEXT_WIDTH_MM * width / sum(widths) for width in widths])
    _paragraph(word, space_after=4)


def _set_widths(table, widths_mm: list[float]) -> None:
    """Fix the column widths; Word reads them from the cells, LibreOffice from the grid."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _repeat_as_header(row) -> None:
    """Print the header row again at the top of each page the table runs onto."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _write_chart(word, chart: Chart) -> None:
    paragraph = _paragraph(word, align=CENTRE, space_after=3)
    paragraph.paragraph_format.keep_with_next = bool(chart.caption)
    width = min(chart.width_mm, TEXT_WIDTH_MM)
    paragraph.add_run().add_picture(BytesIO(charts.svg_to_png(chart.svg)), width=Mm(width))
    if chart.caption:
        _paragraph(word, chart.caption, size=12, align=CENTRE, italic=True, space_after=6)


_BLOCK_WRITERS = {Heading: _write_heading, Paragraph: _write_paragraph, Table: _write_table, Chart: _write_chart}


def _closing(word, document: Document) -> None:
    if not document.recipients and not document.signature:
        return
    _paragraph(word, space_after=6)
    left, right = _two_columns(word, TEXT_WIDTH_MM * 0.45)
    if document.recipients:
        _paragraph(left, _("Nơi nhận:"), size=12, bold=True, italic=True)
        for line in recipient_lines(document.recipients):
            _paragraph(left, line, size=11)
    else:
        _paragraph(left)
    signature = document.signature
    if signature:
        for line in signature.lines:
            _paragraph(right, line, align=CENTRE, bold=True)
        if signature.hint:
            _paragraph(right, signature.hint, align=CENTRE, italic=True)
        for _blank in range(4):
            _paragraph(right)
        _paragraph(right, signature.name, align=CENTRE, bold=True)
    else:
        _paragraph(right)
