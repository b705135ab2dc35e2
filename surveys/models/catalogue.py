"""The catalogue of administrative procedures (thủ tục hành chính), grouped by field (lĩnh vực)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.units import Unit
from surveys.text import fold


class ProcedureQuerySet(models.QuerySet):
    def available_to(self, unit: Unit) -> "ProcedureQuerySet":
        """The national catalogue plus the unit's province's own list."""
        province_code = unit.path.strip("/").split("/")[0]
        return self.filter(Q(province__isnull=True) | Q(province__code=province_code))

    def search(self, text: str) -> "ProcedureQuerySet":
        """Match names with or without diacritics, or the national code."""
        needle = fold(text)
        if not needle:
            return self.none()
        return self.filter(Q(search_name__contains=needle) | Q(code__iexact=text.strip()))


class ProcedureField(models.Model):
    """A field of procedures (Hộ tịch, Chứng thực, Đất đai…)."""

    name = models.CharField(_("lĩnh vực"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Procedure(models.Model):
    """One procedure; national ones have no province, a province's own list names it."""

    class Level(models.TextChoices):
        COMMUNE = "xa", _("Cấp xã")
        PROVINCE = "tinh", _("Cấp tỉnh")

    code = models.CharField(_("mã thủ tục"), max_length=30, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(
        ProcedureField, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("cấp thực hiện"), max_length=8, choices=Level.choices)
    province = models.ForeignKey(
        Unit,
        verbose_name=_("danh mục của tỉnh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
    )
    search_name = models.CharField(max_length=500, editable=False, db_index=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "level"], condition=Q(province__isnull=True), name="procedure_national_name_unique"
            ),
            models.UniqueConstraint(fields=["province", "name", "level"], name="procedure_province_name_unique"),
            models.CheckConstraint(condition=Q(level__in=["xa", "tinh"]), name="procedure_level_known"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    def set_derived_fields(self) -> None:
        self.search_name = fold(self.name)
