"""What citizens open: the one-time survey link, the unit's public rating page, and the offline worker.

The pages work as plain HTML forms; static/js/citizen-form.js sends the same answers to the JSON
API instead and queues them while the network is down. Links carry a secret, so nothing is cached
by the browser or sent to another site in the Referer.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from surveys.models import FormVersion, IssuedSurvey, Question, Response, Unit
from surveys.services import answering
from surveys.services.issuing import NoSurveyForm, survey_for_token, survey_form_for
from surveys.services.kiosks import kiosk_for_key
from surveys.services.responses import CONTACT_FIELDS, BallotInvalid
from surveys.text import whole_number
from surveys.throttle import client_address, throttle_allow
from surveys.tokens import fingerprint
from surveys.views.api import KIOSK_COOKIE, device_of

# Files the offline worker keeps from its first start, beside every static file it sees later.
OFFLINE_FILES = [
    "css/citizen-form.css",
    "js/sipas-queue.js",
    "js/citizen-form.js",
    "js/kiosk-form.js",
    "css/kiosk.css",
    "js/kiosk.js",
    "favicon.svg",
]
ICONS = [("img/icon-192.png", "192x192", "image/png"), ("img/icon-512.png", "512x512", "image/png")]


@dataclass
class Typed:
    """What the citizen put in one question, shown again beside its error."""

    chosen: list[int] = field(default_factory=list)
    text: str = ""
    other: str = ""
    contact: dict[str, str] = field(default_factory=dict)
    consent: bool = False
    error: str = ""


def _texts() -> dict[str, str]:
    """The messages citizen-form.js shows, in the page's language."""
    return {
        "sending": _("Đang gửi…"),
        "queued": _("Đã lưu trên máy, sẽ tự gửi khi có mạng. Ông/bà không cần gửi lại."),
        "throttled": _("Gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút."),
        "empty": _("Ông/bà chưa trả lời câu nào."),
        "invalid": _("Có câu trả lời chưa hợp lệ: xem ghi chú màu đỏ bên dưới câu hỏi."),
        "failed": _("Chưa gửi được. Vui lòng thử lại."),
    }


def _page(request, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, {"texts": _texts(), **context}, status=status)
    # The link is the citizen's key: no copy in shared caches, never sent on to other sites.
    # Not "no-referrer": browsers then send "Origin: null" with the form, which the CSRF check refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _closed(request, message: str, status: int, *, kiosk=None, token: str = "") -> HttpResponse:
    """Why the link takes no answer; on its counter's tablet the page then goes back to the welcome screen."""
    return _page(
        request, "surveys/citizen_closed.html", {"message": message, "kiosk": kiosk, "token": token}, status=status
    )


def _throttle_refused(*checks: tuple[str, str]) -> str | None:
    """The first scope whose limit this attempt goes over, or None."""
    for scope, key in checks:
        if not throttle_allow(scope, key):
            return scope
    return None


def _throttled(request, scope: str, context: dict[str, Any]) -> HttpResponse:
    """The form again with what was typed, and when to try again."""
    _read_answers(context["questions"], request.POST)
    context["form_error"] = _("Gửi quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau ít phút.")
    response = _page(request, context["template"], context, status=429)
    response["Retry-After"] = str(settings.SIPAS_THROTTLES[scope][1])
    return response


def _questions(version: FormVersion, *, procedure_known: bool) -> list[Question]:
    """The questions the citizen answers; the dossier already says which procedure it was."""
    questions = list(version.questions.all())
    if procedure_known:
        questions = [question for question in questions if question.kind != Question.Kind.PROCEDURE]
    for question in questions:
        question.typed = Typed()
    return questions


