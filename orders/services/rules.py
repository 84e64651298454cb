"""What can be ordered (spec §3.2) and which quantities are valid."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.exceptions import ProductQuantityError
from catalogs.models import Catalog, Product
from catalogs.services import catalog_order_blockers, product_validate_quantity
from distributions.models import MultiDistrib
from kernel.numbers import NumberError, parse_decimal
from kernel.quantities import qty
from orders import selectors, wholesale
from orders.services.loading import _distribution_of
from orders.services.results import ZERO, OrderError

# What an order line's quantity column holds (12 digits, 3 of them decimals).
QUANTITY_CEILING = Decimal("999999999.999")


def _refusal(
    product: Product,
    md: MultiDistrib,
    *,
    now: datetime,
    by_admin: bool = False,
    adding: bool = True,
) -> str | None:
    """Why ``product`` cannot be ordered (or changed) at ``md`` now; None when it can.

    Members order while the catalog's window is open. Admins enter orders for members until
    the distribution is validated, window or not (spec §3.7, §10). Removing quantities needs
    only the window (members) or an unvalidated distribution (admins).
    """
    name = product.display_name
    distribution = _distribution_of(md, product.catalog_id)
    supplied = distribution is not None and product.group_id == md.group_id
    if md.validated_at is None and not supplied:
        return _("This distribution does not supply %(product)s.") % {"product": name}
    closed = selectors.order_change_refusal(
        md=md, distribution=distribution, by_admin=by_admin, now=now
    )
    if closed or not adding:
        return closed
    catalog: Catalog = distribution.catalog
    if not product.active:
        return _("%(product)s is no longer offered.") % {"product": name}
    if catalog.catalog_type != Catalog.Type.VARIABLE:
        return _("%(product)s is not sold in the shop.") % {"product": name}
    on_date = md.date if by_admin else timezone.localdate(now, md.group.tzinfo)
    blockers = catalog_order_blockers(catalog, on_date=on_date)
    if blockers:
        return blockers[0]
    return None


def _bounded(product: Product, raw: Any) -> Decimal | None:
    """``raw`` as a finite number of 3 decimals at most, within the line maximum of
    ``product``; None when empty. OrderError with a translated message otherwise."""
    try:
        value = parse_decimal(raw, places=3, maximum=QUANTITY_CEILING)
    except NumberError as exc:
        raise OrderError(str(exc), code="quantity_invalid") from exc
    limit = selectors.line_quantity_limit(product)
    if value is not None and value > limit:
        shown = wholesale.to_base(product, limit) if product.wholesale else limit
        raise OrderError(
            _("At most %(maximum)s per order for %(product)s.")
            % {"product": product.display_name, "maximum": qty(shown)},
            code="quantity_above_maximum",
        )
    return value


def _validate_quantity(product: Product, quantity: Any, *, allow_zero: bool = True) -> Decimal:
    """The quantity as a Decimal, or OrderError with the catalogs' message (0 allowed: remove)."""
    value = _bounded(product, quantity)
    if value is None:
        raise OrderError(_("Enter a quantity."), code="quantity_missing")
    if allow_zero and value == 0:
        return ZERO
    try:
        value = product_validate_quantity(product, value)
    except ProductQuantityError as exc:
        raise OrderError(exc.messages[0], code=exc.code) from exc
    if product.multi_weight and value != value.to_integral_value():
        raise OrderError(
            _("%(product)s is weighed piece by piece: enter a whole number of pieces.")
            % {"product": product.name},
            code="quantity_not_whole",
        )
    return value


def _validate_tolerance(product: Product, tolerance: Any) -> Decimal:
    if not product.wholesale:
        return ZERO
    return _bounded(product, tolerance) or ZERO


def _floor_valid(product: Product, amount: Decimal | None) -> Decimal:
    """The largest quantity of ``product`` not above ``amount`` that can be ordered."""
    if amount is None or amount <= 0:
        return ZERO
    if not product.allows_decimal_quantity or product.multi_weight:
        return amount.to_integral_value(rounding=ROUND_DOWN)
    step = product.small_quantity if product.bulk and product.small_quantity else None
    if step:
        return (amount // step) * step
    return amount.quantize(Decimal("0.001"), rounding=ROUND_DOWN)
