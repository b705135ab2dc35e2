"""Paper ballots: each opening of the sealed box, its witnesses, and the batch typed in from it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.forms import FormVersion
from surveys.models.units import Unit


class BoxOpening(models.Model):
    """One opening of the locked and sealed ballot box, as written in its minutes (biên bản)."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="box_openings")
    opened_at = models.DateTimeField(_("thời điểm mở hòm phiếu"))
    place = models.CharField(_("địa điểm"), max_length=300)
    seal_intact = models.BooleanField(_("khóa và niêm phong còn nguyên vẹn"))
    seal_note = models.TextField(_("ghi nhận về khóa, niêm phong"), blank=True)
    ballot_count = models.PositiveIntegerField(_("số phiếu thu được"))
    key_keeper = models.CharField(_("bộ phận nhận giữ chìa khóa"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập biên bản"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần mở hòm phiếu")
        verbose_name_plural = _("các lần mở hòm phiếu")
        ordering = ["-opened_at"]
        constraints = [
            # A doubt about the box must be written down (seed 002: report any doubt before opening).
            models.CheckConstraint(
                condition=Q(seal_intact=True) | ~Q(seal_note=""), name="box_opening_broken_seal_has_note"
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.opened_at:%d/%m/%Y %H:%M}"


class Witness(models.Model):
    """Someone present at the opening, with their role (Trưởng bộ phận Một cửa, đại diện MTTQ…)."""

    opening = models.ForeignKey(
        BoxOpening, verbose_name=_("lần mở hòm phiếu"), on_delete=models.CASCADE, related_name="witnesses"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("họ và tên"), max_length=200)
    role = models.CharField(_("chức vụ"), max_length=200)

    class Meta:
        verbose_name = _("người chứng kiến")
        verbose_name_plural = _("người chứng kiến")
        ordering = ["opening", "position"]

    def __str__(self):
        return f"{self.name} ({self.role})"


class BatchQuerySet(models.QuerySet):
    def open(self) -> "BatchQuerySet":
        return self.filter(status=Batch.Status.OPEN)


class Batch(models.Model):
    """The ballots of one box opening (or one imported file), typed in against one form version."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang nhập")
        CLOSED = "closed", _("Đã khóa sổ")

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="batches")
    opening = models.OneToOneField(
        BoxOpening,
        verbose_name=_("lần mở hòm phiếu"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batch",
    )
    version = models.ForeignKey(FormVersion, verbose_name=_("mẫu phiếu"), on_delete=models.PROTECT, related_name="+")
    source_file = models.CharField(_("tệp nhập"), max_length=255, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    # Empty for imports run from the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed = models.DateTimeField(_("ngày khóa sổ"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người khóa sổ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    discrepancy_note = models.TextField(_("lý do chênh lệch số phiếu"), blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("lô phiếu")
        verbose_name_plural = _("lô phiếu")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="batch_status_known"),
            models.CheckConstraint(
                condition=Q(status="open", closed__isnull=True, closed_by__isnull=True)
                | Q(status="closed", closed__isnull=False, closed_by__isnull=False),
                name="batch_closed_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(opening__isnull=False) | ~Q(source_file=""), name="batch_from_opening_or_file"
            ),
        ]

    def __str__(self):
        return f"Lô {self.pk} · {self.unit}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
