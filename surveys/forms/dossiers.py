"""Forms of the dossier pages: add one, filter the list, import a file, enter a month's count, send to a counter."""

import datetime
import re

from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.dates import EARLIEST, LATEST
from surveys.forms import form_helper
from surveys.models import Counter, Unit
from surveys.selectors.dossiers import SurveyState
from surveys.services.dossiers import DossierData, DossierInvalid, dossier_parse

_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
ON_TIME_CHOICES = [("true", _("Đúng hạn")), ("false", _("Trễ hạn"))]
STATE_CHOICES = [
    ("", _("Mọi tình trạng phiếu")),
    (SurveyState.NONE, _("Chưa phát phiếu")),
    (SurveyState.ISSUED, _("Đã phát phiếu")),
    (SurveyState.OPEN, _("Chờ trả lời")),
    (SurveyState.ANSWERED, _("Đã trả lời")),
    (SurveyState.EXPIRED, _("Hết hạn")),
]


def parse_month(text: str) -> datetime.date:
    """The first day of a month written mm/yyyy, as offices write it."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(1)) <= 12 or not EARLIEST.year <= int(match.group(2)) <= LATEST.year:
        raise forms.ValidationError(_("Ghi tháng theo dạng mm/yyyy, ví dụ 03/2026."))
    return datetime.date(int(match.group(2)), int(match.group(1)), 1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"placeholder": "mm/yyyy", "inputmode": "numeric", "size": 8})

    def to_python(self, value):
        text = super().to_python(value)
        return parse_month(text) if text else None


class CounterChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, several_units: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.several_units = several_units

    def label_from_instance(self, counter):
        return f"{counter.unit.name} — {counter.name}" if self.several_units else counter.name


class DossierForm(forms.Form):
    """One resolved dossier typed at the counter; `dossier_parse` is the one judge of its fields."""

    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, to_field_name="code", empty_label=None)
    dossier_code = forms.CharField(label=_("Mã hồ sơ"), required=False)
    procedure = forms.CharField(
        label=_("Thủ tục"),
        required=False,
        help_text=_("Gõ vài chữ để chọn trong danh mục (có dấu hay không đều được); tên khác được ghi nguyên."),
    )
    received = forms.CharField(
        label=_("Ngày tiếp nhận"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    resolved = forms.CharField(
        label=_("Ngày giải quyết"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    on_time = forms.ChoiceField(label=_("Kết quả"), choices=ON_TIME_CHOICES, required=False, widget=forms.RadioSelect)
    officer = forms.CharField(label=_("Công chức giải quyết"), required=False)
    issue_now = forms.BooleanField(label=_("Phát phiếu khảo sát ngay"), required=False, initial=True)
    counter = CounterChoiceField(
        label=_("Quầy (gửi phiếu lên máy tính bảng của quầy)"),
        queryset=None,
        required=False,
        empty_label=_("— Không gửi lên máy tính bảng —"),
    )

    def __init__(self, *args, units, counters, counter: Counter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        several = len(units[:2]) > 1
        # Counter staff record for their one unit: nothing to choose, nothing to tamper with.
        self.only_unit = None if several else units.first()
        if several:
            self.fields["unit"].queryset = units
        else:
            del self.fields["unit"]
        self.fields["counter"].queryset = counters
        self.fields["counter"].several_units = several
        self.fields["counter"].initial = counter
        if not counters.exists():
            del self.fields["counter"]
        self.fields["procedure"].widget.attrs.update(
            {"list": "procedure-options", "autocomplete": "off", "data-suggest-url": reverse("procedure_suggest")}
        )
        if self.only_unit is not None:
            self.fields["procedure"].widget.attrs["data-unit"] = self.only_unit.code
        self.fields["dossier_code"].widget.attrs["autofocus"] = True
        self.fields["received"].initial = self.fields["resolved"].initial = f"{timezone.localdate():%d/%m/%Y}"
        self.fields["on_time"].initial = "true"
        self.helper.layout = Layout(
            *(["unit"] if several else []),
            "dossier_code",
            "procedure",
            Row(Column("received"), Column("resolved")),
            Row(Column("on_time"), Column("officer")),
            "issue_now",
            *(["counter"] if "counter" in self.fields else []),
        )

    def clean(self):
        cleaned = super().clean()
        unit: Unit | None = self.only_unit or cleaned.get("unit")
        if unit is None:
            return cleaned
        counter = cleaned.get("counter")
        if counter is not None and counter.unit_id != unit.pk:
            self.add_error("counter", _("Quầy này không thuộc đơn vị đã chọn."))
        raw = {field: self.data.get(field, "") for field in ("dossier_code", "procedure", "received", "resolved")}
        raw |= {"on_time": cleaned.get("on_time") or "", "officer": self.data.get("officer", "")}
        cleaned["unit"] = unit
        try:
            cleaned["data"] = dossier_parse(unit=unit, raw=raw)
        except DossierInvalid as invalid:
            for field, message in invalid.errors.items():
                self.add_error(field, message)
        return cleaned

    @property
    def dossier_data(self) -> DossierData:
        return self.cleaned_data["data"]


class DossierFilterForm(forms.Form):
    """The list's filters, read from the query string; a bad month is reported and ignored."""

    q = forms.CharField(label=_("Mã hồ sơ"), required=False, max_length=60)
    thang = MonthField(label=_("Tháng giải quyết"), required=False)
    phieu = forms.ChoiceField(label=_("Phiếu khảo sát"), choices=STATE_CHOICES, required=False)

    def filters(self) -> dict:
        cleaned = self.cleaned_data if self.is_valid() else {}
        return {
            "code": (cleaned.get("q") or "").strip(),
            "month": cleaned.get("thang"),
            "state": cleaned.get("phieu") or "",
        }


class DossierImportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, to_field_name="code", empty_label=None)
    file = forms.FileField(
        label=_("Tệp hồ sơ (.xlsx)"),
        help_text=_("Tối đa 20 MB. Dòng đầu là tiêu đề cột; mỗi dòng sau là một hồ sơ đã giải quyết."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": _("Chọn tệp .xlsx cần nhập.")},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        self.only_unit = None if len(units[:2]) > 1 else units.first()
        if self.only_unit is None:
            self.fields["unit"].queryset = units
        else:
            del self.fields["unit"]

    def clean(self):
        cleaned = super().clean()
        if self.only_unit is not None:
            cleaned["unit"] = self.only_unit
        return cleaned


class ResolvedCountForm(forms.Form):
    month = MonthField(label=_("Tháng (mm/yyyy)"), error_messages={"required": _("Ghi tháng theo dạng mm/yyyy.")})
    count = forms.IntegerField(
        label=_("Số hồ sơ đã giải quyết"),
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "required": _("Ghi số hồ sơ, kể cả khi là 0."),
            "invalid": _("Ghi một số nguyên."),
            "min_value": _("Số hồ sơ không được âm."),
            "max_value": _("Số hồ sơ quá lớn: kiểm tra lại."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["month"].initial = f"{last_month:%m/%Y}"

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("Tháng này chưa tới."))
        return month


class SurveySendForm(forms.Form):
    counter = forms.ModelChoiceField(
        label=_("Quầy"), queryset=None, empty_label=None, error_messages={"invalid_choice": _("Chọn một quầy.")}
    )

    def __init__(self, *args, counters, counter: Counter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        self.fields["counter"].queryset = counters
        self.fields["counter"].initial = counter
