"""Turn raw answers (typed, imported or posted) into stored responses, the same way for every channel."""

import datetime
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from surveys.models import (
    Answer,
    Batch,
    FormVersion,
    IntegrityAlert,
    IssuedSurvey,
    Procedure,
    Question,
    Response,
    ResponseContact,
    Unit,
)
from surveys.services.tallies import answer_keys, tally_many, tally_response
from surveys.text import fold

CONTACT_FIELDS = ("name", "address", "phone")
# The longest text each kind of answer keeps; anything longer is refused, never cut.
TEXT_LIMITS = {"text": 2000, "other": 500, "procedure": 500, "unit": 300, "name": 200, "address": 300, "phone": 30}


class BallotInvalid(ValueError):
    """Some answers are wrong; `errors` maps each question code to a Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{code}: {message}" for code, message in errors.items()))
        self.errors = errors


@dataclass
class Ballot:
    """Answers checked against one form version, ready to store."""

    answers: list[tuple[Question, int | None, str]] = field(default_factory=list)
    procedure: Procedure | None = None
    procedure_text: str = ""
    received_unit_text: str = ""
    contact: dict[str, str] | None = None

    def values(self) -> dict[str, Any]:
        """The answers keyed by question code, as the audit log and the typing screen show them."""
        shown: dict[str, Any] = {}
        for question, value, text in self.answers:
            item = value if not text else (f"{value}: {text}" if value is not None else text)
            if question.kind == Question.Kind.MULTI:
                shown.setdefault(question.code, []).append(item)
            else:
                shown[question.code] = item
        if self.procedure or self.procedure_text:
            shown["Thủ tục"] = self.procedure.name if self.procedure else self.procedure_text
        return shown

    def is_empty(self) -> bool:
        """Nothing the citizen said: no answer, no comment, no contact (a procedure alone says nothing)."""
        return not self.answers and not self.received_unit_text and not (self.contact and any(self.contact.values()))

    def flagged(self) -> list[Question]:
        """Questions answered "Có" where "Có" is a red flag (extra papers, extra fees)."""
        return [
            question
            for question, value, _text in self.answers
            if question.flags_integrity and question.kind == Question.Kind.YES_NO and value == 1
        ]


class BallotParser:
    """Check raw answers keyed by question code against one form version, for many ballots.

    Blank means not answered. A scale takes its score 1–5 or its label; a choice its
    option number or label (several, separated by ";", for multiple choice); yes/no
    also takes true/false. The version's questions and the catalogue matches are read
    once, so an import of thousands of rows costs a handful of queries.
    """

    def __init__(self, *, version: FormVersion, unit: Unit | None = None, require_consent: bool = False):
        self.version = version
        self.unit = unit
        # Citizens answering online leave contact details only with their consent (Nghị định 13/2023).
        self.require_consent = require_consent
        self.questions = {question.code: question for question in version.questions.all()}
        self._procedures: dict[str, tuple[Procedure | None, str]] = {}

    def parse(self, raw: Mapping[str, Any]) -> Ballot:
        """Raise BallotInvalid listing every bad answer."""
        unknown = _("Mẫu phiếu không có câu “%(code)s”.")
        errors = {code: unknown % {"code": code} for code in raw if code not in self.questions}
        ballot = Ballot()
        for code, question in self.questions.items():
            value = raw.get(code)
            if _blank(value):
                continue
            try:
                self._parse_one(ballot, question, value)
            except ValueError as error:
                errors[code] = str(error)
        if errors:
            raise BallotInvalid(errors)
        return ballot

    def _parse_one(self, ballot: Ballot, question: Question, value: Any) -> None:
        kind = question.kind
        if kind == Question.Kind.TEXT:
            ballot.answers.append((question, None, clean_text(value, TEXT_LIMITS["text"])))
        elif kind == Question.Kind.PROCEDURE:
            ballot.procedure, ballot.procedure_text = self.procedure(clean_text(value, TEXT_LIMITS["procedure"]))
        elif kind == Question.Kind.UNIT:
            ballot.received_unit_text = clean_text(value, TEXT_LIMITS["unit"])
        elif kind == Question.Kind.CONTACT:
            ballot.contact = _contact(value, require_consent=self.require_consent)
        elif kind == Question.Kind.MULTI:
            items = value if isinstance(value, list) else clean_text(value, TEXT_LIMITS["other"]).split(";")
            chosen: dict[int, str] = {}
            for item in items:
                if not _blank(item):
                    number, text = _option(question, item)
                    if chosen.get(number):
                        raise ValueError(_("Chỉ ghi một ý khác cho câu này."))
                    chosen[number] = text
            ballot.answers.extend((question, number, text) for number, text in sorted(chosen.items()))
        else:
            number, text = _option(question, value)
            ballot.answers.append((question, number, text))

    def procedure(self, text: str) -> tuple[Procedure | None, str]:
        """Match the catalogue by code or by name (diacritics optional); otherwise keep the words written."""
        if text not in self._procedures:
            if self.unit is not None:
                catalogue = Procedure.objects.available_to(self.unit)
            else:
                catalogue = Procedure.objects.filter(province__isnull=True)
            found = catalogue.filter(code__iexact=text).first() or catalogue.filter(search_name=fold(text)).first()
            self._procedures[text] = (found, "") if found else (None, text)
        return self._procedures[text]


def ballot_parse(*, version: FormVersion, raw: Mapping[str, Any], unit: Unit | None = None) -> Ballot:
    """Check one ballot; see BallotParser."""
    return BallotParser(version=version, unit=unit).parse(raw)


def clean_text(value: Any, limit: int) -> str:
    """Text as stored: NFC (one form for "ộ" however it was typed), trimmed, within `limit`.

    Control characters other than line breaks and tabs are refused: PostgreSQL cannot
    store NUL, and nobody types the others.
    """
    if isinstance(value, (Mapping, list, tuple, set)):
        raise ValueError(_("Câu trả lời không đúng dạng: cần một giá trị, không phải một danh sách."))
    text = unicodedata.normalize("NFC", str(value)).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise ValueError(_("Nội dung có ký tự không hợp lệ."))
    if len(text) > limit:
        raise ValueError(
            _("Nội dung quá dài: %(length)s ký tự, tối đa %(limit)s.") % {"length": len(text), "limit": limit}
        )
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _option(question: Question, value: Any) -> tuple[int, str]:
    """The stored value of one answer to a scale or choice, and any "other" text."""
    options = question.scored_options()
    if question.kind == Question.Kind.YES_NO and isinstance(value, bool):
        return (1 if value else 2), ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value, TEXT_LIMITS["other"])
    if text.isdecimal():
        if int(text) in {stored for stored, _ in options}:
            return int(text), ""
    else:
        for stored, label in options:
            if fold(label) == fold(text):
                return stored, ""
        if question.allows_other:
            return options[-1][0], text
    if question.is_scale:
        raise ValueError(
            _("“%(text)s” không hợp lệ: chỉ nhận điểm 1–5 hoặc một mức: %(levels)s.")
            % {"text": text, "levels": ", ".join(question.options)}
        )
    listed = ", ".join(f"{stored} = {label}" for stored, label in options)
    raise ValueError(_("“%(text)s” không hợp lệ: chọn một trong %(options)s.") % {"text": text, "options": listed})


def _contact(value: Any, *, require_consent: bool) -> dict[str, str]:
    consent = False
    if isinstance(value, Mapping):
        unknown = set(value) - {*CONTACT_FIELDS, "consent"}
        if unknown:
            raise ValueError(
                _("Thông tin liên hệ chỉ gồm tên, địa chỉ, điện thoại (không có %(unknown)s).")
                % {"unknown": ", ".join(sorted(map(str, unknown)))}
            )
        contact = {key: clean_text(value.get(key) or "", TEXT_LIMITS[key]) for key in CONTACT_FIELDS}
        consent = value.get("consent") in (True, "true", "on", "1", 1)
    else:
        contact = {"name": clean_text(value, TEXT_LIMITS["name"]), "address": "", "phone": ""}
    if require_consent and any(contact.values()) and not consent:
        raise ValueError(_("Hãy đánh dấu đồng ý nếu muốn để lại thông tin liên hệ, hoặc xóa các ô này."))
    return contact


def ballot_write(response: Response, ballot: Ballot) -> None:
    """Store the answers of a saved response, replacing any it had."""
    response.answers.all().delete()
    Answer.objects.bulk_create(answer_rows(response, ballot))
    # Counter staff never see contact details, so a correction without them keeps what was stored.
    if ballot.contact is not None:
        ResponseContact.objects.filter(response=response).delete()
        if any(ballot.contact.values()):
            ResponseContact.objects.create(response=response, **ballot.contact)
    # A corrected ballot keeps the alerts it still earns (and whether the head has seen them).
    flagged = {question.pk for question in ballot.flagged()}
    response.alerts.exclude(question_id__in=flagged).delete()
    IntegrityAlert.objects.bulk_create(
        (IntegrityAlert(unit=response.unit, response=response, question_id=pk) for pk in flagged),
        ignore_conflicts=True,
    )


def answer_rows(response: Response, ballot: Ballot) -> list[Answer]:
    """The unsaved answers of a saved response, each with a copy of its response's fields that counts read."""
    return [
        Answer(
            response=response,
            question=question,
            value=value,
            text=text,
            unit_id=response.unit_id,
            answered_on=response.answered_on,
            channel=response.channel,
            procedure_id=response.procedure_id,
            officer=response.officer,
        )
        for question, value, text in ballot.answers
    ]


