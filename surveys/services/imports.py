"""Import typed-in paper ballots from an XLSX file: check every row first, then store all of them or none."""

import datetime
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from surveys.audit import log_action
from surveys.dates import parse_day
from surveys.models import Batch, FormTemplate, FormVersion, Question, Unit
from surveys.services.responses import Ballot, BallotInvalid, BallotParser, responses_bulk_create
from surveys.text import fold
from surveys.xlsx import MAX_PROBLEMS, CellProblem, Row, Sheet, XlsxError, open_sheet, shortened, stopped_at

DATE_HEADER = "Ngày"
# Fills the form's procedure question whatever its printed code ("Thủ tục" on sipas-5, "1" on binh-phuoc).
PROCEDURE_HEADER = "Thủ tục"


@dataclass(frozen=True)
class ImportResult:
    batch: Batch
    count: int


class BallotsImportError(ValueError):
    """The file has problems; `problems` lists every one ("Dòng 57, cột Câu 3: …"). Nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problems; nothing written")
        self.problems = problems


def import_headers(version: FormVersion) -> list[str]:
    """The header row a file for this version should have; confidential contact details are left out."""
    headers = [DATE_HEADER]
    for question in version.questions.all():
        if question.kind == Question.Kind.PROCEDURE:
            headers.insert(1, PROCEDURE_HEADER)
        elif question.kind != Question.Kind.CONTACT:
            headers.append(question.code)
    return headers


def ballots_import(*, actor, unit: Unit, template: FormTemplate, file: IO[bytes], filename: str) -> ImportResult:
    """Store every ballot of the file in one new batch, or raise BallotsImportError listing every problem."""
    version = template.current_version()
    if version is None:
        raise BallotsImportError([_("Mẫu phiếu “%(form)s” chưa có phiên bản ban hành.") % {"form": template.code}])
    if not FormTemplate.objects.available_to(unit).filter(pk=template.pk).exists():
        message = _("Đơn vị %(unit)s không dùng mẫu phiếu “%(form)s”.") % {"unit": unit.name, "form": template.code}
        raise BallotsImportError([message])
    try:
        with open_sheet(file) as sheet:
            rows = _checked_rows(sheet, BallotParser(version=version, unit=unit))
    except XlsxError as error:
        raise BallotsImportError([str(error)]) from error
    with transaction.atomic():
        batch = Batch.objects.create(
            unit=unit, version=version, source_file=(filename or "tệp nhập")[:255], created_by=actor
        )
        count = responses_bulk_create(version=version, unit=unit, batch=batch, rows=rows, entered_by=actor)
        log_action(
            actor=actor,
            action="surveys.ballots.imported",
            unit=unit,
            target=batch,
            data={"count": count, "file": batch.source_file, "form": template.code, "version": version.number},
        )
    return ImportResult(batch=batch, count=count)


def _checked_rows(sheet: Sheet, parser: BallotParser) -> list[tuple[datetime.date, Ballot]]:
    """Parse every row; keep the ballots only while no problem has turned up, then raise if one did."""
    date_column, columns, header_problems = _columns(sheet.header, parser.questions)
    problems: list[str] = []
    rows: list[tuple[datetime.date, Ballot]] = []
    today = timezone.localdate()
    seen = 0
    for row in sheet.rows():
        if len(problems) >= MAX_PROBLEMS:
            problems.append(stopped_at(row.number))
            break
        seen += 1
        if row.problems:
            # A cell the reader refused (a formula, an error value): the rest of the row can wait.
            problems.extend(str(problem) for problem in row.problems)
            continue
        answered_on, ballot, found = _checked_row(
            row, header=sheet.header, date_column=date_column, columns=columns, parser=parser, today=today
        )
        problems.extend(found)
        if problems or header_problems:
            rows.clear()  # nothing will be written: stop holding ballots
        else:
            rows.append((answered_on, ballot))
    header_problems.extend(str(problem) for problem in sheet.problems)
    if not seen:
        problems.append(_("Tệp không có phiếu nào: dưới dòng tiêu đề chưa có dòng dữ liệu."))
    if header_problems or problems:
        raise BallotsImportError(header_problems + problems)
    return rows


def _checked_row(
    row: Row,
    *,
    header: list[str],
    date_column: int | None,
    columns: dict[int, str],
    parser: BallotParser,
    today: datetime.date,
) -> tuple[datetime.date | None, Ballot | None, list[str]]:
    """The day and the ballot of one row, and its problems."""
    found: list[str] = []
    answered_on = ballot = None
    if date_column is not None:
        try:
            answered_on = parse_day(row.cells[date_column], today=today)
        except ValueError as error:
            found.append(_at(row.number, DATE_HEADER, str(error)))
    try:
        ballot = parser.parse({code: row.cells[index] for index, code in columns.items()})
    except BallotInvalid as error:
        names = {code: header[index] for index, code in columns.items()}
        found.extend(_at(row.number, names[code], message) for code, message in error.errors.items())
    else:
        if _empty(ballot):
            found.append(
                _("Dòng %(row)d: Phiếu không có câu trả lời nào; xóa dòng thừa hoặc nhập câu trả lời.")
                % {"row": row.number}
            )
    return answered_on, ballot, found


def _columns(header: list[str], questions: dict[str, Question]) -> tuple[int | None, dict[int, str], list[str]]:
    """Where the date is, which question each column answers, and the header's problems (reported once, row 1)."""
    by_name = {fold(code): code for code in questions}
    procedure = next((code for code, question in questions.items() if question.kind == Question.Kind.PROCEDURE), None)
    aliases = [PROCEDURE_HEADER] if procedure is not None and PROCEDURE_HEADER not in questions else []
    by_name.update({fold(alias): procedure for alias in aliases})
    known = ", ".join(f"“{name}”" for name in [DATE_HEADER, *aliases, *questions])
    problems: list[str] = []
    placed: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        target = DATE_HEADER if fold(name) == fold(DATE_HEADER) else by_name.get(fold(name))
        if target is None:
            problems.append(
                _at(1, name, _("Mẫu phiếu không có câu này; các cột được dùng: %(known)s.") % {"known": known})
            )
        elif target in placed:
            earlier = placed[target]
            problems.append(
                _at(
                    1,
                    name,
                    _("Trùng với cột %(letter)s (“%(name)s”): cùng một câu.")
                    % {"letter": get_column_letter(earlier + 1), "name": header[earlier]},
                )
            )
        else:
            placed[target] = index
    if DATE_HEADER not in placed:
        problems.append(_at(1, DATE_HEADER, _("Thiếu cột này: mỗi phiếu cần ngày đánh giá (dd/mm/yyyy).")))
    date_column = placed.pop(DATE_HEADER, None)
    return date_column, {index: code for code, index in placed.items()}, problems


def _at(row: int, column: str, message: str) -> str:
    return shortened(str(CellProblem(row, column, message)))


def _empty(ballot: Ballot) -> bool:
    return not (
        ballot.answers or ballot.procedure or ballot.procedure_text or ballot.received_unit_text or ballot.contact
    )
