import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


class VietnameseFirstLocaleMiddleware:
    """Speak Vietnamese unless the person chose another language with the switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on
    an office PC with an English Windows would turn the counter into English.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers["Vary"] = ", ".join(filter(None, [response.headers.get("Vary"), "Cookie"]))
        return response


class RefuseNulBytesMiddleware:
    """Refuse, before any view, a request with a NUL character in its address, query, form or JSON body: 400.

    No one types one, and PostgreSQL refuses any text holding it, so without this a code, a
    period, a filter, a form field or an API answer with "\\0" in it would end in a server error
    (SQLite stores it, so only production would show it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _holds_nul(request):
            return self.get_response(request)
        message = _("Yêu cầu chứa ký tự không hợp lệ.")
        if request.path.startswith("/api/"):  # as the API answers every refusal (see the README)
            body = {"error": "bad_request", "message": message}
        elif request.content_type == "application/json":  # as the typing screen's endpoints do
            body = {"error": message}
        else:
            return render(request, "400.html", {"message": message}, status=400)
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


# "\u0000" in JSON text, unless its backslash is itself escaped ("\\u0000" is a backslash, then "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(request) -> bool:
    if "\x00" in request.path or _query_holds_nul(request.GET):
        return True
    if request.method != "POST":
        return False
    if request.content_type in _FORMS:
        return _query_holds_nul(request.POST) or any("\x00" in upload.name for upload in request.FILES.values())
    # Any other body is JSON to the views that read one (the API reads it whatever its declared type).
    return b"\x00" in request.body or _JSON_NUL.search(request.body) is not None


def _query_holds_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query)
