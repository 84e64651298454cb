"""Validation tools of spec §6 for one product at one distribution, before validating:

* ``price_change``: every line of the product at the distribution takes the new unit price
  (including VAT; the catalog's price is not touched); the baskets' debts follow through the
  ledger and the members are told (spec §6 item 3).
* ``product_not_delivered``: every line of the product goes to 0, the stock comes back, the
  debts follow and the members are told (spec §6 item 4).

Both give back by card, once the correction is committed, what an order paid by card then paid
too much (``payments.services.card_refunds.order_refund_on_commit``: once per order, whatever
the number of lines or corrections). Undoing a correction does not charge the card again: the
order's debt comes back and the member owes it.

Each is recorded as a ``DayCorrection`` with every line as it was, audited, and undone by
``correction_undo`` (the lines as they were, the stock taken again, the debts recomputed).
All refuse a validated distribution (decision 5); they lock the distribution like the weights.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from catalogs.models import Product
from day.models import BasketValidation, DayCorrection
from day.validation import (
    DayError,
    _lock_md,
    _refuse_if_validated,
    basket_debt_sync,
    card_refunds_after_commit,
)
from distributions.models import MultiDistrib
from groups.models import Group
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from kernel.numbers import NumberError, parse_decimal
from orders.models import Basket, OrderLine
from payments.services import card_refunds

MAX_PRICE = Decimal("99999.99")


def products_at(*, group: Group, md: MultiDistrib) -> list[Product]:
    """The products ordered at the distribution (confirmed orders), by name."""
    ids = OrderLine.objects.filter(
        group=group, basket__multidistrib=md, basket__state=Basket.State.CONFIRMED
    ).values("product_id")
    return list(Product.objects.filter(group=group, pk__in=ids).order_by("name", "pk"))


def _lines(group: Group, md: MultiDistrib, product: Product) -> list[OrderLine]:
    """The product's lines at the distribution, locked; refused while one of their baskets is
    validated on its own (its payments are final: reverse that basket's validation first)."""
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .filter(
            group=group,
            basket__multidistrib=md,
            basket__state=Basket.State.CONFIRMED,
            product=product,
        )
        .select_related("basket__member__user", "basket__group", "basket__multidistrib")
        .order_by("pk")
    )
    validated = BasketValidation.objects.filter(basket__in={line.basket_id for line in lines})
    names = sorted(
        {
            row.basket.member.user.display_name
            for row in validated.select_related("basket__member__user")
        }
    )
    if names:
        raise DayError(
            _("These baskets are validated: reverse their validation first: %(names)s.")
            % {"names": ", ".join(names)}
        )
    return lines


def _snapshot(line: OrderLine) -> dict[str, Any]:
    return {
        "line": line.pk,
        "basket": line.basket_id,
        "unit_price": str(line.unit_price),
        "quantity": str(line.quantity),
        "actual_quantity": None if line.actual_quantity is None else str(line.actual_quantity),
        "actual_weight": None if line.actual_weight is None else str(line.actual_weight),
        "weight_unit_size": None if line.weight_unit_size is None else str(line.weight_unit_size),
    }


def _sync(baskets: dict[int, Basket], acting_user: Any) -> None:
    now = timezone.now()
    for basket in (
        Basket.objects.filter(pk__in=list(baskets))
        .select_related("member__user", "multidistrib", "group")
        .prefetch_related("lines")
    ):
        basket_debt_sync(basket=basket, acting_user=acting_user)
        Basket.objects.filter(pk=basket.pk).update(updated_at=now)


def _card_refunds(group: Group, baskets: dict[int, Basket], reason: str, acting_user: Any) -> None:
    """Once committed, each order paid by card gets back by card what it now paid too much."""
    card_refunds_after_commit(
        group=group, baskets=baskets.values(), reason=reason, acting_user=acting_user
    )


def _tell(correction: DayCorrection, baskets: dict[int, Basket], md: MultiDistrib) -> None:
    for basket in baskets.values():
        send_email_to_user(
            name="day_corrected",
            user=basket.member.user,
            group=md.group,
            context={"md": md, "correction": correction, "undone": correction.undone_at},
            flag="notify_order_changes",
        )


def _parse_price(value: Any) -> Decimal:
    try:
        price = parse_decimal(value, places=2, maximum=MAX_PRICE)
    except NumberError as exc:
        raise DayError({"price": str(exc)}) from exc
    if price is None or price < 0:
        raise DayError({"price": _("Enter the new price, 0 or more.")})
    return price


