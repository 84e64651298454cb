from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogsConfig(AppConfig):
    name = "catalogs"
    verbose_name = _("Catalogs")

    def ready(self) -> None:
        from catalogs.home import home_panels, manage_actions, start_steps
        from kernel import home

        home.register(home_panels)
        home.register_action(manage_actions)
        home.register_start_step(start_steps)
