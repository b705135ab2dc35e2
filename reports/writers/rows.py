"""Long tables written row by row to CSV or XLSX, in flat memory, for exports of hundreds of thousands of rows.

The XLSX comes from openpyxl's write-only mode, which streams rows to a temporary file; it
costs about six times a CSV of the same rows (docs/benchmarks.md), so the results page offers
both. Rows hold int, str, datetime.date or None.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from functools import lru_cache
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports.charts import xml_safe
from reports.writers.xlsx import FORMULA_STARTS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
# Excel's limit: a sheet has at most this many rows, the header included.
XLSX_MAX_ROWS = 1_048_576


def write_csv(header: list[str], rows: Iterable[list], out: IO[bytes]) -> None:
    """UTF-8 with a byte order mark (without it Excel reads Vietnamese as Latin-1), commas, days as YYYY-MM-DD.

    A text that a spreadsheet would run as a formula ("=…", "+…", "-…", "@…") gets a leading
    apostrophe, as Excel itself writes such text; numbers are never touched.
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text)
    writer.writerow(list(map(_csv_cell, header)))
    writer.writerows(map(_csv_row, rows))
    text.flush()
    text.detach()  # leave `out` open for the caller


def write_xlsx(header: list[str], rows: Iterable[list], out: IO[bytes], *, sheet: str) -> None:
    """One sheet named `sheet`: the header frozen on top, days formatted dd/mm/yyyy, text never a formula."""
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(xml_safe(sheet)[:31])
    worksheet.freeze_panes = "A2"
    worksheet.append(header)
    for row in rows:
        worksheet.append([_xlsx_cell(worksheet, value) for value in row])
    book.save(out)


def _xlsx_cell(worksheet, value):
    if isinstance(value, str):
        value = _xlsx_text(value)
        if not value.startswith(FORMULA_STARTS):
            return value
        # openpyxl would store "=…" as a formula: keep it text, as Excel does with a leading apostrophe.
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if isinstance(value, datetime.datetime):
        raise TypeError("write a day, not a moment")
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = "dd/mm/yyyy"
        return cell
    return value


@lru_cache(maxsize=16384)
def _xlsx_text(value: str) -> str:
    return xml_safe(value)


def _csv_row(row: list) -> list:
    return list(map(_csv_cell, row))


@lru_cache(maxsize=16384)
def _csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
