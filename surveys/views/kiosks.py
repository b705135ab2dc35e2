"""Counters, pairing their tablets, and the tablet's own screens.

The tablet has no login: pairing gives it a long secret in the KIOSK_COOKIE cookie,
and every tablet screen asks `kiosk_for_key` whether that secret is still good.
"""

import datetime
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from surveys.forms.kiosks import CounterForm, KioskPairForm
from surveys.links import absolute_url
from surveys.permissions import units_with
from surveys.selectors import kiosks as selectors
from surveys.services import kiosks as services
from surveys.services.issuing import survey_for_token
from surveys.throttle import client_address, throttle_allow
from surveys.tokens import fingerprint, survey_token
from surveys.views.api import KIOSK_COOKIE

KIOSK_COOKIE_AGE = datetime.timedelta(days=365)


def _counters_page(request, *, status: int = 200, bound: CounterForm | None = None, pairing: dict | None = None):
    """The counters page; `bound` is a refused new-counter form, `pairing` a code just made (shown this once)."""
    units = selectors.counter_units_for_user(user=request.user, code=request.GET.get("don-vi", ""))
    sections = selectors.counter_sections(user=request.user, units=units)
    managed = units_with(request.user, "counters.manage")
    for section in sections:
        if bound is not None and bound.cleaned_data.get("unit") == section.unit:
            section.form = bound
        elif section.managed:
            section.form = CounterForm(
                units=managed, initial={"unit": section.unit}, auto_id=f"id_{section.unit.code}_%s"
            )
    context = {
        "sections": sections,
        "pairing": pairing,
        "query": _unit_query(request),
        "kiosk_url": absolute_url(reverse("kiosk_home"), request),
    }
    response = render(request, "surveys/counter_list.html", context, status=status)
    # A pairing code must not come back from the browser's cache or history.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def counter_list(request):
    return _counters_page(request)


@login_required
@require_POST
def counter_create(request):
    form = CounterForm(request.POST, units=units_with(request.user, "counters.manage"))
    if form.is_valid():
        try:
            counter = services.counter_create(
                actor=request.user, unit=form.cleaned_data["unit"], name=form.cleaned_data["name"]
            )
        except IntegrityError:  # the same name added a moment earlier from another screen
            form.add_error("name", CounterForm.duplicate_error())
        else:
            messages.success(request, _("Đã thêm %(name)s.") % {"name": counter.name})
            return redirect(reverse("counter_list") + _unit_query(request))
    if "unit" not in form.cleaned_data:  # no unit, or one the user does not head
        raise Http404
    form.auto_id = f"id_{form.cleaned_data['unit'].code}_%s"
    return _counters_page(request, status=400, bound=form)


@login_required
@require_POST
def kiosk_pairing(request, pk):
    counter = selectors.get_counter_for_user(user=request.user, pk=pk)
    kiosk, code = services.kiosk_pairing_start(actor=request.user, counter=counter)
    pairing = {"counter": counter, "code": f"{code[:4]} {code[4:]}", "expires": kiosk.pairing_expires}
    return _counters_page(request, pairing=pairing)


@login_required
@require_POST
def kiosk_revoke(request, pk):
    kiosk = selectors.get_kiosk_for_user(user=request.user, pk=pk)
    services.kiosk_revoke(actor=request.user, kiosk=kiosk)
    messages.success(request, _("Đã thu hồi máy tính bảng của %(counter)s.") % {"counter": kiosk.counter.name})
    return redirect(reverse("counter_list") + _unit_query(request))


def _unit_query(request) -> str:
    """The `?don-vi=` the counters page was opened with, kept across its forms."""
    code = request.GET.get("don-vi", "")
    return "?" + urlencode({"don-vi": code}) if code else ""


