"""Keys that let a unit's one-stop software register dossiers through the API."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models.units import Unit


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked__isnull=True)


class ApiKey(models.Model):
    """A per-unit bearer key. Only its digest is stored; `prefix` tells keys apart on screen."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("tên gợi nhớ"), max_length=100)
    prefix = models.CharField(_("đầu khóa"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.prefix}… · {self.unit}"
