"""The JSON API: citizens' submissions (the kiosk's offline queue uses it) and the one-stop software's dossiers.

Every reply is JSON with a Vietnamese `message` when something is wrong; see the README.
"""

import json
import uuid
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from surveys.models import Unit
from surveys.services.answering import SubmissionRefused, rating_submit, submission_resent, survey_answer
from surveys.services.api_keys import api_key_check
from surveys.services.dossiers import DossierInvalid, dossier_parse, dossier_register
from surveys.services.issuing import NoSurveyForm, survey_issue, survey_link
from surveys.services.kiosks import kiosk_for_key
from surveys.services.responses import BallotInvalid
from surveys.throttle import client_address, throttle_allow
from surveys.tokens import fingerprint, survey_token

KIOSK_COOKIE = "sipas_kiosk"
MAX_BODY = 64 * 1024


class BadRequest(ValueError):
    pass


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    """JSON with Vietnamese written as itself, readable in a terminal and in logs."""
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return _json({"error": code, "message": message, **extra}, status=status)


def _throttled(scope: str) -> JsonResponse:
    response = _error(429, "throttled", _("Gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."))
    response["Retry-After"] = str(settings.SIPAS_THROTTLES[scope][1])
    return response


def _json_body(request) -> dict[str, Any]:
    """The request's JSON object; BadRequest with a Vietnamese message for anything else."""
    if len(request.body) > MAX_BODY:
        raise BadRequest(_("Dữ liệu gửi lên quá lớn."))
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(_("Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ.")) from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON and integers too long to convert; RecursionError deep nesting.
        raise BadRequest(_("Dữ liệu gửi lên không phải JSON hợp lệ.")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("Dữ liệu gửi lên phải là một đối tượng JSON."))
    return body


def device_of(request, body: dict[str, Any] | None = None) -> str:
    """Which device sent this: the paired counter tablet, or the id the browser made for itself."""
    kiosk = kiosk_for_key(request.COOKIES.get(KIOSK_COOKIE, ""))
    if kiosk is not None:
        return f"kiosk-{kiosk.pk}"[:16]
    made = (body or {}).get("device") or request.headers.get("X-Sipas-Device", "")
    return fingerprint(str(made)[:100])


@csrf_exempt
@require_POST
def responses(request):
    """Store a citizen's answers: `token` for an issued survey, or `unit` for the unit's public page.

    A resend of what is already stored answers 200 before any throttle counts it, so a device
    whose reply was lost always learns it may forget the answer.
    """
    origin = fingerprint(client_address(request))
    kiosk = kiosk_for_key(request.COOKIES.get(KIOSK_COOKIE, ""))
    try:
        body = _json_body(request)
        client_id = _client_id(body.get("client_id"))
        answers = body.get("answers")
        if not isinstance(answers, dict):
            raise BadRequest(_("Thiếu “answers”: một đối tượng mã câu hỏi → câu trả lời."))
        token, unit = _target(body)
    except BadRequest as error:
        return _error(400, "bad_request", str(error))
    except Unit.DoesNotExist:
        return _error(404, "not_found", _("Không có đơn vị mã %(code)s.") % {"code": str(body.get("unit"))[:20]})
    if submission_resent(client_id=client_id, token=token, unit=unit) is not None:
        return _stored(created=False)
    # A paired tablet sends a whole office's answers (a backlog after an outage too): count it by itself.
    scope, sender = ("kiosk", str(kiosk.pk)) if kiosk is not None else ("address", origin)
    if not throttle_allow(scope, sender):
        return _throttled(scope)
    if token and not throttle_allow("token", token[:64]):
        return _throttled("token")
    if unit is not None and not throttle_allow("rating", f"{origin}:{unit.pk}"):
        return _throttled("rating")
    sender_of = {"origin": origin, "device": device_of(request, body), "device_clock": body.get("answered_at")}
    try:
        if token:
            response, created = survey_answer(token=token, client_id=client_id, raw=answers, **sender_of)
        else:
            response, created = rating_submit(unit=unit, client_id=client_id, raw=answers, **sender_of)
    except SubmissionRefused as refused:
        return _error(refused.status, refused.code, refused.message)
    except BallotInvalid as invalid:
        return _error(400, "invalid", _("Có câu trả lời chưa hợp lệ."), errors=invalid.errors)
    return _stored(created=created)


def _target(body: dict[str, Any]) -> tuple[str, Unit | None]:
    """What the answers are for: a link's token, or the unit of a public page (Unit.DoesNotExist if unknown)."""
    token, unit_code = body.get("token"), body.get("unit")
    if isinstance(token, str) and token:
        return token, None
    if isinstance(unit_code, str) and unit_code:
        if len(unit_code) > 20 or "\x00" in unit_code:  # no such code; PostgreSQL refuses NUL in a query
            raise Unit.DoesNotExist
        return "", Unit.objects.get(code=unit_code)
    raise BadRequest(_("Thiếu “token” của phiếu (hoặc “unit” khi đánh giá trên trang công khai)."))


def _stored(*, created: bool) -> JsonResponse:
    if created:
        return _json({"status": "stored", "message": _("Cảm ơn ông/bà đã đánh giá.")}, status=201)
    return _json({"status": "duplicate", "message": _("Câu trả lời này đã được ghi nhận trước đó.")})


def _client_id(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise BadRequest(_("Thiếu hoặc sai “client_id”: cần một UUID do máy gửi tạo ra.")) from None


@csrf_exempt
@require_POST
def dossiers(request):
    """Register a resolved dossier for the key's unit and issue its survey: 201 new, 200 the same dossier again."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    key = api_key_check(secret.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        response = _error(401, "unauthorized", _("Thiếu hoặc sai khóa API (Authorization: Bearer …)."))
        response["WWW-Authenticate"] = "Bearer"
        return response
    if not throttle_allow("api_key", str(key.pk)):
        return _throttled("api_key")
    try:
        body = _json_body(request)
        data = dossier_parse(unit=key.unit, raw=body)
    except BadRequest as error:
        return _error(400, "bad_request", str(error))
    except DossierInvalid as invalid:
        return _error(400, "invalid", _("Có trường chưa hợp lệ."), errors=invalid.errors)
    dossier, _created = dossier_register(unit=key.unit, data=data, source="api")
    try:
        survey, created = survey_issue(dossier=dossier)
    except NoSurveyForm as error:
        return _error(409, "no_form", str(error))
    return _json(
        {"token": survey_token(survey.key), "url": survey_link(survey, request), "expires": survey.expires.isoformat()},
        status=201 if created else 200,
    )
