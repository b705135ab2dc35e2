"""Template helpers for the ballot typing screen."""

from django import template

register = template.Library()


@register.filter
def bound_field(form, name: str):
    """The form's field called `name`, or None when there is no form (the editor's preview)."""
    if not hasattr(form, "fields") or name not in form.fields:
        return None
    return form[name]


@register.simple_tag
def field_name(question, suffix: str = "") -> str:
    return f"q-{question.pk}{'-' + suffix if suffix else ''}"


@register.simple_tag
def contact_fields() -> list[tuple[str, str]]:
    """(key, label) of the optional contact details, labelled as the model names them."""
    from surveys.models import ResponseContact
    from surveys.services.responses import CONTACT_FIELDS

    return [(key, ResponseContact._meta.get_field(key).verbose_name.capitalize()) for key in CONTACT_FIELDS]
