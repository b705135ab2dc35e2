from django.urls import path

from surveys.views import accounts, units

urlpatterns = [
    path("", units.home, name="home"),
    path("don-vi/", units.unit_list, name="unit_list"),
    path("don-vi/<str:code>/", units.unit_detail, name="unit_detail"),
    path("tai-khoan/", accounts.account_list, name="account_list"),
    path("tai-khoan/them/", accounts.account_create, name="account_create"),
    path("tai-khoan/<int:pk>/thu-hoi/", accounts.membership_revoke, name="membership_revoke"),
]
