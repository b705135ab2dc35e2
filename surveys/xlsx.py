"""Read the first sheet of an uploaded XLSX file for the importers, refusing what is not a sound one.

A workbook is a zip of XML parts that any program may have written, and openpyxl trusts it: the
sheet's `<dimension>`, the order of its rows, the sizes the zip declares. So the whole package is
checked before anything is parsed (packed and unpacked size, compression ratio, rows and strings
counted, no text longer than a cell can hold), then the first sheet is read with openpyxl's own
streaming parser, each cell placed by its reference: a row out of order is read, not dropped, and a
cell under no header is an error, not lost. Every refusal of the file is an XlsxError with a short
Vietnamese message; a refused cell is a CellProblem of its row.
"""

import math
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

MAX_BYTES = 20 * 1024 * 1024
# Unpacked, a 100,000-row sheet of 24 columns is about 100 MB of XML.
MAX_UNPACKED = 256 * 1024 * 1024
# A spreadsheet packs 5 to 20 times (17 for 100,000 identical ballots); a zip bomb a thousand times.
MAX_RATIO = 100
MAX_PARTS = 1000
# Excel holds at most 32,767 characters in a cell: under 200 KB of XML even with every one escaped.
MAX_CELL = 32_767
MAX_RUN = 512 * 1024
LAST_ROW, LAST_COLUMN = 1_048_576, 16_384
# The importers read a few dozen columns; a header running on to column XFD is a slip, and would
# make every row 16,384 cells long.
MAX_COLUMNS = 1000
# An importer stops checking after this many problems: nobody fixes a thousand cells from one list,
# and a file bad in every cell must not hold a million messages in memory.
MAX_PROBLEMS = 1000
# How much of a long problem a page or a terminal shows (a quoted cell may be 32,767 characters).
SHOWN_CHARS = 300

_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: an .xls file, or an .xlsx with a password
_STRICT = b"purl.oclc.org/ooxml/spreadsheetml"
_RECORD = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?(row|si)[\s/>]")
_OVERLAP = 32  # longer than any _RECORD match, so one split between two chunks is counted once
_CHUNK = 1024 * 1024
_PIECE = 64 * 1024
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_TEXT = re.compile(r"\s*=\s*[^\W\d]")
_ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)


class XlsxError(ValueError):
    """The file cannot be read as a spreadsheet; nothing was written."""


