"""Load the national procedure catalogue and import a province's own list from a spreadsheet."""

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from surveys import xlsx
from surveys.audit import log_action
from surveys.models import Procedure, ProcedureField, Unit
from surveys.permissions import units_with
from surveys.text import fold

NATIONAL_CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "procedures.json"

# The columns of the import file, in the order the template shows them; the code is optional.
COLUMNS = {"code": "Mã thủ tục", "name": "Tên thủ tục", "field": "Lĩnh vực", "level": "Cấp"}
REQUIRED = ("name", "field", "level")
_LEVELS = {"xa": Procedure.Level.COMMUNE, "cap xa": Procedure.Level.COMMUNE}
_LEVELS |= {"tinh": Procedure.Level.PROVINCE, "cap tinh": Procedure.Level.PROVINCE}
_MAX_LENGTH = {key: Procedure._meta.get_field(key).max_length for key in ("code", "name")}
_MAX_LENGTH["field"] = ProcedureField._meta.get_field("name").max_length


@dataclass(frozen=True)
class RowProblem:
    """One problem of the file, located as Excel shows it; row 0 means the file as a whole."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        return _("Dòng %(row)s, cột %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class CatalogueInvalid(ValueError):
    """The list has problems; nothing was written. `problems` holds every one of them."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class ProcedureRow:
    code: str
    name: str
    field: str
    level: str


@dataclass(frozen=True)
class ProceduresWritten:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def provinces_importable_by(user):
    """Provinces whose own list `user` may replace: administrators and heads reaching the province itself."""
    return units_with(user, "catalogue.import").filter(kind=Unit.Kind.PROVINCE).current().order_by("code")


