"""What a paid or abandoned card checkout does to the cart: registered by ``orders``.

``payments`` sits left of ``orders`` and never imports it (docs/architecture.md), but a paid
Checkout Session must become an order in the same transaction as its ledger row. ``orders``
registers, in its ``AppConfig.ready``:

* ``fulfil(checkout, acting_user)``: place the order for the paid cart (its stock was held),
  write the card payment to the ledger (``services.card_payment_record``), and return the
  amount paid for lines that could not be ordered, which is refunded after the commit;
* ``release(checkout)``: give back the stock held for an abandoned session.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

_fulfil: list[Callable[[Any, Any], Decimal]] = []
_release: list[Callable[[Any], None]] = []


def register_checkout_handlers(
    *, fulfil: Callable[[Any, Any], Decimal], release: Callable[[Any], None]
) -> None:
    _fulfil[:] = [fulfil]
    _release[:] = [release]


def fulfil(checkout: Any, acting_user: Any) -> Decimal:
    if not _fulfil:
        raise RuntimeError("No card checkout handler registered (orders not installed?).")
    return _fulfil[0](checkout, acting_user)


def release(checkout: Any) -> None:
    if _release:
        _release[0](checkout)
