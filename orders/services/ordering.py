"""Placing, changing and cancelling orders (spec §3.3-3.8, §10; decisions 6 and 7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import Product
from distributions.models import MultiDistrib
from kernel.audit import log_action
from kernel.quantities import qty
from members import memberships
from members.models import Member
from orders import selectors
from orders.models import Basket, OrderLine
from orders.services.ledger import _check_payment_type, _sync_ledger
from orders.services.lines import (
    _add_quantity,
    _assign_number,
    _remove_quantity,
    _set_wholesale_claims,
    _touch,
)
from orders.services.loading import _distribution_of, _lock_member, _share_md
from orders.services.mails import _send_basket_email
from orders.services.results import ZERO, LineIssue, OrderError, OrderResult
from orders.services.rules import _floor_valid, _refusal, _validate_quantity, _validate_tolerance
from orders.services.stock import (
    _give_back_stock,
    _stock_left,
    _stock_message,
    _stock_tracked,
    _take_stock,
)


def _acts_as_admin(acting_user: Any, member: Member, as_admin: bool | None) -> bool:
    """Admin rules (after the window, until validation) for admin screens, or when someone
    other than the member acts; the views check the right before saying so."""
    if as_admin is not None:
        return as_admin
    return getattr(acting_user, "pk", None) != member.user_id


def _order_basket(md: MultiDistrib, member: Member) -> Basket | None:
    """The member's order for the distribution (confirmed or cancelled), locked."""
    return (
        Basket.objects.select_for_update()
        .filter(multidistrib=md, member=member)
        .exclude(state=Basket.State.CART)
        .first()
    )


def _open_order(md: MultiDistrib, member: Member, basket: Basket | None, now: datetime) -> Basket:
    """The order to add to: the existing one (a cancelled one comes back empty) or a new one."""
    if basket is None:
        basket = Basket.objects.create(
            group=md.group,
            multidistrib=md,
            member=member,
            state=Basket.State.CONFIRMED,
            created_at=now,
            updated_at=now,
            confirmed_at=now,
        )
    elif basket.is_cancelled:
        basket.lines.all().delete()
        basket.state = Basket.State.CONFIRMED
        basket.cancelled_at = None
        basket.confirmed_at = now
        _touch(basket, now, "state", "cancelled_at", "confirmed_at")
    basket.multidistrib = md
    basket.group = md.group
    basket.member = member
    return basket


def _finish(
    basket: Basket,
    *,
    acting_user: Any,
    now: datetime,
    action: str,
    lines: list[OrderLine] | None = None,
    **data: Any,
) -> None:
    """Numbers, state, ledger and audit after the lines changed (``lines``: the basket's
    lines when the caller has them, to spare a query)."""
    if lines is None:
        lines = list(basket.lines.all())
    has_lines = any(line.quantity > 0 for line in lines)
    if has_lines and not basket.is_confirmed:
        basket.state = Basket.State.CONFIRMED
        basket.cancelled_at = None
        basket.confirmed_at = basket.confirmed_at or now
        _touch(basket, now, "state", "cancelled_at", "confirmed_at")
    elif not has_lines and basket.is_confirmed:
        basket.state = Basket.State.CANCELLED
        basket.cancelled_at = now
        _touch(basket, now, "state", "cancelled_at")
    else:
        _touch(basket, now)
    _sync_ledger(basket, acting_user=acting_user, lines=lines)
    if basket.is_confirmed:
        _assign_number(basket)
    log_action(
        action=action,
        acting_user=acting_user,
        group=basket.group,
        obj=basket,
        code=basket.code,
        member=basket.member_id,
        state=basket.state,
        **data,
    )


class _StockTakenError(Exception):
    """Raised inside ``order_place``'s savepoint when another buyer took the last units."""


