"""Monthly counts kept beside the raw answers, so a province-year is summed from thousands of rows, not millions.

Each count is kept twice: per unit (ResponseTally, AnswerTally, PairTally) and per
province, summed over the province's whole subtree (the Province… tallies), so that the
34 provinces of the country are compared from a few thousand rows too.

They are updated in the same transaction as every write of a response
(surveys.services.tallies) and can be rebuilt from the raw answers at any time;
a test checks that they always equal them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models.forms import FormVersion, Question
from surveys.models.units import Unit

# AnswerTally.value for "responses that answered this question at all" (a multiple choice has many rows per response).
ANSWERED = 0
# Scores of 4 and 5 count as satisfied (DOMAIN.md §3).
SATISFIED_FROM = 4


def _unit_key(related_name: str = "+") -> models.ForeignKey:
    # The unique index of each tally starts with its unit: it serves every read by unit, no index of its own needed.
    return models.ForeignKey(Unit, on_delete=models.CASCADE, related_name=related_name, db_index=False)


class ResponseCounts(models.Model):
    """How many responses came in a month, per channel and form version."""

    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="+")
    responses = models.IntegerField(_("số phiếu"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.channel}: {self.responses}"


class AnswerCounts(models.Model):
    """How many answers of one value a question got in a month, per channel.

    `value` is the stored answer value (a score 5…1 or an option number);
    the row with value 0 (ANSWERED) counts the responses that answered the question.
    """

    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(_("giá trị"))
    answers = models.IntegerField(_("số câu trả lời"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.question_id}={self.value}: {self.answers}"


class PairCounts(models.Model):
    """How the answers to two scale questions of one ballot go together in a month, per channel.

    The SIPAS index averages many questions that each citizen answers at once, and
    their answers move together; its confidence interval needs these co-counts
    (reports.index.arithmetic). `first` is always the question with the smaller id.
    """

    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    first = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    both_answered = models.IntegerField(_("trả lời cả hai câu"), default=0)
    both_satisfied = models.IntegerField(_("hài lòng cả hai câu"), default=0)
    first_satisfied = models.IntegerField(_("hài lòng câu thứ nhất, trả lời câu thứ hai"), default=0)
    second_satisfied = models.IntegerField(_("trả lời câu thứ nhất, hài lòng câu thứ hai"), default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.first_id}&{self.second_id}: {self.both_answered}"


class ResponseTally(ResponseCounts):
    """Responses of one unit."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số phiếu theo tháng")
        verbose_name_plural = _("số phiếu theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "version"], name="response_tally_cell"),
        ]


class AnswerTally(AnswerCounts):
    """Answers in one unit."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số câu trả lời theo tháng")
        verbose_name_plural = _("số câu trả lời theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "question", "value"], name="answer_tally_cell"),
        ]


class PairTally(PairCounts):
    """Pairs of answers in one unit."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số phiếu trả lời cặp câu hỏi theo tháng")
        verbose_name_plural = _("số phiếu trả lời cặp câu hỏi theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "first", "second"], name="pair_tally_cell"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="pair_tally_ordered"),
        ]


class ProvinceResponseTally(ResponseCounts):
    """Responses of every unit of a province's subtree (its top-level unit, historical provinces included)."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số phiếu của tỉnh theo tháng")
        verbose_name_plural = _("số phiếu của tỉnh theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "channel", "version"], name="province_response_tally_cell"
            ),
        ]


class ProvinceAnswerTally(AnswerCounts):
    """Answers in every unit of a province's subtree."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số câu trả lời của tỉnh theo tháng")
        verbose_name_plural = _("số câu trả lời của tỉnh theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "channel", "question", "value"], name="province_answer_tally_cell"
            ),
        ]


class ProvincePairTally(PairCounts):
    """Pairs of answers in every unit of a province's subtree."""

    unit = _unit_key()

    class Meta:
        verbose_name = _("số phiếu trả lời cặp câu hỏi của tỉnh theo tháng")
        verbose_name_plural = _("số phiếu trả lời cặp câu hỏi của tỉnh theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month", "channel", "first", "second"], name="province_pair_tally_cell"
            ),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="province_pair_ordered"),
        ]


class DossierTally(models.Model):
    """How many dossiers a unit registered as resolved in a month: what coverage divides by where no count was entered.

    Kept by surveys.services.tallies.dossier_months_count whenever dossiers are registered or imported.
    """

    unit = _unit_key()
    month = models.DateField(_("tháng"))
    dossiers = models.IntegerField(_("số hồ sơ đã giải quyết"), default=0)

    class Meta:
        verbose_name = _("số hồ sơ đã giải quyết theo tháng")
        verbose_name_plural = _("số hồ sơ đã giải quyết theo tháng")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="dossier_tally_cell")]

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y}: {self.dossiers}"
