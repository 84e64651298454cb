from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from kernel import home
        from payments.home import balances_panel

        home.register(balances_panel)
        # A distribution that took card payments cannot be deleted (spec §3.2 guards).
        from distributions import hooks
        from payments.stripe.selectors import deletion_refusal

        hooks.register_deletion_check(deletion_refusal)
