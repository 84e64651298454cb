"""The card branch of the checkout (issue 17): hold the cart, let Stripe take the money, then
place the order. ``payments.stripe`` decides when (webhook first); this module knows carts.

* ``card_checkout_start``: the cart's stock is taken now and held for the session's lifetime,
  so a member never pays for what is no longer there; the Checkout Session is opened after
  the commit and its page's URL returned.
* ``card_checkout_fulfil`` (registered in ``payments.stripe.hooks``): the paid lines become
  the order, in the transaction that writes the card payment to the ledger. The held stock is
  given back and taken again under the same row locks, so ``order_place`` runs unchanged;
  lines that could no longer be ordered (window closed, product withdrawn) are refunded.
* ``card_checkout_release``: an abandoned session gives its stock back.
* ``card_rest_start``: "pay the rest by card" of an order paid by card and raised since.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import Product
from distributions.models import MultiDistrib
from groups.models import PaymentType
from members.models import Member
from orders import selectors
from orders.models import Basket, OrderLine
from orders.services.ledger import _check_payment_type
from orders.services.lines import _new_line
from orders.services.loading import _distribution_of, _lock_member
from orders.services.ordering import order_place, order_update
from orders.services.results import LineIssue, OrderError
from orders.services.rules import _refusal
from orders.services.stock import _give_back_stock, _stock_left, _stock_message, _take_stock
from payments.stripe import services as stripe_services
from payments.stripe.models import CardCheckout

log = logging.getLogger(__name__)


@dataclass
class CardStart:
    """``pay_url``: the payment page to send the member to; else ``issues`` say why not."""

    pay_url: str = ""
    checkout: CardCheckout | None = None
    issues: list[LineIssue] = field(default_factory=list)


class _ShortError(Exception):
    def __init__(self, issue: LineIssue):
        self.issue = issue


def card_checkout_start(
    *,
    md: MultiDistrib,
    member: Member,
    cart: Basket,
    delivery: bool,
    acting_user: Any,
    site_url: str,
) -> CardStart:
    """Hold the cart and open its Checkout Session; raises OrderError (or PaymentError) with
    a message for the checkout form when it cannot start."""
    now = timezone.now()
    group = md.group
    previous: list[CardCheckout] = []
    try:
        with transaction.atomic():
            member = _lock_member(member.pk, related=False)
            locked = (
                Basket.objects.select_for_update()
                .filter(pk=cart.pk, member=member, state=Basket.State.CART)
                .first()
            )
            if locked is None:
                raise OrderError(_("This cart was already confirmed or deleted."))
            if _check_payment_type(group, PaymentType.ONLINE) != PaymentType.ONLINE:
                raise OrderError({"payment_type": _("Choose one of the payment types offered.")})
            # A session opened before for this cart (the member came back and pays again):
            # its stock is given back here, and its session closed after the commit.
            previous = list(
                CardCheckout.objects.select_for_update().filter(
                    group=group,
                    member=member,
                    multidistrib=md,
                    state__in=[CardCheckout.State.OPEN, CardCheckout.State.CREATING],
                )
            )
            for old in previous:
                card_checkout_release(old)
                old.stock_held = False
                old.save(update_fields=["stock_held"])
            items = list(
                locked.lines.select_related("product__catalog").order_by("product_id", "pk")
            )
            if not items:
                raise OrderError(_("Your cart is empty."))
            issues = [
                LineIssue(item.product.display_name, reason, item.product_id)
                for item in items
                if (reason := _refusal(item.product, md, now=now, by_admin=False))
            ]
            if issues:
                return CardStart(issues=issues)
            for item in items:
                if not _take_stock(item.product, item.quantity):
                    left = _stock_left(item.product)
                    raise _ShortError(
                        LineIssue(
                            item.product.display_name,
                            _stock_message(item.product, left),
                            item.product_id,
                        )
                    )
            currency = group.currency
            snapshot = {
                str(item.product_id): {
                    "quantity": str(item.quantity),
                    "tolerance": str(item.tolerance),
                    "total": str(item.total_in(currency)),
                }
                for item in items
            }
            fee = md.delivery_fee if (delivery and md.delivery_enabled) else Decimal("0.00")
            amount = locked.lines_total(items) + fee
            checkout = stripe_services.checkout_begin(
                group=group,
                member=member,
                md=md,
                cart_reference=locked.code,
                items=snapshot,
                delivery=delivery,
                amount=amount,
                acting_user=acting_user,
            )
    except _ShortError as exc:
        return CardStart(issues=[exc.issue])
    url = _session_open(
        checkout,
        [old for old in previous if old.session_id],  # their stock is already given back
        site_url,
        _("Order of %(date)s, %(group)s")
        % {"date": md.date.strftime("%d/%m/%Y"), "group": group.name},
    )
    return CardStart(pay_url=url, checkout=checkout)


def _session_open(
    checkout: CardCheckout, previous: list[CardCheckout], site_url: str, description: str
) -> str:
    """Close the member's earlier payment pages (``previous``), then open the Checkout
    Session of ``checkout`` (after the commit that holds it) and return its address."""
    for old in previous:
        try:
            stripe_services.checkout_cancel(checkout=old)
        except Exception:  # the new payment goes on; the reconciliation tidies up
            log.warning("Could not close the earlier session of checkout %s", old.pk)
    kwargs = {"group_slug": checkout.group.slug, "checkout_id": checkout.pk}
    success = site_url + reverse("payments:card_return", kwargs=kwargs)
    cancel = site_url + reverse("payments:card_cancel", kwargs=kwargs)
    return stripe_services.checkout_session_open(
        checkout=checkout,
        success_url=success + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=cancel,
        description=description,
    )


def card_rest_start(*, basket: Basket, acting_user: Any, site_url: str) -> CardStart:
    """ "Pay the rest by card": the member raised an order paid by card while orders are open;
    open a Checkout Session for what it still owes. Settled like any card payment (webhook,
    return page or reconciliation, once): one card payment row for the order. A rest payment
    opened before for this order is closed. Raises OrderError or PaymentError with a message."""
    md = selectors.md_for_orders(basket.multidistrib_id)
    group = md.group
    previous: list[CardCheckout] = []
    with transaction.atomic():
        member = _lock_member(basket.member_id, related=False)
        order = Basket.objects.select_for_update().filter(pk=basket.pk).first()
        if order is None or not order.is_confirmed:
            raise OrderError(_("This order is not confirmed."))
        lines = list(order.lines.select_related("distribution__catalog", "product__catalog"))
        changes = selectors.order_changes(md=md, basket=order, by_admin=False, lines=lines)
        if not changes.can_edit:
            raise OrderError(_("Orders are closed: to change something, ask the group's team."))
        previous = list(
            CardCheckout.objects.select_for_update().filter(
                group=group,
                member=member,
                basket_code=order.code,
                purpose=CardCheckout.Purpose.REST,
                state__in=[CardCheckout.State.OPEN, CardCheckout.State.CREATING],
            )
        )
        checkout = stripe_services.rest_checkout_begin(
            group=group, member=member, md=md, reference=order.code, acting_user=acting_user
        )
    url = _session_open(
        checkout,
        previous,
        site_url,
        _("Rest of the order %(code)s of %(date)s, %(group)s")
        % {"code": order.code, "date": md.date.strftime("%d/%m/%Y"), "group": group.name},
    )
    return CardStart(pay_url=url, checkout=checkout)


def _products(checkout: CardCheckout) -> dict[int, Product]:
    ids = [int(pk) for pk in checkout.items]
    return {p.pk: p for p in Product.objects.select_related("catalog").filter(pk__in=ids)}


def card_checkout_release(checkout: CardCheckout) -> None:
    """Give back the stock an unpaid checkout held (the caller saves ``stock_held``)."""
    if not checkout.stock_held:
        return
    products = _products(checkout)
    for pk, data in sorted(checkout.items.items(), key=lambda kv: int(kv[0])):
        product = products.get(int(pk))
        if product is not None:
            _give_back_stock(product, Decimal(data["quantity"]))


def card_checkout_fulfil(checkout: CardCheckout, acting_user: Any) -> Decimal:
    """Place the order for a paid checkout (locked by the caller), write the card payment, and
    return the amount paid for lines that could not be ordered (refunded after the commit).

    The member's cart is set to what was paid (a line added since, in another tab, is kept
    in the cart afterwards); the held stock is given back and ``order_place`` takes it again
    while the rows stay locked, so no one else can take it in between.
    """
    now = timezone.now()
    md = selectors.md_for_orders(checkout.multidistrib_id)
    member = _lock_member(checkout.member_id, related=False)
    cart = (
        Basket.objects.select_for_update()
        .filter(multidistrib=md, member=member, state=Basket.State.CART)
        .first()
    )
    if cart is None:
        cart = Basket.objects.create(
            group=md.group, multidistrib=md, member=member, created_at=now, updated_at=now
        )
    products = _products(checkout)
    extra: list[tuple[Product, Decimal, Decimal]] = []
    current = {line.product_id: line for line in cart.lines.select_related("product__catalog")}
    for product_id, line in current.items():
        if str(product_id) not in checkout.items:
            extra.append((line.product, line.quantity, line.tolerance))
            line.delete()
    for pk, data in checkout.items.items():
        product = products.get(int(pk))
        if product is None:
            continue
        quantity, tolerance = Decimal(data["quantity"]), Decimal(data["tolerance"])
        line = current.get(product.pk)
        if line is None:
            distribution = _distribution_of(md, product.catalog_id)
            if distribution is None:
                continue  # the catalog left the distribution: refunded below
            line = _new_line(
                cart,
                distribution,
                product,
                quantity,
                tolerance=tolerance,
                acting_user=acting_user,
                now=now,
            )
            line.save()
        elif line.quantity != quantity or line.tolerance != tolerance:
            line.quantity, line.tolerance = quantity, tolerance
            line.save(update_fields=["quantity", "tolerance"])
        if checkout.stock_held:
            _give_back_stock(product, quantity)
    placed_ids: set[int] = set()
    order = None
    if cart.lines.exists():
        result = order_place(
            cart=cart,
            acting_user=acting_user,
            payment_type=PaymentType.ONLINE,
            delivery=checkout.delivery,
            as_admin=False,
            md=md,
            now=now,
        )
        order = result.basket
        refused = {issue.product_id for issue in result.issues}
        placed_ids = {int(pk) for pk in checkout.items} - refused
    else:
        cart.delete()
    reference = order.code if order is not None else checkout.cart_reference
    stripe_services.card_payment_record(
        checkout=checkout, reference=reference, acting_user=acting_user
    )
    if extra:
        _restore(md, member, extra, acting_user=acting_user, now=now)
    if order is None:
        return checkout.amount
    return sum(
        (
            Decimal(data["total"])
            for pk, data in checkout.items.items()
            if int(pk) not in placed_ids
        ),
        Decimal("0.00"),
    )


def _restore(
    md: MultiDistrib,
    member: Member,
    extra: list[tuple[Product, Decimal, Decimal]],
    *,
    acting_user: Any,
    now: Any,
) -> None:
    """Put back in the cart the lines added while the payment page was open."""
    cart = (
        Basket.objects.select_for_update()
        .filter(multidistrib=md, member=member, state=Basket.State.CART)
        .first()
    ) or Basket.objects.create(
        group=md.group, multidistrib=md, member=member, created_at=now, updated_at=now
    )
    existing = set(cart.lines.values_list("product_id", flat=True))
    lines: list[OrderLine] = []
    for product, quantity, tolerance in extra:
        distribution = _distribution_of(md, product.catalog_id)
        if distribution is None or product.pk in existing:
            continue
        lines.append(
            _new_line(
                cart,
                distribution,
                product,
                quantity,
                tolerance=tolerance,
                acting_user=acting_user,
                now=now,
            )
        )
    OrderLine.objects.bulk_create(lines)
    if not lines and not existing:
        cart.delete()


def card_refund_line(
    *,
    md: MultiDistrib,
    member: Member,
    product_id: int,
    acting_user: Any,
    reason: str = "",
) -> stripe_services.RefundResult:
    """A line cancelled or a product not delivered, at validation, in an order paid by card:
    the line goes to 0 (admin rules: until the distribution is validated) and what the order
    then paid too much is refunded on its card payments (``payments.stripe.refund_overpaid``).
    The call point the validation tools use (issue 13)."""
    order_update(
        md=md,
        member=member,
        quantities={product_id: Decimal("0")},
        acting_user=acting_user,
        as_admin=True,
    )
    order = (
        Basket.objects.filter(multidistrib=md, member=member)
        .exclude(state=Basket.State.CART)
        .first()
    )
    if order is None:
        return stripe_services.RefundResult()
    return stripe_services.refund_overpaid(
        group=md.group,
        member=member,
        reference=order.code,
        acting_user=acting_user,
        reason=reason,
    )


def card_refunds_after_catalog_cancel(distribution: Any, acting_user: Any) -> None:
    """A catalog left a distribution and its lines were cancelled (``distributions.hooks``,
    after ``order_cancel_for_distribution``): every order of that distribution paid by card
    gets back what it now paid too much, by card, once the removal is committed."""
    md_id = distribution.multidistrib_id
    pairs = list(
        CardCheckout.objects.filter(multidistrib_id=md_id, state=CardCheckout.State.FULFILLED)
        .values_list("member_id", "basket_code")
        .distinct()
    )
    if not pairs:
        return

    def refund() -> None:
        for member_id, code in pairs:
            member = Member.objects.select_related("group").get(pk=member_id)
            try:
                stripe_services.refund_overpaid(
                    group=member.group,
                    member=member,
                    reference=code,
                    acting_user=acting_user,
                    reason=_("A catalog left the distribution"),
                )
            except Exception:  # one member's failure does not stop the others; it is logged
                log.exception("Card refund after a catalog left md %s failed", md_id)

    transaction.on_commit(refund)
