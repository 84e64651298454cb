"""The home page gathers panels from the apps (user-requests item 10).

``kernel`` sits left of every app and may not import them, so apps register a panel provider
in their ``AppConfig.ready``: ``provider(request, groups) -> list[dict]``, each dict with a
``template`` and its context. Providers must run a fixed number of queries, whatever the number
of groups.
"""

from collections.abc import Callable
from typing import Any

HomeProvider = Callable[[Any, list[Any]], list[dict[str, Any]]]

_providers: list[HomeProvider] = []


def register(provider: HomeProvider) -> HomeProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for provider in _providers:
        result.extend(provider(request, groups))
    return result


# The group page gathers panels the same way: ``provider(request, group) -> list[dict]``, each
# dict with a ``template`` and its context, shown in the page's "upcoming" column.
GroupProvider = Callable[[Any, Any], list[dict[str, Any]]]

_group_providers: list[GroupProvider] = []


def register_group_panel(provider: GroupProvider) -> GroupProvider:
    if provider not in _group_providers:
        _group_providers.append(provider)
    return provider


def group_panels(request: Any, group: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for provider in _group_providers:
        result.extend(provider(request, group))
    return result
