"""Money: the only place that rounds, converts to minor units and formats amounts.

Rules (design §5): amounts are ``Decimal``, never float. A line total is
``quantize(unit_price * quantity)``, rounded half-up to the currency's precision; a total is the
sum of already-rounded line totals and fees. Never round in the middle of a running sum.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.core import Locale
from babel.numbers import get_currency_precision, get_currency_symbol, parse_pattern

ZERO = Decimal("0.00")
_HUNDRED = Decimal(100)
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


@lru_cache(maxsize=64)
def precision(currency: str = DEFAULT_CURRENCY) -> int:
    return get_currency_precision(currency.upper())


@lru_cache(maxsize=64)
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-precision(currency))


def quantize(amount: Number, currency: str = DEFAULT_CURRENCY) -> Decimal:
    """Round half-up to the currency's precision (2 places for EUR, 0 for JPY)."""
    return to_decimal(amount).quantize(_exponent(currency), rounding=ROUND_HALF_UP)


def with_fee(amount: Number, fee_percent: Number) -> Decimal:
    """``amount`` plus a catalog's fee, unrounded: amount x (100 + fee) / 100."""
    return to_decimal(amount) * (Decimal(100) + to_decimal(fee_percent)) / Decimal(100)


def line_total(
    unit_price: Number,
    quantity: Number,
    currency: str = DEFAULT_CURRENCY,
    *,
    fee_percent: Number = 0,
) -> Decimal:
    """What a line costs: round(unit price x quantity x (1 + fee/100)), half-up, per line (spec
    §1.9, decision 1). Without a fee, the goods alone (what a producer is paid).

    Summaries call it for every line of a distribution: Decimals skip the conversions."""
    price = unit_price if type(unit_price) is Decimal else to_decimal(unit_price)
    amount = price * (quantity if type(quantity) is Decimal else to_decimal(quantity))
    if fee_percent:
        fee = fee_percent if type(fee_percent) is Decimal else to_decimal(fee_percent)
        amount = amount * (_HUNDRED + fee) / _HUNDRED
    return amount.quantize(_exponent(currency), rounding=ROUND_HALF_UP)


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


def input_amount(value: Number | None) -> str:
    """An amount for an ``<input type=number>``: dot separator, two decimals."""
    if value is None or value == "":
        return ""
    return format(to_decimal(value).quantize(Decimal("0.01")), "f")


def format_money(
    amount: Number | None, currency: str = DEFAULT_CURRENCY, locale: str = "fr"
) -> str:
    """Display an amount in the locale: ``12,50 €`` in French, ``€12.50`` in English."""
    if amount is None or amount == "":
        return ""
    code = currency.upper()
    value = quantize(amount, code)
    if value == 0:
        value = abs(value)  # never show "-0,00 €"
    fmt = _currency_format(locale, code)
    sign, digits = ("-", -value) if value < 0 else ("", value)
    whole, _, frac = f"{digits:f}".partition(".")
    groups: list[str] = []
    while len(whole) > fmt.group_size:
        groups.insert(0, whole[-fmt.group_size :])
        whole = whole[: -fmt.group_size]
    number = fmt.group.join([whole, *groups])
    if frac:
        number = f"{number}{fmt.decimal}{frac}"
    prefix, suffix = (fmt.neg_prefix, fmt.neg_suffix) if sign else (fmt.prefix, fmt.suffix)
    return f"{prefix}{number}{suffix}"


class _CurrencyFormat:
    __slots__ = ("decimal", "group", "group_size", "neg_prefix", "neg_suffix", "prefix", "suffix")
    decimal: str
    group: str
    group_size: int
    neg_prefix: str
    neg_suffix: str
    prefix: str
    suffix: str


@lru_cache(maxsize=64)
def _currency_format(locale: str, currency: str) -> _CurrencyFormat:
    """The locale's currency pattern, read once from babel: summaries format thousands of amounts."""
    babel_locale = Locale.parse(locale.replace("-", "_"))
    pattern = parse_pattern(babel_locale.currency_formats["standard"])
    symbol = get_currency_symbol(currency, locale=babel_locale)
    fmt = _CurrencyFormat()
    fmt.decimal = babel_locale.number_symbols["latn"]["decimal"]
    fmt.group = babel_locale.number_symbols["latn"]["group"]
    fmt.group_size = pattern.grouping[0]
    fmt.prefix, fmt.neg_prefix = (p.replace("¤", symbol) for p in pattern.prefix)
    fmt.suffix, fmt.neg_suffix = (p.replace("¤", symbol) for p in pattern.suffix)
    if fmt.neg_prefix == fmt.prefix and fmt.neg_suffix == fmt.suffix:
        fmt.neg_prefix = babel_locale.number_symbols["latn"]["minusSign"] + fmt.prefix
    return fmt
