"""The upload form for a file of typed-in paper ballots."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import FormTemplate, FormVersion, Unit, UnitQuerySet


def templates_for_import(unit: Unit):
    """Forms the unit may use that have a published version to answer."""
    published = FormVersion.objects.filter(status=FormVersion.Status.PUBLISHED).values("template")
    return FormTemplate.objects.available_to(unit).filter(pk__in=published)


class BallotImportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, to_field_name="code", empty_label=None)
    template = forms.ModelChoiceField(label=_("Mẫu phiếu"), queryset=None, to_field_name="code", empty_label=None)
    file = forms.FileField(
        label=_("Tệp phiếu (.xlsx)"),
        help_text=_("Tối đa 20 MB. Dòng đầu là tiêu đề cột; mỗi dòng sau là một phiếu."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, units: UnitQuerySet, unit: Unit, **kwargs):
        super().__init__(*args, initial={"unit": unit.code}, **kwargs)
        self.fields["unit"].queryset = units
        # Choosing another unit reloads the form with that unit's forms.
        self.fields["unit"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("ballot_import"),
                "hx-target": "#import-form",
                "hx-select": "#import-form",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["template"].queryset = templates_for_import(unit)
        self.helper = form_helper()
