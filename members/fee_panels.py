"""The member's own membership on the group page (registered in ``MembersConfig.ready``)."""

from typing import Any

from members import memberships


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """For a member of a group with fees on: up to date or to renew, and how to pay (1 query)."""
    member = getattr(request, "member", None)
    if member is None or not group.has_membership:
        return []
    member.group = group  # the page's group: no query to read it again
    return [
        {
            "template": "members/fees/_group_panel.html",
            "group": group,
            "current": memberships.current_period(group),
            "up_to_date": memberships.has_valid_membership(member),
        }
    ]