def _unsaved(version, unit, channel, answered_on, ballot: Ballot, batch, entered_by) -> Response:
    """The response row of one checked ballot, not yet saved."""
    return Response(
        unit=unit,
        version=version,
        channel=channel,
        answered_on=answered_on,
        batch=batch,
        procedure=ballot.procedure,
        procedure_text=ballot.procedure_text,
        received_unit_text=ballot.received_unit_text,
        entered_by=entered_by,
    )


def response_submit(
    *,
    version: FormVersion,
    unit: Unit,
    channel: str,
    answered_on: datetime.date,
    ballot: Ballot,
    client_id: uuid.UUID | None = None,
    batch: Batch | None = None,
    entered_by=None,
    survey: IssuedSurvey | None = None,
    origin: str = "",
    device: str = "",
    answered_at: datetime.datetime | None = None,
) -> tuple[Response, bool]:
    """Store one response exactly once: the same client_id again returns the first one, unchanged.

    Raises IntegrityError when `survey` already has another response: the caller says so.
    """
    target = {"unit_id": unit.pk, "channel": channel, "batch_id": batch and batch.pk, "survey_id": survey and survey.pk}
    if client_id is not None:
        existing = Response.objects.filter(client_id=client_id).first()
        if existing is not None:
            return _same_submission(existing, target), False
    try:
        with transaction.atomic():
            response = _unsaved(version, unit, channel, answered_on, ballot, batch, entered_by)
            response.client_id = client_id
            response.survey = survey
            response.officer = survey.dossier.officer if survey else ""
            response.origin = origin
            response.device = device
            response.answered_at = answered_at
            response.save()
            ballot_write(response, ballot)
            tally_response(response, answer_keys(ballot.answers))
    except IntegrityError:
        # Two copies of one submission raced; the other one won and holds the answers.
        existing = Response.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return _same_submission(existing, target), False
    return response, True


