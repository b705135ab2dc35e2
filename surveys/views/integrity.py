"""Integrity signals: red-flag answers, unanswered surveys per civil servant, bursts.

Heads and administrators act on them; officials read their subtree's alerts without marking them seen.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from surveys.models import Response
from surveys.permissions import holds
from surveys.selectors import integrity
from surveys.services.integrity import alert_mark_seen

MONTHS_OFFERED = 12


def _months(today: datetime.date) -> list[datetime.date]:
    """The first day of this month and of the eleven before it, newest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(MONTHS_OFFERED)]


@login_required
def signals(request):
    if not holds(request.user, "alerts.view"):
        raise Http404
    months = _months(timezone.localdate())
    chosen = request.GET.get("thang", "")
    month = next((month for month in months if f"{month:%Y-%m}" == chosen), months[0])
    sees_officers = holds(request.user, "signals.officers")
    unseen = integrity.alerts_unseen(user=request.user)
    counts = integrity.channel_counts(user=request.user, month=month)
    return render(
        request,
        "surveys/integrity_signals.html",
        {
            "months": months,
            "month": month,
            "alerts": unseen[:100],
            "unseen_count": unseen.count(),
            "seen": integrity.alerts_seen_recently(user=request.user),
            "officers": integrity.officer_answer_rates(user=request.user, month=month) if sees_officers else None,
            "bursts": integrity.bursts(user=request.user) if holds(request.user, "signals.bursts") else None,
            "burst_minimum": integrity.BURST_MINIMUM,
            "burst_days": integrity.BURST_DAYS,
            "channels": [(label, counts[value]) for value, label in Response.Channel.choices],
        },
    )


@login_required
@require_POST
def alert_seen(request, pk):
    alert = integrity.get_alert_for_user(user=request.user, pk=pk)
    alert_mark_seen(actor=request.user, alert=alert)
    messages.success(request, _("Đã đánh dấu là đã xem."))
    target = request.POST.get("next", "")
    # Back to the page the form was on: a path of this site, never another site nor a view name to look up.
    hosts = {request.get_host()}
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, hosts, require_https=request.is_secure()):
        return redirect(target)
    return redirect("integrity_signals")
