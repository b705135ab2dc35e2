"""The monthly notices of every unit under one unit, made as one job.

With REDIS_URL set the job goes to the RQ queue "sipas" and a worker
(`manage.py run_worker`) makes it, so the request returns at once; without it
the request makes the notices itself, which is fine for one small province.
Progress is written on the ReportJob row after each notice, which is all the
job page reads.
"""

import datetime
import io
import logging
import zipfile

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from reports.builders import monthly_notice
from reports.models import ReportJob
from reports.periods import Period
from reports.writers import render
from surveys.audit import log_action
from surveys.models import Unit, UnitQuerySet

QUEUE_NAME = "sipas"
# A province has a few hundred units at most; a notice takes about a second.
JOB_TIMEOUT = 60 * 60

logger = logging.getLogger(__name__)


def job_units(unit: Unit) -> UnitQuerySet:
    """The units that get a notice: every current unit below `unit`, not `unit` itself."""
    return Unit.objects.subtree_of(unit).current().exclude(pk=unit.pk)


def job_queue() -> Queue:
    """The RQ queue of sipas, on the Redis of REDIS_URL."""
    return Queue(QUEUE_NAME, connection=Redis.from_url(settings.REDIS_URL))


def archive_name(job: ReportJob) -> str:
    return f"thong-bao-{job.unit.code}-{job.month:%Y-%m}.zip"


def job_start(*, actor, unit: Unit, month: datetime.date) -> ReportJob:
    """Create the job of `unit`'s notices for `month` and have it made: by the worker, or here and now."""
    with transaction.atomic():
        job = ReportJob.objects.create(
            unit=unit, month=month.replace(day=1), total=job_units(unit).count(), requested_by=actor
        )
        log_action(actor=actor, action="reports.job.started", unit=unit, target=job, data={"month": f"{month:%Y-%m}"})
        if settings.REDIS_URL:
            # After the commit, or a fast worker would look for a job that is not there yet.
            transaction.on_commit(lambda: _enqueue(job.pk))
    if not settings.REDIS_URL:
        try:
            notices_run(job.pk)
        except Exception:  # written on the job already; its page shows the failure
            logger.exception("report job %s failed", job.key)
        job.refresh_from_db()
    return job


def notices_run(job_id: int) -> None:
    """Make every notice of the job as PDF into one ZIP kept on the job; a failure is written on it."""
    job = ReportJob.objects.select_related("unit").defer("archive").get(pk=job_id)
    jobs = ReportJob.objects.filter(pk=job_id)
    units = list(job_units(job.unit))
    jobs.update(status=ReportJob.Status.RUNNING, total=len(units), done=0, error="")
    period = Period.month(job.month.year, job.month.month)
    buffer, unit = io.BytesIO(), None
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, unit in enumerate(units, start=1):
                filename, _mimetype, content = render(monthly_notice(unit, period), "pdf")
                archive.writestr(filename, content)
                jobs.update(done=done)
    except Exception as error:
        where = unit.name if unit is not None else job.unit.name
        message = _("Không tạo được thông báo của %(unit)s: %(error)s") % {"unit": where, "error": error}
        jobs.update(status=ReportJob.Status.FAILED, error=message, finished=timezone.now())
        raise
    jobs.update(status=ReportJob.Status.DONE, archive=buffer.getvalue(), finished=timezone.now())


def _enqueue(job_id: int) -> None:
    """Hand the job to the worker; if Redis cannot be reached, say so on the job instead of leaving it waiting."""
    try:
        job_queue().enqueue("reports.jobs.notices_run", job_id, job_timeout=JOB_TIMEOUT)
    except RedisError as error:
        logger.exception("report job %s could not be queued", job_id)
        message = _("Không gửi được việc cho hàng đợi (Redis): %(error)s") % {"error": error}
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED, error=message, finished=timezone.now()
        )
