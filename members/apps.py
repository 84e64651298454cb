from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and accounts")

    def ready(self) -> None:
        from kernel import home
        from members.fee_panels import group_panel

        home.register_group_panel(group_panel)
