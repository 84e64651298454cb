from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and accounts")

    def ready(self) -> None:
        from kernel import home
        from members import signals  # noqa: F401  (connects the receivers)
        from members.home import manage_actions, pending_requests_panel, start_steps

        home.register(pending_requests_panel)
        home.register_start_step(start_steps)
        home.register_action(manage_actions)

        from kernel.mail import register_user_context
        from members.services.accounts import mail_context

        register_user_context(mail_context)

        from members.fee_panels import group_panel

        home.register_group_panel(group_panel)
