from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from kernel import home
        from payments.home import balances_panel, manage_actions

        home.register(balances_panel)
        home.register_action(manage_actions)
