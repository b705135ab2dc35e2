from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sipas.health import healthz
from surveys.forms.accounts import LoginForm

admin.site.site_header = "SIPAS"
admin.site.site_title = "SIPAS"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
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
