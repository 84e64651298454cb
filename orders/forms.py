"""Input for the order screens (quantities typed in a product's unit, admin order entry); the
shop's filters and the checkout forms are in ``shop.forms``. Services do the writing.

Quantities come as ``q-<product id>`` (and ``t-<product id>`` for a wholesale tolerance) in
the product's unit, except for wholesale products, which members and admins enter in the base
unit (kg, pieces) and which are stored as parts of a unit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from catalogs.models import Product
from kernel.forms import RowIdChoiceField
from kernel.numbers import NumberError, parse_decimal
from kernel.quantities import qty
from orders import selectors, wholesale


class QuantityError(ValueError):
    pass


def input_to_quantity(product: Product, raw: Any) -> Decimal | None:
    """What the person typed → the quantity in product units (None when left empty).

    Read by ``kernel.numbers.parse_decimal``: a finite number of 3 decimals at most, not above
    the line maximum of the product (``selectors.line_quantity_limit``), in the unit typed."""
    limit = selectors.line_quantity_limit(product)
    try:
        value = parse_decimal(
            raw,
            places=3,
            maximum=wholesale.to_base(product, limit) if product.wholesale else limit,
        )
    except NumberError as exc:
        raise QuantityError(str(exc)) from exc
    if value is None:
        return None
    if product.wholesale:
        if not wholesale.base_round_trips(product, value):
            raise QuantityError(
                _t("%(product)s goes by steps of %(step)s %(unit)s.")
                % {
                    "product": product.name,
                    "step": qty(wholesale.base_step(product)),
                    "unit": product.get_unit_type_display(),
                }
            )
        return wholesale.from_base(product, value)
    return value


def quantity_to_input(product: Product, quantity: Decimal | None) -> Decimal | None:
    if quantity is None:
        return None
    if product.wholesale:
        return wholesale.to_base(product, quantity)
    return quantity


def posted_quantities(
    data: Any, products: dict[int, Product]
) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, str]]:
    """``q-<id>`` / ``t-<id>`` fields → quantities and tolerances, plus errors by product id."""
    quantities: dict[int, Decimal] = {}
    tolerances: dict[int, Decimal] = {}
    errors: dict[int, str] = {}
    for pk, product in products.items():
        try:
            q = input_to_quantity(product, data.get(f"q-{pk}"))
            t = input_to_quantity(product, data.get(f"t-{pk}")) if product.wholesale else None
        except QuantityError as exc:
            errors[pk] = str(exc)
            continue
        if q is not None:
            quantities[pk] = q
        if t is not None:
            tolerances[pk] = t
    return quantities, tolerances, errors


def posted_order_changes(
    data: Any, products: dict[int, Product], current: dict[int, dict[str, Decimal]]
) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, str]]:
    """An order entered by an admin: the quantities of the products that differ from
    ``current`` (``{product id: {"q": quantity, "t": tolerance}}``), the tolerances, and the
    errors per product. A field emptied removes the product."""
    quantities, tolerances, errors = posted_quantities(data, products)
    zero = {"q": Decimal(0), "t": Decimal(0)}
    changed = {
        pk: q
        for pk, q in quantities.items()
        if q != current.get(pk, zero)["q"]
        or tolerances.get(pk, Decimal(0)) != current.get(pk, zero)["t"]
    }
    for pk in current:
        if pk in products and data.get(f"q-{pk}") == "" and pk not in errors:
            changed[pk] = Decimal(0)
    return changed, tolerances, errors


class MemberChoiceForm(forms.Form):
    member = RowIdChoiceField(label=_("Member"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.user.display_name} ({m.user.email})"
        )


class AdminPaymentForm(forms.Form):
    payment_type = forms.ChoiceField(label=_("Payment"), required=False)

    def __init__(self, *args, payment_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_type"].choices = [("", _("Not chosen")), *payment_choices]


def posted_weights(
    data: Any, products: dict[int, Product], current: dict[int, dict[str, Any]]
) -> tuple[dict[int, Decimal | None], dict[int, str]]:
    """``w-<id>`` fields of variable-weight products (the measured weight, in the product's
    unit) that differ from the weight recorded; an emptied field clears it. Errors by id."""
    weights: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    for pk, product in products.items():
        name = f"w-{pk}"
        if not product.variable_weight or name not in data:
            continue
        try:
            weight = parse_decimal(data.get(name), places=3, maximum=Decimal("99999.999"))
        except NumberError as exc:
            errors[pk] = str(exc)
            continue
        if weight is not None and weight <= 0:
            errors[pk] = _t("Enter the weight measured, more than 0.")
            continue
        if weight != current.get(pk, {}).get("w"):
            weights[pk] = weight
    return weights, errors
