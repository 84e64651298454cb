from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionsConfig(AppConfig):
    name = "distributions"
    verbose_name = _("Distributions")

    def ready(self) -> None:
        from distributions import hooks, panels
        from kernel import home

        home.register(panels.home_panel)
        home.register_group_panel(panels.group_panel)
        home.register_action(panels.manage_actions)
        home.register_start_step(panels.start_steps)
        hooks.register_open_orders_check(producer_may_open_orders)

        from distributions.selectors import fee_distribution_choices
        from members import memberships

        memberships.register_distribution_choices(fee_distribution_choices)


def producer_may_open_orders(catalog) -> bool | str:
    """Decision 13 through the catalogs app: the producer's legal data and standing.

    The catalog's dates are checked against the distribution's own date by this app, so the
    catalogs rule is asked on the catalog's first day, where only the producer's reasons remain.
    """
    from catalogs.services import catalog_order_blockers

    reasons = catalog_order_blockers(catalog, on_date=catalog.start_date)
    return " ".join(reasons) if reasons else True
