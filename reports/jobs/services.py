"""Ask for a job: check it, record it with its audit entry, and hand it over once committed."""

from django.db import transaction
from django.utils import translation

from reports.jobs.kinds import KINDS
from reports.jobs.queue import job_dispatch
from reports.models import ReportJob
from surveys.audit import log_action
from surveys.models import Unit


def job_start(*, actor, kind: str, unit: Unit, params: dict) -> ReportJob:
    """Record the job of `kind` for `unit` and have it made in the background; return it at once.

    The same job asked for again by the same person while it is still waiting or running is
    not made twice: that one is returned. Raises kinds.JobRefused (nothing recorded) when the
    kind refuses the parameters, e.g. more responses than an Excel sheet holds.
    """
    params = {**params, "language": translation.get_language()}
    total = KINDS[kind].total(unit=unit, params=params)
    with transaction.atomic():
        waiting = [ReportJob.Status.QUEUED, ReportJob.Status.RUNNING]
        same = ReportJob.objects.filter(
            kind=kind, unit=unit, params=params, requested_by=actor, status__in=waiting
        ).first()
        if same is not None:
            return same
        job = ReportJob.objects.create(kind=kind, unit=unit, params=params, total=total, requested_by=actor)
        log_action(actor=actor, action="reports.job.started", unit=unit, target=job, data={"kind": kind, **params})
        # After the commit: a worker or thread quicker than this transaction would find no job.
        transaction.on_commit(lambda: job_dispatch(job))
    return job
