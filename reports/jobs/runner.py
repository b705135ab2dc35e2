"""Make a job's file, keep its heartbeat, and give up on jobs whose process died.

`job_run` is the same wherever it runs: an RQ work horse, a thread of the web process, or a
shell. Every time of a job comes from the database's clock (Now()), so web servers and
workers on machines whose clocks differ agree on which job fell silent or grew old.
"""

import datetime
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.jobs.files import file_remove, file_writing, job_path
from reports.jobs.kinds import KINDS, JobFailed
from reports.models import ReportJob
from sipas.db_routing import replica_reads

logger = logging.getLogger(__name__)

Status = ReportJob.Status
ACTIVE = (Status.QUEUED, Status.RUNNING)


class JobGivenUp(Exception):
    """The job was marked failed while it ran (its heartbeat had stopped, or it ran too long): stop making it."""


def job_run(job_id: int) -> None:
    """Make the file of the job if it is still waiting; write on the job how it ended."""
    jobs = ReportJob.objects.filter(pk=job_id)
    if not jobs.filter(status=Status.QUEUED).update(status=Status.RUNNING, started=Now(), heartbeat=Now()):
        # Made already, or given up on while it waited.
        logger.warning(
            "report job %s is not waiting (%s): not made", job_id, jobs.values_list("status", flat=True).first()
        )
        return
    job = ReportJob.objects.select_related("unit").get(pk=job_id)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        message = _job_make(job)
    if message is not None:
        if jobs.filter(status=Status.RUNNING).update(status=Status.FAILED, error=message, finished=Now()):
            logger.warning("report job %s failed: %s", job.key, message)
        file_remove(job)


def _job_make(job: ReportJob) -> str | None:
    """Make the file and mark the job done; return why it failed, or None."""
    jobs = ReportJob.objects.filter(pk=job.pk, status=Status.RUNNING)
    reporter = _Reporter(job.pk)
    try:
        # Survey data from the replica, when there is one (sipas/db_routing.py); the job's row stays on the primary.
        with reporter, file_writing(job) as out, replica_reads():
            filename, mimetype = KINDS[job.kind].make(job, out, reporter.progress)
    except JobGivenUp:
        return None  # the failure is written already
    except JobFailed as failure:
        return str(failure)
    except Exception as error:
        logger.exception("report job %s failed", job.key)
        return _("Không tạo được tệp: %(error)s") % {"error": error}
    finished = jobs.update(
        status=Status.DONE,
        done=reporter.done,
        total=max(reporter.total, reporter.done),
        filename=filename,
        mimetype=mimetype,
        size=job_path(job).stat().st_size,
        heartbeat=Now(),
        finished=Now(),
    )
    if not finished:  # given up on in its last moments: its page already says it failed
        file_remove(job)
    return None


class _Reporter:
    """Writes the job's progress and heartbeat every SIPAS_JOB_HEARTBEAT_SECONDS, from a thread of its own.

    The work may hold one long read transaction (the export's snapshot), in which its own
    writes would stay unseen until the end; this thread's connection commits each write.
    A job marked failed meanwhile is noticed here and stops at its next step.
    """

    def __init__(self, job_id: int):
        self.job_id, self.done, self.total = job_id, 0, 0
        self.given_up = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"sipas-job-{job_id}-heartbeat", daemon=True)

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.given_up:
            raise JobGivenUp

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.SIPAS_JOB_HEARTBEAT_SECONDS):
                self._write()
        finally:
            connections.close_all()  # this thread's own connections

    def _write(self) -> None:
        try:
            alive = ReportJob.objects.filter(pk=self.job_id, status=Status.RUNNING).update(
                done=self.done, total=self.total, heartbeat=Now()
            )
        except DatabaseError:  # the database is busy or away: the next beat tries again
            logger.warning("report job %s: heartbeat not written", self.job_id, exc_info=True)
            return
        # Not running any more: marked failed meanwhile. (A row this connection cannot see at all is
        # one whose transaction has not committed, as in a test: no reason to stop.)
        if not alive and ReportJob.objects.filter(pk=self.job_id).exists():
            self.given_up = True


