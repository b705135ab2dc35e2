"""Read the first sheet of an uploaded XLSX file, refusing what is not one, with Vietnamese messages."""

import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_BYTES = 20 * 1024 * 1024
Rows = Iterator[tuple[int, tuple[Any, ...]]]


class XlsxError(ValueError):
    """The file cannot be read as a spreadsheet; nothing was written."""


def size_of(file: IO[bytes]) -> int:
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def read_rows(file: IO[bytes], *, max_bytes: int = MAX_BYTES) -> tuple[list[str], Rows]:
    """The header row (stripped text) and the data rows of the first sheet, numbered as Excel shows them.

    Fully empty rows are skipped. Raises XlsxError for a file that is too large,
    not an XLSX workbook, or has no header row.
    """
    size = size_of(file)
    if size == 0:
        raise XlsxError(_("Tệp trống."))
    if size > max_bytes:
        raise XlsxError(
            _("Tệp quá lớn (%(size).1f MB); giới hạn là %(limit)d MB.")
            % {"size": size / 1024 / 1024, "limit": max_bytes // 1024 // 1024}
        )
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise XlsxError(_("Tệp không phải bảng tính Excel (.xlsx).")) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(cell is None or str(cell).strip() == "" for cell in header):
        workbook.close()
        raise XlsxError(_("Trang tính đầu tiên không có dòng tiêu đề."))
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    while names and names[-1] == "":
        names.pop()

    def data() -> Rows:
        try:
            for number, row in enumerate(rows, start=2):
                if any(cell is not None and str(cell).strip() != "" for cell in row):
                    yield number, row[: len(names)]
        finally:
            workbook.close()

    return names, data()


def column_name(header: list[str], index: int) -> str:
    """How an error names a column: its header, or its letter when the header is blank."""
    return header[index] if index < len(header) and header[index] else get_column_letter(index + 1)
