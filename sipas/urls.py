from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from sipas.health import healthz
from surveys.forms.accounts import LoginForm

admin.site.site_header = "SIPAS"
admin.site.site_title = "SIPAS"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page declares: send them to the icon we have."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("", include("reports.urls")),
    path("", include("surveys.urls")),
]