@transaction.atomic
def order_place(
    *,
    cart: Basket,
    acting_user: Any,
    payment_type: str = "",
    delivery: bool = False,
    as_admin: bool | None = None,
    notify: bool = True,
    md: MultiDistrib | None = None,
    now: datetime | None = None,
) -> OrderResult:
    """Turn a member's cart into their order for the distribution (spec §3.3 confirm), at once.

    One transaction: a line that cannot be served (window closed, product withdrawn, stock
    gone) is refused with its own message and stays in the cart, clamped to what is left,
    while the other lines are placed (user-requests item 2). Placed lines join the member's
    order at the prices of the moment (merged with an earlier line at the same price), the
    ledger gets the debt (one per member and distribution) and the payment announced, the
    basket its number, and the member an e-mail after commit.

    Stock (decision 6): a line whose product was already short when the cart was read (in this
    transaction) is refused at once, without trying. For the others the order is written first,
    in a savepoint, and the stock taken last, with a conditional ``UPDATE … WHERE stock >=
    quantity`` per product in id order: the database re-checks the condition once the row lock
    is granted, so simultaneous buyers can never take the same units, and a product's row stays
    locked only from that ``UPDATE`` to the commit (the number and the audit entry), not while
    the order and its ledger rows are written. When a line finds the stock gone meanwhile (a
    buyer who lost a race), the savepoint is rolled back and the order written again after
    taking the stock line by line, the refused lines left out.

    ``as_admin`` (default: ``acting_user`` is not the member) means an admin confirms the cart
    on the member's behalf (spec §5): allowed after the window closes, until the distribution
    is validated. ``md``: the distribution as the caller already loaded it (with its catalogs),
    to spare reading it again. Returns the order (None when nothing could be placed) and the
    refused lines.
    """
    now = now or timezone.now()
    # ``_lock_member`` locks the member's user and group rows with theirs (a join ``FOR
    # UPDATE``), which queues every order service of the group behind one another and behind
    # group-wide writes (the validation of a distribution). A member's own checkout
    # (``as_admin=False``, refused anyway once the window is closed) needs only their row, so
    # that simultaneous buyers of a group are not served one at a time; an admin's entry keeps
    # the whole lock.
    _share_md(cart.multidistrib_id)  # the lock validation takes exclusively (issue 13)
    member = _lock_member(cart.member_id, related=as_admin is not False)
    cart = (
        Basket.objects.select_for_update()
        .filter(pk=cart.pk, member=member, state=Basket.State.CART)
        .first()
    )
    if cart is None:
        raise OrderError(_("This cart was already confirmed or deleted."))
    if md is None or md.pk != cart.multidistrib_id:
        md = selectors.md_for_orders(cart.multidistrib_id)
    if member.group_id == md.group_id:
        member.group = md.group
    by_admin = _acts_as_admin(acting_user, member, as_admin)
    refusal = memberships.order_refusal(member, by_admin=by_admin)  # decision 3
    if refusal:
        raise OrderError(refusal)
    payment_type = _check_payment_type(md.group, payment_type)
    items = list(cart.lines.select_related("product__catalog").order_by("product_id", "pk"))
    if not items:
        raise OrderError(_("Your cart is empty."))
    issues: list[LineIssue] = []
    # Cart lines refused for stock, clamped at the end, with the stock when known.
    short: dict[int, tuple[OrderLine, Decimal | None]] = {}
    candidates: list[OrderLine] = []
    for item in items:
        product = item.product
        reason = _refusal(product, md, now=now, by_admin=by_admin)
        if reason:
            issues.append(LineIssue(product.display_name, reason, product.pk))
        elif (
            _stock_tracked(product) and product.stock is not None and product.stock < item.quantity
        ):
            # Already short when read, a moment ago in this transaction: no need to try.
            short[item.pk] = (item, product.stock)
        else:
            candidates.append(item)

    order = None
    lines: list[OrderLine] = []
    write = {
        "md": md,
        "member": member,
        "cart": cart,
        "items": items,
        "payment_type": payment_type,
        "delivery": delivery,
        "acting_user": acting_user,
        "now": now,
    }
    if candidates:
        cart_id = cart.pk
        try:
            with transaction.atomic():
                order, lines = _write_order(candidates=candidates, **write)
                # Stock last, in product id order: the rows stay locked only until the commit.
                if not all(_take_stock(item.product, item.quantity) for item in candidates):
                    raise _StockTakenError
        except _StockTakenError:
            # Rolled back (stock taken so far and the cart's deletion included): take the stock
            # first, line by line, then write the order with the lines served.
            cart.pk = cart_id  # ``delete()`` cleared it; the row is back
            order, lines = None, []
            served = []
            for item in candidates:
                if _take_stock(item.product, item.quantity):
                    served.append(item)
                else:
                    short[item.pk] = (item, _stock_left(item.product))
            candidates = served
            if candidates:
                order, lines = _write_order(candidates=candidates, **write)

    for item, left in short.values():
        product = item.product
        kept = _floor_valid(product, left)
        if kept > 0:
            OrderLine.objects.filter(pk=item.pk).update(quantity=kept)
            message = _stock_message(product, left, kept=kept)
        else:
            OrderLine.objects.filter(pk=item.pk).delete()
            message = _stock_message(product, left)
        issues.append(LineIssue(product.display_name, message, product.pk))
    if order is None:
        _touch(cart, now)
        return OrderResult(basket=None, changed=False, issues=issues)

    _assign_number(order)
    log_action(
        action="order.placed",
        acting_user=acting_user,
        group=order.group,
        obj=order,
        code=order.code,
        member=member.pk,
        state=order.state,
        products=[item.product_id for item in candidates],
        refused=[issue.product for issue in issues],
        on_behalf=by_admin,
        total=str(order.total(lines)),
    )
    if notify:
        _send_basket_email(
            "order_confirmed", order, issues=issues, by_admin=by_admin, changed=False
        )
    return OrderResult(basket=order, changed=True, issues=issues)


