"""Quantities as text: for reading (``qty``, in the active locale) and for form inputs
(``plain``). Plain functions so that Python code (messages, forms, pages written in Python) and
the template filters of ``catalogs_tags`` share them."""

from decimal import Decimal

from django.utils import formats


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


def plain(value) -> str:
    """A Decimal for an ``<input type=number>``: dot separator, no trailing zeros."""
    if value in (None, ""):
        return ""
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
