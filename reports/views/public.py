"""The unit's monthly results as the public sees them: figures only, no comments, no names, no login."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from reports.index import Scope, figures
from reports.periods import Period
from surveys.models import Unit


def public_notice(request, code, month):
    unit = get_object_or_404(Unit, code=code)
    chosen = _month(month)
    result = figures(scope=Scope.of(unit), period=chosen)
    return render(request, "reports/public_notice.html", {"unit": unit, "period": chosen, "f": result})


def _month(text: str) -> Period:
    """A month written YYYY-MM that has begun; a later one has nothing to publish yet."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise Http404
    chosen = Period.month(int(match[1]), int(match[2]))
    if chosen.start > timezone.localdate():
        raise Http404
    return chosen
