from django.urls import path

from surveys.views import accounts, ballots, batches, catalogue, form_editor, imports, units

urlpatterns = [
    path("", units.home, name="home"),
    path("don-vi/", units.unit_list, name="unit_list"),
    path("don-vi/<str:code>/", units.unit_detail, name="unit_detail"),
    path("tai-khoan/", accounts.account_list, name="account_list"),
    path("tai-khoan/them/", accounts.account_create, name="account_create"),
    path("tai-khoan/<int:pk>/thu-hoi/", accounts.membership_revoke, name="membership_revoke"),
    path("hom-phieu/", ballots.box_opening_list, name="box_opening_list"),
    path("hom-phieu/mo/", ballots.box_opening_create, name="box_opening_create"),
    path("hom-phieu/<int:pk>/", ballots.box_opening_detail, name="box_opening_detail"),
    path("hom-phieu/<int:pk>/bien-ban.pdf", ballots.box_opening_minutes, name="box_opening_minutes"),
    path("lo-phieu/", batches.batch_list, name="batch_list"),
    path("lo-phieu/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("lo-phieu/<int:pk>/khoa-so/", batches.batch_close, name="batch_close"),
    path("lo-phieu/<int:pk>/nhap/", batches.batch_entry, name="batch_entry"),
    path("lo-phieu/<int:pk>/phieu/", batches.batch_ballots, name="batch_ballots"),
    path("lo-phieu/<int:pk>/phieu/<int:response_id>/", batches.batch_ballot, name="batch_ballot"),
    path("nhap-phieu/", imports.ballot_import, name="ballot_import"),
    path("nhap-phieu/mau/<slug:code>.xlsx", imports.ballot_import_template, name="ballot_import_template"),
    path("mau-phieu/", form_editor.form_list, name="form_list"),
    path("mau-phieu/<slug:code>/", form_editor.form_detail, name="form_detail"),
    path("mau-phieu/<slug:code>/sao-chep/", form_editor.form_copy, name="form_copy"),
    path("mau-phieu/<slug:code>/sua/", form_editor.form_edit, name="form_edit"),
    path("mau-phieu/<slug:code>/xem-truoc/", form_editor.form_preview, name="form_preview"),
    path("thu-tuc/", catalogue.procedure_list, name="procedure_list"),
    path("thu-tuc/goi-y/", catalogue.procedure_suggest, name="procedure_suggest"),
    path("thu-tuc/nhap/", catalogue.procedure_import, name="procedure_import"),
    path("thu-tuc/nhap/mau.xlsx", catalogue.procedure_template, name="procedure_template"),
]
