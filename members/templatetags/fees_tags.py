"""``{% membership_notice group member %}``: tells a member, before they fill a cart, that the
group requires a membership fee they have not paid (decision 3), and how to pay it."""

from typing import Any

from django import template

from members import memberships

register = template.Library()


@register.inclusion_tag("members/fees/_shop_notice.html")
def membership_notice(group: Any, member: Any) -> dict[str, Any]:
    if not memberships.membership_required(group):
        return {"show": False}
    if member is not None:
        member.group = group  # the page's group: no query to read it again
        if memberships.has_valid_membership(member):
            return {"show": False}
    return {
        "show": True,
        "group": group,
        "member": member,
        "period": memberships.current_period(group),
    }


@register.inclusion_tag("members/fees/_status.html")
def membership_status(member: Any) -> dict[str, Any]:
    """The member's status for the current period, for the member sheet and lists: a badge
    "up to date" / "to renew" (nothing when the group has fees off). One query."""
    group = member.group
    if not group.has_membership:
        return {"hidden": True}
    return {
        "current": memberships.current_period(group),
        "up_to_date": memberships.has_valid_membership(member),
    }
