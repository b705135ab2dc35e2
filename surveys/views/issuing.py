"""Issue a dossier's survey and show its link as a QR slip."""

from io import BytesIO

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from surveys.forms.dossiers import SurveySendForm
from surveys.models import Counter, Dossier, IssuedSurvey
from surveys.selectors import dossiers as selectors
from surveys.services import issuing

# The counter a person chose last: the next dossier they add goes to the same tablet.
COUNTER_SESSION_KEY = "sipas_counter"


def issue_and_show(request, dossier: Dossier, counter: Counter | None = None):
    """Issue the dossier's survey (once) and open its slip; say so when the unit has no form to issue."""
    try:
        survey, created = issuing.survey_issue(dossier=dossier, actor=request.user, counter=counter)
    except issuing.NoSurveyForm as error:
        messages.error(request, _("Chưa phát được phiếu khảo sát: %(reason)s") % {"reason": error})
        return redirect("dossier_detail", pk=dossier.pk)
    if counter is not None:
        request.session[COUNTER_SESSION_KEY] = counter.pk
    if created:
        messages.success(request, _("Đã phát phiếu khảo sát cho hồ sơ %(code)s.") % {"code": dossier.code})
    return redirect("survey_slip", pk=dossier.pk)


@login_required
@require_POST
def survey_issue(request, pk):
    """Counter staff and heads of the dossier's unit issue; readers of the unit (officials) get 404 like outsiders."""
    return issue_and_show(request, selectors.get_dossier_for_recorder(user=request.user, pk=pk))


@login_required
@never_cache
def survey_slip(request, pk):
    dossier = selectors.get_dossier_for_recorder(user=request.user, pk=pk)
    if dossier.survey_state == selectors.SurveyState.NONE:
        messages.info(request, _("Hồ sơ này chưa được phát phiếu khảo sát."))
        return redirect("dossier_detail", pk=dossier.pk)
    survey = dossier.survey
    counters = selectors.counters_of(units=[dossier.unit])
    is_open = dossier.survey_state == selectors.SurveyState.OPEN
    return render(
        request,
        "surveys/survey_slip.html",
        {
            "dossier": dossier,
            "survey": survey,
            "state": dossier.survey_state,
            "State": selectors.SurveyState,
            "link": issuing.survey_link(survey, request) if is_open else "",
            "send_form": SurveySendForm(counters=counters, counter=_remembered(request, survey)) if is_open else None,
            "has_counters": counters.exists(),
        },
    )


@login_required
@never_cache
def survey_qr(request, pk):
    """The open link as a QR code, drawn here (no outside service ever sees the token)."""
    dossier = selectors.get_dossier_for_recorder(user=request.user, pk=pk)
    if dossier.survey_state != selectors.SurveyState.OPEN:
        raise Http404
    out = BytesIO()
    segno.make(issuing.survey_link(dossier.survey, request), error="m").save(
        out, kind="svg", light="#fff", border=4, xmldecl=False, omitsize=True, title=_("Mã QR phiếu khảo sát")
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
@require_POST
def survey_send(request, pk):
    """Put the open survey on a counter's tablet, for the citizen to answer there."""
    dossier = selectors.get_dossier_for_recorder(user=request.user, pk=pk)
    if dossier.survey_state == selectors.SurveyState.NONE:
        raise Http404
    if dossier.survey_state != selectors.SurveyState.OPEN:
        messages.error(request, _("Phiếu này đã được trả lời hoặc đã hết hạn nên không gửi lên máy tính bảng."))
        return redirect("survey_slip", pk=pk)
    form = SurveySendForm(request.POST, counters=selectors.counters_of(units=[dossier.unit]))
    if form.is_valid():
        counter = form.cleaned_data["counter"]
        issuing.survey_send_to_counter(survey=dossier.survey, counter=counter)
        request.session[COUNTER_SESSION_KEY] = counter.pk
        messages.success(request, _("Đã gửi phiếu lên máy tính bảng của %(counter)s.") % {"counter": counter.name})
    else:
        messages.error(request, _("Chọn một quầy của đơn vị để gửi phiếu."))
    return redirect("survey_slip", pk=pk)


def _remembered(request, survey: IssuedSurvey) -> int | None:
    """The survey's own counter, else the one this person chose last."""
    return survey.counter_id or request.session.get(COUNTER_SESSION_KEY)
