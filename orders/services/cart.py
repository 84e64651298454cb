"""Carts (spec §3.3, §5): what a member is about to order. A cart reserves no stock and holds
no money; its lines carry the price of the moment only to show a total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import Product
from distributions.models import MultiDistrib
from kernel.audit import log_action
from members.models import Member
from orders.models import Basket
from orders.services.lines import _new_line, _touch
from orders.services.loading import _distribution_of, _lock_member
from orders.services.mails import _send_basket_email
from orders.services.results import ZERO, OrderError
from orders.services.rules import _floor_valid, _refusal, _validate_quantity, _validate_tolerance
from orders.services.stock import _stock_message, _stock_tracked


@dataclass
class CartCheck:
    quantity: Decimal
    tolerance: Decimal = ZERO
    message: str = ""  # set when the quantity was clamped to the stock


def cart_check(
    *, md: MultiDistrib, product: Product, quantity: Any, tolerance: Any = None, now: datetime
) -> CartCheck:
    """Validate a cart quantity; clamp it to the stock with a clear message (decision 6).

    Raises OrderError when the product cannot be ordered now or the quantity is not valid for
    it (whole pieces, bulk steps). Does not write: the session cart uses it too.
    """
    reason = _refusal(product, md, now=now)
    if reason:
        raise OrderError(reason)
    wanted = _validate_quantity(product, quantity)
    tol = _validate_tolerance(product, tolerance)
    if wanted == 0:
        return CartCheck(ZERO)
    if _stock_tracked(product) and product.stock is not None and wanted > product.stock:
        kept = _floor_valid(product, product.stock)
        if kept <= 0:
            return CartCheck(ZERO, ZERO, _stock_message(product, product.stock))
        return CartCheck(kept, tol, _stock_message(product, product.stock, kept=kept))
    return CartCheck(wanted, tol)


def _cart(md: MultiDistrib, member: Member, now: datetime, *, create: bool) -> Basket | None:
    cart = (
        Basket.objects.select_for_update()
        .filter(multidistrib=md, member=member, state=Basket.State.CART)
        .first()
    )
    if cart is None and create:
        cart = Basket.objects.create(
            group=md.group, multidistrib=md, member=member, created_at=now, updated_at=now
        )
    return cart


def _set_line(
    cart: Basket, md: MultiDistrib, product: Product, check: CartCheck, *, acting_user, now
) -> None:
    line = cart.lines.filter(product=product).first()
    if check.quantity == 0:
        if line is not None:
            line.delete()
        return
    if line is None:
        distribution = _distribution_of(md, product.catalog_id)
        line = _new_line(
            cart,
            distribution,
            product,
            check.quantity,
            tolerance=check.tolerance,
            acting_user=acting_user,
            now=now,
        )
        line.save()
        return
    line.quantity = check.quantity
    line.tolerance = check.tolerance
    # A cart shows today's price; the order takes the price of the moment it is placed.
    line.unit_price = product.price
    line.vat_rate = product.vat_rate
    line.updated_at = now
    line.save(update_fields=["quantity", "tolerance", "unit_price", "vat_rate", "updated_at"])


@transaction.atomic
def cart_set(
    *,
    member: Member,
    md: MultiDistrib,
    product: Product,
    quantity: Any,
    acting_user: Any,
    tolerance: Any = None,
    now: datetime | None = None,
) -> CartCheck:
    """Set the quantity of a product in the member's cart (0 removes it).

    Returns the quantity kept and, when the stock was short, the message saying so.
    """
    now = now or timezone.now()
    member = _lock_member(member)
    check = cart_check(md=md, product=product, quantity=quantity, tolerance=tolerance, now=now)
    cart = _cart(md, member, now, create=check.quantity > 0)
    if cart is None:
        return check
    _set_line(cart, md, product, check, acting_user=acting_user, now=now)
    if not cart.lines.exists():
        cart.delete()
    else:
        _touch(cart, now)
    return check


@transaction.atomic
def cart_merge(
    *,
    member: Member,
    md: MultiDistrib,
    items: dict[int, tuple[Any, Any]],
    acting_user: Any,
    now: datetime | None = None,
) -> list[str]:
    """Attach a cart kept in the session before login: its quantities replace the cart's.

    Returns the messages of the products left out or clamped.
    """
    now = now or timezone.now()
    member = _lock_member(member)
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=list(items), group=md.group).select_related(
            "catalog"
        )
    }
    notes: list[str] = []
    cart = None
    for pk in sorted(items):
        product = products.get(pk)
        if product is None:
            continue
        quantity, tolerance = items[pk]
        try:
            check = cart_check(
                md=md, product=product, quantity=quantity, tolerance=tolerance, now=now
            )
        except OrderError as exc:
            notes.append(exc.messages[0])
            continue
        if check.message:
            notes.append(check.message)
        if cart is None:
            cart = _cart(md, member, now, create=check.quantity > 0)
            if cart is None:
                continue
        _set_line(cart, md, product, check, acting_user=acting_user, now=now)
    if cart is not None:
        if not cart.lines.exists():
            cart.delete()
        else:
            _touch(cart, now)
    return notes


@transaction.atomic
def cart_delete(*, cart: Basket, acting_user: Any) -> None:
    """Empty a cart: the member gives up, or an admin deletes a non-finalised cart (spec §5)."""
    if not cart.is_cart:
        raise OrderError(_("Only a cart can be deleted; cancel an order instead."))
    log_action(
        action="cart.deleted",
        acting_user=acting_user,
        group=cart.group,
        obj=cart,
        member=cart.member_id,
        lines=cart.lines.count(),
    )
    cart.delete()


@transaction.atomic
def carts_remind(*, carts: list[Basket], acting_user: Any, now: datetime | None = None) -> int:
    """E-mail the members whose carts were never confirmed (spec §5); returns how many."""
    now = now or timezone.now()
    sent = 0
    for cart in carts:
        if not cart.is_cart or not cart.lines.exists():
            continue
        _send_basket_email("cart_reminder", cart)
        Basket.objects.filter(pk=cart.pk).update(reminded_at=now)
        sent += 1
    if sent:
        log_action(
            action="cart.reminded",
            acting_user=acting_user,
            group=carts[0].group,
            obj=carts[0].multidistrib,
            count=sent,
        )
    return sent
