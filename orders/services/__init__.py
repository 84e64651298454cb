"""Writes for carts and orders: the audited services, split by topic; import them from here.

The topic modules (``stock``, ``lines``, ``ledger``, ``mails``, ``rules``, ``loading``) hold the
primitives these services share, all private (``_take_stock``): nothing outside
``orders.services`` calls them. Reads the pages share too (``payment_choices``,
``uses_moneypot``, ``current_line_total``…) are in ``orders.selectors``.
Apps to the left reach orders only through ``distributions.hooks`` (registered in
``OrdersConfig``); the storefront (``shop``, to the right) calls these services, and its
checkout workflow is ``shop.services.checkout_confirm``.

Locks, always in this order so two transactions never wait on each other in a circle: the
distribution's row, shared (``FOR SHARE`` on PostgreSQL: order writes do not wait on each
other, the validation of the distribution takes it exclusively and an order written meanwhile
waits, then finds it validated and is refused), the member's row (``members.Member``, also what
the payments services lock), the baskets, the products in id order (through the conditional
stock ``UPDATE``), and last the distribution's basket counter. The distributions services lock
the distribution row exclusively and then call our hooks, which lock members and products.
"""

from orders.services.card import (
    card_checkout_fulfil,
    card_checkout_release,
    card_checkout_start,
    card_refund_line,
    card_rest_start,
)
from orders.services.cart import (
    CartCheck,
    cart_check,
    cart_delete,
    cart_merge,
    cart_set,
    carts_remind,
)
from orders.services.mails import basket_email_deliver
from orders.services.ordering import (
    order_cancel,
    order_cancel_for_distribution,
    order_cancel_for_multidistrib,
    order_place,
    order_update,
)
from orders.services.results import LineIssue, OrderError, OrderResult
from orders.services.weights import order_weights_set
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
    "basket_email_deliver",
    "card_checkout_fulfil",
    "card_checkout_release",
    "card_checkout_start",
    "card_refund_line",
    "card_rest_start",
    "cart_check",
    "cart_delete",
    "cart_merge",
    "cart_set",
    "carts_remind",
    "order_cancel",
    "order_cancel_for_distribution",
    "order_cancel_for_multidistrib",
    "order_place",
    "order_update",
    "order_weights_set",
    "wholesale_apply",
    "wholesale_confirm",
    "wholesale_problems",
    "wholesale_set",
]
