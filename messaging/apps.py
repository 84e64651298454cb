from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kernel import home
        from kernel.models import LogEntry
        from messaging.home import manage_actions, start_steps
        from messaging.notifications import events

        home.register_action(manage_actions)
        home.register_start_step(start_steps)

        post_save.connect(
            events.log_entry_saved, sender=LogEntry, dispatch_uid="messaging.member_joined"
        )
