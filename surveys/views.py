from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys import selectors, services
from surveys.forms import AccountCreateForm
from surveys.models import Membership
from surveys.scoping import get_unit_for_user, revocable_memberships, units_managed_by


@login_required
def home(request):
    memberships = selectors.memberships_of(user=request.user)
    roles = {membership.role for membership in memberships}
    return render(
        request,
        "surveys/home.html",
        {
            "memberships": memberships,
            "roles": roles,
            "Role": Membership.Role,
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


@login_required
def account_list(request):
    if not units_managed_by(request.user).exists():
        raise Http404
    memberships = selectors.memberships_managed_by(user=request.user)
    revocable = revocable_memberships(request.user, memberships)
    return render(request, "surveys/account_list.html", {"memberships": memberships, "revocable": revocable})


@login_required
def account_create(request):
    if not units_managed_by(request.user).exists():
        raise Http404
    form = AccountCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        services.account_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Đã tạo tài khoản %(username)s.") % {"username": form.cleaned_data["username"]})
        return redirect("account_list")
    return render(request, "surveys/account_form.html", {"form": form})


@login_required
@require_POST
def membership_revoke(request, pk):
    membership = get_object_or_404(selectors.memberships_managed_by(user=request.user), pk=pk)
    services.membership_revoke(actor=request.user, membership=membership)
    messages.success(request, _("Đã thu hồi vai trò của %(username)s.") % {"username": membership.user.username})
    return redirect("account_list")
