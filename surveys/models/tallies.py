"""Monthly counts kept beside the raw answers, so a province-year is summed from thousands of rows, not millions.

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


class ResponseTally(models.Model):
    """How many responses a unit received in a month, per channel and form version."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="+")
    responses = models.IntegerField(_("số phiếu"), default=0)

    class Meta:
        verbose_name = _("số phiếu theo tháng")
        verbose_name_plural = _("số phiếu theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "version"], name="response_tally_cell"),
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.channel}: {self.responses}"


class AnswerTally(models.Model):
    """How many answers of one value a question got in a unit and month, per channel.

    `value` is the stored answer value (a score 5…1 or an option number);
    the row with value 0 (ANSWERED) counts the responses that answered the question.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(_("giá trị"))
    answers = models.IntegerField(_("số câu trả lời"), default=0)

    class Meta:
        verbose_name = _("số câu trả lời theo tháng")
        verbose_name_plural = _("số câu trả lời theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "question", "value"], name="answer_tally_cell"),
        ]
        indexes = [models.Index(fields=["month", "unit"], name="answer_tally_month_unit")]

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.question_id}={self.value}: {self.answers}"


class PairTally(models.Model):
    """How the answers to two scale questions of one ballot go together, in a unit and month, per channel.

    The SIPAS index averages many questions that each citizen answers at once, and
    their answers move together; its confidence interval needs these co-counts
    (reports.index.arithmetic). `first` is always the question with the smaller id.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("tháng"))
    channel = models.CharField(_("kênh"), max_length=8)
    first = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    both_answered = models.IntegerField(_("trả lời cả hai câu"), default=0)
    both_satisfied = models.IntegerField(_("hài lòng cả hai câu"), default=0)
    first_satisfied = models.IntegerField(_("hài lòng câu thứ nhất, trả lời câu thứ hai"), default=0)
    second_satisfied = models.IntegerField(_("trả lời câu thứ nhất, hài lòng câu thứ hai"), default=0)

    class Meta:
        verbose_name = _("số phiếu trả lời cặp câu hỏi theo tháng")
        verbose_name_plural = _("số phiếu trả lời cặp câu hỏi theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "channel", "first", "second"], name="pair_tally_cell"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="pair_tally_ordered"),
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.month:%m/%Y} · {self.first_id}&{self.second_id}: {self.both_answered}"
