from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reads across every app: period reports, statistics, the group archive (export/import)."""

    name = "reports"
    verbose_name = _("Reports")
