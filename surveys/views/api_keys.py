"""The unit head's API keys: the one-stop software registers resolved dossiers with them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.forms.api_keys import ApiKeyCreateForm
from surveys.links import absolute_url
from surveys.permissions import units_with
from surveys.selectors.api_keys import api_keys_for_user, get_api_key_for_user
from surveys.services import api_keys


@login_required
def api_key_list(request):
    units = units_with(request.user, "api_keys.manage").current()
    if not units.exists():
        raise Http404
    form = ApiKeyCreateForm(request.POST or None, units=units)
    created = None
    if request.method == "POST" and form.is_valid():
        key, secret = api_keys.api_key_create(actor=request.user, **form.cleaned_data)
        created = {"key": key, "secret": secret}
        form = ApiKeyCreateForm(units=units)
    response = render(
        request,
        "surveys/api_key_list.html",
        {
            "form": form,
            "keys": api_keys_for_user(user=request.user),
            "created": created,
            "api_url": absolute_url(reverse("api_dossiers"), request),
            "today": timezone.localdate(),
        },
    )
    if created:
        # The key is on this page and nowhere else: no cache may keep a copy.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke(request, pk):
    key = get_api_key_for_user(user=request.user, pk=pk)
    if key.revoked is None:
        api_keys.api_key_revoke(actor=request.user, key=key)
    messages.success(request, _("Đã thu hồi khóa %(prefix)s…") % {"prefix": key.prefix})
    return redirect("api_key_list")
