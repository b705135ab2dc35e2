"""A unit's survey plan for a year (Kế hoạch khảo sát): what the annual report and coverage read."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.forms import FormTemplate
from surveys.models.units import Unit


class SurveyPlan(models.Model):
    """The plan a unit signs for a year: its document, forms, target, channels and who leads.

    The target is either a share of resolved dossiers (seed 000: at least 50 %;
    seed 003: at least 10 % of transactions) or a sample sized by
    n = N / (1 + N·e²) for a margin e (the Ministry's survey guidance).
    """

    class Target(models.TextChoices):
        PERCENT = "percent", _("Tỷ lệ trên số hồ sơ đã giải quyết")
        SAMPLE = "sample", _("Cỡ mẫu theo sai số cho phép")

    class CollectionPeriod(models.IntegerChoices):
        MONTH = 1, _("01 tháng")
        QUARTER = 3, _("03 tháng")
        HALF_YEAR = 6, _("06 tháng")

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="survey_plans")
    year = models.PositiveSmallIntegerField(_("năm"), validators=[MinValueValidator(2015), MaxValueValidator(2100)])
    number = models.CharField(_("số, ký hiệu kế hoạch"), max_length=60, help_text=_("Ví dụ: 129/KH-UBND"))
    signed_on = models.DateField(_("ngày ban hành"))
    forms = models.ManyToManyField(FormTemplate, verbose_name=_("mẫu phiếu sử dụng"), blank=True, related_name="+")
    target_kind = models.CharField(
        _("cách tính chỉ tiêu"), max_length=8, choices=Target.choices, default=Target.PERCENT
    )
    target_percent = models.DecimalField(
        _("chỉ tiêu (phần trăm số hồ sơ đã giải quyết)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(100)],
    )
    margin_percent = models.DecimalField(
        _("sai số cho phép (%)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Thường là 5 %: n = N ÷ (1 + N·e²)."),
    )
    uses_paper = models.BooleanField(_("phiếu giấy tại Bộ phận Một cửa"), default=True)
    uses_issued = models.BooleanField(_("phiếu phát theo hồ sơ (máy tính bảng, mã QR)"), default=True)
    uses_online = models.BooleanField(_("đánh giá trực tuyến trên trang của đơn vị"), default=False)
    collection_months = models.PositiveSmallIntegerField(
        _("kỳ lấy phiếu"), choices=CollectionPeriod.choices, default=CollectionPeriod.MONTH
    )
    starts = models.DateField(_("bắt đầu khảo sát"))
    ends = models.DateField(_("kết thúc khảo sát"))
    lead_unit = models.CharField(
        _("đơn vị chủ trì tham mưu"), max_length=200, help_text=_("Ví dụ: Văn phòng UBND phường")
    )
    publication = models.TextField(
        _("hình thức công khai kết quả"),
        help_text=_("Ví dụ: niêm yết tại Bộ phận Một cửa; đăng trên Trang thông tin điện tử."),
    )
    updated = models.DateTimeField(_("cập nhật"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("kế hoạch khảo sát")
        verbose_name_plural = _("kế hoạch khảo sát")
        ordering = ["unit", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="survey_plan_once_per_year"),
            models.CheckConstraint(condition=Q(starts__lte=models.F("ends")), name="survey_plan_starts_before_ends"),
            models.CheckConstraint(
                condition=Q(target_kind="percent", target_percent__isnull=False)
                | Q(target_kind="sample", margin_percent__isnull=False),
                name="survey_plan_target_complete",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.year} · {self.number}"

    @property
    def channel_labels(self) -> list[str]:
        """The survey channels as the annual report names them."""
        used = [(self.uses_paper, "paper"), (self.uses_issued, "issued"), (self.uses_online, "online")]
        return [str(self._meta.get_field(f"uses_{name}").verbose_name) for on, name in used if on]
