"""The members' step of the guided start (``kernel.home.register_start_step``)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.home import StartStep
from members.models import Member


def start_steps(request: Any, group: Any) -> list[StartStep]:
    """Guided start: members besides the founder (one query)."""
    return [
        StartStep(
            key="members",
            label=_("Invite members: share the group's page or add them."),
            done=Member.objects.filter(group=group).active().count() > 1,
            url=reverse("members:list", args=[group.slug]),
            order=60,
        )
    ]
