"""What can be ordered (spec §3.2) and which quantities are valid."""

from __future__ import annotations

import contextlib
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.exceptions import ProductQuantityError
from catalogs.models import Catalog, Product
from catalogs.services import catalog_order_blockers, product_validate_quantity
from distributions.models import MultiDistrib
from kernel import money
from orders import selectors
from orders.services.loading import _distribution_of
from orders.services.results import ZERO, OrderError


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


def _validate_quantity(product: Product, quantity: Any, *, allow_zero: bool = True) -> Decimal:
    """The quantity as a Decimal, or OrderError with the catalogs' message (0 allowed: remove)."""
    if allow_zero and quantity not in (None, ""):
        with contextlib.suppress(TypeError, ValueError):
            if money.to_decimal(quantity) == 0:
                return ZERO
    try:
        value = product_validate_quantity(product, quantity)
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
    if not product.wholesale or tolerance in (None, ""):
        return ZERO
    try:
        value = money.to_decimal(tolerance)
    except (TypeError, ValueError) as exc:
        raise OrderError(_("Enter a quantity.")) from exc
    if value < 0:
        raise OrderError(_("The tolerance cannot be negative."))
    return value.quantize(Decimal("0.001"))


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
