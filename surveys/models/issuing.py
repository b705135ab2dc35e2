"""Issued surveys: one per resolved dossier, answered at most once through a one-time link."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models.dossiers import Dossier
from surveys.models.forms import FormTemplate, FormVersion
from surveys.models.kiosks import Counter
from surveys.models.units import Unit


class IssuedSurveyQuerySet(models.QuerySet):
    def open(self):
        """Not answered and not expired: the link still takes an answer."""
        return self.filter(response__isnull=True, expires__gt=timezone.now())


class IssuedSurvey(models.Model):
    """The survey issued for one dossier.

    The link's token is a keyed hash of `key` (see surveys.tokens), so the same
    survey can be shown again, yet the table holds only the token's digest.
    """

    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="survey")
    version = models.ForeignKey(
        FormVersion, verbose_name=_("phiên bản mẫu phiếu"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_digest = models.CharField(max_length=64, unique=True)
    counter = models.ForeignKey(
        Counter, verbose_name=_("quầy"), on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phát"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued = models.DateTimeField(_("phát lúc"), default=timezone.now)
    expires = models.DateTimeField(_("hết hạn lúc"))
    # When it was last sent to the counter's tablet, and when the tablet went back to its
    # welcome screen without an answer (so it is not shown to the next person).
    counter_sent = models.DateTimeField(null=True, blank=True)
    kiosk_closed = models.DateTimeField(null=True, blank=True)

    objects = IssuedSurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiếu phát theo hồ sơ")
        verbose_name_plural = _("phiếu phát theo hồ sơ")
        ordering = ["-issued"]
        indexes = [models.Index(fields=["counter", "counter_sent"], name="survey_counter_sent")]
        constraints = [
            models.CheckConstraint(condition=Q(expires__gt=F("issued")), name="survey_expires_after_issue"),
        ]

    def __str__(self):
        return f"Phiếu hồ sơ {self.dossier.code}"

    @property
    def is_expired(self) -> bool:
        return self.expires <= timezone.now()


class SurveySettings(models.Model):
    """How a unit surveys: the form it issues and shows online, and how long a link lives."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="survey_settings")
    form = models.ForeignKey(
        FormTemplate,
        verbose_name=_("mẫu phiếu phát cho người dân"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expiry_days = models.PositiveSmallIntegerField(_("số ngày hiệu lực của đường dẫn"), default=7)
    public_rating = models.BooleanField(_("nhận đánh giá trên trang công khai"), default=True)

    class Meta:
        verbose_name = _("cài đặt khảo sát")
        verbose_name_plural = _("cài đặt khảo sát")
        constraints = [
            models.CheckConstraint(condition=Q(expiry_days__gte=1, expiry_days__lte=90), name="settings_expiry_days"),
        ]

    def __str__(self):
        return f"Cài đặt khảo sát · {self.unit}"
