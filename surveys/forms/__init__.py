"""Django forms, one module per part of the site, all laid out by one crispy helper."""

from crispy_forms.helper import FormHelper


def form_helper() -> FormHelper:
    """The one crispy layout every sipas form uses: Bootstrap 5, our own <form> tag."""
    helper = FormHelper()
    helper.form_tag = False
    return helper