@transaction.atomic
def price_change(
    *, group: Group, md: MultiDistrib, product: Product, price: Any, acting_user: Any
) -> DayCorrection:
    md = _lock_md(group, md)
    _refuse_if_validated(md)
    new_price = _parse_price(price)
    lines = _lines(group, md, product)
    if not lines:
        raise DayError(_("Nobody ordered this product at this distribution."))
    correction = DayCorrection.objects.create(
        group=group,
        multidistrib=md,
        product=product,
        product_name=lines[0].product_name,
        kind=DayCorrection.Kind.PRICE,
        new_price=new_price,
        lines=[_snapshot(line) for line in lines],
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        unit_price=new_price, updated_at=timezone.now()
    )
    baskets = {line.basket_id: line.basket for line in lines}
    _sync(baskets, acting_user)
    lowered = {line.basket_id: line.basket for line in lines if new_price < line.unit_price}
    _card_refunds(
        group,
        lowered,
        card_refunds.platform_reason(
            gettext_noop("Lower price: %(product)s"), product=correction.product_name
        ),
        acting_user,
    )
    log_action(
        action="orders.price_changed",
        acting_user=acting_user,
        group=group,
        obj=md,
        correction=correction.pk,
        product=product.pk,
        price=str(new_price),
        lines=correction.lines,
    )
    _tell(correction, baskets, md)
    return correction


@transaction.atomic
def product_not_delivered(
    *, group: Group, md: MultiDistrib, product: Product, acting_user: Any
) -> DayCorrection:
    md = _lock_md(group, md)
    _refuse_if_validated(md)
    lines = [line for line in _lines(group, md, product) if line.quantity > 0]
    if not lines:
        raise DayError(_("Nobody ordered this product at this distribution."))
    correction = DayCorrection.objects.create(
        group=group,
        multidistrib=md,
        product=product,
        product_name=lines[0].product_name,
        kind=DayCorrection.Kind.NOT_DELIVERED,
        lines=[_snapshot(line) for line in lines],
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    given_back = sum((line.quantity for line in lines), Decimal(0))
    if product.catalog.stock_tracked:
        Product.objects.filter(pk=product.pk, stock__isnull=False).update(
            stock=F("stock") + given_back
        )
    OrderLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        quantity=Decimal(0),
        actual_quantity=None,
        actual_weight=None,
        weight_unit_size=None,
        updated_at=timezone.now(),
    )
    baskets = {line.basket_id: line.basket for line in lines}
    _sync(baskets, acting_user)
    _card_refunds(
        group,
        baskets,
        card_refunds.platform_reason(
            gettext_noop("Product not delivered: %(product)s"), product=correction.product_name
        ),
        acting_user,
    )
    log_action(
        action="orders.product_not_delivered",
        acting_user=acting_user,
        group=group,
        obj=md,
        correction=correction.pk,
        product=product.pk,
        stock_back=str(given_back),
        lines=correction.lines,
    )
    _tell(correction, baskets, md)
    return correction


@transaction.atomic
def correction_undo(*, group: Group, md: MultiDistrib, correction_id: int, acting_user: Any):
    """Put every line of a correction back as it was (the stock taken again for a product
    not delivered: refused, nothing changed, when the stock no longer holds it)."""
    md = _lock_md(group, md)
    _refuse_if_validated(md)
    correction = (
        DayCorrection.objects.select_for_update()
        .filter(group=group, multidistrib=md, pk=correction_id, undone_at__isnull=True)
        .select_related("product__catalog")
        .first()
    )
    if correction is None:
        raise DayError(_("This correction does not exist or was already undone."))
    before = {row["line"]: row for row in correction.lines}
    lines = list(
        OrderLine.objects.select_for_update(of=("self",))
        .filter(group=group, pk__in=list(before), basket__multidistrib=md)
        .select_related("basket__member__user", "basket__group", "basket__multidistrib")
    )
    product = correction.product
    if correction.kind == DayCorrection.Kind.NOT_DELIVERED and product.catalog.stock_tracked:
        wanted = sum((Decimal(before[line.pk]["quantity"]) for line in lines), Decimal(0))
        taken = (
            Product.objects.filter(pk=product.pk)
            .filter(Q(stock__isnull=True) | Q(stock__gte=wanted))
            .update(stock=F("stock") - wanted)
        )
        if not taken:
            raise DayError(
                _("The stock of %(product)s no longer holds what was ordered: undo refused.")
                % {"product": correction.product_name}
            )
    now = timezone.now()
    for line in lines:
        row = before[line.pk]
        line.unit_price = Decimal(row["unit_price"])
        line.quantity = Decimal(row["quantity"])
        line.actual_quantity = _dec(row["actual_quantity"])
        line.actual_weight = _dec(row["actual_weight"])
        line.weight_unit_size = _dec(row["weight_unit_size"])
        line.updated_at = now
        line.save(
            update_fields=[
                "unit_price",
                "quantity",
                "actual_quantity",
                "actual_weight",
                "weight_unit_size",
                "updated_at",
            ]
        )
    baskets = {line.basket_id: line.basket for line in lines}
    _sync(baskets, acting_user)
    correction.undone_at = now
    correction.save(update_fields=["undone_at"])
    log_action(
        action="orders.correction_undone",
        acting_user=acting_user,
        group=group,
        obj=md,
        correction=correction.pk,
        kind=correction.kind,
    )
    _tell(correction, baskets, md)
    return correction


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