@dataclass(frozen=True)
class CellProblem:
    """A cell the reader refuses, located as Excel shows it."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Dòng %(row)d, cột %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Row:
    """One data row: a value per header column (None when blank), and the cells refused in it."""

    number: int
    cells: tuple[Any, ...]
    problems: tuple[CellProblem, ...]


class Sheet:
    """The first sheet of a workbook, open for reading; close it, or use it as a context manager."""

    def __init__(self, workbook, records: Iterator[tuple[int, list[dict]]], header: list[str], max_rows: int):
        self._workbook = workbook
        self._records = records
        self._max_rows = max_rows
        self._unnamed: dict[int, int] = {}
        self.header = header

    def rows(self) -> Iterator[Row]:
        """Every row under the header that holds something, in the order of the file, numbered as Excel shows it.

        Raises XlsxError when the sheet turns out broken: a row twice, a cell out of place, more rows than allowed.
        """
        numbers = {1}
        width = len(self.header)
        for number, record in self._records:
            if number in numbers:
                raise XlsxError(_("Tệp bị hỏng: dòng %(row)d có hai lần trong trang tính.") % {"row": number})
            numbers.add(number)
            if len(numbers) > self._max_rows + 1:
                raise XlsxError(_too_many_rows(self._max_rows))
            values: list[Any] = [None] * width
            problems = []
            for column, cell in _cells(number, record).items():
                value, refused = _value(cell)
                if refused:
                    problems.append(CellProblem(number, column_name(self.header, column - 1), refused))
                elif _blank(value):
                    continue
                elif column > width or not self.header[column - 1]:
                    self._unnamed.setdefault(column, number)
                else:
                    values[column - 1] = value
            if problems or any(value is not None for value in values):
                yield Row(number, tuple(values), tuple(problems))

    @property
    def problems(self) -> list[CellProblem]:
        """Columns that hold data under no header, among the rows read so far; reported on the header row."""
        message = _("Cột có dữ liệu nhưng không có tiêu đề.")
        return [CellProblem(1, get_column_letter(column), message) for column in sorted(self._unnamed)]

    def close(self) -> None:
        self._records.close()
        self._workbook.close()

    def __enter__(self) -> "Sheet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_sheet(file: IO[bytes], *, max_bytes: int | None = None, max_rows: int | None = None) -> Sheet:
    """The first sheet of the workbook, its header row read; raises XlsxError for a file it will not read.

    Size, packing and row count are checked before any XML is parsed, so a zip bomb or a
    million-row sheet is refused in a second or two. `max_rows` defaults to SIPAS_IMPORT_MAX_ROWS.
    """
    max_bytes = max_bytes or MAX_BYTES
    max_rows = max_rows or settings.SIPAS_IMPORT_MAX_ROWS
    _check_size(file, max_bytes)
    _check_package(file, max_rows)
    try:
        workbook = load_workbook(file, read_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises a dozen kinds on a damaged package
        raise XlsxError(_damaged()) from error
    sheets = [sheet for sheet in workbook.worksheets if isinstance(sheet, ReadOnlyWorksheet)]
    if not sheets:
        workbook.close()
        raise XlsxError(_("Tệp không có trang tính nào."))
    records = _records(workbook, sheets[0])
    try:
        header = _header(records)
    except XlsxError:
        records.close()
        workbook.close()
        raise
    return Sheet(workbook, records, header, max_rows)


def column_name(header: list[str], index: int) -> str:
    """How an error names a column: its header, or its letter when the header is blank."""
    return header[index] if index < len(header) and header[index] else get_column_letter(index + 1)


def shortened(message: str, limit: int = SHOWN_CHARS) -> str:
    """A problem as a page shows it: a long quoted cell cut in the middle, the advice at the end kept."""
    if len(message) <= limit:
        return message
    head = limit // 3
    return message[:head] + "…" + message[-(limit - head - 1) :]


def stopped_at(row: int) -> str:
    """The last problem of a file whose checking stopped after MAX_PROBLEMS."""
    return _("Đã dừng kiểm tra ở dòng %(row)d sau %(count)s lỗi; sửa các lỗi trên rồi tải tệp lên lại.") % {
        "row": row,
        "count": number_format(MAX_PROBLEMS, force_grouping=True),
    }


def _check_size(file: IO[bytes], max_bytes: int) -> None:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise XlsxError(_("Tệp trống."))
    if size > max_bytes:
        raise XlsxError(
            _("Tệp quá lớn (%(size).1f MB); giới hạn là %(limit)d MB.")
            % {"size": size / 1024 / 1024, "limit": max_bytes // 1024 // 1024}
        )


def _check_package(file: IO[bytes], max_rows: int) -> None:
    """Refuse, before openpyxl parses anything, a package that would inflate past the limits.

    Declared sizes are checked first; then every XML part is inflated once, in chunks, through
    zipfile, which stops at the declared size and checks the CRC, so a size that lies is a
    damaged file. The scan counts rows and shared strings, and refuses text longer than a cell.
    """
    if file.read(len(_OLD_EXCEL)) == _OLD_EXCEL:
        raise XlsxError(
            _(
                "Tệp là bảng tính Excel cũ (.xls) hoặc có đặt mật khẩu: mở bằng Excel, bỏ mật khẩu nếu có, "
                "rồi lưu lại dạng Excel Workbook (.xlsx)."
            )
        )
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except Exception as error:  # BadZipFile, or a directory record pointing past the end
        file.seek(0)
        # A zip's first record starts "PK": this one was cut short or broken, not some other kind of file.
        message = _damaged() if file.read(2) == b"PK" else _("Tệp không phải bảng tính Excel (.xlsx).")
        raise XlsxError(message) from error
    try:
        with archive:
            parts = archive.infolist()
            _check_sizes(parts)
            for part in parts:
                if part.filename.lower().endswith((".xml", ".rels")):
                    _scan(archive, part, max_rows)
    except XlsxError:
        raise
    except Exception as error:  # a bad CRC or deflate stream, an encrypted or oddly compressed part
        raise XlsxError(_damaged()) from error
    finally:
        file.seek(0)


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_PARTS:
        raise XlsxError(
            _("Tệp có %(count)s phần nén, quá nhiều cho một bảng tính; không đọc tệp này.")
            % {"count": number_format(len(parts), force_grouping=True)}
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED:
        raise XlsxError(
            _("Tệp giải nén ra %(size)s MB, quá giới hạn %(limit)s MB: chia thành nhiều tệp nhỏ hơn.")
            % {"size": number_format(unpacked // 1024 // 1024, force_grouping=True), "limit": MAX_UNPACKED >> 20}
        )
    for part in parts:
        if part.file_size > _CHUNK and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise XlsxError(
                _("Tệp nén bất thường (một phần giải nén ra gấp %(ratio)s lần); không đọc tệp này.")
                % {"ratio": number_format(part.file_size // max(part.compress_size, 1), force_grouping=True)}
            )


def _scan(archive: zipfile.ZipFile, part: zipfile.ZipInfo, max_rows: int) -> None:
    """Inflate one XML part, counting its rows and strings; refuse a sheet too long or text too long for a cell."""
    rows = strings = 0
    run = 0
    carry = b""
    with archive.open(part) as stream:
        first = True
        while chunk := stream.read(_CHUNK):
            if first and _STRICT in chunk[:4096]:
                raise XlsxError(
                    _(
                        "Tệp được lưu dạng “Strict Open XML Spreadsheet”: mở bằng Excel và lưu lại dạng "
                        "“Excel Workbook (.xlsx)”."
                    )
                )
            first = False
            run = _run_after(chunk, run)
            buffer = carry + chunk
            end = max(0, len(buffer) - _OVERLAP)
            for match in _RECORD.finditer(buffer):
                if match.start() >= end:
                    break
                if match.group(1) == b"row":
                    rows += 1
                else:
                    strings += 1
            carry = buffer[end:]
            # A sheet has at most one header and max_rows rows; every row may bring strings of its own.
            if rows > max_rows + 1:
                raise XlsxError(_too_many_rows(max_rows))
            if strings > 10 * (max_rows + 1):
                raise XlsxError(
                    _("Tệp có hơn %(limit)s ô chữ khác nhau: chia thành nhiều tệp.")
                    % {"limit": number_format(10 * max_rows, force_grouping=True)}
                )
    for match in _RECORD.finditer(carry):
        rows += match.group(1) == b"row"
    if rows > max_rows + 1:
        raise XlsxError(_too_many_rows(max_rows))


def _run_after(chunk: bytes, run: int) -> int:
    """Bytes since the last "<" at the end of `chunk`, given `run` before it; raise past MAX_RUN.

    Looked at in pieces smaller than MAX_RUN, a stretch without "<" can only be too long where
    it crosses a piece's edge, so two searches per piece find it.
    """
    for start in range(0, len(chunk), _PIECE):
        stop = min(start + _PIECE, len(chunk))
        first = chunk.find(b"<", start, stop)
        if first < 0:
            run += stop - start
        else:
            if run + first - start > MAX_RUN:
                break
            run = stop - 1 - chunk.rfind(b"<", start, stop)
        if run > MAX_RUN:
            break
    else:
        return run
    raise XlsxError(
        _("Tệp có nội dung dài bất thường: một ô của Excel chứa tối đa %(limit)s ký tự; không đọc tệp này.")
        % {"limit": number_format(MAX_CELL, force_grouping=True)}
    )


def _records(workbook, sheet: ReadOnlyWorksheet) -> Iterator[tuple[int, list[dict]]]:
    """The sheet's row records in the order of the file, parsed by openpyxl as it streams them.

    ReadOnlyWorksheet's own rows trust the `<dimension>` (a file that understates it loses rows)
    and drop a row numbered before the one above it; its parser does neither. The parser and the
    sheet's source are openpyxl internals: openpyxl is pinned in requirements.txt.
    """
    last = 0
    try:
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for record in parser.parse():
                last = record[0]
                yield record
    except Exception as error:  # broken XML, a bad number or string index, a cell reference past ZZZ
        raise XlsxError(_damaged(last)) from error


def _header(records: Iterator[tuple[int, list[dict]]]) -> list[str]:
    """The names on row 1, stripped, blank ones as ""; refuse a sheet without one."""
    missing = _("Trang tính đầu tiên không có dòng tiêu đề.")
    number, record = next(records, (0, []))
    if number != 1:
        raise XlsxError(missing)
    cells = _cells(1, record)
    names = [""] * max(cells, default=0)
    for column, cell in cells.items():
        value, refused = _value(cell)
        if refused:
            raise XlsxError(str(CellProblem(1, get_column_letter(column), refused)))
        names[column - 1] = "" if _blank(value) else str(value).strip()
    while names and not names[-1]:
        names.pop()
    if not names:
        raise XlsxError(missing)
    if len(names) > MAX_COLUMNS:
        raise XlsxError(
            _("Dòng tiêu đề kéo dài tới cột %(column)s (%(count)s cột): xóa các cột thừa rồi tải lên lại.")
            % {"column": get_column_letter(len(names)), "count": number_format(len(names), force_grouping=True)}
        )
    return names


def _cells(number: int, record: list[dict]) -> dict[int, dict]:
    """The cells of row `number` by column, each checked to stand where the sheet says and only once."""
    if not 1 <= number <= LAST_ROW:
        raise XlsxError(_("Tệp bị hỏng: có dòng số %(row)d, ngoài giới hạn của Excel.") % {"row": number})
    cells: dict[int, dict] = {}
    for cell in record:
        column = cell["column"]
        if column > LAST_COLUMN or cell["row"] != number or column in cells:
            reference = f"{get_column_letter(column)}{cell['row']}"
            if column > LAST_COLUMN:
                message = _("Tệp bị hỏng: ô %(cell)s nằm sau cột cuối cùng của Excel (XFD).")
            elif cell["row"] != number:
                message = _("Tệp bị hỏng: ô %(cell)s nằm trong dòng %(row)d.")
            else:
                message = _("Tệp bị hỏng: ô %(cell)s có hai lần.")
            raise XlsxError(message % {"cell": reference, "row": number})
        cells[column] = cell
    return cells


def _value(cell: dict) -> tuple[Any, str | None]:
    """A cell's value as the importers read it, or why it is refused.

    Text loses the invisible characters that make two equal codes differ, and is NFC ("ộ" one way).
    A formula is refused, not its cached result taken: what the file says is what is stored.
    """
    value, kind = cell["value"], cell["data_type"]
    if kind == "f":
        formula = shortened(str(getattr(value, "text", value)), 40)
        return None, _("Ô chứa công thức (%(formula)s): chép cột rồi dán dạng giá trị (Paste Values).") % {
            "formula": formula
        }
    if isinstance(value, float) and not math.isfinite(value):
        return None, _("Ô có số không hợp lệ (%(value)s).") % {"value": value}
    if not isinstance(value, str):
        return value, None
    text = unicodedata.normalize("NFC", value.translate(_INVISIBLE))
    if kind == "e" or text.strip() in _ERROR_VALUES:
        return None, _("Ô báo lỗi %(error)s của Excel: sửa công thức hoặc ghi giá trị.") % {
            "error": shortened(text.strip(), 40)
        }
    if len(text) > MAX_CELL:
        return None, _("Ô dài %(length)s ký tự, quá giới hạn %(limit)s ký tự của một ô Excel.") % {
            "length": number_format(len(text), force_grouping=True),
            "limit": number_format(MAX_CELL, force_grouping=True),
        }
    if _CONTROL.search(text):
        return None, _("Ô có ký tự điều khiển không hợp lệ: gõ lại nội dung ô.")
    if _FORMULA_TEXT.match(text):
        return None, _("Ô chứa công thức (%(formula)s): chép cột rồi dán dạng giá trị (Paste Values).") % {
            "formula": shortened(text.strip(), 40)
        }
    return text, None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _damaged(row: int = 0) -> str:
    if row:
        return _("Tệp .xlsx bị hỏng sau dòng %(row)d: mở bằng Excel, lưu lại rồi tải lên lại.") % {"row": row}
    return _("Tệp .xlsx bị hỏng, không đọc được: mở bằng Excel, lưu lại rồi tải lên lại.")


def _too_many_rows(max_rows: int) -> str:
    return _("Trang tính có hơn %(limit)s dòng; mỗi lần chỉ nhập tối đa %(limit)s dòng: chia thành nhiều tệp.") % {
        "limit": number_format(max_rows, force_grouping=True)
    }
