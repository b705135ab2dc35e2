"""Register resolved dossiers: typed at the counter, imported from a file, or sent by the one-stop software."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from surveys.audit import log_action
from surveys.dates import parse_day
from surveys.models import Dossier, Procedure, ResolvedCount, Unit
from surveys.services.responses import clean_text
from surveys.services.tallies import dossier_months_count
from surveys.text import fold
from surveys.xlsx import MAX_PROBLEMS, CellProblem, Sheet, XlsxError, open_sheet, shortened, stopped_at

# The fields of a dossier as the API and the import file name them, in the file's column order.
FIELDS = ("dossier_code", "procedure", "received", "resolved", "on_time", "officer")
IMPORT_HEADERS = {
    "Mã hồ sơ": "dossier_code",
    "Thủ tục": "procedure",
    "Ngày tiếp nhận": "received",
    "Ngày giải quyết": "resolved",
    "Đúng hạn": "on_time",
    "Công chức giải quyết": "officer",
}
_ON_TIME = {"true": True, "có": True, "co": True, "đúng hạn": True, "dung han": True, "1": True, "x": True}
_LATE = {"false": False, "không": False, "khong": False, "trễ hạn": False, "tre han": False, "0": False}


class DossierInvalid(ValueError):
    """`errors` maps each bad field (as in FIELDS) to a Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class DossierData:
    code: str
    procedure: Procedure | None
    procedure_text: str
    received: datetime.date
    resolved: datetime.date
    on_time: bool
    officer: str


def dossier_parse(*, unit: Unit, raw: Mapping[str, Any], today: datetime.date | None = None) -> DossierData:
    """Check one dossier's fields; raise DossierInvalid naming every bad one."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    checks = {
        "dossier_code": lambda v: _required(v, 60, _("Thiếu mã hồ sơ.")),
        "procedure": lambda v: _required(v, 500, _("Thiếu thủ tục.")),
        "received": lambda v: parse_day(v, today=today, what=_("ngày tiếp nhận")),
        "resolved": lambda v: parse_day(v, today=today, what=_("ngày giải quyết")),
        "on_time": _on_time,
        "officer": lambda v: clean_text(v or "", 200),
    }
    for field, check in checks.items():
        try:
            values[field] = check(raw.get(field))
        except ValueError as error:
            errors[field] = str(error)
    if "received" in values and "resolved" in values and values["resolved"] < values["received"]:
        errors["resolved"] = _("Ngày giải quyết (%(resolved)s) trước ngày tiếp nhận (%(received)s).") % {
            "resolved": f"{values['resolved']:%d/%m/%Y}",
            "received": f"{values['received']:%d/%m/%Y}",
        }
    if errors:
        raise DossierInvalid(errors)
    procedure = _procedure(unit, values["procedure"])
    return DossierData(
        code=values["dossier_code"],
        procedure=procedure,
        procedure_text="" if procedure else values["procedure"],
        received=values["received"],
        resolved=values["resolved"],
        on_time=values["on_time"],
        officer=values["officer"],
    )


def _required(value: Any, limit: int, missing: str) -> str:
    text = clean_text(value if value is not None else "", limit)
    if not text:
        raise ValueError(missing)
    return text


def _on_time(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value if value is not None else "", 20).lower()
    if text in _ON_TIME:
        return True
    if text in _LATE:
        return False
    raise ValueError(_("“%(text)s” không hợp lệ: ghi “Đúng hạn” hoặc “Trễ hạn” (true/false).") % {"text": text})


def _procedure(unit: Unit, text: str) -> Procedure | None:
    """The catalogue entry by code or name (diacritics optional); None keeps the words written."""
    catalogue = Procedure.objects.available_to(unit)
    return catalogue.filter(code__iexact=text).first() or catalogue.filter(search_name=fold(text)).first()


def dossier_register(*, unit: Unit, data: DossierData, source: str, actor=None) -> tuple[Dossier, bool]:
    """Store a dossier once per unit and code: the same code again returns the stored one, unchanged."""
    existing = Dossier.objects.filter(unit=unit, code=data.code).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            dossier = _dossier(unit, data, source, actor)
            dossier.save()
            dossier_months_count(unit_id=unit.pk, months=[dossier.resolved])
    except IntegrityError:
        # The same dossier arrived twice at once; the first one stands.
        existing = Dossier.objects.filter(unit=unit, code=data.code).first()
        if existing is None:
            raise
        return existing, False
    return dossier, True


def _dossier(unit: Unit, data: DossierData, source: str, actor) -> Dossier:
    """The unsaved row of a checked dossier."""
    return Dossier(
        unit=unit,
        code=data.code,
        procedure=data.procedure,
        procedure_text=data.procedure_text,
        received=data.received,
        resolved=data.resolved,
        on_time=data.on_time,
        officer=data.officer,
        source=source,
        created_by=actor,
    )


@dataclass(frozen=True)
class DossierImportResult:
    created: int
    existing: int


class DossiersImportError(ValueError):
    """`problems` lists every problem of the file ("Dòng 5, cột Ngày giải quyết: …"); nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problems; nothing written")
        self.problems = problems


