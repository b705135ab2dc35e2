"""What citizens open: the one-time survey link and the unit's public rating page."""

from django.http import Http404


def survey_answer(request, **kwargs):
    raise Http404  # placeholder: being built


def rating(request, **kwargs):
    raise Http404  # placeholder: being built


def service_worker(request, **kwargs):
    raise Http404  # placeholder: being built


def manifest(request, **kwargs):
    raise Http404  # placeholder: being built
