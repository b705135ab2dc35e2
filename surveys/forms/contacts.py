"""Erasing a citizen's contact details on request: the reason is kept on the audit log."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ContactEraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do xóa"),
        max_length=300,
        initial=_("Theo yêu cầu của người dân"),
        help_text=_("Ghi vào nhật ký: ví dụ số, ngày của đơn yêu cầu xóa dữ liệu cá nhân."),
        error_messages={"required": _("Hãy ghi lý do xóa.")},
    )
