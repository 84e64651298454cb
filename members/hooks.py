"""What members must learn from the apps to its right (payments, orders, distributions).

Dependencies point one way (design §3); the wiring (``cagette.people``) registers, in
``CagetteConfig.ready``:

* ``register_deletion_check(fn)``: ``fn(user) -> list[str]``, the translated reasons an account
  cannot be deleted yet (money owed, an order not yet distributed);
* ``register_personal_data(fn)``: ``fn(user) -> dict[str, list[dict]]``, sections of the
  person's data download (orders, operations, duties), each a list of flat rows;
* ``register_member_sheet(fn)``: ``fn(member) -> list[dict]``, panels of the member sheet, each
  with a ``template`` and its context (balance and operations, orders, duties).

With nothing registered, nothing refuses a deletion and the download holds the profile and the
memberships only.
"""

from collections.abc import Callable
from typing import Any

_deletion_checks: list[Callable[[Any], list[str]]] = []
_personal_data: list[Callable[[Any], dict[str, list[dict]]]] = []
_member_sheet: list[Callable[[Any], list[dict]]] = []
_removal_warnings: list[Callable[[Any], list[str]]] = []


def _register(registry: list, fn: Callable) -> Callable:
    if fn not in registry:
        registry.append(fn)
    return fn


def register_deletion_check(fn: Callable[[Any], list[str]]) -> Callable:
    return _register(_deletion_checks, fn)


def register_personal_data(fn: Callable[[Any], dict[str, list[dict]]]) -> Callable:
    return _register(_personal_data, fn)


def register_member_sheet(fn: Callable[[Any], list[dict]]) -> Callable:
    return _register(_member_sheet, fn)


def register_removal_warning(fn: Callable[[Any], list[str]]) -> Callable:
    """``fn(member) -> list[str]``: what an admin should know before removing the member (orders
    in catalogs still open)."""
    return _register(_removal_warnings, fn)


def removal_warnings(member: Any) -> list[str]:
    return [warning for fn in _removal_warnings for warning in fn(member)]


def deletion_refusals(user: Any) -> list[str]:
    return [reason for fn in _deletion_checks for reason in fn(user)]


def personal_data(user: Any) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for fn in _personal_data:
        result.update(fn(user))
    return result


def member_sheet_panels(member: Any) -> list[dict]:
    return [panel for fn in _member_sheet for panel in fn(member)]
