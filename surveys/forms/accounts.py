"""Login and account forms."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from surveys.forms import form_helper
from surveys.models import Membership
from surveys.scoping import roles_grantable_by, roles_grantable_somewhere, units_managed_by


class NoOverlongUsername:
    """Refuse a username longer than any account's before trying it.

    Django's AuthenticationForm only tells the browser the limit; django-axes then records the
    failed attempt in a column of 255 characters, which PostgreSQL refuses: a server error.
    """

    def clean_username(self):
        username = self.cleaned_data["username"]
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return username


class AdminLoginForm(NoOverlongUsername, AdminAuthenticationForm):
    pass


class LoginForm(NoOverlongUsername, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Sau %(limit)s lần sai liên tiếp, "
            "đăng nhập từ máy này sẽ bị tạm khóa."
        ),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    def get_invalid_login_error(self):
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params={"limit": settings.AXES_FAILURE_LIMIT}
        )


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("Tên đăng nhập"),
        regex=r"^[a-z0-9._-]{3,40}$",
        error_messages={"invalid": _("Chỉ dùng chữ thường không dấu, số, dấu chấm, gạch ngang; 3–40 ký tự.")},
    )
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, strip=False)
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, to_field_name="code")
    role = forms.ChoiceField(label=_("Vai trò"), choices=Membership.Role.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        units = units_managed_by(actor).order_by("path")
        self.fields["unit"].queryset = units
        if len(units[:2]) == 1:  # a head's own unit: nothing to choose
            self.fields["unit"].empty_label = None
        grantable = roles_grantable_somewhere(actor)
        self.fields["role"].choices = [choice for choice in Membership.Role.choices if choice[0] in grantable]
        self.helper = form_helper()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username=username).exists():
            raise forms.ValidationError(_("Tên đăng nhập này đã có người dùng."))
        return username

    def clean(self):
        cleaned = super().clean()
        unit, role = cleaned.get("unit"), cleaned.get("role")
        if unit and role and role not in roles_grantable_by(self.actor, unit):
            self.add_error("role", _("Bạn không được cấp vai trò này tại đơn vị đã chọn."))
        password = cleaned.get("password")
        if password:
            user = get_user_model()(username=cleaned.get("username", ""), first_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
