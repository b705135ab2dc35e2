"""Responses: one row per ballot or answered survey, whatever its channel, with its answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.ballots import Batch
from surveys.models.catalogue import Procedure
from surveys.models.forms import FormVersion, Question
from surveys.models.issuing import IssuedSurvey
from surveys.models.units import Unit


class Response(models.Model):
    """One ballot or one answered survey. It keeps the exact form version it answered."""

    class Channel(models.TextChoices):
        PAPER = "paper", _("Phiếu giấy")
        ISSUED = "issued", _("Phiếu phát theo hồ sơ")
        ONLINE = "online", _("Đánh giá trực tuyến")

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị giải quyết"), on_delete=models.PROTECT, related_name="responses"
    )
    version = models.ForeignKey(
        FormVersion, verbose_name=_("phiên bản mẫu phiếu"), on_delete=models.PROTECT, related_name="responses"
    )
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    answered_on = models.DateField(_("ngày đánh giá"))
    batch = models.ForeignKey(
        Batch, verbose_name=_("lô phiếu"), on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    procedure_text = models.CharField(_("thủ tục (ghi tay)"), max_length=500, blank=True)
    received_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị tiếp nhận"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_unit_text = models.CharField(_("đơn vị tiếp nhận (ghi tay)"), max_length=300, blank=True)
    # The database keeps the rule "one answer per issued survey".
    survey = models.OneToOneField(
        IssuedSurvey,
        verbose_name=_("phiếu phát theo hồ sơ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="response",
    )
    # Keyed digests (surveys.tokens.fingerprint) of the sender's address and device, never
    # the address itself: enough to see a burst of answers from one place.
    origin = models.CharField(_("địa chỉ gửi (mã hóa)"), max_length=16, blank=True)
    device = models.CharField(_("thiết bị gửi (mã hóa)"), max_length=16, blank=True)
    # Made by the client before sending, so a retry after a lost reply stores nothing twice.
    client_id = models.UUIDField(_("mã gửi"), null=True, blank=True, unique=True)
    # The civil servant who resolved the dossier an issued survey answers for, as the dossier names
    # them (dossiers are never edited): figures per civil servant read it without joining the dossier.
    officer = models.CharField(_("công chức giải quyết"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)
    # When the citizen pressed "Gửi" by the device's clock, kept when plausible: an answer sent
    # from a tablet's offline queue after midnight still belongs to the day it was given.
    answered_at = models.DateTimeField(_("thời điểm trả lời (theo thiết bị)"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiếu trả lời")
        verbose_name_plural = _("phiếu trả lời")
        ordering = ["-answered_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "answered_on"], name="response_unit_day"),
            models.Index(fields=["origin", "created"], name="response_origin_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["paper", "issued", "online"]), name="response_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(channel="paper"), name="response_batch_is_paper"
            ),
            models.CheckConstraint(
                condition=Q(channel="issued", survey__isnull=False) | (~Q(channel="issued") & Q(survey__isnull=True)),
                name="response_issued_has_survey",
            ),
        ]

    def __str__(self):
        return f"Phiếu {self.pk} · {self.unit} · {self.answered_on:%d/%m/%Y}"


class Answer(models.Model):
    """One answer: a scale's score 5…1, a choice's option number, and any written text.

    A multiple-choice question has one row per option ticked, so every count is a GROUP BY.
    It also carries its response's unit, day, channel, procedure and civil servant, written
    with it by the services that store and correct responses (surveys.services.responses):
    a count of a province-year, narrowed to one procedure or grouped by civil servant, then
    reads the answers alone, along one index, instead of visiting each response.
    """

    response = models.ForeignKey(Response, verbose_name=_("phiếu"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("câu hỏi"), on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(_("giá trị"), null=True, blank=True)
    text = models.TextField(_("nội dung ghi"), blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    answered_on = models.DateField(_("ngày đánh giá"))
    channel = models.CharField(_("kênh"), max_length=8)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    officer = models.CharField(_("công chức giải quyết"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        indexes = [
            models.Index(fields=["question", "value"], name="answer_question_value"),
            # Every count of a scope and period, one procedure's (or a field's procedures') and the issued
            # surveys' by civil servant: on PostgreSQL each also carries what they group by (the migrations).
            models.Index(fields=["unit", "answered_on"], name="answer_unit_day"),
            models.Index(
                fields=["procedure", "unit", "answered_on"],
                condition=Q(procedure__isnull=False),
                name="answer_procedure_unit_day",
            ),
            models.Index(fields=["unit", "answered_on"], condition=Q(channel="issued"), name="answer_issued_unit_day"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "value"], name="answer_option_once"),
            models.UniqueConstraint(
                fields=["response", "question"], condition=Q(value__isnull=True), name="answer_text_once"
            ),
            models.CheckConstraint(condition=Q(value__isnull=False) | ~Q(text=""), name="answer_not_empty"),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=50), name="answer_value_in_range"),
        ]

    def __str__(self):
        return f"{self.question.code}: {self.value if self.value is not None else self.text}"


class ResponseContact(models.Model):
    """Contact details a citizen chose to leave. Only the unit head sees them; no export reads them."""

    response = models.OneToOneField(Response, verbose_name=_("phiếu"), on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("tên cá nhân, tổ chức"), max_length=200, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("thông tin người góp ý")
        verbose_name_plural = _("thông tin người góp ý")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") | ~Q(address="") | ~Q(phone=""), name="response_contact_not_empty"
            ),
        ]

    def __str__(self):
        return f"Liên hệ của phiếu {self.response_id}"
