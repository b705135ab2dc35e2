from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from reports.jobs.queue import QUEUE_NAME, SipasWorker, job_queue, jobs_sweep, rq_horse_killed


class Command(BaseCommand):
    help = """Run the worker that makes background jobs (responses exports, the monthly notices of a province).

    Reads the RQ queue "sipas" on the Redis of REDIS_URL and works until stopped
    (Ctrl+C or SIGTERM); with --burst it makes the jobs waiting now and stops.
    Each job runs in a child process, so a crash in one document cannot take the worker down;
    a child that dies marks its job failed. On start and every SIPAS_JOB_STALE_SECONDS while idle
    it also marks failed the jobs whose process died elsewhere, and deletes jobs past SIPAS_JOB_KEEP_DAYS.
    """

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Làm hết các việc đang chờ rồi dừng")

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError(
                "Chưa đặt REDIS_URL (ví dụ redis://127.0.0.1:6379/0): không có hàng đợi nào để xử lý. "
                "Khi không có REDIS_URL, các việc chạy nền được làm trong tiến trình web, không cần bộ xử lý."
            )
        failed = jobs_sweep()
        if failed:
            self.stderr.write(f"Đã đánh dấu lỗi {failed} việc bị dừng giữa chừng.")
        # Each job runs in a forked child: it must open its own database connection, not share ours.
        connections.close_all()
        queue = job_queue()
        stale = settings.SIPAS_JOB_STALE_SECONDS
        worker = SipasWorker(
            [queue],
            connection=queue.connection,
            work_horse_killed_handler=rq_horse_killed,
            maintenance_interval=stale,
            # An idle worker wakes from waiting on Redis this often, so its maintenance keeps to the interval.
            worker_ttl=stale + 15,
        )
        worker.work(burst=options["burst"])
        self.stdout.write(f"Đã dừng bộ xử lý hàng đợi “{QUEUE_NAME}”.")
