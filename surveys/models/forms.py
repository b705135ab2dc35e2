"""Survey forms as data: a template, its numbered versions, and each version's questions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models.units import Unit


class Factor(models.TextChoices):
    """The five SIPAS factors; a scored question feeds at most one of them."""

    ACCESS = "access", _("Tiếp cận dịch vụ")
    PROCEDURE = "procedure", _("Thủ tục hành chính")
    OFFICER = "officer", _("Công chức")
    RESULT = "result", _("Kết quả")
    FEEDBACK = "feedback", _("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị")


class FormTemplateQuerySet(models.QuerySet):
    def available_to(self, unit: Unit) -> "FormTemplateQuerySet":
        """Official forms plus those of the unit and of the units above it."""
        return self.filter(Q(unit__isnull=True) | Q(unit__code__in=[*unit.ancestor_codes, unit.code]))


class FormTemplate(models.Model):
    """A form as a unit knows it ("Phiếu 5 mức SIPAS"); its wording lives in versions.

    Official (built-in) templates have no unit and stay read-only; a unit edits its own copy.
    """

    code = models.SlugField(_("mã mẫu phiếu"), max_length=40, unique=True)
    name = models.CharField(_("tên mẫu phiếu"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị sở hữu"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="form_templates",
    )
    based_on = models.ForeignKey(
        "self", verbose_name=_("sao chép từ"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    objects = FormTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mẫu phiếu")
        verbose_name_plural = _("mẫu phiếu")
        ordering = ["unit__path", "code"]

    def __str__(self):
        return self.name

    @property
    def is_official(self) -> bool:
        return self.unit_id is None

    def current_version(self) -> "FormVersion | None":
        """The newest published version: the one new ballots answer."""
        return self.versions.filter(status=FormVersion.Status.PUBLISHED).order_by("-number").first()


class FormVersion(models.Model):
    """One wording of a template. Once it has answers it never changes: editing makes a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đã ban hành")

    template = models.ForeignKey(
        FormTemplate, verbose_name=_("mẫu phiếu"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("tiêu đề in trên phiếu"), max_length=300)
    intro = models.TextField(_("lời mở đầu"), blank=True)
    instructions = models.TextField(_("hướng dẫn đánh dấu"), blank=True)
    closing = models.TextField(_("lời cảm ơn"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tạo"), on_delete=models.SET_NULL, null=True, blank=True
    )
    published = models.DateTimeField(_("ngày ban hành"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản mẫu phiếu")
        verbose_name_plural = _("phiên bản mẫu phiếu")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="form_version_number_unique"),
            models.UniqueConstraint(
                fields=["template"], condition=Q(status="draft"), name="form_version_one_draft_per_template"
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="form_version_status_known"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published__isnull=False), name="form_version_published_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.template.name} (v{self.number})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Question(models.Model):
    """One question as printed on paper, with the code the typist sees ("Câu 3", "3.4")."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("Thang 5 mức")
        SINGLE = "single", _("Chọn một")
        MULTI = "multi", _("Chọn nhiều")
        YES_NO = "yesno", _("Có / Không")
        TIMELINESS = "timeliness", _("Trước hẹn / Đúng hẹn / Trễ hẹn")
        PROCEDURE = "procedure", _("Thủ tục hành chính")
        UNIT = "unit", _("Đơn vị")
        TEXT = "text", _("Ý kiến tự do")
        CONTACT = "contact", _("Thông tin liên hệ (bảo mật)")

    # Options of the kinds whose wording is fixed; a scale's five labels go best first.
    FIXED_OPTIONS = {
        Kind.YES_NO: ["Có", "Không"],
        Kind.TIMELINESS: ["Trước hẹn", "Đúng hẹn", "Trễ hẹn"],
    }
    CHOICE_KINDS = {Kind.SINGLE, Kind.MULTI, Kind.YES_NO, Kind.TIMELINESS}

    version = models.ForeignKey(
        FormVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    code = models.CharField(_("số câu"), max_length=20)
    heading = models.CharField(_("tiêu đề nhóm"), max_length=300, blank=True)
    text = models.TextField(_("nội dung câu hỏi"))
    kind = models.CharField(_("loại câu hỏi"), max_length=16, choices=Kind.choices)
    options = models.JSONField(_("các phương án"), default=list, blank=True)
    allows_other = models.BooleanField(_("phương án cuối cho ghi thêm"), default=False)
    factor = models.CharField(_("yếu tố SIPAS"), max_length=16, choices=Factor.choices, blank=True)
    flags_integrity = models.BooleanField(_("“Có” là dấu hiệu tiêu cực"), default=False)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="question_code_unique_in_version"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["scale", "single", "multi", "yesno", "timeliness", "procedure", "unit", "text", "contact"]
                ),
                name="question_kind_known",
            ),
            models.CheckConstraint(condition=Q(factor="") | Q(kind="scale"), name="question_only_scales_feed_a_factor"),
        ]

    def __str__(self):
        return f"{self.code}. {self.text}"

    @property
    def is_scale(self) -> bool:
        return self.kind == self.Kind.SCALE

    @property
    def numbered(self) -> str:
        """How people name the question: "Câu 3" (sipas-5 codes say it already), "Câu 3.2", "Câu I.1"."""
        return self.code if self.code.lower().startswith("câu") else _("Câu %(code)s") % {"code": self.code}

    @property
    def is_choice(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    def option_labels(self) -> list[str]:
        """The answer labels in printed order."""
        return self.FIXED_OPTIONS.get(self.kind, self.options)

    def scored_options(self) -> list[tuple[int, str]]:
        """(stored value, label) pairs: a scale's score 5…1, otherwise the option's number 1…n."""
        labels = self.option_labels()
        if self.is_scale:
            return [(5 - i, label) for i, label in enumerate(labels)]
        return [(i + 1, label) for i, label in enumerate(labels)]
