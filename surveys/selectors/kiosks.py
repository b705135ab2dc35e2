"""Reads for the counters page and for the counter tablet's own screens."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from surveys.links import absolute_url, qr_svg
from surveys.models import Counter, Kiosk, Unit
from surveys.permissions import memberships_with, units_with
from surveys.services.issuing import survey_settings_of


@dataclass
class CounterSection:
    unit: Unit
    counters: list[Counter]
    managed: bool
    form: Any = None  # the new-counter form, which the view adds where the user manages the unit


def counter_units_for_user(*, user, code: str = "") -> list[Unit]:
    """The units the counters page shows: the one asked for, else the user's own and those that have counters.

    Raises Http404 when the user reaches no such unit (or not the one asked for).
    """
    viewable = units_with(user, "counters.view")
    if code:
        return [get_object_or_404(viewable, code=code)]
    if not viewable.exists():
        raise Http404
    own = Q(memberships__in=memberships_with(user, "counters.view"))
    return list(viewable.filter(own | Q(counters__isnull=False)).distinct().order_by("path"))


def counter_sections(*, user, units: list[Unit]) -> list[CounterSection]:
    """Each unit's counters with their tablets, and whether `user` may manage them."""
    # Codes nobody typed in time are noise; paired, revoked and still-valid ones stay listed.
    tablets = Kiosk.objects.filter(Q(paired__isnull=False) | Q(pairing_expires__gt=timezone.now()))
    counters = (
        Counter.objects.filter(unit__in=units)
        .prefetch_related(Prefetch("kiosks", queryset=tablets.order_by("revoked", "-created")))
        .order_by("name")
    )
    by_unit: dict[int, list[Counter]] = {unit.pk: [] for unit in units}
    for counter in counters:
        by_unit[counter.unit_id].append(counter)
    managed = set(units_with(user, "counters.manage").filter(pk__in=by_unit).values_list("pk", flat=True))
    return [CounterSection(unit=unit, counters=by_unit[unit.pk], managed=unit.pk in managed) for unit in units]


def counters_managed_by(*, user) -> QuerySet[Counter]:
    return Counter.objects.filter(unit__in=units_with(user, "counters.manage")).select_related("unit")


def get_counter_for_user(*, user, pk: int) -> Counter:
    """The counter if `user` heads its unit, else 404."""
    return get_object_or_404(counters_managed_by(user=user), pk=pk)


def get_kiosk_for_user(*, user, pk: int) -> Kiosk:
    """The tablet if `user` heads its counter's unit, else 404."""
    return get_object_or_404(Kiosk.objects.filter(counter__in=counters_managed_by(user=user)), pk=pk)


def kiosk_welcome(*, kiosk: Kiosk, request) -> dict:
    """What the tablet's welcome screen shows: its unit and counter, and the unit's public rating page if open."""
    unit = kiosk.counter.unit
    rating_url = rating_qr = None
    if survey_settings_of(unit).public_rating:
        rating_url = absolute_url(reverse("rating", kwargs={"code": unit.code}), request)
        rating_qr = qr_svg(rating_url)
    return {"unit": unit, "counter": kiosk.counter, "rating_url": rating_url, "rating_qr": rating_qr}
