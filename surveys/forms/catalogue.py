"""The upload form of a province's own procedure list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper


class ProcedureImportForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Tỉnh, thành phố"), queryset=None, to_field_name="code")
    file = forms.FileField(
        label=_("Tệp Excel (.xlsx)"),
        help_text=_("Dòng đầu là tiêu đề: Mã thủ tục (không bắt buộc), Tên thủ tục, Lĩnh vực, Cấp (xã hoặc tỉnh)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if len(provinces[:2]) == 1:  # one province in reach: nothing to choose
            self.fields["province"].empty_label = None
        self.helper = form_helper()
