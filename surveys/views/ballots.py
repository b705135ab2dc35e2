"""Openings of the sealed ballot box: record them, list them, print their minutes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from surveys import selectors
from surveys.forms.ballots import BoxOpeningForm, witness_formset
from surveys.permissions import holds
from surveys.scoping import get_unit_for_user, units_for_user
from surveys.services import ballots


@login_required
def box_opening_list(request):
    if not units_for_user(request.user).exists():
        raise Http404
    openings = selectors.box_openings_for_user(user=request.user)
    unit = None
    if code := request.GET.get("don-vi"):
        unit = get_unit_for_user(request.user, code)
        openings = openings.filter(unit=unit)
    can_record = holds(request.user, "ballots.record")
    return render(
        request,
        "surveys/box_opening_list.html",
        {"page": Paginator(openings, 50).get_page(request.GET.get("trang")), "unit": unit, "can_record": can_record},
    )


@login_required
def box_opening_create(request):
    if not holds(request.user, "ballots.record"):
        raise Http404
    form = BoxOpeningForm(request.POST or None, actor=request.user)
    witnesses = witness_formset(request.POST or None)
    if request.method == "POST" and all([form.is_valid(), witnesses.is_valid()]):
        opening = ballots.box_opening_record(actor=request.user, witnesses=witnesses.rows(), **form.opening_fields())
        messages.success(request, _("Đã lập biên bản mở hòm phiếu và mở lô phiếu để nhập."))
        return redirect("box_opening_detail", pk=opening.pk)
    return render(request, "surveys/box_opening_form.html", {"form": form, "witnesses": witnesses})


@login_required
def box_opening_detail(request, pk):
    opening = selectors.get_box_opening_for_user(user=request.user, pk=pk)
    return render(
        request,
        "surveys/box_opening_detail.html",
        {"opening": opening, "witnesses": opening.witnesses.all()},
    )
