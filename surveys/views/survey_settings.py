"""The unit head's survey settings: the form citizens answer, how long a link lives, the public rating page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from surveys.forms.api_keys import UNIT_SELECT_LIMIT
from surveys.forms.survey_settings import SurveySettingsForm
from surveys.links import absolute_url, qr_svg
from surveys.permissions import memberships_with, units_with
from surveys.services.issuing import survey_settings_of
from surveys.services.survey_settings import survey_settings_save


def _default_unit_code(user, units) -> str | None:
    """The unit the person heads (or administers) themselves, else the first one they reach."""
    own = memberships_with(user, "settings.edit").filter(unit__in=units).order_by("unit__path")
    return own.values_list("unit__code", flat=True).first() or units.values_list("code", flat=True).first()


@login_required
def settings_edit(request):
    units = units_with(request.user, "settings.edit").current().order_by("path")
    code = request.GET.get("don_vi") or _default_unit_code(request.user, units)
    if code is None:
        raise Http404
    unit = get_object_or_404(units, code=code)
    form = SurveySettingsForm(request.POST or None, unit=unit, current=survey_settings_of(unit))
    if request.method == "POST" and form.is_valid():
        survey_settings_save(actor=request.user, unit=unit, **form.cleaned_data)
        messages.success(request, _("Đã lưu cài đặt khảo sát của %(unit)s.") % {"unit": unit.name})
        return redirect(f"{reverse('survey_settings')}?don_vi={unit.code}")
    choices = list(units.values_list("code", "name")[: UNIT_SELECT_LIMIT + 1])
    path = reverse("rating", kwargs={"code": unit.code})
    rating_url = absolute_url(path, request)
    return render(
        request,
        "surveys/survey_settings.html",
        {
            "unit": unit,
            "form": form,
            "unit_choices": choices if 1 < len(choices) <= UNIT_SELECT_LIMIT else None,
            "unit_typed": len(choices) > UNIT_SELECT_LIMIT,
            "rating_url": rating_url,
            "rating_qr": qr_svg(rating_url),
        },
    )
