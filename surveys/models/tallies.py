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
