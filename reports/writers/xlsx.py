"""The XLSX of a Document, for analysis: the same text and tables, numbers kept as numbers.

Charts are left out: the tables beside them hold the same figures.
"""

import math
import re
from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reports import charts
from reports.document import Document, Heading, Paragraph, Table
from reports.renderers.base import DOCUMENT_LANGUAGE
from reports.writers.cells import recipient_lines

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSION = "xlsx"
FONT = "Times New Roman"
# A text starting with one of these is a formula to Excel, LibreOffice and Sheets: keep it a string.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRED = Alignment(wrap_text=True, vertical="top", horizontal="center")
# Excel's limits on sheet names.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write(document: Document) -> bytes:
    """Build the workbook of `document`: the whole report on one sheet, then a sheet per named table."""
    with translation.override(DOCUMENT_LANGUAGE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Báo cáo")
        tables = [block for block in document.blocks if isinstance(block, Table)]
        _set_widths(sheet, tables)
        _Report(sheet, width=max([len(table.columns) for table in tables] + [3])).write(document)
        for table in tables:
            if table.sheet:
                analysis = workbook.create_sheet(_sheet_name(table.sheet, workbook.sheetnames))
                _set_widths(analysis, [table])
                _write_table(analysis, table, first_row=1)
                analysis.freeze_panes = "A2"
        if document.landscape:
            for each in workbook.worksheets:
                _print_across(each)
        workbook.properties.title = charts.xml_safe(document.title or document.kind)
        workbook.properties.language = "vi-VN"
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Report:
    """Writes the report's lines down the first sheet, each text line merged across the table width."""

    def __init__(self, sheet, *, width: int):
        self.sheet, self.width, self.row = sheet, width, 1
        self.line_chars = sum(sheet.column_dimensions[get_column_letter(c)].width for c in range(1, width + 1))

    def write(self, document: Document) -> None:
        letterhead = document.letterhead
        if letterhead.parent_body:
            self.line(letterhead.parent_body, centre=True)
        for line in letterhead.issuing_body:
            self.line(line, centre=True, bold=True)
        if letterhead.number_code:
            self.line(_("Số: ……/%(code)s") % {"code": letterhead.number_code}, centre=True)
        self.line(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centre=True, bold=True)
        self.line(_("Độc lập - Tự do - Hạnh phúc"), centre=True, bold=True)
        self.line(letterhead.place_and_date, centre=True, italic=True)
        self.row += 1
        self.line(document.kind.upper(), centre=True, bold=True, size=14)
        for line in document.subject:
            self.line(line, centre=True, bold=True)
        self.row += 1
        for block in document.blocks:
            if isinstance(block, Heading):
                self.line(block.text, bold=True, italic=block.level > 1)
            elif isinstance(block, Paragraph):
                self.line(block.text, bold=block.bold, italic=block.italic, centre=block.centre)
            elif isinstance(block, Table):
                if block.caption:
                    self.line(block.caption, bold=True, centre=True)
                self.row = _write_table(self.sheet, block, first_row=self.row) + 1
        if document.recipients:
            self.row += 1
            self.line(_("Nơi nhận:"), bold=True, italic=True)
            for line in recipient_lines(document.recipients):
                self.line(line)
        if document.signature:
            self.row += 1
            for line in document.signature.lines:
                self.line(line, bold=True)
            if document.signature.hint:
                self.line(document.signature.hint, italic=True)
            self.line(document.signature.name, bold=True)

    def line(self, text: str, *, bold=False, italic=False, centre=False, size=13) -> None:
        cell = self.sheet.cell(row=self.row, column=1)
        set_text(cell, text)
        cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
        cell.alignment = CENTRED if centre else WRAP
        if self.width > 1:
            self.sheet.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=self.width)
        # Excel does not grow a merged row to fit its text: give it the lines it needs.
        lines = max(1, math.ceil(len(text) * 1.1 / max(self.line_chars, 1)))
        self.sheet.row_dimensions[self.row].height = 17 * lines
        self.row += 1


def set_text(cell, value: str) -> None:
    """Put text in a cell so that no spreadsheet ever runs it as a formula."""
    value = charts.xml_safe(value)
    cell.value = value
    if value.startswith(FORMULA_STARTS):
        # openpyxl stores "=…" as a formula; as a string it is written as text, and the
        # quote prefix keeps Excel from turning it into one when someone edits the cell.
        cell.data_type = "s"
        cell.quotePrefix = True


def _write_table(sheet, table: Table, *, first_row: int) -> int:
    """Write the header and the rows from `first_row`; return the row after the table."""
    for column, title in enumerate(table.columns, start=1):
        cell = sheet.cell(row=first_row, column=column)
        set_text(cell, title)
        cell.font, cell.fill, cell.border, cell.alignment = Font(name=FONT, bold=True), HEADER_FILL, BORDER, CENTRED
    for offset, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=first_row + offset, column=column)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
                cell.number_format = "0.00" if isinstance(value, float) else "#,##0"
            cell.border, cell.alignment = BORDER, WRAP
            cell.font = Font(name=FONT, bold=offset - 1 in table.bold_rows)
            if column - 1 in table.shaded and isinstance(value, (int, float)):
                # The heatmap's colour, with the ink that keeps the number readable on it.
                fill = charts.heat_colour(value)
                cell.fill = PatternFill("solid", fgColor=fill.lstrip("#"))
                cell.font = Font(name=FONT, color=charts.ink_on(fill).lstrip("#"))
    return first_row + len(table.rows) + 1


def _set_widths(sheet, tables: list[Table]) -> None:
    """Size each column to its longest entry, within limits a screen can show."""
    longest: dict[int, int] = {}
    for table in tables:
        for row in [table.columns, *table.rows]:
            for column, value in enumerate(row, start=1):
                text = "" if value is None else str(value)
                longest[column] = max(longest.get(column, 0), len(text))
    for column in range(1, max(longest, default=3) + 1):
        width = min(max(longest.get(column, 0) + 2, 8), 60)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _print_across(sheet) -> None:
    """Print a wide sheet on A4 turned sideways, all its columns on one page's width, its header on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.freeze_panes == "A2":
        sheet.print_title_rows = "1:1"


def _sheet_name(name: str, taken: list[str]) -> str:
    """A sheet name Excel accepts (31 characters, no []:*?/\\) that no other sheet has."""
    base = _SHEET_FORBIDDEN.sub(" ", charts.xml_safe(name)).strip("' ")[:31] or _("Bảng")
    candidate, number = base, 2
    while candidate.lower() in {sheet.lower() for sheet in taken}:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    return candidate
