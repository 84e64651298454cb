"""Extension points: what distributions needs to know about orders and producers.

Dependencies point one way (design §3): ``orders`` sits right of ``distributions`` and may import
it, not the other way round. So orders registers its functions here, in its ``AppConfig.ready``:

* ``register_order_counter(fn)``: ``fn(distribution_ids) -> {distribution_id: n}``, the number of
  order lines with a quantity for each distribution (one query for any number of ids);
* ``register_order_canceller(fn)``: ``fn(distribution, acting_user)`` cancels the orders of a
  catalog leaving a distribution and tells the members (called inside the removal transaction);
* ``register_customer_provider(fn)``: ``fn(multidistrib) -> set of user ids`` who ordered; the
  time-slot assignment only keeps members who ordered, and places those who ordered without
  choosing a slot (spec §9).

Producers (decision 13): ``register_open_orders_check(fn)``, ``fn(catalog)`` returning True when
the catalog's orders may open, otherwise False or a message saying why. ``DistributionsConfig``
registers ``producer_may_open_orders`` (the catalogs app's rule); tests register their own.

Money (issue 17): ``register_deletion_check(fn)``, ``fn(multidistrib)`` returning a message
when the distribution must not be deleted (``payments`` refuses it once card payments were
taken there), None otherwise.

Cancelling a whole distribution (issue 17): ``register_md_canceller(fn)``, ``fn(multidistrib,
acting_user, reason)``, called inside ``md_cancel``'s transaction with the distribution's row
locked, before it is marked cancelled (``orders`` cancels every order and mails the members,
``payments`` refunds the card payments once the cancellation is committed); a canceller may
return a notice for the admin (shown on the result page), or None;
``register_cancel_summary(fn)``, ``fn(multidistrib) -> list[CancelSection]``, what the
confirmation page shows (the orders, the card payments to refund, the members to tell).

With nothing registered: no distribution has orders, every slot request counts, and only the
catalog's own dates are checked before opening orders.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

_order_counters: list[Callable[[list[int]], dict[int, int]]] = []
_order_cancellers: list[Callable[[Any, Any], None]] = []
_customer_providers: list[Callable[[Any], set[int]]] = []
_open_orders_checks: list[Callable[[Any], Any]] = []
_deletion_checks: list[Callable[[Any], str | None]] = []
_md_cancellers: list[Callable[[Any, Any, str], str | None]] = []
_cancel_summaries: list[Callable[[Any], list["CancelSection"]]] = []


@dataclass
class CancelSection:
    """One block of the cancellation's confirmation page: a title and its lines."""

    title: str
    lines: list[str] = field(default_factory=list)
    note: str = ""
    rank: int = 0  # the page shows the sections by rank (orders 10, card payments 20, mails 30)


def _register(registry: list, fn: Callable) -> Callable:
    if fn not in registry:
        registry.append(fn)
    return fn


def register_order_counter(fn: Callable[[list[int]], dict[int, int]]) -> Callable:
    return _register(_order_counters, fn)


def register_order_canceller(fn: Callable[[Any, Any], None]) -> Callable:
    return _register(_order_cancellers, fn)


def register_customer_provider(fn: Callable[[Any], set[int]]) -> Callable:
    return _register(_customer_providers, fn)


def register_open_orders_check(fn: Callable[[Any], Any]) -> Callable:
    return _register(_open_orders_checks, fn)


def register_deletion_check(fn: Callable[[Any], str | None]) -> Callable:
    return _register(_deletion_checks, fn)


def register_md_canceller(fn: Callable[[Any, Any, str], str | None]) -> Callable:
    return _register(_md_cancellers, fn)


def register_cancel_summary(fn: Callable[[Any], list[CancelSection]]) -> Callable:
    return _register(_cancel_summaries, fn)


def cancel_multidistrib(multidistrib: Any, acting_user: Any, reason: str) -> list[str]:
    """Run the cancellers; what they return (a notice for the admin, or None) is gathered for
    the result page (e.g. "the card refunds are on their way")."""
    notices = []
    for canceller in _md_cancellers:
        notice = canceller(multidistrib, acting_user, reason)
        if isinstance(notice, str) and notice:  # other return values are not notices
            notices.append(notice)
    return notices


def cancel_summary(multidistrib: Any) -> list[CancelSection]:
    sections: list[CancelSection] = []
    for provider in _cancel_summaries:
        sections.extend(provider(multidistrib))
    return sorted(sections, key=lambda section: section.rank)


def deletion_refusal(multidistrib: Any) -> str | None:
    """Why this distribution may not be deleted (card payments taken), or None."""
    for check in _deletion_checks:
        message = check(multidistrib)
        if message:
            return message
    return None


def order_counts(distribution_ids: Iterable[int]) -> dict[int, int]:
    """Order lines with a quantity, per distribution id (0 for those without)."""
    ids = list(distribution_ids)
    counts = dict.fromkeys(ids, 0)
    for counter in _order_counters:
        for pk, n in counter(ids).items():
            counts[pk] = counts.get(pk, 0) + n
    return counts


def can_cancel_orders() -> bool:
    return bool(_order_cancellers)


def cancel_orders(distribution: Any, acting_user: Any) -> None:
    for canceller in _order_cancellers:
        canceller(distribution, acting_user)


def customers(multidistrib: Any) -> set[int] | None:
    """Users who ordered for this distribution; None when no orders app tells us."""
    if not _customer_providers:
        return None
    result: set[int] = set()
    for provider in _customer_providers:
        result |= set(provider(multidistrib))
    return result


def open_orders_refusal(catalog: Any) -> str | None:
    """Why this catalog's orders may not open (decision 13), or None when they may."""
    for check in _open_orders_checks:
        verdict = check(catalog)
        if verdict is True or verdict is None:
            continue
        if isinstance(verdict, str) and verdict:
            return verdict
        return _(
            "The producer %(vendor)s has incomplete legal information: orders cannot open until it is complete."
        ) % {"vendor": catalog.vendor.name}
    return None
