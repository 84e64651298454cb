from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionsConfig(AppConfig):
    name = "distributions"
    verbose_name = _("Distributions")

    def ready(self) -> None:
        from cagette import home
        from distributions import panels

        home.register(panels.home_panel)
        home.register_group_panel(panels.group_panel)
