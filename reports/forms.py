"""The forms of the reports: the year's survey plan, a report's written sections, a batch of notices."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import ReportText
from surveys.forms import form_helper
from surveys.forms.dossiers import MonthField
from surveys.models import FormTemplate, SurveyPlan, Unit, UnitQuerySet

DAY_FORMATS = ["%d/%m/%Y"]


class SurveyPlanForm(forms.ModelForm):
    """The plan of one year; the unit and year come from the address, never from the form."""

    signed_on = forms.DateField(label=_("Ngày ban hành"), input_formats=DAY_FORMATS, help_text=_("dd/mm/yyyy"))
    starts = forms.DateField(label=_("Bắt đầu khảo sát"), input_formats=DAY_FORMATS, help_text=_("dd/mm/yyyy"))
    ends = forms.DateField(label=_("Kết thúc khảo sát"), input_formats=DAY_FORMATS, help_text=_("dd/mm/yyyy"))

    class Meta:
        model = SurveyPlan
        fields = [
            "number",
            "signed_on",
            "forms",
            "target_kind",
            "target_percent",
            "margin_percent",
            "uses_paper",
            "uses_issued",
            "uses_online",
            "collection_months",
            "starts",
            "ends",
            "lead_unit",
            "publication",
        ]
        widgets = {"forms": forms.CheckboxSelectMultiple, "publication": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, unit: Unit, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit, self.year = unit, year
        self.fields["forms"].queryset = FormTemplate.objects.available_to(unit).order_by("unit", "name")
        for name in ("signed_on", "starts", "ends"):
            self.fields[name].widget.format = "%d/%m/%Y"
        self.helper = form_helper()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("target_kind")
        if kind == SurveyPlan.Target.PERCENT and cleaned.get("target_percent") is None:
            self.add_error("target_percent", _("Hãy nhập chỉ tiêu phần trăm, ví dụ 50."))
        if kind == SurveyPlan.Target.SAMPLE and cleaned.get("margin_percent") is None:
            self.add_error("margin_percent", _("Hãy nhập sai số cho phép, thường là 5."))
        starts, ends = cleaned.get("starts"), cleaned.get("ends")
        if starts and ends and starts > ends:
            self.add_error("ends", _("Ngày kết thúc phải sau ngày bắt đầu."))
        for name in ("starts", "ends"):
            if cleaned.get(name) and cleaned[name].year != self.year:
                self.add_error(name, _("Ngày phải thuộc năm %(year)s của kế hoạch.") % {"year": self.year})
        if not any(cleaned.get(name) for name in ("uses_paper", "uses_issued", "uses_online")):
            self.add_error("uses_paper", _("Hãy chọn ít nhất một hình thức khảo sát."))
        return cleaned


class ReportTextForm(forms.ModelForm):
    class Meta:
        model = ReportText
        fields = [
            "strengths",
            "weaknesses",
            "difficulties",
            "recommendations",
            "recipients",
            "signer_title",
            "signer_name",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ("strengths", "weaknesses", "difficulties", "recommendations", "recipients")
        }
        help_texts = {
            "strengths": _("Mỗi dòng một ý; in trong báo cáo kỳ (mục Ưu điểm)."),
            "weaknesses": _("Mỗi dòng một ý; in trong báo cáo kỳ (mục Tồn tại, hạn chế)."),
            "difficulties": _("Mỗi dòng một ý; in trong Phụ lục 2 (mục Khó khăn, vướng mắc)."),
            "recommendations": _("Mỗi dòng một ý; in trong báo cáo kỳ và Phụ lục 2."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class JobStartForm(forms.Form):
    """Which unit's subtree and which month; a month that has not begun has nothing to report."""

    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=None,
        to_field_name="code",
        empty_label=None,
        help_text=_("Mỗi đơn vị trực thuộc đang hoạt động có một thông báo (PDF) trong tệp nén."),
        error_messages={"invalid_choice": _("Chọn một đơn vị trong danh sách.")},
    )
    month = MonthField(label=_("Tháng (mm/yyyy)"), error_messages={"required": _("Ghi tháng theo dạng mm/yyyy.")})

    def __init__(self, *args, units: UnitQuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.helper = form_helper()
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["month"].initial = f"{last_month:%m/%Y}"

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise forms.ValidationError(_("Tháng này chưa tới."))
        return month
