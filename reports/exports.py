"""Every response of a set of units and a period as one XLSX sheet, streamed in flat memory.

A province-year holds hundreds of thousands of responses, so nothing is loaded
whole: responses are read in chunks by id (keyset pagination), their answers in
one more query per chunk as plain tuples, and each row goes straight to
openpyxl's write-only sheet. Confidential contact details and the origin and
device digests are never read.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import IO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports.charts import xml_safe
from reports.writers.xlsx import FORMULA_STARTS, set_text
from surveys.models import Answer, FormVersion, Question, Response, Unit

CHUNK = 5000
# Kept on the response itself (procedure, received unit) or never exported (contact).
NOT_COLUMNS = {Question.Kind.PROCEDURE, Question.Kind.UNIT, Question.Kind.CONTACT}
SHORT_TEXT = 60


def responses_xlsx(units: Iterable[Unit], start: datetime.date, end: datetime.date, out: IO[bytes]) -> int:
    """Write the responses of `units` answered from `start` to `end` (inclusive) to `out`; return their number."""
    names = {unit.pk: (unit.name, unit.code) for unit in units}
    responses = Response.objects.filter(unit_id__in=list(names), answered_on__range=(start, end)).order_by()
    versions = {
        version.pk: version
        for version in FormVersion.objects.filter(pk__in=responses.values("version_id")).select_related("template")
    }
    columns = _question_columns(versions)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Phiếu"))
    headers = [
        _("Mã phiếu"),
        _("Đơn vị"),
        _("Mã đơn vị"),
        _("Ngày đánh giá"),
        _("Kênh"),
        _("Mẫu phiếu"),
        _("Thủ tục"),
        _("Đơn vị tiếp nhận"),
    ]
    sheet.append([_text_cell(sheet, header) for header in [*headers, *columns.headers]])
    channels = {value: str(label) for value, label in Response.Channel.choices}
    forms = {pk: f"{version.template.name} v{version.number}" for pk, version in versions.items()}
    count, after = 0, 0
    while True:
        rows = list(
            responses.filter(pk__gt=after)
            .order_by("pk")
            .values_list(
                "pk",
                "unit_id",
                "answered_on",
                "channel",
                "version_id",
                "procedure__name",
                "procedure_text",
                "received_unit_text",
            )[:CHUNK]
        )
        if not rows:
            break
        answers = defaultdict(list)
        for response_id, question_id, value, text in (
            Answer.objects.filter(response_id__in=[row[0] for row in rows])
            .order_by("question_id", "value")
            .values_list("response_id", "question_id", "value", "text")
        ):
            answers[response_id].append((question_id, value, text))
        for pk, unit_id, day, channel, version_id, procedure, procedure_text, received in rows:
            name, code = names[unit_id]
            date = WriteOnlyCell(sheet, value=day)
            date.number_format = "dd/mm/yyyy"
            cells = [pk, name, code, date, channels[channel], forms[version_id], procedure or procedure_text or None]
            cells += [received or None, *columns.cells(answers.pop(pk, []))]
            sheet.append([_text_cell(sheet, value) for value in cells])
        count += len(rows)
        after = rows[-1][0]
    workbook.save(out)
    return count


class _Columns:
    """One column per question code of each template, across the versions present, in printed order."""

    def __init__(self, questions: list[Question]):
        self.headers: list[str] = []
        self.index: dict[int, int] = {}
        self.kinds: list[str] = []
        seen: dict[tuple[int, str], int] = {}
        for question in questions:
            key = (question.version.template_id, question.code)
            if key not in seen:
                seen[key] = len(self.headers)
                text = question.text if len(question.text) <= SHORT_TEXT else question.text[: SHORT_TEXT - 1] + "…"
                self.headers.append(f"{question.code}. {text}")
                self.kinds.append(question.kind)
            self.index[question.pk] = seen[key]

    def cells(self, answers: list[tuple[int, int | None, str]]) -> list:
        """The question cells of one response: a number, ticked options "1; 3", or the written text."""
        parts: list[list] = [[] for _ in self.headers]
        for question_id, value, text in answers:
            column = self.index.get(question_id)
            if column is not None:
                # An "other" option keeps what the citizen wrote beside its number.
                parts[column].append(text if value is None else (f"{value} ({text})" if text else value))
        return [
            None
            if not values
            else (values[0] if len(values) == 1 and kind != Question.Kind.MULTI else "; ".join(map(str, values)))
            for values, kind in zip(parts, self.kinds, strict=True)
        ]


def _question_columns(versions: dict[int, FormVersion]) -> _Columns:
    questions = (
        Question.objects.filter(version_id__in=list(versions))
        .exclude(kind__in=NOT_COLUMNS)
        .select_related("version")
        .order_by("version__template__code", "position", "version__number")
    )
    return _Columns(list(questions))


def _text_cell(sheet, value):
    """Strings as plain text cells that no spreadsheet runs as a formula (see reports.writers.xlsx.set_text)."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    if not value.startswith(FORMULA_STARTS):
        return value  # the common case stays a plain value: no cell object per row
    cell = WriteOnlyCell(sheet)
    set_text(cell, value)
    return cell
