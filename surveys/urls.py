from django.urls import path

from surveys import views

urlpatterns = [
    path("", views.home, name="home"),
    path("don-vi/", views.unit_list, name="unit_list"),
    path("don-vi/<str:code>/", views.unit_detail, name="unit_detail"),
    path("tai-khoan/", views.account_list, name="account_list"),
    path("tai-khoan/them/", views.account_create, name="account_create"),
    path("tai-khoan/<int:pk>/thu-hoi/", views.membership_revoke, name="membership_revoke"),
]