@transaction.atomic
def procedures_load(*, path: Path = NATIONAL_CATALOGUE) -> ProceduresWritten:
    """Create or update the national catalogue from the fixture, matched by name and level; idempotent."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))["procedures"]
        raw = [(number, {key: item.get(key) for key in COLUMNS}) for number, item in enumerate(items, start=1)]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        message = _("Tệp %(name)s sai cấu trúc: %(error)s") % {"name": path.name, "error": error}
        raise CatalogueInvalid([RowProblem(0, "", message)]) from error
    rows, problems = _check_rows(raw)
    if problems:
        raise CatalogueInvalid(problems)
    return _write(rows, province=None)


@transaction.atomic
def procedures_import(
    *, actor, province: Unit, file: IO[bytes], filename: str, max_bytes: int | None = None
) -> ProceduresWritten:
    """Add or update the province's own procedures from an XLSX file, all or nothing.

    Every problem of the file is collected and raised together as CatalogueInvalid.
    Rows are matched to what the province already has by name and level, so
    importing the same file twice changes nothing. `actor` None is a command run
    by the system operator; a person must reach the province as admin or head.
    """
    if actor is not None and not provinces_importable_by(actor).filter(pk=province.pk).exists():
        raise PermissionDenied(_("Bạn không được nhập danh mục thủ tục của tỉnh này."))
    if province.kind != Unit.Kind.PROVINCE:
        raise CatalogueInvalid([RowProblem(0, "", _("Danh mục thủ tục riêng chỉ gắn với tỉnh, thành phố."))])
    if not filename.lower().endswith(".xlsx"):
        raise CatalogueInvalid([RowProblem(0, "", _("Chỉ nhận tệp Excel có đuôi .xlsx."))])
    try:
        with xlsx.open_sheet(file, max_bytes=max_bytes) as sheet:
            raw, problems = _read_sheet(sheet)
    except xlsx.XlsxError as error:
        raise CatalogueInvalid([RowProblem(0, "", str(error))]) from error
    if problems:
        raise CatalogueInvalid(problems)
    if not raw:
        raise CatalogueInvalid([RowProblem(0, "", _("Tệp chỉ có dòng tiêu đề, chưa có thủ tục nào."))])
    rows, problems = _check_rows(raw)
    if len(problems) > xlsx.MAX_PROBLEMS:
        problems[xlsx.MAX_PROBLEMS :] = [RowProblem(0, "", xlsx.stopped_at(problems[xlsx.MAX_PROBLEMS].row))]
    if problems:
        raise CatalogueInvalid(problems)
    result = _write(rows, province=province)
    log_action(
        actor=actor,
        action="surveys.procedures.imported",
        unit=province,
        data={
            "filename": filename,
            "rows": len(rows),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def import_template() -> bytes:
    """The empty import file: the header row and one example row, the code column kept as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Thủ tục"
    sheet.append(list(COLUMNS.values()))
    sheet.append(["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "xã"])
    # A code typed as a number loses its trailing zeros (1.001190 becomes 1.00119).
    for cell in sheet["A"]:
        cell.number_format = "@"
    for letter, width in zip("ABCD", (14, 80, 30, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _read_header(header: list[str]) -> tuple[dict[str, int], list[RowProblem]]:
    """Find each known column by its name (diacritics and case optional)."""
    wanted = {fold(title): key for key, title in COLUMNS.items()}
    positions: dict[str, int] = {}
    problems = []
    for index, title in enumerate(header):
        key = wanted.get(fold(title))
        if key is None:
            continue
        if key in positions:
            problems.append(RowProblem(1, title, _("cột này có hai lần; chỉ giữ một cột.")))
        positions[key] = index
    missing = [COLUMNS[key] for key in REQUIRED if key not in positions]
    if missing:
        expected = ", ".join(COLUMNS.values())
        problems.append(
            RowProblem(
                0,
                "",
                _(
                    "Dòng tiêu đề thiếu cột %(missing)s. Dòng đầu tiên của trang tính phải là: %(expected)s "
                    "(mã thủ tục không bắt buộc); hãy dùng tệp mẫu."
                )
                % {"missing": ", ".join(missing), "expected": expected},
            )
        )
    return positions, problems


def _read_sheet(sheet: xlsx.Sheet) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """The known columns' cells of every row, and the problems of the header and of the cells the reader refused.

    Other columns are ignored, a formula in them too: a list often numbers its rows with =ROW()-1.
    """
    positions, problems = _read_header(sheet.header)
    if problems:
        return [], problems
    used = {sheet.header[index] for index in positions.values()}
    raw = []
    for row in sheet.rows():
        if len(problems) >= xlsx.MAX_PROBLEMS:
            problems.append(RowProblem(0, "", xlsx.stopped_at(row.number)))
            break
        refused = [RowProblem(p.row, p.column, p.message) for p in row.problems if p.column in used]
        if refused:
            problems += refused
        else:
            raw.append((row.number, {key: row.cells[index] for key, index in positions.items()}))
    problems[:0] = [RowProblem(problem.row, problem.column, problem.message) for problem in sheet.problems]
    return raw, problems


def _check_rows(raw: Iterable[tuple[int, Mapping[str, Any]]]) -> tuple[list[ProcedureRow], list[RowProblem]]:
    """Turn raw cells into rows, collecting every problem instead of stopping at the first."""
    rows: list[ProcedureRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in raw:
        found = [RowProblem(number, COLUMNS[key], xlsx.shortened(message)) for key, message in _row_problems(cells)]
        values = {key: _text(cells.get(key)) for key in COLUMNS}
        level = _LEVELS.get(fold(values["level"]))
        if values["name"] and level:
            key = (fold(values["name"]), level)
            if key in seen:
                message = _("thủ tục này đã có ở dòng %(row)s, cùng cấp.") % {"row": seen[key]}
                found.append(RowProblem(number, COLUMNS["name"], message))
            seen.setdefault(key, number)
        if found:
            problems += found
        else:
            rows.append(ProcedureRow(values["code"], values["name"], values["field"], level))
    return rows, problems


def _row_problems(cells: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """(column key, message) for each problem of one row taken alone."""
    code = cells.get("code")
    if isinstance(code, int | float) and not isinstance(code, bool):
        yield "code", _("mã đang ở dạng số nên Excel có thể đã bỏ số 0 ở cuối; định dạng ô là Text rồi gõ lại.")
    values = {key: _text(cells.get(key)) for key in COLUMNS}
    if not values["name"]:
        yield "name", _("chưa có tên thủ tục.")
    if not values["field"]:
        yield "field", _("chưa có lĩnh vực.")
    for key, limit in _MAX_LENGTH.items():
        if len(values[key]) > limit:
            yield key, _("dài %(length)s ký tự, tối đa %(limit)s.") % {"length": len(values[key]), "limit": limit}
    if not values["level"]:
        yield "level", _("chưa ghi cấp thực hiện (xã hoặc tỉnh).")
    elif fold(values["level"]) not in _LEVELS:
        yield "level", _("“%(value)s” không hợp lệ: ghi “xã” hoặc “tỉnh”.") % {"value": values["level"]}


def _text(value: Any) -> str:
    """A cell as single-spaced text; blank cells become ""."""
    return " ".join(str(value).split()) if value is not None else ""


def _write(rows: list[ProcedureRow], *, province: Unit | None) -> ProceduresWritten:
    """Create the new procedures and update code and field of the known ones, in a few queries."""
    fields = _fields_by_name({row.field for row in rows})
    existing = {
        (procedure.name, procedure.level): procedure
        for procedure in Procedure.objects.filter(province=province, name__in={row.name for row in rows})
    }
    new: list[Procedure] = []
    changed: list[Procedure] = []
    for row in rows:
        field = fields[row.field]
        procedure = existing.get((row.name, row.level))
        if procedure is None:
            procedure = Procedure(code=row.code, name=row.name, field=field, level=row.level, province=province)
            procedure.set_derived_fields()
            new.append(procedure)
        elif procedure.code != row.code or procedure.field_id != field.pk:
            procedure.code, procedure.field = row.code, field
            changed.append(procedure)
    Procedure.objects.bulk_create(new, batch_size=1000)
    Procedure.objects.bulk_update(changed, ["code", "field"], batch_size=1000)
    return ProceduresWritten(created=len(new), updated=len(changed), unchanged=len(rows) - len(new) - len(changed))


def _fields_by_name(names: set[str]) -> dict[str, ProcedureField]:
    """The field of each name, created when missing; "HỘ TỊCH" finds "Hộ tịch" rather than adding a twin."""
    known = {fold(field.name): field for field in ProcedureField.objects.all()}
    missing: dict[str, str] = {}
    for name in sorted(names):
        if fold(name) not in known:
            missing.setdefault(fold(name), name)
    if missing:
        ProcedureField.objects.bulk_create(ProcedureField(name=name) for name in missing.values())
        known = {fold(field.name): field for field in ProcedureField.objects.all()}
    return {name: known[fold(name)] for name in names}