def _write_order(
    *,
    md: MultiDistrib,
    member: Member,
    cart: Basket,
    items: list[OrderLine],
    candidates: list[OrderLine],
    payment_type: str,
    delivery: bool,
    acting_user: Any,
    now: datetime,
) -> tuple[Basket, list[OrderLine]]:
    """The order with the ``candidates`` (cart lines) added, its state and its ledger rows, and
    the cart without them (deleted when they were all its ``items``). No stock, no number."""
    order = _order_basket(md, member)
    fee = (md.delivery_fee if md.delivery_enabled else Decimal("0.00")) if delivery else None
    existing: list[OrderLine] = []
    if order is None:
        order = Basket.objects.create(
            group=md.group,
            multidistrib=md,
            member=member,
            state=Basket.State.CONFIRMED,
            payment_type=payment_type,
            delivery=delivery,
            delivery_fee=fee if fee is not None else Decimal("0.00"),
            created_at=now,
            updated_at=now,
            confirmed_at=now,
        )
    else:
        order = _open_order(md, member, order, now)
        existing = list(order.lines.select_related("product"))
        fields = []
        if payment_type and payment_type != order.payment_type:
            order.payment_type = payment_type
            fields.append("payment_type")
        if fee is not None and not order.delivery:
            order.delivery = True
            order.delivery_fee = fee
            fields += ["delivery", "delivery_fee"]
        _touch(order, now, *fields)
    insert: list[OrderLine] = []
    for item in candidates:
        product = item.product
        distribution = _distribution_of(md, product.catalog_id)
        lines = [line for line in existing if line.product_id == product.pk]
        tolerance = sum((line.tolerance for line in lines), ZERO) + item.tolerance
        lines = _add_quantity(
            order,
            lines,
            distribution,
            product,
            item.quantity,
            acting_user=acting_user,
            now=now,
            insert=insert,
        )
        _set_wholesale_claims(product, lines, tolerance, now=now)
        existing = [line for line in existing if line.product_id != product.pk] + lines
    OrderLine.objects.bulk_create(insert)
    _sync_ledger(order, acting_user=acting_user, lines=existing)
    if len(candidates) == len(items):
        cart.delete()  # its lines with it (the row is loaded: no query to collect it)
    else:
        OrderLine.objects.filter(pk__in=[item.pk for item in candidates]).delete()
        _touch(cart, now)
    return order, existing


def _clamp_to_stock(product: Product, have: Decimal, wanted: Decimal) -> tuple[Decimal, LineIssue]:
    """An increase the stock cannot serve: take what is left instead (decision 16).

    Returns the quantity the order now holds (``have`` when nothing is left) and the message.
    The conditional ``UPDATE`` still guards the stock: when another buyer takes units between
    the reading and the taking, it reads again (a few times, then gives up on the increase).
    """
    for _attempt in range(3):
        left = _stock_left(product)
        extra = min(_floor_valid(product, left), wanted - have)
        if extra <= 0:
            break
        if _take_stock(product, extra):
            kept = have + extra
            message = _("Only %(left)s of %(product)s left: the order now holds %(kept)s.") % {
                "left": qty(left),
                "product": product.display_name,
                "kept": qty(kept),
            }
            return kept, LineIssue(product.display_name, message, product.pk)
    left = _stock_left(product)
    return have, LineIssue(product.display_name, _stock_message(product, left), product.pk)


