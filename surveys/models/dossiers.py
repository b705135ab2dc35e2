"""Resolved dossiers (hồ sơ TTHC): each may get one issued survey, and their monthly counts feed coverage."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from surveys.models.catalogue import Procedure
from surveys.models.units import Unit


class Dossier(models.Model):
    """A dossier the unit has resolved, typed at the counter, imported or sent by the one-stop software."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Nhập tay")
        IMPORT = "import", _("Nhập từ tệp")
        API = "api", _("Phần mềm một cửa")

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="dossiers")
    code = models.CharField(_("mã hồ sơ"), max_length=60)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedure_text = models.CharField(_("thủ tục (ghi tay)"), max_length=500, blank=True)
    received = models.DateField(_("ngày tiếp nhận"))
    resolved = models.DateField(_("ngày giải quyết"))
    on_time = models.BooleanField(_("đúng hạn"))
    officer = models.CharField(_("công chức giải quyết"), max_length=200, blank=True)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-resolved", "-id"]
        indexes = [models.Index(fields=["unit", "resolved"], name="dossier_unit_resolved")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="dossier_code_once_per_unit"),
            models.CheckConstraint(condition=Q(resolved__gte=F("received")), name="dossier_resolved_after_received"),
            models.CheckConstraint(condition=~Q(code=""), name="dossier_code_not_empty"),
        ]

    def __str__(self):
        return f"{self.code} · {self.unit}"

    @property
    def procedure_name(self) -> str:
        return self.procedure.name if self.procedure else self.procedure_text


class ResolvedCount(models.Model):
    """Dossiers a unit resolved in a month, as its one-stop software counts them.

    Offices that do not register every dossier here still need a denominator for
    coverage; when a month has this count it is the one reports use.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="resolved_counts")
    month = models.DateField(_("tháng"), help_text=_("Ngày đầu tháng."))
    count = models.PositiveIntegerField(_("số hồ sơ đã giải quyết"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("số hồ sơ giải quyết trong tháng")
        verbose_name_plural = _("số hồ sơ giải quyết trong tháng")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="resolved_count_once_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="resolved_count_month_first_day"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.month:%m/%Y}: {self.count}"
