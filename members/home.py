"""What the members app shows on home pages: the person's pending waiting-list requests on their
"my groups" page (spec §4.7) and the members' step of the guided start."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.home import StartStep
from members.models import Member
from members.selectors import user_join_requests


def pending_requests_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    if not request.user.is_authenticated:
        return []
    requests = list(user_join_requests(user=request.user))
    if not requests:
        return []
    return [{"template": "members/_home_requests.html", "requests": requests}]


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
