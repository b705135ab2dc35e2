"""Issue a dossier's survey and show its link as a QR slip."""

from django.http import Http404


def survey_issue(request, **kwargs):
    raise Http404  # placeholder: being built


def survey_slip(request, **kwargs):
    raise Http404  # placeholder: being built


def survey_qr(request, **kwargs):
    raise Http404  # placeholder: being built


def survey_send(request, **kwargs):
    raise Http404  # placeholder: being built
