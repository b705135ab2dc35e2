"""Reads of the API keys a head looks after."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from surveys.models import ApiKey
from surveys.permissions import units_with


def api_keys_for_user(*, user) -> QuerySet[ApiKey]:
    """Keys of the units `user` looks after, active ones first, newest first."""
    return (
        ApiKey.objects.filter(unit__in=units_with(user, "api_keys.manage"))
        .select_related("unit", "created_by")
        .order_by("revoked", "-created", "-pk")
    )


def get_api_key_for_user(*, user, pk: int) -> ApiKey:
    """The key if `user` looks after its unit, else 404."""
    return get_object_or_404(api_keys_for_user(user=user), pk=pk)