def _read_answers(questions: list[Question], post) -> dict[str, Any]:
    """The posted answers keyed by question code, as BallotParser takes them; each question keeps what was typed.

    A choice sends its option number; written "other" text stands for the last option (the one
    that asks for it) when that option or none is chosen.
    """
    raw: dict[str, Any] = {}
    for question in questions:
        name = f"q-{question.pk}"
        typed = question.typed
        typed.other = post.get(f"{name}-other", "").strip()
        last = str(question.scored_options()[-1][0]) if question.is_choice or question.is_scale else ""
        if question.kind == Question.Kind.CONTACT:
            typed.contact = {key: post.get(f"{name}-{key}", "") for key in CONTACT_FIELDS}
            typed.consent = post.get(f"{name}-consent") == "on"
            if any(value.strip() for value in typed.contact.values()):
                raw[question.code] = {**typed.contact, "consent": typed.consent}
        elif question.kind == Question.Kind.MULTI:
            values = post.getlist(name)
            typed.chosen = [number for value in values if (number := whole_number(value)) is not None]
            if typed.other:
                values = [value for value in values if value != last] + [typed.other]
            raw[question.code] = values
        elif question.is_choice or question.is_scale:
            value = post.get(name, "")
            chosen = whole_number(value)
            typed.chosen = [chosen] if chosen is not None else []
            raw[question.code] = typed.other if typed.other and value in ("", last) else value
        else:
            typed.text = post.get(name, "")
            raw[question.code] = typed.text
    return raw


def _answered_any(raw: dict[str, Any]) -> bool:
    """Whether anything was answered: an empty form would use up the link for nothing."""
    return any(value.strip() if isinstance(value, str) else value for value in raw.values())


def _show_errors(questions: list[Question], errors: dict[str, str]) -> None:
    for question in questions:
        question.typed.error = errors.get(question.code, "")


def _client_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _kiosk_of(request, survey: IssuedSurvey | None):
    """The paired tablet of the counter that issued this survey, when the page is open on it."""
    if survey is None or survey.counter_id is None:
        return None
    kiosk = kiosk_for_key(request.COOKIES.get(KIOSK_COOKIE, ""))
    if kiosk is not None and kiosk.counter_id == survey.counter_id:
        return kiosk
    return None


def _retention_months() -> int:
    return max(1, round(settings.SIPAS_CONTACT_RETENTION_DAYS / 30.44))


def _form_context(request, version: FormVersion, questions: list[Question], **context: Any) -> dict[str, Any]:
    return {
        "version": version,
        "questions": questions,
        "form_action": request.path,
        "own_page": True,
        "client_id": uuid.uuid4(),
        "retention_months": _retention_months(),
        **context,
    }


def _submit(request, context: dict[str, Any], store) -> HttpResponse:
    """Store the posted answers through `store(client_id, raw)`; bad ones come back beside their questions."""
    questions = context["questions"]
    raw = _read_answers(questions, request.POST)
    context["filled"] = True
    client_id = _client_id(request.POST.get("client_id"))
    if client_id is None:
        context["form_error"] = _("Phiếu gửi lên thiếu mã gửi. Vui lòng gửi lại.")
        return _page(request, context["template"], context, status=400)
    if not _answered_any(raw):
        context["form_error"] = _("Ông/bà chưa trả lời câu nào.")
        return _page(request, context["template"], context, status=400)
    try:
        store(client_id, raw)
    except answering.SubmissionRefused as refused:
        return _closed(
            request, refused.message, refused.status, kiosk=context.get("kiosk"), token=context.get("token", "")
        )
    except BallotInvalid as invalid:
        _show_errors(questions, invalid.errors)
        context["form_error"] = _("Có câu trả lời chưa hợp lệ: xem ghi chú màu đỏ bên dưới câu hỏi.")
        # Answers keep the id they were sent with, so a fixed resend is still one submission.
        context["client_id"] = client_id
        return _page(request, context["template"], context, status=400)
    return _page(request, "surveys/citizen_done.html", {"unit": context["unit"]})


def _resent(request, **target) -> Response | None:
    """The response this very form already stored (its reply was lost): thanked again, never throttled."""
    client_id = _client_id(request.POST.get("client_id"))
    return answering.submission_resent(client_id=client_id, **target) if client_id else None


