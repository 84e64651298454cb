from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reads across every app: period reports, statistics, the group archive (export/import)."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The ledger's distribution filter: the references of a distribution's orders are its
        # baskets' codes (payments does not know baskets; reports reads both).
        from payments.selectors import register_distribution_references
        from reports.selectors import basket_codes

        register_distribution_references(basket_codes)
