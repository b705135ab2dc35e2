from django.conf import settings
from django.http import Http404
from django.utils import translation


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
    """A NUL byte in the address or the query names nothing: answer 404 before it reaches a view.

    PostgreSQL refuses any text holding one, so without this a code, a period or a filter
    with "%00" in it would end in a server error instead of "not found".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET
        if "\x00" in request.path or any("\x00" in key or "\x00" in "".join(query.getlist(key)) for key in query):
            raise Http404
        return self.get_response(request)
