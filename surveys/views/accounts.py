"""Account management for heads and administrators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys import selectors
from surveys.forms.accounts import AccountCreateForm
from surveys.permissions import holds
from surveys.scoping import revocable_memberships
from surveys.services import accounts


@login_required
def account_list(request):
    if not holds(request.user, "accounts.manage"):
        raise Http404
    memberships = selectors.memberships_managed_by(user=request.user)
    revocable = revocable_memberships(request.user, memberships)
    return render(request, "surveys/account_list.html", {"memberships": memberships, "revocable": revocable})


@login_required
def account_create(request):
    if not holds(request.user, "accounts.manage"):
        raise Http404
    form = AccountCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        accounts.account_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Đã tạo tài khoản %(username)s.") % {"username": form.cleaned_data["username"]})
        return redirect("account_list")
    return render(request, "surveys/account_form.html", {"form": form})


@login_required
@require_POST
def membership_revoke(request, pk):
    membership = get_object_or_404(selectors.memberships_managed_by(user=request.user), pk=pk)
    accounts.membership_revoke(actor=request.user, membership=membership)
    messages.success(request, _("Đã thu hồi vai trò của %(username)s.") % {"username": membership.user.username})
    return redirect("account_list")
