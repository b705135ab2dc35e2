"""The typing form of one ballot (also used without JavaScript) and the batch closing form."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.dates import parse_day
from surveys.forms import form_helper
from surveys.models import FormVersion, Question
from surveys.services.responses import CONTACT_FIELDS, BallotInvalid, BallotParser


def field_name(question: Question) -> str:
    return f"q-{question.pk}"


class BallotEntryForm(forms.Form):
    """One text box per question; the parser that every channel uses checks the answers."""

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    answered_on = forms.CharField(label=_("Ngày trên phiếu"), max_length=10)

    def __init__(self, *args, version: FormVersion, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        self.parser = BallotParser(version=version, unit=unit)
        for question in self.parser.questions.values():
            if question.kind == Question.Kind.CONTACT:
                for key in CONTACT_FIELDS:
                    self.fields[f"{field_name(question)}-{key}"] = forms.CharField(required=False, max_length=300)
            else:
                self.fields[field_name(question)] = forms.CharField(label=question.code, required=False)

    def clean_answered_on(self):
        try:
            return parse_day(self.cleaned_data["answered_on"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def raw_answers(self) -> dict:
        raw = {}
        for question in self.parser.questions.values():
            if question.kind == Question.Kind.CONTACT:
                raw[question.code] = {key: self.data.get(f"{field_name(question)}-{key}", "") for key in CONTACT_FIELDS}
            else:
                raw[question.code] = self.data.get(field_name(question), "")
        return raw

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["ballot"] = self.parser.parse(self.raw_answers())
        except BallotInvalid as invalid:
            for code, message in invalid.errors.items():
                question = self.parser.questions[code]
                name = field_name(question)
                self.add_error(name if name in self.fields else None, message)
        return cleaned


class BatchCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Lý do chênh lệch (nếu số phiếu nhập khác số trong biên bản)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