@transaction.atomic
def order_update(
    *,
    md: MultiDistrib,
    member: Member,
    quantities: dict[int, Any],
    acting_user: Any,
    tolerances: dict[int, Any] | None = None,
    catalog_ids: set[int] | None = None,
    payment_type: str | None = None,
    notify: bool = True,
    as_admin: bool | None = None,
    now: datetime | None = None,
) -> OrderResult:
    """Set the member's quantities of some products in their order for ``md``.

    ``quantities`` maps product ids to the total wanted (0 removes the product); products not
    mentioned are left as they are. Used by members editing their order while the catalog's
    window is open (spec §3.7) and by admins entering or changing a member's order until the
    distribution is validated (spec §10): ``as_admin`` (default: ``acting_user`` is not the
    member) applies the admin rules, and ``catalog_ids`` limits an admin to their catalogs.

    Increases take stock with the conditional ``UPDATE`` (refused per line when it is short),
    decreases give it back, newest lines first. The ledger's debt follows the new total; an
    order left empty is cancelled (its debt goes to zero). Every change is audited.
    """
    now = now or timezone.now()
    tolerances = tolerances or {}
    _share_md(md.pk)  # waits for a validation under way, then reads it below (issue 13)
    member = _lock_member(member)
    md = selectors.md_for_orders(md.pk)
    if member.group_id != md.group_id:
        raise OrderError(_("This person is not a member of this group."))
    by_admin = _acts_as_admin(acting_user, member, as_admin)
    if md.validated_at is not None:
        raise OrderError(_("This distribution is validated: its orders can no longer change."))
    order = _order_basket(md, member)
    if order is None or not order.is_confirmed:  # a new order needs the fee (decision 3)
        member.group = md.group
        refusal = memberships.order_refusal(member, by_admin=by_admin)
        if refusal:
            raise OrderError(refusal)
    current: dict[int, list[OrderLine]] = {}
    if order is not None and order.is_confirmed:
        for line in order.lines.select_related("product"):
            current.setdefault(line.product_id, []).append(line)
    products = {
        p.pk: p
        for p in Product.objects.filter(pk__in=list(quantities), group=md.group).select_related(
            "catalog"
        )
    }
    issues: list[LineIssue] = []
    plan: list[tuple[Product, Decimal, Decimal, Decimal]] = []
    for pk in sorted(quantities):
        product = products.get(pk)
        if product is None:
            continue
        name = product.display_name
        if catalog_ids is not None and product.catalog_id not in catalog_ids:
            issues.append(LineIssue(name, _("You do not manage this catalog."), pk))
            continue
        try:
            wanted = _validate_quantity(product, quantities[pk])
            tolerance = _validate_tolerance(product, tolerances.get(pk))
        except OrderError as exc:
            issues.append(LineIssue(name, exc.messages[0], pk))
            continue
        lines = current.get(pk, [])
        have = sum((line.quantity for line in lines), ZERO)
        have_t = sum((line.tolerance for line in lines), ZERO)
        if wanted == have and tolerance == have_t:
            continue
        reason = _refusal(product, md, now=now, by_admin=by_admin, adding=wanted > have)
        if reason:
            issues.append(LineIssue(name, reason, pk))
            continue
        plan.append((product, have, wanted, tolerance))
    # Stock first, in product id order, before anything is written: a line asking for more
    # than is left gets what is left, with the cart's message (decision 16), and one that
    # cannot be served at all is refused on its own; no empty order is left behind.
    accepted = []
    for product, have, wanted, tolerance in plan:
        if wanted > have and not _take_stock(product, wanted - have):
            served, issue = _clamp_to_stock(product, have, wanted)
            issues.append(issue)
            if served == have:
                continue
            wanted = served
        accepted.append((product, have, wanted, tolerance))
    if not accepted:
        return OrderResult(basket=order, changed=False, issues=issues)

    if order is None or not order.is_confirmed:
        order = _open_order(md, member, order, now)
    changes = []
    for product, have, wanted, tolerance in accepted:
        lines = current.get(product.pk, [])
        distribution = _distribution_of(md, product.catalog_id)
        if wanted > have:
            lines = _add_quantity(
                order, lines, distribution, product, wanted - have, acting_user=acting_user, now=now
            )
        elif wanted < have:
            _give_back_stock(product, have - wanted)
            lines = _remove_quantity(lines, have - wanted, now=now)
        _set_wholesale_claims(product, lines, tolerance if wanted else ZERO, now=now)
        changes.append({"product": product.pk, "from": str(have), "to": str(wanted)})
    if payment_type is not None and order.payment_type != payment_type:
        order.payment_type = _check_payment_type(md.group, payment_type)
        order.save(update_fields=["payment_type"])
    _finish(
        order,
        acting_user=acting_user,
        now=now,
        action="order.changed_by_admin" if by_admin else "order.changed",
        changes=changes,
    )
    if notify and order.is_confirmed:
        _send_basket_email("order_confirmed", order, issues=issues, by_admin=by_admin, changed=True)
    elif notify and order.is_cancelled:
        _send_basket_email("order_cancelled", order, by_admin=by_admin, reason="")
    return OrderResult(basket=order, changed=True, issues=issues)


