"""The unit head's API keys."""

from django.http import Http404


def api_key_list(request, **kwargs):
    raise Http404  # placeholder: being built


def api_key_revoke(request, **kwargs):
    raise Http404  # placeholder: being built