def _set_kiosk_cookie(response: HttpResponse, key: str) -> None:
    response.set_cookie(
        KIOSK_COOKIE,
        key,
        max_age=KIOSK_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _pair_page(request, form: KioskPairForm, status: int = 200) -> HttpResponse:
    return render(request, "surveys/kiosk_pair.html", {"form": form}, status=status)


@never_cache
@require_safe
def kiosk_home(request):
    """The paired tablet's welcome screen; an unpaired one asks for the code."""
    key = request.COOKIES.get(KIOSK_COOKIE, "")
    kiosk = services.kiosk_for_key(key)
    if kiosk is None:
        response = _pair_page(request, KioskPairForm())
        if key:  # revoked or unknown: forget it
            response.delete_cookie(KIOSK_COOKIE, path="/", samesite="Lax")
        return response
    context = selectors.kiosk_welcome(kiosk=kiosk, request=request)
    context["kiosk_config"] = {
        "next": reverse("kiosk_next"),
        "home": reverse("kiosk_home"),
        # kiosk-form.js shows these on the citizen's form, which knows nothing of the tablet.
        "texts": {
            "thanks": _("Cảm ơn ông/bà đã đánh giá!"),
            "thanks_body": _("Ý kiến của ông/bà giúp chúng tôi phục vụ người dân tốt hơn."),
            "queued": _("Mạng đang gián đoạn: câu trả lời được giữ trên máy này và sẽ tự gửi khi có mạng."),
            "back": _("Màn hình sẽ trở về trang chào sau ít giây."),
        },
    }
    response = render(request, "surveys/kiosk_home.html", context)
    _set_kiosk_cookie(response, key)  # a tablet in daily use stays paired
    return response


@never_cache
@require_POST
def kiosk_pair(request):
    form = KioskPairForm(request.POST)
    if not throttle_allow("pairing", fingerprint(client_address(request))):
        form.is_valid()
        form.add_error("code", _("Đã thử quá nhiều lần. Vui lòng đợi khoảng 10 phút rồi nhập lại mã."))
        return _pair_page(request, form, status=429)
    if form.is_valid():
        try:
            _kiosk, key = services.kiosk_pair(code=form.cleaned_data["code"])
        except services.PairingInvalid as error:
            form.add_error("code", str(error))
        else:
            response = redirect("kiosk_home")
            _set_kiosk_cookie(response, key)
            return response
    return _pair_page(request, form, status=400)


def _not_paired() -> JsonResponse:
    message = _("Máy tính bảng này chưa được ghép với quầy nào hoặc đã bị thu hồi.")
    return JsonResponse({"error": "not_paired", "message": message}, status=403)


@never_cache
@require_safe
def kiosk_next(request):
    """The survey the tablet should open now, polled every few seconds from the welcome screen."""
    kiosk = services.kiosk_for_key(request.COOKIES.get(KIOSK_COOKIE, ""))
    if kiosk is None:
        return _not_paired()
    survey = services.kiosk_next_survey(kiosk=kiosk)
    if survey is None:
        return JsonResponse({"url": None})
    url = reverse("survey_answer", kwargs={"token": survey_token(survey.key)})
    # `sent` tells a survey sent again from the one the tablet already went back from.
    return JsonResponse({"url": url, "sent": survey.counter_sent.isoformat()})


# No CSRF token: the page that calls this is the citizen's form. Only a paired tablet's
# cookie opens it, and that cookie is SameSite=Lax, so another site cannot post with it.
@csrf_exempt
@never_cache
@require_POST
def kiosk_close(request):
    """The tablet went back to its welcome screen from a survey: do not show it to the next person."""
    kiosk = services.kiosk_for_key(request.COOKIES.get(KIOSK_COOKIE, ""))
    if kiosk is None:
        return _not_paired()
    token = request.POST.get("token", "")
    if request.content_type == "application/json":
        try:
            token = json.loads(request.body[:1024]).get("token", "")
        except (ValueError, AttributeError, RecursionError):
            token = ""
    survey = survey_for_token(token if isinstance(token, str) else "")
    if survey is not None:
        services.kiosk_close_survey(kiosk=kiosk, survey=survey)
    return HttpResponse(status=204)
