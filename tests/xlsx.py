"""Spreadsheets for the import tests, written with openpyxl as Excel would save them."""

from io import BytesIO

from openpyxl import Workbook


def workbook_bytes(header, rows) -> bytes:
    """An XLSX file whose first sheet holds the header row, then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
