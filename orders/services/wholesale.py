"""Balancing wholesale units once orders close (spec §11, peers.md §5a; rules in
``orders.wholesale``). Admins apply the first-ordered-first-served allocation or set each
member's quantity by hand, then confirm: the confirmation refuses products whose total is not
a whole number of units and names them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.models import Catalog, Product
from distributions.models import MultiDistrib, State
from kernel.audit import log_action
from kernel.numbers import NumberError, parse_decimal
from kernel.quantities import qty
from members.models import Member
from orders import selectors, wholesale
from orders.models import Basket, OrderLine, WholesaleConfirmation
from orders.services.loading import _distribution_of
from orders.services.mails import _send_basket_email
from orders.services.ordering import order_update
from orders.services.results import OrderError


def _check_balancing(md: MultiDistrib, catalog: Catalog, now: datetime) -> None:
    if md.validated_at is not None:
        raise OrderError(_("This distribution is validated: its orders can no longer change."))
    distribution = _distribution_of(md, catalog.pk)
    if distribution is None:
        raise OrderError(_("This catalog does not take part in this distribution."))
    if distribution.state(now) in (State.NOT_YET_OPEN, State.OPEN):
        raise OrderError(
            _("Orders for %(catalog)s are still open: balance the units once they close.")
            % {"catalog": catalog.name}
        )


def _product_lines(md: MultiDistrib, product: Product) -> list[OrderLine]:
    return list(
        OrderLine.objects.filter(
            basket__multidistrib=md, basket__state=Basket.State.CONFIRMED, product=product
        )
        .select_related("basket__member__user")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def wholesale_apply(
    *, md: MultiDistrib, product: Product, acting_user: Any, now: datetime | None = None
) -> dict[int, Decimal]:
    """Give each member of ``product`` what the allocation grants them (tolerance used up).

    Stock and debts follow through ``order_update``. Returns ``{member id: base amount}``.
    """
    now = now or timezone.now()
    md = selectors.md_for_orders(md.pk)
    if not product.wholesale or product.group_id != md.group_id:
        raise OrderError(_("This product is not sold by the unit."))
    _check_balancing(md, product.catalog, now)
    lines = _product_lines(md, product)
    _fill, granted = wholesale.line_allocation(product, lines)
    per_member: dict[int, Decimal] = {}
    for line in lines:
        member_id = line.basket.member_id
        per_member[member_id] = per_member.get(member_id, Decimal(0)) + granted[line.pk]
    _set_members(md, product, per_member, acting_user=acting_user, now=now)
    log_action(
        action="wholesale.allocated",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        product=product.pk,
        granted={str(k): str(v) for k, v in per_member.items()},
    )
    return per_member


@transaction.atomic
def wholesale_set(
    *,
    md: MultiDistrib,
    product: Product,
    amounts: dict[int, Any],
    acting_user: Any,
    now: datetime | None = None,
) -> None:
    """Balance by hand: ``amounts`` maps member ids to their base amount (kg, pieces)."""
    now = now or timezone.now()
    md = selectors.md_for_orders(md.pk)
    if not product.wholesale or product.group_id != md.group_id:
        raise OrderError(_("This product is not sold by the unit."))
    _check_balancing(md, product.catalog, now)
    parsed: dict[int, Decimal] = {}
    maximum = wholesale.to_base(product, selectors.line_quantity_limit(product))
    for member_id, raw in amounts.items():
        try:
            value = parse_decimal(raw, places=3, maximum=maximum)
        except NumberError as exc:
            raise OrderError(
                _("%(product)s: %(message)s") % {"product": product.display_name, "message": exc}
            ) from exc
        if value is None:
            raise OrderError(_("Enter a quantity."))
        if not wholesale.base_round_trips(product, value):
            raise OrderError(
                _("Quantities of %(product)s go by steps of %(step)s %(unit)s.")
                % {
                    "product": product.display_name,
                    "step": qty(wholesale.base_step(product)),
                    "unit": product.get_unit_type_display(),
                }
            )
        parsed[member_id] = value
    _set_members(md, product, parsed, acting_user=acting_user, now=now)
    log_action(
        action="wholesale.balanced",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        product=product.pk,
        amounts={str(k): str(v) for k, v in parsed.items()},
    )


def _set_members(
    md: MultiDistrib, product: Product, amounts: dict[int, Decimal], *, acting_user, now
) -> None:
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(amounts), group=md.group)}
    for member_id in sorted(amounts):
        member = members.get(member_id)
        if member is None:
            continue
        result = order_update(
            md=md,
            member=member,
            quantities={product.pk: wholesale.from_base(product, amounts[member_id])},
            tolerances={product.pk: Decimal(0)},
            acting_user=acting_user,
            notify=False,
            as_admin=True,
            now=now,
        )
        if result.issues:
            raise OrderError(
                "; ".join(
                    _("%(product)s: %(message)s")
                    % {"product": issue.product, "message": issue.message}
                    for issue in result.issues
                )
            )


def wholesale_problems(md: MultiDistrib, products: list[Product]) -> tuple[list[str], dict]:
    """The products whose total is not a whole number of units, and the units of the others."""
    problems, units = [], {}
    quantities: dict[int, list[Decimal]] = {p.pk: [] for p in products}
    for product_id, quantity in OrderLine.objects.filter(
        basket__multidistrib=md, basket__state=Basket.State.CONFIRMED, product__in=products
    ).values_list("product_id", "quantity"):
        quantities[product_id].append(quantity)
    for product in products:
        size = wholesale.unit_size(product)
        # Added up as the members' live figure is (``orders.selectors.wholesale_fills``).
        total = wholesale.base_total(product, quantities[product.pk])
        result = wholesale.fill(size, total)
        if not result.is_whole:
            problems.append(
                _(
                    "%(product)s: %(total)s %(unit)s ordered is not a whole number of units of %(size)s %(unit)s (%(missing)s %(unit)s missing to complete the next one, or %(extra)s %(unit)s too many)."
                )
                % {
                    "product": product.display_name,
                    "total": qty(total),
                    "unit": product.get_unit_type_display(),
                    "size": qty(size),
                    "missing": qty(size - result.remainder),
                    "extra": qty(result.remainder),
                }
            )
        else:
            units[str(product.pk)] = result.full_units
    return problems, units


@transaction.atomic
def wholesale_confirm(
    *, md: MultiDistrib, catalog: Catalog, acting_user: Any, now: datetime | None = None
) -> WholesaleConfirmation:
    """Confirm the units to order from the producer (spec §11 confirm).

    Refuses, naming each one, when a wholesale product's total is not a whole number of units;
    otherwise records the units and e-mails each member concerned their order.
    """
    now = now or timezone.now()
    md = selectors.md_for_orders(md.pk)
    _check_balancing(md, catalog, now)
    products = list(Product.objects.filter(catalog=catalog, wholesale=True).order_by("pk"))
    problems, units = wholesale_problems(md, products)
    if problems:
        raise OrderError(problems)
    confirmation = WholesaleConfirmation.objects.create(
        group=md.group,
        multidistrib=md,
        catalog=catalog,
        units=units,
        confirmed_at=now,
        confirmed_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    log_action(
        action="wholesale.confirmed",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        catalog=catalog.pk,
        units=units,
    )
    baskets = (
        Basket.objects.filter(
            multidistrib=md,
            state=Basket.State.CONFIRMED,
            lines__product__in=products,
        )
        .distinct()
        .select_related("group", "multidistrib__place", "member__user")
    )
    for basket in baskets:
        _send_basket_email("wholesale_confirmed", basket, catalog=catalog.name)
    return confirmation