def dossiers_import(*, actor, unit: Unit, file: IO[bytes]) -> DossierImportResult:
    """Store every dossier of the file, or none. Codes already registered are left as they are."""
    try:
        with open_sheet(file) as sheet:
            parsed, seen = _checked_dossiers(unit, sheet)
    except XlsxError as error:
        raise DossiersImportError([str(error)]) from error
    known = set(Dossier.objects.filter(unit=unit, code__in=seen).values_list("code", flat=True))
    fresh = [data for data in parsed if data.code not in known]
    with transaction.atomic():
        Dossier.objects.bulk_create(
            (_dossier(unit, data, Dossier.Source.IMPORT, actor) for data in fresh),
            # A dossier the one-stop software sent a moment ago stands, as with codes known before.
            ignore_conflicts=True,
        )
        dossier_months_count(unit_id=unit.pk, months=[data.resolved for data in fresh])
        log_action(
            actor=actor,
            action="surveys.dossiers.imported",
            unit=unit,
            data={"created": len(fresh), "existing": len(known)},
        )
    return DossierImportResult(created=len(fresh), existing=len(known))


def _checked_dossiers(unit: Unit, sheet: Sheet) -> tuple[list[DossierData], dict[str, int]]:
    """Every dossier of the sheet and the row of each code, or DossiersImportError listing every problem."""
    header = sheet.header
    columns = {index: IMPORT_HEADERS.get(name) for index, name in enumerate(header)}
    missing = [name for name, field in IMPORT_HEADERS.items() if field not in columns.values() and field != "officer"]
    problems = [
        _("Thiếu cột “%(column)s”. Dòng đầu phải có: %(headers)s.")
        % {"column": name, "headers": ", ".join(IMPORT_HEADERS)}
        for name in missing
    ]
    problems += [
        _("Cột “%(column)s” không có trong mẫu.") % {"column": name}
        for index, name in enumerate(header)
        if name and columns[index] is None
    ]
    placed: dict[str, int] = {}
    for index, field in columns.items():
        if field in placed:
            problems.append(
                _("Cột “%(column)s” có hai lần (cột %(first)s và cột %(second)s); chỉ giữ một cột.")
                % {"column": header[index], "first": _letter(placed[field]), "second": _letter(index)}
            )
        elif field:
            placed[field] = index
    if problems:
        raise DossiersImportError(problems)
    labels = {field: name for name, field in IMPORT_HEADERS.items()}
    parsed: list[DossierData] = []
    seen: dict[str, int] = {}
    for row in sheet.rows():
        if len(problems) >= MAX_PROBLEMS:
            problems.append(stopped_at(row.number))
            break
        if row.problems:
            problems += [str(problem) for problem in row.problems]
            continue
        raw = {field: row.cells[index] for field, index in placed.items()}
        try:
            data = dossier_parse(unit=unit, raw=raw)
        except DossierInvalid as error:
            problems += [
                shortened(str(CellProblem(row.number, labels[field], message)))
                for field, message in error.errors.items()
            ]
            continue
        if data.code in seen:
            problems.append(
                _("Dòng %(row)s: mã hồ sơ %(code)s trùng với dòng %(first)s.")
                % {"row": row.number, "code": data.code, "first": seen[data.code]}
            )
        seen[data.code] = row.number
        parsed.append(data)
    problems = [str(problem) for problem in sheet.problems] + problems
    if problems:
        raise DossiersImportError(problems)
    if not parsed:
        raise DossiersImportError([_("Tệp không có dòng hồ sơ nào.")])
    return parsed, seen


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def resolved_count_set(*, actor, unit: Unit, month: datetime.date, count: int) -> ResolvedCount:
    """Record how many dossiers the unit resolved in a month, as its one-stop software counts them."""
    with transaction.atomic():
        record, _created = ResolvedCount.objects.update_or_create(
            unit=unit, month=month.replace(day=1), defaults={"count": count, "entered_by": actor}
        )
        log_action(
            actor=actor,
            action="surveys.resolved_count.set",
            unit=unit,
            data={"month": f"{record.month:%m/%Y}", "count": count},
        )
    return record
