"""Counters, pairing their tablets, and the tablet's own screens."""

from django.http import Http404


def counter_list(request, **kwargs):
    raise Http404  # placeholder: being built


def counter_create(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_pairing(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_revoke(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_home(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_pair(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_next(request, **kwargs):
    raise Http404  # placeholder: being built


def kiosk_close(request, **kwargs):
    raise Http404  # placeholder: being built
