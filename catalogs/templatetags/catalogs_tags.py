from decimal import Decimal

from django import template
from django.utils import formats, translation

from kernel.money import format_money

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros, in the active locale: ``1,5`` / ``1.5``, ``12``."""
    if value in (None, ""):
        return ""
    value = Decimal(value)
    text = (
        format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    )
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return formats.number_format(Decimal(text), use_l10n=True) if "." in text else text


@register.filter
def reference_price(product, currency: str = "EUR") -> str:
    """``8,40 € / kg`` for a product sold by weight or volume; empty otherwise."""
    found = product.reference_price
    if not found:
        return ""
    amount, unit = found
    return f"{format_money(amount, currency or 'EUR', translation.get_language() or 'fr')} / {unit}"


@register.filter
def amount(value) -> str:
    """A price for an ``<input type=number>``: dot separator, two decimals."""
    if value in (None, ""):
        return ""
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


@register.filter
def plain(value) -> str:
    """A Decimal for an ``<input type=number>``: dot separator, no trailing zeros."""
    if value in (None, ""):
        return ""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
