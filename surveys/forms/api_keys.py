"""Creating an API key for a unit's one-stop software."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import UnitQuerySet

# Beyond this many units a list is unusable: the code is typed instead.
UNIT_SELECT_LIMIT = 300


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Tên gợi nhớ"),
        max_length=100,
        initial=_("Phần mềm một cửa"),
        help_text=_("Để phân biệt các khóa, ví dụ tên phần mềm hoặc máy chủ dùng khóa."),
        error_messages={"required": _("Hãy đặt tên cho khóa."), "max_length": _("Tên dài quá 100 ký tự.")},
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=None,
        to_field_name="code",
        error_messages={
            "required": _("Hãy chọn đơn vị."),
            "invalid_choice": _("Không có đơn vị này trong phạm vi của bạn."),
        },
    )

    def __init__(self, *args, units: UnitQuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units.order_by("path")
        shown = list(units.order_by("path").values_list("code", flat=True)[: UNIT_SELECT_LIMIT + 1])
        if len(shown) == 1:  # a head's own unit: nothing to choose
            field.widget = forms.HiddenInput()
            field.initial = shown[0]
        elif len(shown) > UNIT_SELECT_LIMIT:
            field.widget = forms.TextInput(attrs={"placeholder": "09556"})
            field.help_text = _("Nhập mã đơn vị.")
        self.helper = form_helper()
