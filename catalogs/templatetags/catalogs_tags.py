"""Template filters for quantities and prices; the formatting lives in ``kernel.quantities`` and
``kernel.money``, shared with the pages and messages written in Python."""

from django import template
from django.utils import translation

from kernel import money, quantities

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros, in the active locale: ``1,5`` / ``1.5``, ``12``."""
    return quantities.qty(value)


@register.filter
def plain(value) -> str:
    """A Decimal for an ``<input type=number>``: dot separator, no trailing zeros."""
    return quantities.plain(value)


@register.filter
def amount(value) -> str:
    """A price for an ``<input type=number>``: dot separator, two decimals."""
    return money.input_amount(value)


@register.filter
def reference_price(product, currency: str = "EUR") -> str:
    """``8,40 € / kg`` for a product sold by weight or volume; empty otherwise."""
    found = product.reference_price
    if not found:
        return ""
    amount, unit = found
    return (
        f"{money.format_money(amount, currency or 'EUR', translation.get_language() or 'fr')}"
        f" / {unit}"
    )
