"""Forms of the form editor; the rules of each question kind live in surveys.services.form_editor."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import Factor, FormTemplate, Question
from surveys.services.form_editor import form_units_for_copy


class FormCopyForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị sở hữu bản sao"), queryset=None, to_field_name="code")
    code = forms.SlugField(
        label=_("Mã mẫu phiếu mới"),
        max_length=40,
        help_text=_("Chữ thường không dấu, số và gạch ngang, ví dụ “sipas-5-ha-dong”."),
        error_messages={"invalid": _("Mã chỉ gồm chữ thường không dấu, số, gạch ngang; tối đa 40 ký tự.")},
    )
    name = forms.CharField(label=_("Tên mẫu phiếu"), max_length=200)

    def __init__(self, *args, actor, template: FormTemplate, **kwargs):
        units = form_units_for_copy(user=actor).order_by("path")
        only = units.first() if len(units[:2]) == 1 else None
        initial = {"name": template.name}
        if only is not None:
            initial["code"] = f"{template.code}-{only.code.lower()}"[:40]
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["unit"].queryset = units
        if only is not None:
            self.fields["unit"].empty_label = None
        self.helper = form_helper()

    def clean_code(self):
        code = self.cleaned_data["code"]
        if FormTemplate.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Mã mẫu phiếu này đã được dùng; hãy chọn mã khác."))
        return code


class VersionTextsForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề in trên phiếu"), max_length=300)
    intro = forms.CharField(label=_("Lời mở đầu"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    instructions = forms.CharField(
        label=_("Hướng dẫn đánh dấu"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    closing = forms.CharField(label=_("Lời cảm ơn"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Ghi chú cuối phiếu"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class QuestionForm(forms.Form):
    code = forms.CharField(label=_("Số câu"), max_length=20, help_text=_("Như in trên phiếu: “Câu 1”, “3.4”."))
    heading = forms.CharField(
        label=_("Tiêu đề nhóm (nếu có)"),
        max_length=300,
        required=False,
        help_text=_("In phía trên câu hỏi, ví dụ “Yếu tố: Công chức”."),
    )
    text = forms.CharField(label=_("Nội dung câu hỏi"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Loại câu hỏi"), choices=Question.Kind.choices)
    options = forms.CharField(
        label=_("Các phương án"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Mỗi dòng một phương án. Thang 5 mức: đúng 5 dòng, mức tốt nhất (5 điểm) ở dòng đầu. "
            "Câu Có / Không và câu đúng hẹn có sẵn phương án: để trống."
        ),
    )
    allows_other = forms.BooleanField(label=_("Phương án cuối cho người trả lời ghi thêm"), required=False)
    factor = forms.ChoiceField(
        label=_("Yếu tố SIPAS"),
        required=False,
        choices=[("", _("— Không tính vào yếu tố nào —")), *Factor.choices],
        help_text=_("Chỉ câu thang 5 mức."),
    )
    flags_integrity = forms.BooleanField(label=_("Trả lời “Có” là dấu hiệu tiêu cực, báo cho lãnh đạo"), required=False)

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": question.code,
                    "heading": question.heading,
                    "text": question.text,
                    "kind": question.kind,
                    "options": "\n".join(question.options),
                    "allows_other": question.allows_other,
                    "factor": question.factor,
                    "flags_integrity": question.flags_integrity,
                },
            )
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]
