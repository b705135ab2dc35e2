"""Resolved dossiers: list, add, import, monthly counts."""

from django.http import Http404


def dossier_list(request, **kwargs):
    raise Http404  # placeholder: being built


def dossier_create(request, **kwargs):
    raise Http404  # placeholder: being built


def dossier_import(request, **kwargs):
    raise Http404  # placeholder: being built


def dossier_import_template(request, **kwargs):
    raise Http404  # placeholder: being built


def resolved_counts(request, **kwargs):
    raise Http404  # placeholder: being built


def dossier_detail(request, **kwargs):
    raise Http404  # placeholder: being built
