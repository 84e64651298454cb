"""What the members app shows on home pages: the person's pending waiting-list requests on their
"my groups" page (spec §4.7) and the members' step of the guided start."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kernel.home import LATER, SOON, ActionItem, StartStep
from members import memberships
from members.models import Member
from members.selectors import pending_requests_count, user_join_requests


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


def manage_actions(request: Any, group: Any) -> list[ActionItem]:
    """The management home's items of the members app: waiting-list requests and memberships
    to renew (one query each, for those with the members right)."""
    if "can_manage_members" not in request.group_perms:
        return []
    items = []
    waiting = pending_requests_count(group)
    items.append(
        ActionItem(
            key="waiting_list",
            label=ngettext(
                "%(count)d person waits for an answer to join.",
                "%(count)d people wait for an answer to join.",
                waiting,
            )
            % {"count": waiting},
            count=waiting,
            url=reverse("members:waiting_list", args=[group.slug]),
            urgency=SOON,
            hint=_("Accept or refuse them: they are told by e-mail."),
        )
    )
    if group.has_membership:
        renew = memberships.members_to_renew(group).count()
        items.append(
            ActionItem(
                key="memberships_to_renew",
                label=ngettext(
                    "%(count)d member has not paid the membership of this period.",
                    "%(count)d members have not paid the membership of this period.",
                    renew,
                )
                % {"count": renew},
                count=renew,
                url=reverse("members:fees_to_renew", args=[group.slug]),
                urgency=LATER,
                hint=_("Record the fees received, or write to them from the messages."),
            )
        )
    return items
