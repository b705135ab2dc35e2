"""The unit head's survey settings."""

from django.http import Http404


def settings_edit(request, **kwargs):
    raise Http404  # placeholder: being built
