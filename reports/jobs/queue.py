"""Where jobs run: on the RQ queue "sipas" when REDIS_URL is set, else in threads of the web process.

Either way the request that asked for a job has returned long before the job is made. RQ
tells us of failures it sees: an exception or a job abandoned in its registries (on_failure),
and a work horse that died (the worker's work_horse_killed_handler, set in `run_worker`).
A worker killed outright tells nobody; the heartbeat tells (runner.jobs_fail_dead).
"""

import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from reports.jobs.runner import job_fail, job_run, jobs_fail_dead, jobs_prune
from reports.models import ReportJob

QUEUE_NAME = "sipas"
# RQ's record of a job outlives it by this much: long enough for the sweep to ask about it.
RQ_KEEP_SECONDS = 24 * 60 * 60
_RQ_PREFIX = "sipas-job-"

logger = logging.getLogger(__name__)
_threads: ThreadPoolExecutor | None = None


def job_queue() -> Queue:
    """The RQ queue of sipas, on the Redis of REDIS_URL."""
    return Queue(QUEUE_NAME, connection=Redis.from_url(settings.REDIS_URL))


def rq_job_id(job: ReportJob) -> str:
    return f"{_RQ_PREFIX}{job.key}"


def job_dispatch(job: ReportJob) -> None:
    """Have the job made by a worker, or by a thread here; call it once the job is committed."""
    if not settings.REDIS_URL:
        _thread_pool().submit(_run_in_thread, job.pk)
        return
    try:
        job_queue().enqueue(
            job_run,
            job.pk,
            job_id=rq_job_id(job),
            job_timeout=settings.SIPAS_JOB_TIMEOUT_SECONDS,
            result_ttl=RQ_KEEP_SECONDS,
            failure_ttl=RQ_KEEP_SECONDS,
            on_failure=Callback(rq_job_failed),
        )
    except RedisError as error:
        logger.exception("report job %s could not be queued", job.key)
        job_fail(job=job, message=_("Không gửi được việc cho hàng đợi (Redis): %(error)s") % {"error": error})


def rq_queue_lost(job: ReportJob) -> bool:
    """Whether Redis no longer holds the job as waiting or running (emptied, restarted, or failed there)."""
    try:
        status = Job.fetch(rq_job_id(job), connection=Redis.from_url(settings.REDIS_URL)).get_status()
    except NoSuchJobError:
        return True
    except RedisError:
        return False  # no answer is not an answer: the queue timeout still applies
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, None)


def jobs_check(jobs=None) -> int:
    """Fail the dead jobs among `jobs` (all, if None), asking Redis about queued ones when there is a queue."""
    return jobs_fail_dead(jobs, queue_lost=rq_queue_lost if settings.REDIS_URL else None)


def jobs_sweep() -> int:
    """What a worker does now and then: fail the dead jobs and delete the old ones."""
    failed = jobs_check()
    jobs_prune()
    return failed


def rq_job_failed(rq_job: Job, connection, exc_type, exc_value, traceback) -> None:
    """RQ's on_failure: an exception escaped the job, or a worker abandoned it (found in its registry).

    In a worker this runs in its work horse, or in its maintenance, which closes the connection after.
    """
    error = str(exc_value) or exc_type.__name__
    _fail_by_rq_id(rq_job.id, _("Bộ xử lý hàng đợi báo lỗi: %(error)s. Hãy tạo lại.") % {"error": error})


def rq_horse_killed(rq_job: Job, pid: int, status: int, rusage) -> None:
    """The work horse making the job died (killed, out of memory): say so on the job at once."""
    how = f" (tín hiệu {signal.Signals(os.WTERMSIG(status)).name})" if status and os.WIFSIGNALED(status) else ""
    message = _("Tiến trình tạo tệp bị dừng đột ngột%(how)s, có thể do hết bộ nhớ hoặc bị tắt. Hãy tạo lại.") % {
        "how": how
    }
    try:
        _fail_by_rq_id(rq_job.id, message)
    finally:
        connections.close_all()  # this runs in the worker itself, which must fork its next horse without one


class SipasWorker(Worker):
    """RQ's worker, which also sweeps dead and old jobs as part of its own periodic maintenance."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            jobs_sweep()
        except Exception:  # the database may be away for a moment; the next sweep tries again
            logger.exception("sweeping report jobs failed")
        finally:
            connections.close_all()


def _fail_by_rq_id(rq_id: str, message: str) -> None:
    if not rq_id.startswith(_RQ_PREFIX):
        return  # not one of ours
    job = ReportJob.objects.filter(key=rq_id.removeprefix(_RQ_PREFIX)).only("pk", "key").first()
    if job is not None:
        job_fail(job=job, message=message)


def _thread_pool() -> ThreadPoolExecutor:
    """Made on first use, in the process that serves requests (gunicorn forks after loading Django)."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=settings.SIPAS_JOB_THREADS, thread_name_prefix="sipas-job")
    return _threads


def _run_in_thread(job_id: int) -> None:
    try:
        job_run(job_id)
    except Exception:
        logger.exception("report job %s failed in its thread", job_id)
    finally:
        connections.close_all()  # this thread's own connections
