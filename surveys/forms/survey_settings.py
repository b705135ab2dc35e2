"""The unit head's survey settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import SurveySettings, Unit
from surveys.services.survey_settings import survey_forms_for


class SurveySettingsForm(forms.Form):
    form = forms.ModelChoiceField(
        label=_("Mẫu phiếu phát cho người dân"),
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label=_("Mặc định: mẫu mới nhất của đơn vị, nếu chưa có thì Phiếu 5 mức SIPAS"),
        help_text=_("Dùng cho phiếu phát theo hồ sơ và trang đánh giá công khai; chỉ gồm mẫu đã ban hành."),
        error_messages={"invalid_choice": _("Hãy chọn một mẫu phiếu trong danh sách.")},
    )
    expiry_days = forms.IntegerField(
        label=_("Số ngày hiệu lực của đường dẫn"),
        min_value=1,
        max_value=90,
        help_text=_("Từ 1 đến 90 ngày, tính từ lúc phát phiếu."),
        error_messages={
            "required": _("Hãy nhập số ngày."),
            "invalid": _("Hãy nhập một số nguyên."),
            "min_value": _("Ít nhất 1 ngày."),
            "max_value": _("Nhiều nhất 90 ngày."),
        },
    )
    public_rating = forms.BooleanField(
        label=_("Nhận đánh giá trên trang công khai của đơn vị"),
        required=False,
        help_text=_("Người dân không có hồ sơ cũng đánh giá được; các phiếu này được tính riêng."),
    )

    def __init__(self, *args, unit: Unit, current: SurveySettings, **kwargs):
        initial = {
            "form": current.form.code if current.form else None,
            "expiry_days": current.expiry_days or settings.SIPAS_SURVEY_EXPIRY_DAYS,
            "public_rating": current.public_rating,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["form"].queryset = survey_forms_for(unit)
        self.helper = form_helper()
