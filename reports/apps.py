from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Aggregation, exports and dashboards over the survey data of `surveys`."""

    name = "reports"
    verbose_name = _("Báo cáo")
