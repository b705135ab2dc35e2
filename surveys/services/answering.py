"""Take a citizen's answers, from the one-time link or the unit's public page, and store them exactly once."""

import datetime
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


# A device clock a little ahead of the server's is still believed; an offline rating older than
# this is dated the day it reached the server (a link's answer cannot predate the link anyway).
DEVICE_CLOCK_AHEAD = datetime.timedelta(minutes=5)
DEVICE_QUEUE_LONGEST = datetime.timedelta(days=7)


def device_time(value: Any, *, not_before: datetime.datetime) -> datetime.datetime | None:
    """The moment the device says the citizen answered, when it is plausible; None otherwise.

    Plausible means an ISO 8601 time with its offset, not in the future (beyond a little clock
    drift) and not before `not_before`. Anything else is ignored rather than refused: the answer
    itself is good, and it is then dated when it arrived.
    """
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        return None
    if not not_before <= moment <= timezone.now() + DEVICE_CLOCK_AHEAD:
        return None
    return min(moment, timezone.now())


def _answered_on(answered_at: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(answered_at) if answered_at else timezone.localdate()


def submission_resent(*, client_id: uuid.UUID, token: str = "", unit: Unit | None = None) -> Response | None:
    """The response already stored under `client_id` for this same link or public page, if any.

    Views ask this before counting any throttle: a device resending what the server already
    holds (its reply was lost) gets its 200 and can forget the answer.
    """
    earlier = Response.objects.filter(client_id=client_id).select_related("survey").first()
    if earlier is None:
        return None
    if token:
        survey = survey_for_token(token)
        return earlier if survey is not None and earlier.survey_id == survey.pk else None
    if unit is not None and earlier.unit_id == unit.pk and earlier.channel == Response.Channel.ONLINE:
        return earlier
    return None


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
    *,
    token: str,
    client_id: uuid.UUID,
    raw: Mapping[str, Any],
    origin: str = "",
    device: str = "",
    device_clock: Any = None,
) -> tuple[Response, bool]:
    """Store the answer to an issued survey once.

    The same client_id again returns the first response (created False) even after
    the link expired; another submission on an answered link raises SurveyAnswered.
    Bad answers raise BallotInvalid and store nothing. `device_clock` is the device's own
    time of answering (see device_time).
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
    answered_at = device_time(device_clock, not_before=survey.issued)
    try:
        return response_submit(
            version=survey.version,
            unit=dossier.unit,
            channel=Response.Channel.ISSUED,
            answered_on=_answered_on(answered_at),
            answered_at=answered_at,
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
    *,
    unit: Unit,
    client_id: uuid.UUID,
    raw: Mapping[str, Any],
    origin: str = "",
    device: str = "",
    device_clock: Any = None,
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
    answered_at = device_time(device_clock, not_before=timezone.now() - DEVICE_QUEUE_LONGEST)
    try:
        return response_submit(
            version=version,
            unit=unit,
            channel=Response.Channel.ONLINE,
            answered_on=_answered_on(answered_at),
            answered_at=answered_at,
            ballot=ballot,
            client_id=client_id,
            origin=origin,
            device=device,
        )
    except ClientIdTaken as taken:
        raise SurveyAnswered(str(taken)) from None
