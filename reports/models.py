"""What the reports keep of their own: the text a head writes into a report, and batch jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    """A batch of documents made in the background: the monthly notices of every unit under one unit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("tháng"))
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("số văn bản"), default=0)
    done = models.PositiveIntegerField(_("đã tạo"), default=0)
    archive = models.BinaryField(_("tệp nén"), null=True, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    finished = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đợt tạo văn bản")
        verbose_name_plural = _("đợt tạo văn bản")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.unit} · {self.month:%m/%Y} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else (100 * self.done // self.total if self.total else 0)
