"""What messaging shows on the management home: mails that failed for good, and the guided
start's "first message" step."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kernel.home import URGENT, ActionItem, StartStep
from kernel.outbox import failed_mail_count
from messaging.models import Message


def manage_actions(request: Any, group: Any) -> list[ActionItem]:
    if "can_send_messages" not in request.group_perms:
        return []
    failed = failed_mail_count(group)
    return [
        ActionItem(
            key="failed_mails",
            label=ngettext(
                "%(count)d e-mail could not be delivered.",
                "%(count)d e-mails could not be delivered.",
                failed,
            )
            % {"count": failed},
            count=failed,
            url=reverse("messaging:list", args=[group.slug]) + "#failed-mails",
            urgency=URGENT,
            hint=_("Check the addresses: these members did not get the mail."),
        )
    ]


def start_steps(request: Any, group: Any) -> list[StartStep]:
    """Guided start: a first message sent to the members (one query)."""
    return [
        StartStep(
            key="first_message",
            label=_("Write a first message to your members."),
            done=Message.objects.filter(group=group, sent_at__isnull=False).exists(),
            url=reverse("messaging:new", args=[group.slug]),
            order=80,
        )
    ]
