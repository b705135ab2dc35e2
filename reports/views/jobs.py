"""Background jobs: start the monthly notices of every unit under a province, watch them, download the ZIP."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from reports.forms import JobStartForm
from reports.jobs import archive_name, job_start
from reports.models import ReportJob
from surveys.models import UnitQuerySet
from surveys.permissions import units_with
from surveys.scoping import units_for_user
from surveys.selectors import units_with_children

RECENT_JOBS = 20


def job_parent_units(user) -> UnitQuerySet:
    """Current units where `user` may start jobs that have current units below them: those a job is for."""
    return units_with_children(units=units_with(user, "jobs.start"))


def _get_job_for_user(user, key, *, with_archive: bool = False) -> ReportJob:
    """The job with `key` if `user` reaches its unit, else 404; the ZIP is read only for a download."""
    jobs = ReportJob.objects.select_related("unit").filter(unit__in=units_for_user(user))
    return get_object_or_404(jobs if with_archive else jobs.defer("archive"), key=key)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def job_list(request):
    units = job_parent_units(request.user)
    if request.method == "POST":
        if not units.exists():
            raise Http404
        form = JobStartForm(request.POST, units=units)
        if form.is_valid():
            job = job_start(actor=request.user, unit=form.cleaned_data["unit"], month=form.cleaned_data["month"])
            return redirect("reports:job", key=job.key)
        status = 400
    else:
        form, status = JobStartForm(units=units), 200
    jobs = (
        ReportJob.objects.select_related("unit")
        .defer("archive")
        .filter(requested_by=request.user, unit__in=units_for_user(request.user))[:RECENT_JOBS]
    )
    context = {"form": form if units.exists() else None, "jobs": jobs}
    return render(request, "reports/job_list.html", context, status=status)


@login_required
@require_safe
def job_detail(request, key):
    job = _get_job_for_user(request.user, key)
    # htmx polls the same address for the progress block alone.
    template = "reports/includes/_job_progress.html" if request.headers.get("HX-Request") else "reports/job_detail.html"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ["HX-Request"])
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def job_download(request, key):
    job = _get_job_for_user(request.user, key, with_archive=True)
    if job.status != ReportJob.Status.DONE or job.archive is None:
        raise Http404
    response = HttpResponse(bytes(job.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive_name(job)}"'
    return response
