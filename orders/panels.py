"""The shop's entry points on the home page and the group page (registered in OrdersConfig)."""

from typing import Any

from django.utils import timezone

from orders import selectors


def home_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """Distributions open for orders in the user's groups, with their order or cart (1 query)."""
    mds = selectors.open_mds_for_groups(groups=groups, user=request.user, now=timezone.now())
    if not mds:
        return []
    return [{"template": "orders/_home_panel.html", "mds": mds}]


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The group's distributions open for orders, with a button to the shop (1 query)."""
    user = request.user if request.member else None
    mds = selectors.open_mds_for_groups(groups=[group], user=user, now=timezone.now(), limit=4)
    if not mds:
        return []
    return [{"template": "orders/_group_panel.html", "mds": mds, "group": group}]
