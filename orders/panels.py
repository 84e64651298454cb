"""The shop's entry points on the home page and the group page (registered in OrdersConfig)."""

from typing import Any

from django.utils import timezone

from orders import selectors


def home_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """Distributions open for orders in the user's groups, with their cart or order (4 queries)."""
    now = timezone.now()
    mds = selectors.open_mds_for_groups(groups=groups, now=now)
    if not mds:
        return []
    baskets = selectors.baskets_of_user(user=request.user, mds=mds)
    rows = [{"md": md, **baskets.get(md.pk, {})} for md in mds]
    return [{"template": "orders/_home_panel.html", "rows": rows, "now": now}]


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The group's distributions open for orders, with a button to the shop."""
    now = timezone.now()
    mds = selectors.open_mds_for_groups(groups=[group], now=now, limit=4)
    if not mds:
        return []
    baskets = selectors.baskets_of_user(user=request.user, mds=mds) if request.member else {}
    rows = [{"md": md, **baskets.get(md.pk, {})} for md in mds]
    return [{"template": "orders/_group_panel.html", "rows": rows, "now": now, "group": group}]
