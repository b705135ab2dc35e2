"""Adding a counter, and the pairing code a head types on the counter's tablet."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import Counter, UnitQuerySet


class CounterForm(forms.Form):
    """A new counter of one unit the head manages; each unit names its counters once."""

    unit = forms.ModelChoiceField(queryset=None, to_field_name="code", widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Tên quầy mới"),
        max_length=100,
        help_text=_("Ví dụ: Quầy 1 – Tư pháp, hộ tịch. Mỗi quầy có thể có một máy tính bảng cho người dân đánh giá."),
    )

    def __init__(self, *args, units: UnitQuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.helper = form_helper()

    def clean_name(self):
        return " ".join(unicodedata.normalize("NFC", self.cleaned_data["name"]).split())

    def clean(self):
        cleaned = super().clean()
        unit, name = cleaned.get("unit"), cleaned.get("name")
        # Compared here, not with name__iexact: SQLite folds the case of ASCII letters only (Đ, Ầ…).
        if unit and name:
            taken = {other.casefold() for other in Counter.objects.filter(unit=unit).values_list("name", flat=True)}
            if name.casefold() in taken:
                self.add_error("name", self.duplicate_error())
        return cleaned

    @staticmethod
    def duplicate_error() -> str:
        return _("Đơn vị đã có quầy tên này. Hãy đặt tên khác.")


class KioskPairForm(forms.Form):
    """The eight digits shown to the head; spaces and dashes typed between them do not matter."""

    code = forms.CharField(
        label=_("Mã ghép nối (8 chữ số)"),
        max_length=20,
        error_messages={"required": _("Hãy nhập mã ghép nối.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "placeholder": "1234 5678",
            }
        ),
    )

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{8}", code):
            raise forms.ValidationError(_("Mã ghép nối gồm đúng 8 chữ số."))
        return code
