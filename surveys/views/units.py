"""Home page and the unit picker."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from surveys import selectors
from surveys.models import Membership
from surveys.scoping import get_unit_for_user
from surveys.selectors.integrity import HEAD_ROLES, alerts_unseen


@login_required
def home(request):
    memberships = selectors.memberships_of(user=request.user)
    roles = {membership.role for membership in memberships}
    # A "Có" to extra papers or fees reaches the head the next time they open the site.
    watches = request.user.is_superuser or bool(roles & set(HEAD_ROLES))
    alerts = alerts_unseen(user=request.user) if watches else None
    return render(
        request,
        "surveys/home.html",
        {
            "memberships": memberships,
            "roles": roles,
            "Role": Membership.Role,
            "alerts": alerts[:5] if alerts is not None else [],
            "alert_count": alerts.count() if alerts is not None else 0,
            "watches": watches,
        },
    )


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
