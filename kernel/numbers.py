"""Numbers typed by people: one parser for every form and import (design §10).

``parse_decimal`` accepts what a French or an English speaker types — ``1,5``, ``1.5``,
``1 234,50`` (spaces, including non-breaking ones, group thousands) — and refuses, with a
translated message, anything that is not a plain finite number within the field's bounds:
``NaN``, infinities, exponents (``1e30``), too many decimal places, values beyond the maximum
the field or the caller allows. So no ``InvalidOperation``, overflow or absurd order ever reaches
a model or the database.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _

# Digits with an optional sign and one decimal separator; spaces group thousands.
_PLAIN = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
# Spaces (plain, no-break, narrow no-break, thin) group thousands; a tab or a line break inside a
# number is not a grouping ("1\r\n2" is refused, not read as 12).
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")


class NumberError(ValueError):
    """A refusal to show next to the field; ``str(error)`` is translated."""


def parse_decimal(
    raw: Any,
    *,
    places: int,
    maximum: Decimal,
    minimum: Decimal = Decimal(0),
) -> Decimal | None:
    """What the person typed → a Decimal within [minimum, maximum] with at most ``places``
    decimal places; None when left empty. Raises ``NumberError`` otherwise."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = Decimal(raw)
    else:
        text = _SPACES.sub("", str(raw if raw is not None else "").strip())
        if not text:
            return None
        if len(text) > 40 or not _PLAIN.match(text):
            raise NumberError(_("Enter a number, such as 12 or 1,5."))
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation as exc:  # the pattern above lets none through; kept for safety
            raise NumberError(_("Enter a number, such as 12 or 1,5.")) from exc
    if not value.is_finite():
        raise NumberError(_("Enter a number, such as 12 or 1,5."))
    if value < minimum:
        raise NumberError(
            _("Enter a number of at least %(minimum)s.") % {"minimum": _plain(minimum)}
        )
    if value > maximum:
        raise NumberError(
            _("Enter a number of at most %(maximum)s.") % {"maximum": _plain(maximum)}
        )
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        if places == 0:
            raise NumberError(_("Enter a whole number."))
        raise NumberError(_("Enter at most %(places)s decimal places.") % {"places": places})
    return value


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


class DecimalInputField(forms.Field):
    """A form field that reads numbers with ``parse_decimal`` (French or English typing)."""

    def __init__(
        self,
        *,
        places: int,
        maximum: Decimal,
        minimum: Decimal = Decimal(0),
        **kwargs: Any,
    ) -> None:
        self.places, self.maximum, self.minimum = places, maximum, minimum
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        text = "" if value in self.empty_values else str(value).strip()
        try:
            return parse_decimal(
                text, places=self.places, maximum=self.maximum, minimum=self.minimum
            )
        except NumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.setdefault("inputmode", "decimal")
        return attrs


def parse_id(raw: Any) -> int | None:
    """A row id as a form or a field name sends it — ASCII digits that fit the database's
    integers — else None. (``"²".isdigit()`` is true and ``int("²")`` fails; an id of 30 digits
    overflows the query.)"""
    text = str(raw if raw is not None else "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)
