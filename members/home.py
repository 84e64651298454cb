"""The person's pending waiting-list requests on their "my groups" page (spec §4.7)."""

from typing import Any

from members.selectors import user_join_requests


def pending_requests_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    if not request.user.is_authenticated:
        return []
    requests = list(user_join_requests(user=request.user))
    if not requests:
        return []
    return [{"template": "members/_home_requests.html", "requests": requests}]
