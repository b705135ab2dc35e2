from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from rq import Worker

from reports.jobs import QUEUE_NAME, job_queue


class Command(BaseCommand):
    help = """Run the worker that makes background jobs (the monthly notices of a province).

    Reads the RQ queue "sipas" on the Redis of REDIS_URL and works until stopped
    (Ctrl+C or SIGTERM); with --burst it makes the jobs waiting now and stops.
    Each job runs in a child process, so a crash in one document cannot take the worker down.
    """

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Làm hết các việc đang chờ rồi dừng")

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError(
                "Chưa đặt REDIS_URL (ví dụ redis://127.0.0.1:6379/0): không có hàng đợi nào để xử lý. "
                "Khi không có REDIS_URL, sipas tạo văn bản ngay trong yêu cầu, không cần bộ xử lý."
            )
        # Each job runs in a forked child: it must open its own database connection, not share ours.
        connections.close_all()
        queue = job_queue()
        worker = Worker([queue], connection=queue.connection)
        worker.work(burst=options["burst"])
        self.stdout.write(f"Đã dừng bộ xử lý hàng đợi “{QUEUE_NAME}”.")