def job_fail(*, job: ReportJob, message: str) -> bool:
    """Mark `job` failed with `message` unless it has ended already; return whether it was."""
    failed = ReportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=Status.FAILED, error=message, finished=Now()
    )
    if failed:
        logger.warning("report job %s failed: %s", job.key, message)
        file_remove(job)
    return bool(failed)


def jobs_fail_dead(jobs=None, *, queue_lost: Callable[[ReportJob], bool] | None = None) -> int:
    """Mark failed every job among `jobs` (all, if None) whose process is gone; return how many.

    Running longer than SIPAS_JOB_TIMEOUT_SECONDS; running and silent for SIPAS_JOB_STALE_SECONDS;
    queued for SIPAS_JOB_QUEUE_SECONDS; or queued past the stale time while `queue_lost(job)`
    says its queue no longer holds it (Redis emptied or restarted).
    """
    jobs = (
        (ReportJob.objects.all() if jobs is None else jobs)
        .select_related(None)
        .only("pk", "key", "status", "heartbeat")
    )
    ago = _database_time_ago
    reasons = [
        (Q(status=Status.RUNNING, started__lt=ago(settings.SIPAS_JOB_TIMEOUT_SECONDS)), _too_long),
        (Q(status=Status.RUNNING, heartbeat__lt=ago(settings.SIPAS_JOB_STALE_SECONDS)), _silent),
        (Q(status=Status.QUEUED, heartbeat__lt=ago(settings.SIPAS_JOB_QUEUE_SECONDS)), _never_claimed),
    ]
    failed = 0
    for condition, reason in reasons:
        for job in jobs.filter(condition):
            failed += job_fail(job=job, message=reason(job))
    if queue_lost is not None:
        for job in jobs.filter(status=Status.QUEUED, heartbeat__lt=ago(settings.SIPAS_JOB_STALE_SECONDS)):
            if queue_lost(job):
                failed += job_fail(job=job, message=_lost())
    return failed


def _database_time_ago(seconds: int):
    return ExpressionWrapper(Now() - datetime.timedelta(seconds=seconds), output_field=DateTimeField())


def _too_long(job: ReportJob) -> str:
    return _("Việc chạy quá %(minutes)s phút nên đã bị dừng. Hãy chọn kỳ ngắn hơn hoặc ít đơn vị hơn rồi tạo lại.") % {
        "minutes": settings.SIPAS_JOB_TIMEOUT_SECONDS // 60
    }


def _silent(job: ReportJob) -> str:
    return _(
        "Việc bị dừng giữa chừng: nơi tạo tệp không còn báo tiến độ từ %(time)s (máy chủ hoặc bộ xử lý hàng đợi "
        "đã khởi động lại hay bị tắt). Hãy tạo lại."
    ) % {"time": f"{timezone.localtime(job.heartbeat):%H:%M:%S %d/%m/%Y}"}


def _never_claimed(job: ReportJob) -> str:
    return _(
        "Việc đã chờ quá %(minutes)s phút mà chưa nơi nào nhận làm (bộ xử lý hàng đợi có đang chạy không?). "
        "Hãy tạo lại."
    ) % {"minutes": settings.SIPAS_JOB_QUEUE_SECONDS // 60}


def _lost() -> str:
    return _("Việc không còn trong hàng đợi (Redis đã bị xóa dữ liệu hoặc khởi động lại). Hãy tạo lại.")


def jobs_prune() -> int:
    """Delete the jobs asked for more than SIPAS_JOB_KEEP_DAYS days ago, with their files; return how many."""
    old = ReportJob.objects.filter(created__lt=_database_time_ago(settings.SIPAS_JOB_KEEP_DAYS * 86400))
    old = old.exclude(status__in=ACTIVE)
    count = 0
    for job in old.only("pk", "key"):
        file_remove(job)
        job.delete()
        count += 1
    return count
