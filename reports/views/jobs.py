"""Background jobs: ask for one (batch notices, the responses export), watch its progress, download its file.

A job is seen by whoever holds its kind's permission in its unit (reports.jobs.kinds);
anyone else gets 404. Reading a job's page also notices a job whose process died.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reports.exports import FORMATS
from reports.forms import JobStartForm
from reports.jobs.files import file_open, job_path
from reports.jobs.kinds import KINDS, JobRefused, Notices, Responses
from reports.jobs.queue import jobs_check
from reports.jobs.services import job_start
from reports.models import ReportJob
from reports.views.periods import period_or_404
from surveys.models import UnitQuerySet
from surveys.permissions import get_unit_with, units_with
from surveys.selectors import units_with_children

RECENT_JOBS = 20


def job_parent_units(user) -> UnitQuerySet:
    """Current units where `user` may start jobs that have current units below them: those a job is for."""
    return units_with_children(units=units_with(user, Notices.permission))


def _jobs_for_user(user):
    """The jobs `user` may see: of each kind, those of units where they hold that kind's permission."""
    allowed = Q(pk__in=[])
    for kind in KINDS.values():
        allowed |= kind.visible_to(user)
    return ReportJob.objects.select_related("unit").filter(allowed)


def _get_job_for_user(user, key) -> ReportJob:
    """The job with `key` if `user` may see it, else 404."""
    return get_object_or_404(_jobs_for_user(user), key=key)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_list(request):
    units = job_parent_units(request.user)
    if request.method == "POST":
        if not units.exists():
            raise Http404
        form = JobStartForm(request.POST, units=units)
        if form.is_valid():
            job = job_start(
                actor=request.user,
                kind=Notices.code,
                unit=form.cleaned_data["unit"],
                params=Notices.params(month=form.cleaned_data["month"]),
            )
            return redirect("reports:job", key=job.key)
        status = 400
    else:
        form, status = JobStartForm(units=units), 200
    mine = _jobs_for_user(request.user).filter(requested_by=request.user)
    jobs_check(mine.filter(status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING]))
    rows = [(job, KINDS[job.kind].title(job)) for job in mine[:RECENT_JOBS]]
    context = {"form": form if units.exists() else None, "rows": rows, "keep_days": settings.SIPAS_JOB_KEEP_DAYS}
    return render(request, "reports/job_list.html", context, status=status)


@login_required
@require_safe
def job_detail(request, key):
    job = _get_job_for_user(request.user, key)
    if job.active and jobs_check(ReportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    kind = KINDS[job.kind]
    back_url, back_label = kind.back(job)
    context = {
        "job": job,
        "title": kind.title(job),
        "subtitle": kind.subtitle(job),
        "items": kind.items,
        "back_url": back_url,
        "back_label": back_label,
        "file_gone": job.status == ReportJob.Status.DONE and not job_path(job).exists(),
    }
    # htmx polls the same address for the progress block alone.
    template = "reports/includes/_job_progress.html" if request.headers.get("HX-Request") else "reports/job_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def job_download(request, key):
    job = _get_job_for_user(request.user, key)
    if job.status != ReportJob.Status.DONE:
        raise Http404
    file = file_open(job)
    if file is None:
        raise Http404
    return FileResponse(file, as_attachment=True, filename=job.filename, content_type=job.mimetype)


@login_required
@require_POST
def job_again(request, key):
    """Ask again for what a job made (or failed to make), as the person reading it now."""
    job = _get_job_for_user(request.user, key)
    params = {name: value for name, value in job.params.items() if name != "language"}
    if job.kind == Notices.code and not job_parent_units(request.user).filter(pk=job.unit_id).exists():
        raise Http404
    return _started(
        request, kind=job.kind, unit=job.unit, params=params, refused_url=reverse("reports:job", args=[key])
    )


@login_required
@require_POST
def responses_export(request, code, period):
    """Every response of the unit (and below, with subtree=1) in the period, as XLSX or CSV, made as a job."""
    unit = get_unit_with(request.user, Responses.permission, code)
    chosen = period_or_404(period)
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        raise Http404
    subtree = request.POST.get("subtree") == "1"
    results = reverse("reports:results", args=[unit.code, chosen.key]) + ("?subtree=1" if subtree else "")
    params = Responses.params(period=chosen, subtree=subtree, fmt=fmt)
    return _started(request, kind=Responses.code, unit=unit, params=params, refused_url=results)


def _started(request, *, kind, unit, params, refused_url):
    try:
        job = job_start(actor=request.user, kind=kind, unit=unit, params=params)
    except JobRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(refused_url)
    return redirect("reports:job", key=job.key)
