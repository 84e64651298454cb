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
    if member is not None and memberships.has_valid_membership(member):
        return {"show": False}
    return {
        "show": True,
        "group": group,
        "member": member,
        "period": memberships.current_period(group),
    }
