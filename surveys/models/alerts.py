"""Integrity alerts: a citizen said they had to bring extra papers or pay extra fees."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models.forms import Question
from surveys.models.responses import Response
from surveys.models.units import Unit


class IntegrityAlertQuerySet(models.QuerySet):
    def unseen(self):
        return self.filter(seen__isnull=True)


class IntegrityAlert(models.Model):
    """One "Có" to a question that flags integrity, shown to the unit head until they mark it seen."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="alerts")
    response = models.ForeignKey(Response, verbose_name=_("phiếu"), on_delete=models.CASCADE, related_name="alerts")
    question = models.ForeignKey(Question, verbose_name=_("câu hỏi"), on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)
    seen = models.DateTimeField(_("đã xem lúc"), null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = IntegrityAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("cảnh báo liêm chính")
        verbose_name_plural = _("cảnh báo liêm chính")
        ordering = ["-created"]
        indexes = [models.Index(fields=["unit", "seen"], name="alert_unit_seen")]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="alert_once_per_answer")]

    def __str__(self):
        return f"{self.question.code} · {self.response_id}"
