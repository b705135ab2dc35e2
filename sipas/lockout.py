"""The login lockout's answer: the failure that reaches the limit is told as a wrong password,
every attempt after it gets 429 with Retry-After until the cool-off ends.

django-axes counts failures per account and address (the address through our proxy-aware
surveys.throttle.client_ip); this module only shapes what the person is shown.
"""

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the locked page, or the login form of the failure that just reached the limit."""
    # axes writes the count on the request only when it recorded this very failure; an attempt
    # refused because the lock was already on has none.
    if original_response is not None and getattr(request, "axes_failures_since_start", None) is not None:
        return original_response
    seconds = round(settings.AXES_COOLOFF_TIME * 3600)
    response = render(request, "registration/locked_out.html", {"minutes": max(1, seconds // 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
