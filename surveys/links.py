"""Absolute addresses of sipas pages, and their QR codes, drawn here so no outside service sees a link."""

import segno
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe


def absolute_url(path: str, request=None) -> str:
    """`path` as citizens reach it: SITE_URL when set, else the host the request came to."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path


def qr_svg(url: str) -> SafeString:
    """An inline SVG QR code of `url`; segno writes the markup itself, so it is safe to embed."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2))
