from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and accounts")

    def ready(self) -> None:
        from kernel import home
        from members.home import start_steps

        home.register_start_step(start_steps)
