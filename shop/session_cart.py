"""The cart of a visitor who has not logged in (or is not a member yet), kept in the session.

Spec §1.11: people may shop before logging in. Once they are a member, the session's lines are
moved to their cart in the database (``services.cart_merge``) and removed from the session.
Stored as ``{md id: {product id: [quantity, tolerance]}}`` with Decimals as strings.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

SESSION_KEY = "orders_carts"


def items(request: Any, md_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    data = request.session.get(SESSION_KEY, {}).get(str(md_id), {})
    result = {}
    for pk, (quantity, tolerance) in data.items():
        try:
            result[int(pk)] = (Decimal(quantity), Decimal(tolerance))
        except (ValueError, TypeError, InvalidOperation):
            continue
    return result


def put(request: Any, md_id: int, product_id: int, quantity: Decimal, tolerance: Decimal) -> None:
    carts = request.session.get(SESSION_KEY, {})
    cart = carts.setdefault(str(md_id), {})
    if quantity > 0:
        cart[str(product_id)] = [str(quantity), str(tolerance)]
    else:
        cart.pop(str(product_id), None)
    if not cart:
        carts.pop(str(md_id), None)
    request.session[SESSION_KEY] = carts


def clear(request: Any, md_id: int) -> None:
    carts = request.session.get(SESSION_KEY, {})
    if carts.pop(str(md_id), None) is not None:
        request.session[SESSION_KEY] = carts
