"""Integrity signals for the unit head."""

from django.http import Http404


def signals(request, **kwargs):
    raise Http404  # placeholder: being built


def alert_seen(request, **kwargs):
    raise Http404  # placeholder: being built
