"""Counters (quầy) of the one-stop unit and the tablets paired to them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.units import Unit


class Counter(models.Model):
    """A counter where surveys are issued; its tablet shows the survey issued there last."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="counters")
    name = models.CharField(_("tên quầy"), max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quầy")
        verbose_name_plural = _("quầy")
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="counter_name_once_per_unit")]

    def __str__(self):
        return self.name


class Kiosk(models.Model):
    """One tablet of a counter.

    A head starts a pairing and types the short code shown to them on the tablet
    once; the tablet then keeps a long secret in a cookie. Only digests are stored.
    """

    counter = models.ForeignKey(Counter, verbose_name=_("quầy"), on_delete=models.CASCADE, related_name="kiosks")
    pairing_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    pairing_expires = models.DateTimeField(null=True, blank=True)
    key_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    paired = models.DateTimeField(_("ghép lúc"), null=True, blank=True)
    last_seen = models.DateTimeField(_("hoạt động lần cuối"), null=True, blank=True)
    revoked = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("máy tính bảng")
        verbose_name_plural = _("máy tính bảng")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paired__isnull=True) | Q(key_digest__isnull=False), name="kiosk_paired_has_key"
            ),
        ]

    def __str__(self):
        return f"{self.counter} #{self.pk}"
