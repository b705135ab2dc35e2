"""Citizens' contact details for the unit head: find one person's details and erase them on request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from surveys.forms.contacts import ContactEraseForm
from surveys.models import ResponseContact
from surveys.permissions import units_with
from surveys.services.contacts import contact_erase

SEARCH_LIMIT = 100
PER_PAGE = 50


def _contacts_of(user):
    """The contact details `user` may erase: those left at the units they head."""
    return ResponseContact.objects.filter(response__unit__in=units_with(user, "contacts.erase"))


@login_required
def contact_list(request):
    """Contact details left by citizens, newest first; a phone number or a name finds one person's."""
    units = units_with(request.user, "contacts.erase")
    if not units.exists():
        raise Http404
    query = request.GET.get("q", "").strip()[:SEARCH_LIMIT]
    contacts = _contacts_of(request.user).select_related("response__unit").order_by("-response__created")
    if query:
        contacts = contacts.filter(Q(name__icontains=query) | Q(phone__icontains=query) | Q(address__icontains=query))
    page = Paginator(contacts, PER_PAGE).get_page(request.GET.get("trang"))
    return render(request, "surveys/contact_list.html", {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def contact_erase_confirm(request, response_id):
    """Ask for the reason, then erase: the details go, the answers and the audit entry stay."""
    contacts = _contacts_of(request.user).select_related("response__unit")
    # By the response's own key, not the column response_id: Django answers a number too big for
    # the key with "no such row", but sends it to the column, which the database refuses.
    contact = get_object_or_404(contacts, response__pk=response_id)
    form = ContactEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact_erase(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
        messages.success(request, _("Đã xóa thông tin liên hệ của phiếu %(id)s.") % {"id": response_id})
        return redirect("contact_list")
    return render(request, "surveys/contact_erase.html", {"contact": contact, "form": form})
