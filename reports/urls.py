from django.urls import path

from reports.views import comparison, documents, jobs, public, results

app_name = "reports"

urlpatterns = [
    path("so-sanh/", comparison.comparison_home, name="comparison_home"),
    path("so-sanh/<str:code>/", comparison.comparison_latest, name="comparison_latest"),
    path("so-sanh/<str:code>/<str:period>/", comparison.comparison, name="comparison"),
    path("so-sanh/<str:code>/<str:period>.<str:fmt>", comparison.comparison_download, name="comparison_download"),
    path("ket-qua/", results.results_home, name="results_home"),
    path("ket-qua/<str:code>/", results.results_latest, name="results_latest"),
    path("ket-qua/<str:code>/<str:period>/", results.results, name="results"),
    path("ket-qua/<str:code>/<str:period>/yeu-to/<str:factor>/", results.factor, name="factor"),
    path("ket-qua/<str:code>/<str:period>/cau/<str:template>/<str:question>/", results.question, name="question"),
    path("bao-cao/<str:code>/<str:period>/noi-dung/", documents.report_text_edit, name="report_text"),
    path("bao-cao/<str:code>/<str:period>/phieu/", jobs.responses_export, name="responses_export"),
    path("bao-cao/<str:code>/<str:period>/<str:kind>.<str:fmt>", documents.report_download, name="download"),
    path("hom-phieu/<int:pk>/bien-ban.<str:fmt>", documents.minutes_download, name="minutes"),
    path("ke-hoach/<str:code>/<int:year>/", documents.plan_edit, name="plan"),
    path("tao-hang-loat/", jobs.job_list, name="jobs"),
    path("tao-hang-loat/<uuid:key>/", jobs.job_detail, name="job"),
    path("tao-hang-loat/<uuid:key>/tai-ve/", jobs.job_download, name="job_download"),
    path("tao-hang-loat/<uuid:key>/tao-lai/", jobs.job_again, name="job_again"),
    path("cong-khai/<str:code>/<str:month>/", public.public_notice, name="public_notice"),
]
