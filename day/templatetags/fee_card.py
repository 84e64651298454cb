"""``{% day_fee_card group md summary.blocks %}`` on the validation page: how many members of
this distribution have their membership up to date, and the link to record fees (spec §5)."""

from typing import Any

from django import template

from members import memberships

register = template.Library()


@register.inclusion_tag("members/fees/_day_card.html", takes_context=True)
def day_fee_card(context: Any, group: Any, md: Any, blocks: Any) -> dict[str, Any]:
    if not group.has_membership:
        return {"show": False}
    ids = {b.member_id for b in blocks}
    valid = memberships.valid_member_ids(group, ids)
    return {
        "show": True,
        "group": group,
        "md": md,
        "request": context.get("request"),
        "period": memberships.current_period(group),
        "to_renew": [b for b in blocks if b.member_id not in valid],
        "collected": memberships.fee_stats_for_multidistrib(group, md.pk),
    }
