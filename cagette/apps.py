from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CagetteConfig(AppConfig):
    name = "cagette"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from cagette import people

        people.register()
