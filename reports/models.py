"""What the reports keep of their own: the text a head writes into a report, and batch jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from surveys.models import Unit

# How much a head may write in one section; a report is a few pages, not a book.
SECTION_LIMIT = 5000


class ReportText(models.Model):
    """The sections of a report that people write, not the database: one set per unit and period.

    The period report prints strengths, weaknesses and recommendations (seed 001);
    Phụ lục 2 prints difficulties and recommendations (seed 002).
    """

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="report_texts")
    starts = models.DateField(_("từ ngày"))
    ends = models.DateField(_("đến ngày"))
    strengths = models.TextField(_("ưu điểm"), max_length=SECTION_LIMIT, blank=True)
    weaknesses = models.TextField(_("tồn tại, hạn chế"), max_length=SECTION_LIMIT, blank=True)
    difficulties = models.TextField(_("khó khăn, vướng mắc"), max_length=SECTION_LIMIT, blank=True)
    recommendations = models.TextField(_("kiến nghị, đề xuất"), max_length=SECTION_LIMIT, blank=True)
    recipients = models.TextField(
        _("nơi nhận"), max_length=1000, blank=True, help_text=_("Mỗi dòng một nơi nhận; “Lưu: VT.” được thêm sẵn.")
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=100, blank=True, help_text=_("Ví dụ: CHỦ TỊCH"))
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    updated = models.DateTimeField(_("cập nhật"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("nội dung báo cáo")
        verbose_name_plural = _("nội dung báo cáo")
        constraints = [
            models.UniqueConstraint(fields=["unit", "starts", "ends"], name="report_text_once_per_period"),
            models.CheckConstraint(condition=Q(starts__lte=models.F("ends")), name="report_text_starts_before_ends"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.starts:%d/%m/%Y}–{self.ends:%d/%m/%Y}"


class ReportJob(models.Model):
    """A file made in the background: batch notices, every response of a period, a comparison of units.

    What it makes and for whom is its kind (reports.jobs.kinds) and its parameters; the file
    itself lives in SIPAS_JOB_DIR under the job's key. `heartbeat` is its last sign of life.
    """

    class Kind(models.TextChoices):
        NOTICES = "notices", _("Thông báo kết quả tháng của các đơn vị trực thuộc")
        RESPONSES = "responses", _("Tất cả phiếu trong kỳ")
        COMPARISON = "comparison", _("Bảng so sánh các đơn vị")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    # None: the provinces of the whole country compared.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # The period key ("2026-10", "2026-Q3", "2026") and whatever else the kind needs (format, subtree).
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("tổng số"), default=0)
    done = models.PositiveIntegerField(_("đã làm"), default=0)
    filename = models.CharField(_("tên tệp"), max_length=200, blank=True)
    mimetype = models.CharField(_("kiểu tệp"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Every time of a job is the database's, never a server's: see reports.jobs.runner.
    created = models.DateTimeField(_("tạo lúc"), db_default=Now())
    started = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("báo tiến độ lần cuối"), null=True, blank=True, db_default=Now())
    finished = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("việc chạy nền")
        verbose_name_plural = _("việc chạy nền")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["notices", "responses", "comparison"]), name="report_job_kind_known"
            ),
            # Only a comparison may be of the whole country.
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(kind="comparison"), name="report_job_unit_unless_national"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="report_job_status_known"
            ),
            # A finished job has its file; a failed one says why.
            models.CheckConstraint(condition=~Q(status="done") | ~Q(filename=""), name="report_job_done_has_file"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="report_job_failure_explained"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat"], name="report_job_status_heartbeat")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit or _('Toàn quốc')} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, 100 * self.done // self.total) if self.total else 0

    @property
    def active(self) -> bool:
        """Whether the job may still change: its page keeps asking."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
