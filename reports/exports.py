"""Every response of a set of units and a period, one row each, as CSV or XLSX, in flat memory.

A province-year holds hundreds of thousands of responses. Two streams are read at
once, both ordered by response id: the responses, and their answers (which carry
their response's unit and day, so they are read along their own index); they are
merged here and each row goes straight to the file (reports.writers.rows). On
PostgreSQL both streams are server-side cursors in one read-only snapshot, so a
ballot corrected meanwhile is exported either as it was or as it is, never half.
Confidential contact details and the origin and device digests are never read.
"""

import datetime
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import IO

from django.db import connections, router, transaction
from django.utils.translation import gettext as _

from reports.writers.rows import CSV_MIMETYPE, XLSX_MAX_ROWS, XLSX_MIMETYPE, write_csv, write_xlsx
from surveys.models import Answer, FormVersion, Procedure, Question, Response, Unit

FORMATS = {"xlsx": XLSX_MIMETYPE, "csv": CSV_MIMETYPE}
# Rows fetched per round trip from each stream.
CHUNK = 10_000
# Rows between two calls of `progress`.
PROGRESS_EVERY = 5_000
# Kept on the response itself (procedure, received unit) or never exported (contact).
NOT_COLUMNS = {Question.Kind.PROCEDURE, Question.Kind.UNIT, Question.Kind.CONTACT}
SHORT_TEXT = 60


class ExportRefused(Exception):
    """The export cannot be made as asked; the message says why, in Vietnamese."""


def xlsx_refusal(count: int) -> str | None:
    """Why `count` responses cannot go in one XLSX sheet, or None when they fit."""
    if count + 1 <= XLSX_MAX_ROWS:  # the header takes a row
        return None
    return _(
        "Có %(count)s phiếu, quá giới hạn %(limit)s dòng của một trang tính Excel. Hãy tải tệp CSV, "
        "hoặc chọn kỳ ngắn hơn hay ít đơn vị hơn."
    ) % {"count": f"{count:,}".replace(",", "."), "limit": f"{XLSX_MAX_ROWS:,}".replace(",", ".")}


def responses_count(*, unit_ids: Collection[int], start: datetime.date, end: datetime.date) -> int:
    return _responses(unit_ids, start, end).count()


def responses_write(
    *,
    unit_ids: Collection[int],
    start: datetime.date,
    end: datetime.date,
    fmt: str,
    out: IO[bytes],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the responses of the units answered from `start` to `end` (inclusive) to `out`; return their number.

    `progress(done, total)` is called as rows are written. Past Excel's row limit an XLSX is
    refused before anything is written (ExportRefused); a CSV has no limit.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {sorted(FORMATS)}")
    alias = router.db_for_read(Response)  # the read replica, when reports read from one
    database = connections[alias]
    snapshot = database.vendor == "postgresql" and not database.in_atomic_block
    with transaction.atomic(using=alias):
        if snapshot:
            with database.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        export = ResponsesExport(unit_ids=list(unit_ids), start=start, end=end, using=alias)
        total = export.responses.count()
        if fmt == "xlsx" and (refusal := xlsx_refusal(total)):
            raise ExportRefused(refusal)
        rows = _counted(export.rows(), total, progress)
        if fmt == "xlsx":
            write_xlsx(export.header(), rows, out, sheet=_("Phiếu"))
        else:
            write_csv(export.header(), rows, out)
    return total


def _responses(unit_ids: Collection[int], start: datetime.date, end: datetime.date):
    return Response.objects.filter(unit_id__in=unit_ids, answered_on__range=(start, end)).order_by()


def _counted(rows: Iterator[list], total: int, progress) -> Iterator[list]:
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)


