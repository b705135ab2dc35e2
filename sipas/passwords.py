from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.utils.translation import gettext


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's rule with a Vietnamese message: Django 5.2's catalogue lacks this new wording."""

    def get_error_message(self):
        return gettext("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}

    def get_help_text(self):
        return gettext("Mật khẩu cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}
