"""The home page gathers panels from the apps (user-requests item 10).

``kernel`` sits left of every app and may not import them, so apps register a panel provider
in their ``AppConfig.ready``: ``provider(request, groups) -> list[dict]``, each dict with a
``template`` and its context. Providers must run a fixed number of queries, whatever the number
of groups.
"""

from collections.abc import Callable
from dataclasses import dataclass
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


# The management home (issue 18) is a list of what needs action, gathered the same way: each app
# registers ``provider(request, group) -> list[ActionItem]`` in its ``AppConfig.ready``. A
# provider runs a fixed number of queries, returns nothing the viewer has no right to act on
# (``request.group_perms``) and nothing with a count of zero. The page sorts by urgency, then by
# registration order. Apps added later (waiting list, failed e-mails, memberships to renew,
# payouts) plug in by registering their own provider.
URGENT, SOON, LATER = 0, 1, 2


@dataclass(frozen=True)
class ActionItem:
    key: str  # stable name, for tests and anchors: "distributions_to_validate"
    label: str  # translated sentence with its count
    count: int
    url: str
    urgency: int = LATER
    hint: str = ""  # a short translated line under the label


ActionProvider = Callable[[Any, Any], list[ActionItem]]

_action_providers: list[ActionProvider] = []


def register_action(provider: ActionProvider) -> ActionProvider:
    if provider not in _action_providers:
        _action_providers.append(provider)
    return provider


def actions(request: Any, group: Any) -> list[ActionItem]:
    items: list[ActionItem] = []
    for provider in _action_providers:
        items.extend(item for item in provider(request, group) if item.count)
    return sorted(items, key=lambda item: item.urgency)


# Below the actions, panels about what comes next (the next distributions and their figures):
# ``provider(request, group) -> list[dict]`` with a ``template``, like the group page's panels.
_manage_providers: list[GroupProvider] = []


def register_manage_panel(provider: GroupProvider) -> GroupProvider:
    if provider not in _manage_providers:
        _manage_providers.append(provider)
    return provider


def manage_panels(request: Any, group: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for provider in _manage_providers:
        result.extend(provider(request, group))
    return result


# The guided start of a new group (issue 18): a checklist whose steps the apps register, each
# ``provider(request, group) -> list[StartStep]`` (a fixed number of queries). ``order`` places
# the step in the list (10 place, 20 producer and catalog, 30 distribution, 40 open orders,
# 50 payment types, 60 members, 70 first message, 80 first order).
@dataclass(frozen=True)
class StartStep:
    key: str
    label: str
    done: bool
    url: str
    order: int


StartProvider = Callable[[Any, Any], list[StartStep]]

_start_providers: list[StartProvider] = []


def register_start_step(provider: StartProvider) -> StartProvider:
    if provider not in _start_providers:
        _start_providers.append(provider)
    return provider


def start_steps(request: Any, group: Any) -> list[StartStep]:
    steps: list[StartStep] = []
    for provider in _start_providers:
        steps.extend(provider(request, group))
    return sorted(steps, key=lambda step: step.order)