@transaction.atomic
def order_cancel(
    *,
    basket: Basket,
    acting_user: Any,
    reason: str = "",
    as_admin: bool | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> Basket:
    """Cancel a whole order: stock back, debt to zero, lines kept as they were (history).

    A member cancels while every catalog of the order still takes orders (spec §3.7); an admin
    until the distribution is validated. The member gets an e-mail (unless ``notify`` is False:
    the caller sends its own, e.g. the whole distribution cancelled).
    """
    now = now or timezone.now()
    _share_md(basket.multidistrib_id)
    member = _lock_member(basket.member_id)
    basket = Basket.objects.select_for_update().get(pk=basket.pk)
    if not basket.is_confirmed:
        raise OrderError(_("This order is not confirmed."))
    md = selectors.md_for_orders(basket.multidistrib_id)
    by_admin = _acts_as_admin(acting_user, member, as_admin)
    lines = list(basket.lines.select_related("product__catalog").order_by("product_id", "pk"))
    for line in lines:
        why = _refusal(line.product, md, now=now, by_admin=by_admin, adding=False)
        if why:
            raise OrderError(why)
    for line in lines:
        _give_back_stock(line.product, line.quantity)
    basket.member = member
    basket.multidistrib = md
    basket.group = md.group
    basket.state = Basket.State.CANCELLED
    basket.cancelled_at = now
    _touch(basket, now, "state", "cancelled_at")
    _sync_ledger(basket, acting_user=acting_user)
    log_action(
        action="order.cancelled",
        acting_user=acting_user,
        group=basket.group,
        obj=basket,
        code=basket.code,
        member=member.pk,
        on_behalf=by_admin,
    )
    if notify:
        _send_basket_email("order_cancelled", basket, by_admin=by_admin, reason=reason)
    return basket


def order_cancel_for_distribution(distribution: Any, acting_user: Any) -> int:
    """The distributions hook: a catalog leaves a distribution, so its lines are cancelled.

    Called inside the removal's transaction (the distribution row is locked by it). Stock goes
    back, the lines are deleted (the catalog's participation is about to go), each order's debt
    follows, an order left empty is cancelled, and the members are told. Returns how many
    orders changed.
    """
    now = timezone.now()
    lines = list(
        OrderLine.objects.filter(
            distribution=distribution, basket__state=Basket.State.CONFIRMED
        ).select_related("product__catalog")
    )
    by_basket: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_basket.setdefault(line.basket_id, []).append(line)
    member_ids = sorted(
        Basket.objects.filter(pk__in=list(by_basket)).values_list("member_id", flat=True)
    )
    # Same lock order as every order service: members, then products.
    list(Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk"))
    for line in sorted(lines, key=lambda x: (x.product_id, x.pk)):
        _give_back_stock(line.product, line.quantity)
    catalog_name = distribution.catalog.name
    changed = 0
    for basket in Basket.objects.filter(pk__in=list(by_basket)).select_related(
        "group", "multidistrib", "member__user"
    ):
        removed = [line.product_name for line in by_basket[basket.pk]]
        OrderLine.objects.filter(pk__in=[line.pk for line in by_basket[basket.pk]]).delete()
        _finish(
            basket,
            acting_user=acting_user,
            now=now,
            action="order.catalog_removed",
            catalog=catalog_name,
            removed=removed,
        )
        _send_basket_email("order_catalog_removed", basket, catalog=catalog_name, removed=removed)
        changed += 1
    return changed


def order_cancel_for_multidistrib(md: Any, acting_user: Any, reason: str) -> int:
    """The distributions hook (``register_md_canceller``): the whole distribution is cancelled.

    Called inside ``md_cancel``'s transaction, the distribution's row locked, before it is
    marked cancelled. Every confirmed order is cancelled (stock back, debt to zero in the
    ledger) and its member gets the "distribution cancelled" e-mail, which says whether a card
    payment is refunded. Carts left unconfirmed are emptied. Returns how many orders."""
    from payments.stripe.models import CardCheckout

    card_paid = set(
        CardCheckout.objects.filter(
            multidistrib_id=md.pk, state=CardCheckout.State.FULFILLED
        ).values_list("basket_code", flat=True)
    )
    baskets = list(
        Basket.objects.filter(multidistrib_id=md.pk, state=Basket.State.CONFIRMED).order_by(
            "member_id", "pk"
        )
    )
    for basket in baskets:
        cancelled = order_cancel(
            basket=basket, acting_user=acting_user, reason=reason, as_admin=True, notify=False
        )
        _send_basket_email(
            "distribution_cancelled",
            cancelled,
            reason=reason,
            card_refund=cancelled.code in card_paid,
        )
    Basket.objects.filter(multidistrib_id=md.pk, state=Basket.State.CART).delete()
    return len(baskets)
