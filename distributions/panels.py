"""Panels for the home page and the group page (registered in DistributionsConfig.ready)."""

from typing import Any

from django.utils import timezone

from distributions import selectors


def home_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """The user's next distributions across their groups, with closing times and producers."""
    if not groups:
        return []
    now = timezone.now()
    mds = selectors.md_upcoming_for_groups(groups=groups, now=now)
    if not mds:
        return []
    return [{"template": "distributions/_home_panel.html", "mds": mds, "now": now}]


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The group's next distributions on its page; members also get their links."""
    now = timezone.now()
    return [
        {
            "template": "distributions/_group_panel.html",
            "mds": selectors.md_upcoming_for_group(group=group, now=now),
            "now": now,
            "is_member": request.member is not None,
        }
    ]