@require_http_methods(["GET", "POST"])
def survey_answer(request, token):
    """The one-time link of an issued survey: the form, or why it no longer takes an answer."""
    origin = fingerprint(client_address(request))
    refused_scope = None
    if request.method == "POST":
        resent = _resent(request, token=token)
        if resent is not None:
            return _page(request, "surveys/citizen_done.html", {"unit": resent.unit})
        # Counted before the lookup, so guessing links costs attempts too.
        refused_scope = _throttle_refused(("address", origin), ("token", token[:64]))
        survey = survey_for_token(token)
        if survey is None:
            return _closed(request, _("Không tìm thấy phiếu khảo sát này. Hãy kiểm tra lại đường dẫn hoặc mã QR."), 404)
    else:
        try:
            survey = answering.survey_open_for(token)
        except answering.SubmissionRefused as refused:
            # Used or expired between the tablet's poll and this page: the tablet must not stay here.
            kiosk = _kiosk_of(request, survey_for_token(token))
            return _closed(request, refused.message, refused.status, kiosk=kiosk, token=token)
    dossier = survey.dossier
    kiosk = _kiosk_of(request, survey)
    context = _form_context(
        request,
        survey.version,
        _questions(survey.version, procedure_known=bool(dossier.procedure_name)),
        template="surveys/citizen_answer.html",
        unit=dossier.unit,
        dossier=dossier,
        token=token,
        kiosk=kiosk,
        # A counter tablet never keeps a draft: the next citizen must not see these answers.
        draft_key="" if kiosk else f"sipas-draft:token:{token}",
    )
    if request.method == "GET":
        return _page(request, context["template"], context)
    if refused_scope:
        return _throttled(request, refused_scope, context)

    def store(client_id, raw):
        answering.survey_answer(token=token, client_id=client_id, raw=raw, origin=origin, device=device_of(request))

    return _submit(request, context, store)


@require_http_methods(["GET", "POST"])
def rating(request, code):
    """The unit's public rating page: no dossier needed, counted apart from issued surveys."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        return _closed(request, _("Không có đơn vị mã %(code)s.") % {"code": code[:20]}, 404)
    try:
        answering.rating_open_for(unit)
        version = survey_form_for(unit)
    except answering.SubmissionRefused as refused:
        return _closed(request, refused.message, refused.status)
    except NoSurveyForm as error:
        return _closed(request, str(error), 404)
    context = _form_context(
        request,
        version,
        _questions(version, procedure_known=False),
        template="surveys/rating.html",
        unit=unit,
        unit_code=unit.code,
        draft_key=f"sipas-draft:unit:{unit.code}",
    )
    if request.method == "GET":
        return _page(request, context["template"], context)
    if _resent(request, unit=unit) is not None:
        return _page(request, "surveys/citizen_done.html", {"unit": unit})
    origin = fingerprint(client_address(request))
    refused_scope = _throttle_refused(("address", origin), ("rating", f"{origin}:{unit.pk}"))
    if refused_scope:
        return _throttled(request, refused_scope, context)

    def store(client_id, raw):
        answering.rating_submit(unit=unit, client_id=client_id, raw=raw, origin=origin, device=device_of(request))

    return _submit(request, context, store)


@require_GET
def service_worker(request):
    """The offline worker, served from the site root so its scope covers the kiosk shell and the static files."""
    source = finders.find("js/sw.js")
    with open(source, encoding="utf-8") as file:
        script = file.read()
    config = {
        "files": [static(path) for path in OFFLINE_FILES] + [static(path) for path, _size, _type in ICONS],
        # The only page kept: survey links and rating pages are no-store and never cached.
        "shell": [reverse("kiosk_home")],
        "static": static(""),
        "api": reverse("api_responses").rsplit("/", 2)[0] + "/",
    }
    # A new worker (and a fresh cache) whenever the script or what it keeps changes.
    config["version"] = hashlib.sha256((script + json.dumps(config)).encode()).hexdigest()[:12]
    response = HttpResponse(
        f"const SIPAS = {json.dumps(config)};\n{script}", content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """What makes the counter tablet's page installable: it opens on the kiosk screen, full screen."""
    data = {
        "name": _("SIPAS – Đánh giá"),
        "short_name": "SIPAS",
        "description": _("Đánh giá sự phục vụ của Bộ phận Một cửa"),
        "lang": "vi",
        "start_url": reverse("kiosk_home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f6f3ee",
        "theme_color": "#8b1a1a",
        "icons": [{"src": static(path), "sizes": size, "type": kind, "purpose": "any"} for path, size, kind in ICONS]
        + [{"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
