"""Money: the only place that rounds, converts to minor units and formats amounts.

Rules (design §5): amounts are ``Decimal``, never float. A line total is
``quantize(unit_price * quantity)``, rounded half-up to the currency's precision; a total is the
sum of already-rounded line totals and fees. Never round in the middle of a running sum.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision

ZERO = Decimal("0.00")
DEFAULT_CURRENCY = "EUR"

Number = Decimal | int | str


def to_decimal(value: Number) -> Decimal:
    """Build a Decimal from a Decimal, an int or a string; floats are refused on purpose."""
    if isinstance(value, float):
        raise TypeError("Money is never a float; pass a string or a Decimal.")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc


def precision(currency: str = DEFAULT_CURRENCY) -> int:
    return get_currency_precision(currency.upper())


def quantize(amount: Number, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """Round half-up to the currency's precision (2 places for EUR, 0 for JPY)."""
    exponent = Decimal(1).scaleb(-precision(currency))
    return to_decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def line_total(unit_price: Number, quantity: Number, currency: str = DEFAULT_CURRENCY) -> Decimal:
    return quantize(to_decimal(unit_price) * to_decimal(quantity), currency)


def total(amounts: Iterable[Number], currency: str = DEFAULT_CURRENCY) -> Decimal:
    """Sum already-rounded amounts; the result is quantized for storage."""
    return quantize(sum((to_decimal(a) for a in amounts), Decimal(0)), currency)


def percentage(amount: Number, percent: Number, currency: str = DEFAULT_CURRENCY) -> Decimal:
    return quantize(to_decimal(amount) * to_decimal(percent) / Decimal(100), currency)


def to_minor_units(amount: Number, currency: str = DEFAULT_CURRENCY) -> int:
    """Stripe's integer amounts: EUR 13.37 → 1337, JPY 500 → 500."""
    return int(quantize(amount, currency).scaleb(precision(currency)))


def from_minor_units(value: int, currency: str = DEFAULT_CURRENCY) -> Decimal:
    return quantize(Decimal(value).scaleb(-precision(currency)), currency)


def format_money(
    amount: Number | None, currency: str = DEFAULT_CURRENCY, locale: str = "fr"
) -> str:
    """Display an amount in the locale: ``12,50 €`` in French, ``€12.50`` in English."""
    if amount is None or amount == "":
        return ""
    babel_locale = Locale.parse(locale.replace("-", "_"))
    return format_currency(quantize(amount, currency), currency.upper(), locale=babel_locale)
