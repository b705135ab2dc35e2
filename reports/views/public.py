"""The unit's monthly results as the public sees them: figures only, no comments, no names, no login."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from reports.index import Scope, figures
from reports.periods import Period, PeriodInvalid, parse_period
from sipas.db_routing import reads_from_replica
from surveys.models import Unit


@reads_from_replica
def public_notice(request, code, month):
    unit = get_object_or_404(Unit, code=code)
    chosen = _month(month)
    result = figures(scope=Scope.of(unit), period=chosen)
    return render(request, "reports/public_notice.html", {"unit": unit, "period": chosen, "f": result})


def _month(text: str) -> Period:
    """A month written YYYY-MM that has begun; a later one has nothing to publish yet."""
    try:
        chosen = parse_period(text)
    except PeriodInvalid:
        raise Http404 from None
    if chosen.kind != "month" or chosen.start > timezone.localdate():
        raise Http404
    return chosen
