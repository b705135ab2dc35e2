"""The box-opening form and its witnesses, as the minutes (biên bản) record them."""

import datetime

from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import FormTemplate, FormVersion
from surveys.permissions import units_with
from surveys.services.ballots import version_usable_by

DEFAULT_FORM = "sipas-5"
SEAL_CHOICES = [("1", _("Còn nguyên vẹn")), ("0", _("Có dấu hiệu bất thường"))]


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        owner = version.template.unit
        name = f"{version.template.name} — {owner.name}" if owner else version.template.name
        return _("%(name)s (phiên bản %(number)s)") % {"name": name, "number": version.number}


class BoxOpeningForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, to_field_name="code")
    opened_on = forms.DateField(
        label=_("Ngày mở hòm phiếu"),
        input_formats=["%d/%m/%Y"],
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
        error_messages={
            "required": _("Nhập ngày mở hòm phiếu."),
            "invalid": _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 05/11/2026."),
        },
    )
    opened_time = forms.TimeField(
        label=_("Giờ mở"),
        input_formats=["%H:%M"],
        widget=forms.TextInput(attrs={"placeholder": "HH:MM", "inputmode": "numeric"}),
        error_messages={
            "required": _("Nhập giờ mở hòm phiếu."),
            "invalid": _("Nhập giờ theo dạng HH:MM, ví dụ 08:30."),
        },
    )
    place = forms.CharField(label=_("Địa điểm"), max_length=300)
    seal_intact = forms.TypedChoiceField(
        label=_("Khóa và niêm phong của hòm phiếu"),
        choices=SEAL_CHOICES,
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Ghi nhận tình trạng khóa và niêm phong trước khi mở.")},
    )
    seal_note = forms.CharField(
        label=_("Ghi nhận về khóa, niêm phong"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi có dấu hiệu bất thường: mô tả và ghi rõ đã báo cáo ai."),
    )
    ballot_count = forms.IntegerField(
        label=_("Số phiếu thu được"),
        min_value=0,
        error_messages={
            "required": _("Nhập số phiếu đếm được, kể cả khi là 0."),
            "invalid": _("Nhập một số nguyên."),
            "min_value": _("Số phiếu không được âm."),
        },
    )
    key_keeper = forms.CharField(label=_("Bộ phận nhận giữ chìa khóa"), max_length=300)
    version = VersionChoiceField(
        label=_("Mẫu phiếu để nhập"),
        queryset=None,
        help_text=_("Phiếu trong hòm sẽ được nhập theo mẫu này."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_with(actor, "ballots.record").order_by("path")
        self.fields["unit"].queryset = units
        only_units = list(units[:2])
        if len(only_units) == 1:  # counter staff: their own unit, nothing to choose
            self.fields["unit"].empty_label = None
            self.fields["unit"].initial = only_units[0]
            # Printed in the (always Vietnamese) minutes, so not translated.
            self.fields["place"].initial = f"Bộ phận Một cửa {only_units[0].name}"
        versions = _current_versions(units)
        self.fields["version"].queryset = versions
        self.fields["version"].initial = versions.filter(template__code=DEFAULT_FORM).first()
        self.helper = form_helper()
        self.helper.layout = Layout(
            "unit",
            Row(Column("opened_on", css_class="col-sm-6"), Column("opened_time", css_class="col-sm-6")),
            "place",
            "seal_intact",
            "seal_note",
            Row(Column("ballot_count", css_class="col-sm-4"), Column("key_keeper", css_class="col-sm-8")),
            "version",
        )

    def clean_opened_on(self):
        day = self.cleaned_data["opened_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Ngày mở hòm phiếu chưa tới."))
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("seal_intact") is False and not cleaned.get("seal_note"):
            self.add_error("seal_note", _("Khóa hoặc niêm phong có dấu hiệu bất thường: ghi rõ điều đã thấy."))
        unit, version = cleaned.get("unit"), cleaned.get("version")
        if unit and version and not version_usable_by(version, unit):
            self.add_error("version", _("Mẫu phiếu này không dùng được cho đơn vị đã chọn."))
        day, time = cleaned.get("opened_on"), cleaned.get("opened_time")
        if day and time:
            cleaned["opened_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
            if cleaned["opened_at"] > timezone.now():
                self.add_error("opened_time", _("Giờ mở hòm phiếu chưa tới."))
        return cleaned

    def opening_fields(self) -> dict:
        """The cleaned values as `box_opening_record` takes them."""
        fields = ["unit", "opened_at", "place", "seal_intact", "seal_note", "ballot_count", "key_keeper", "version"]
        return {field: self.cleaned_data[field] for field in fields}


class WitnessForm(forms.Form):
    name = forms.CharField(label=_("Họ và tên"), max_length=200, error_messages={"required": _("Nhập họ và tên.")})
    role = forms.CharField(label=_("Chức vụ"), max_length=200, error_messages={"required": _("Nhập chức vụ.")})


class BaseWitnessFormSet(forms.BaseFormSet):
    def clean(self):
        if not any(self.errors) and not self.rows():
            raise forms.ValidationError(
                _("Ghi ít nhất một người chứng kiến, thường là Trưởng bộ phận Một cửa."), code="no_witness"
            )

    def rows(self) -> list[tuple[str, str]]:
        """The filled rows as (name, role), in the order typed."""
        return [(form.cleaned_data["name"], form.cleaned_data["role"]) for form in self.forms if form.cleaned_data]


WitnessFormSet = forms.formset_factory(WitnessForm, formset=BaseWitnessFormSet, extra=3)


def witness_formset(data=None) -> BaseWitnessFormSet:
    """The witnesses' rows, laid out as a table by the shared crispy helper."""
    formset = WitnessFormSet(data, prefix="witness")
    formset.helper = form_helper()
    formset.helper.template = "bootstrap5/table_inline_formset.html"
    return formset


def _current_versions(units):
    """The newest published version of each form template available to at least one of `units`."""
    # A unit's own forms and those of every unit above it: the owner's path starts a reached unit's path.
    owner_above = Exists(units.filter(path__startswith=OuterRef("unit__path")))
    templates = FormTemplate.objects.filter(Q(unit__isnull=True) | owner_above)
    newest = (
        FormVersion.objects.filter(template=OuterRef("template"), status=FormVersion.Status.PUBLISHED)
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        FormVersion.objects.filter(template__in=templates, status=FormVersion.Status.PUBLISHED, number=Subquery(newest))
        .select_related("template__unit")
        .order_by(F("template__unit__path").asc(nulls_first=True), "template__code")
    )