class ClientIdTaken(ValueError):
    """The client_id already names a response to something else: not a resend of this submission."""


def _same_submission(existing: Response, target: dict[str, Any]) -> Response:
    if any(getattr(existing, field) != value for field, value in target.items()):
        raise ClientIdTaken(_("Mã gửi này đã được dùng cho một phiếu khác."))
    return existing


def responses_bulk_create(
    *,
    version: FormVersion,
    unit: Unit,
    batch: Batch | None,
    rows: list[tuple[datetime.date, Ballot]],
    entered_by=None,
    channel: str = Response.Channel.PAPER,
) -> int:
    """Store many ballots in a few INSERTs (imports, demo data); the caller holds the transaction."""
    stored = 0
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        responses = Response.objects.bulk_create(
            _unsaved(version, unit, channel, answered_on, ballot, batch, entered_by) for answered_on, ballot in chunk
        )
        Answer.objects.bulk_create(
            (
                answer
                for response, (_, ballot) in zip(responses, chunk, strict=True)
                for answer in answer_rows(response, ballot)
            ),
            batch_size=5000,
        )
        ResponseContact.objects.bulk_create(
            ResponseContact(response=response, **ballot.contact)
            for response, (_, ballot) in zip(responses, chunk, strict=True)
            if ballot.contact and any(ballot.contact.values())
        )
        IntegrityAlert.objects.bulk_create(
            IntegrityAlert(unit=unit, response=response, question=question)
            for response, (_, ballot) in zip(responses, chunk, strict=True)
            for question in ballot.flagged()
        )
        tally_many(
            (response, answer_keys(ballot.answers)) for response, (_, ballot) in zip(responses, chunk, strict=True)
        )
        stored += len(responses)
    return stored
