from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogsConfig(AppConfig):
    name = "catalogs"
    verbose_name = _("Catalogs")

    def ready(self) -> None:
        from cagette import home
        from catalogs.home import home_panels

        home.register(home_panels)
