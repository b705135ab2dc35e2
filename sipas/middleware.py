from django.conf import settings
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