class ResponsesExport:
    """The header and the rows of the export: one row per response, one column per question."""

    def __init__(self, *, unit_ids: list[int], start: datetime.date, end: datetime.date, using: str):
        self.unit_ids, self.start, self.end, self.using = unit_ids, start, end, using
        self.responses = _responses(unit_ids, start, end).using(using)
        versions = FormVersion.objects.using(using).filter(pk__in=self.responses.values("version_id"))
        self.versions = {version.pk: version for version in versions.select_related("template")}
        self.columns = _question_columns(self.versions, using)

    def header(self) -> list[str]:
        fixed = [
            _("Mã phiếu"),
            _("Đơn vị"),
            _("Mã đơn vị"),
            _("Ngày đánh giá"),
            _("Kênh"),
            _("Mẫu phiếu"),
            _("Thủ tục"),
            _("Đơn vị tiếp nhận"),
        ]
        return [*fixed, *self.columns.headers]

    def rows(self) -> Iterator[list]:
        """One list of cells per response, in id order: ints, texts, days and None."""
        named = Unit.objects.using(self.using).filter(pk__in=self.unit_ids).values_list("pk", "name", "code")
        units = {pk: (name, code) for pk, name, code in named}
        procedures = Procedure.objects.using(self.using).filter(pk__in=self.responses.values("procedure_id"))
        procedure_names = dict(procedures.values_list("pk", "name"))
        channels = {value: str(label) for value, label in Response.Channel.choices}
        forms = {pk: f"{version.template.name} v{version.number}" for pk, version in self.versions.items()}
        responses = self._stream(
            self.responses.order_by("pk").values_list(
                "pk",
                "unit_id",
                "answered_on",
                "channel",
                "version_id",
                "procedure_id",
                "procedure_text",
                "received_unit_text",
            )
        )
        # Answers carry their response's unit and day (surveys.models.Answer): they are read along their own index.
        answers = groupby(
            self._stream(
                Answer.objects.using(self.using)
                .filter(unit_id__in=self.unit_ids, answered_on__range=(self.start, self.end))
                .order_by("response_id", "question_id", "value")
                .values_list("response_id", "question_id", "value", "text")
            ),
            key=itemgetter(0),
        )
        cells = self.columns.cells
        answered, own = next(answers, (None, ()))
        for pk, unit_id, day, channel, version_id, procedure_id, procedure_text, received in responses:
            while answered is not None and answered < pk:  # an answer without its response: none in the period
                answered, own = next(answers, (None, ()))
            name, code = units[unit_id]
            procedure = procedure_names.get(procedure_id) or procedure_text or None
            row = [pk, name, code, day, channels[channel], forms[version_id], procedure, received or None]
            row += cells(own if answered == pk else ())
            yield row

    def _stream(self, query) -> Iterator[tuple]:
        """The rows of `query` as the database sends them, CHUNK at a time, without the ORM's per-row work.

        On PostgreSQL a server-side cursor inside the export's transaction, so that a province-year is
        never held in memory, even behind a transaction pooler (where Django turns its own off).
        """
        sql, params = query.query.get_compiler(using=self.using).as_sql()
        database = connections[self.using]
        if database.vendor == "postgresql":
            database.ensure_connection()
            cursor = database.connection.cursor(name=f"sipas_export_{uuid.uuid4().hex}")
        else:
            cursor = database.cursor()
        with cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(CHUNK):
                yield from chunk


class _Columns:
    """One column per question code of each template, across the versions present, in printed order."""

    def __init__(self, questions: list[Question]):
        self.headers: list[str] = []
        self.index: dict[int, int] = {}
        self.multi: list[bool] = []
        seen: dict[tuple[int, str], int] = {}
        for question in questions:
            key = (question.version.template_id, question.code)
            if key not in seen:
                seen[key] = len(self.headers)
                text = question.text if len(question.text) <= SHORT_TEXT else question.text[: SHORT_TEXT - 1] + "…"
                self.headers.append(f"{question.code}. {text}")
                self.multi.append(question.kind == Question.Kind.MULTI)
            self.index[question.pk] = seen[key]

    def cells(self, answers: Iterable[tuple[int, int, int | None, str]]) -> list:
        """The question cells of one response: a number, ticked options "1; 3", or the written text."""
        cells: list = [None] * len(self.headers)
        index, multi, several = self.index, self.multi, None
        for _response, question_id, value, text in answers:
            column = index.get(question_id)
            if column is None:
                continue
            # An "other" option keeps what the citizen wrote beside its number.
            cell = value if not text else (text if value is None else f"{value} ({text})")
            if cells[column] is None and not multi[column]:
                cells[column] = cell
            else:  # ticks of a multiple choice, or a second answer where one was expected
                several = several or {}
                if column not in several:
                    several[column] = [] if cells[column] is None else [cells[column]]
                several[column].append(cell)
        for column, values in (several or {}).items():
            cells[column] = "; ".join(map(str, values))
        return cells


def _question_columns(versions: dict[int, FormVersion], using: str) -> _Columns:
    questions = (
        Question.objects.using(using)
        .filter(version_id__in=list(versions))
        .exclude(kind__in=NOT_COLUMNS)
        .select_related("version")
        .order_by("version__template__code", "position", "version__number")
    )
    return _Columns(list(questions))


def responses_xlsx(units, start, end, out) -> int:  # TEMPORARY until the views use jobs
    return responses_write(unit_ids=[unit.pk for unit in units], start=start, end=end, fmt="xlsx", out=out)
