"""Take a citizen's answers, from the one-time link or the unit's public page, and store them exactly once."""

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.models import IssuedSurvey, Response, Unit
from surveys.services.issuing import survey_for_token, survey_form_for, survey_settings_of
from surveys.services.responses import Ballot, BallotParser, ClientIdTaken, response_submit


class SubmissionRefused(Exception):
    """The submission cannot be stored; `status` is the HTTP status that says why."""

    status = 400
    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SurveyNotFound(SubmissionRefused):
    status = 404
    code = "not_found"


class SurveyAnswered(SubmissionRefused):
    status = 409
    code = "answered"


class SurveyExpired(SubmissionRefused):
    status = 410
    code = "expired"


class NothingAnswered(SubmissionRefused):
    status = 400
    code = "empty"


def _require_something(ballot: Ballot) -> None:
    """An empty submission would use up the link (and count as answered) for nothing."""
    if ballot.is_empty():
        raise NothingAnswered(_("Ông/bà chưa trả lời câu nào."))


def survey_open_for(token: str) -> IssuedSurvey:
    """The survey behind a link while it still takes an answer; raise why it does not."""
    survey = survey_for_token(token)
    if survey is None:
        raise SurveyNotFound(_("Không tìm thấy phiếu khảo sát này. Hãy kiểm tra lại đường dẫn hoặc mã QR."))
    if hasattr(survey, "response"):
        raise SurveyAnswered(_("Phiếu khảo sát của hồ sơ này đã được trả lời. Xin cảm ơn ông/bà."))
    if survey.is_expired:
        raise SurveyExpired(
            _("Phiếu khảo sát này đã hết hạn ngày %(day)s.") % {"day": f"{timezone.localtime(survey.expires):%d/%m/%Y}"}
        )
    return survey


def survey_answer(
    *, token: str, client_id: uuid.UUID, raw: Mapping[str, Any], origin: str = "", device: str = ""
) -> tuple[Response, bool]:
    """Store the answer to an issued survey once.

    The same client_id again returns the first response (created False) even after
    the link expired; another submission on an answered link raises SurveyAnswered.
    Bad answers raise BallotInvalid and store nothing.
    """
    survey = survey_for_token(token)
    if survey is None:
        raise SurveyNotFound(_("Không tìm thấy phiếu khảo sát này. Hãy kiểm tra lại đường dẫn hoặc mã QR."))
    earlier = Response.objects.filter(client_id=client_id).first()
    if earlier is not None:
        if earlier.survey_id != survey.pk:
            raise SurveyAnswered(_("Mã gửi này đã được dùng cho một phiếu khác."))
        return earlier, False
    survey = survey_open_for(token)
    dossier = survey.dossier
    ballot = BallotParser(version=survey.version, unit=dossier.unit, require_consent=True).parse(raw)
    _require_something(ballot)
    # The dossier says which procedure this was; the citizen's own words stay when it does not.
    if dossier.procedure is not None or dossier.procedure_text:
        ballot.procedure, ballot.procedure_text = dossier.procedure, dossier.procedure_text
    try:
        return response_submit(
            version=survey.version,
            unit=dossier.unit,
            channel=Response.Channel.ISSUED,
            answered_on=timezone.localdate(),
            ballot=ballot,
            client_id=client_id,
            survey=survey,
            origin=origin,
            device=device,
        )
    except ClientIdTaken as taken:
        raise SurveyAnswered(str(taken)) from None
    except IntegrityError:
        # Another submission answered this survey a moment earlier: the database let only one in.
        raise SurveyAnswered(_("Phiếu khảo sát của hồ sơ này đã được trả lời. Xin cảm ơn ông/bà.")) from None


def rating_open_for(unit: Unit) -> None:
    """Raise SurveyNotFound when the unit does not take ratings on its public page."""
    if not survey_settings_of(unit).public_rating:
        raise SurveyNotFound(_("Đơn vị %(unit)s chưa nhận đánh giá trực tuyến.") % {"unit": unit.name})


def rating_submit(
    *, unit: Unit, client_id: uuid.UUID, raw: Mapping[str, Any], origin: str = "", device: str = ""
) -> tuple[Response, bool]:
    """Store a rating from the unit's public page (no dossier): counted apart as the online channel."""
    earlier = Response.objects.filter(client_id=client_id).first()
    if earlier is not None:
        if earlier.unit_id != unit.pk or earlier.channel != Response.Channel.ONLINE:
            raise SurveyAnswered(_("Mã gửi này đã được dùng cho một phiếu khác."))
        return earlier, False
    rating_open_for(unit)
    version = survey_form_for(unit)
    ballot = BallotParser(version=version, unit=unit, require_consent=True).parse(raw)
    _require_something(ballot)
    try:
        return response_submit(
            version=version,
            unit=unit,
            channel=Response.Channel.ONLINE,
            answered_on=timezone.localdate(),
            ballot=ballot,
            client_id=client_id,
            origin=origin,
            device=device,
        )
    except ClientIdTaken as taken:
        raise SurveyAnswered(str(taken)) from None
