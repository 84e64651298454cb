"""Writes for carts and orders, split by topic; import them from here.

Other apps reach orders only through ``distributions.hooks`` (registered in ``OrdersConfig``).
"""

from orders.services.base import (
    LineIssue,
    OrderError,
    OrderResult,
    current_line_total,
    payment_choices,
    uses_moneypot,
)
from orders.services.cart import (
    CartCheck,
    cart_check,
    cart_delete,
    cart_merge,
    cart_set,
    carts_remind,
)
from orders.services.ordering import (
    order_cancel,
    order_cancel_for_distribution,
    order_place,
    order_update,
)
from orders.services.wholesale import (
    wholesale_apply,
    wholesale_confirm,
    wholesale_problems,
    wholesale_set,
)

__all__ = [
    "CartCheck",
    "LineIssue",
    "OrderError",
    "OrderResult",
    "cart_check",
    "cart_delete",
    "cart_merge",
    "cart_set",
    "carts_remind",
    "current_line_total",
    "order_cancel",
    "order_cancel_for_distribution",
    "order_place",
    "order_update",
    "payment_choices",
    "uses_moneypot",
    "wholesale_apply",
    "wholesale_confirm",
    "wholesale_problems",
    "wholesale_set",
]
