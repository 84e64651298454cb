from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from distributions import hooks
        from kernel import home
        from orders import panels, selectors, services

        # What distributions asks about orders (distributions.hooks): counts before removing a
        # catalog or deleting a distribution, cancelling when a catalog leaves, and who ordered
        # for the time-slot assignment.
        hooks.register_order_counter(selectors.order_line_counts)
        hooks.register_order_canceller(services.order_cancel_for_distribution)
        hooks.register_customer_provider(selectors.customers)
        home.register(panels.home_panel)
        home.register_group_panel(panels.group_panel)
        home.register_action(panels.manage_actions)
        home.register_start_step(panels.start_steps)
        home.register_manage_panel(panels.next_distributions_panel)
        # A paid card checkout becomes an order, an abandoned one gives its stock back.
        from orders.services import card
        from payments.stripe import hooks as stripe_hooks

        stripe_hooks.register_checkout_handlers(
            fulfil=card.card_checkout_fulfil, release=card.card_checkout_release
        )
        # After the lines of a catalog leaving a distribution are cancelled: card refunds.
        hooks.register_order_canceller(card.card_refunds_after_catalog_cancel)
        # Cancelling a whole distribution: every order cancelled, its member told (issue 17).
        hooks.register_md_canceller(services.order_cancel_for_multidistrib)
        hooks.register_cancel_summary(selectors.md_cancel_summary)
