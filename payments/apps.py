from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from kernel import home
        from payments.home import balances_panel, manage_actions, payout_actions

        home.register(balances_panel)
        home.register_action(manage_actions)
        home.register_action(payout_actions)

        from members import memberships
        from payments.services import membership_ledger_record, membership_ledger_reverse

        memberships.register_ledger(
            record=membership_ledger_record, reverse=membership_ledger_reverse
        )
        # A distribution that took card payments cannot be deleted (spec §3.2 guards).
        from distributions import hooks
        from payments.stripe.selectors import cancel_summary, deletion_refusal
        from payments.stripe.services import md_cancel_refunds

        hooks.register_deletion_check(deletion_refusal)
        # Cancelling a whole distribution refunds its card payments in full, once committed.
        hooks.register_md_canceller(md_cancel_refunds)
        hooks.register_cancel_summary(cancel_summary)
