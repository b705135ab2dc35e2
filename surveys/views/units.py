"""Home page and the unit picker."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from surveys import permissions, selectors
from surveys.scoping import get_unit_for_user, roles_grantable_somewhere
from surveys.selectors.integrity import alerts_to_acknowledge


@login_required
def home(request):
    """The next steps of each person's work, each card offered to those whose permissions it needs."""
    can = permissions.flags(request.user)
    # A "Có" to extra papers or fees reaches the head the next time they open the site.
    alerts = alerts_to_acknowledge(user=request.user) if can["alerts"]["mark_seen"] else None
    starts_jobs = can["jobs"]["start"] and (
        selectors.units_with_children(units=permissions.units_with(request.user, "jobs.start")).exists()
    )
    return render(
        request,
        "surveys/home.html",
        {
            "memberships": selectors.memberships_of(user=request.user),
            "can": can,
            "alerts": alerts[:5] if alerts is not None else [],
            "alert_count": alerts.count() if alerts is not None else 0,
            "starts_jobs": starts_jobs,
            "accounts": _accounts_card(request.user),
        },
    )


def _accounts_card(user) -> str | None:
    """Which accounts card to offer: administrators appoint every role of their subtree, heads staff their counter."""
    grantable = roles_grantable_somewhere(user)
    if len(grantable) > 1:
        return "appoint"
    return "staff" if grantable else None


@login_required
def unit_list(request):
    text = request.GET.get("q", "").strip()
    units = selectors.unit_search(user=request.user, text=text) if text else []
    template = "surveys/includes/_unit_results.html" if request.headers.get("HX-Request") else "surveys/unit_list.html"
    return render(request, template, {"q": text, "units": units})


@login_required
def unit_detail(request, code):
    unit = get_unit_for_user(request.user, code)
    return render(
        request,
        "surveys/unit_detail.html",
        {
            "unit": unit,
            "ancestors": selectors.unit_ancestors(unit=unit),
            "children": selectors.unit_children(user=request.user, unit=unit),
            "predecessors": selectors.unit_predecessors(user=request.user, unit=unit),
        },
    )
