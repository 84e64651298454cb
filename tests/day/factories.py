"""Distribution-day data: general distributions in the past or the future, confirmed baskets
with frozen prices, and their ledger rows written through the payments services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from distributions.cycles import aware
from distributions.models import Distribution, MultiDistrib
from orders.models import Basket, BasketCounter, OrderLine
from payments import services as payments
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory


def make_md(group, *, days: int = 10, place=None, catalogs=(), start=time(18, 0)) -> MultiDistrib:
    """A general distribution ``days`` from today (negative: in the past), orders closed the day before."""
    tz = group.tzinfo
    day = timezone.localdate(timezone.now(), tz) + timedelta(days=days)
    start_at = aware(day, start, tz)
    md = MultiDistrib(
        group=group,
        place=place or group.main_place,
        start_at=start_at,
        end_at=start_at + timedelta(hours=2),
        orders_open_at=start_at - timedelta(days=7),
        orders_close_at=start_at - timedelta(days=1),
    )
    md.full_clean()
    md.save()
    for catalog in catalogs:
        add_catalog(md, catalog)
    return md


def add_catalog(md: MultiDistrib, catalog) -> Distribution:
    return Distribution.objects.create(
        group=md.group,
        multidistrib=md,
        catalog=catalog,
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at,
    )


def make_catalog(group, *, name: str, vendor_name: str, **kw):
    vendor = VendorFactory(name=vendor_name)
    return CatalogFactory(group=group, vendor=vendor, name=name, **kw)


def make_product(catalog, *, name: str, price: str, vat: str = "5.5", **kw):
    return ProductFactory(
        catalog=catalog, name=name, price=Decimal(price), vat_rate=Decimal(vat), **kw
    )


def make_basket(
    md: MultiDistrib,
    member,
    lines: list[tuple],
    *,
    payment_type: str = "",
    record_debt: bool = True,
) -> Basket:
    """A confirmed basket; ``lines`` are (product, quantity[, unit price]) with the price frozen.

    The debt is written in the ledger as the orders app does at checkout, and the payment
    intention when ``payment_type`` is given.
    """
    group = md.group
    counter, _ = BasketCounter.objects.get_or_create(multidistrib=md)
    BasketCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    basket = Basket.objects.create(
        group=group,
        multidistrib=md,
        member=member,
        number=counter.last,
        state=Basket.State.CONFIRMED,
        payment_type=payment_type,
        confirmed_at=timezone.now(),
    )
    distributions = {d.catalog_id: d for d in md.distributions.all()}
    for entry in lines:
        product, quantity = entry[0], Decimal(str(entry[1]))
        price = Decimal(str(entry[2])) if len(entry) > 2 else product.price
        OrderLine.objects.create(
            group=group,
            basket=basket,
            distribution=distributions[product.catalog_id],
            product=product,
            product_name=product.name,
            quantity=quantity,
            unit_price=price,
            vat_rate=product.vat_rate,
            fee_percent=product.catalog.fee_percent,
        )
    if record_debt:
        total = basket.total()
        payments.order_debt_record(
            group=group,
            member=member,
            reference=basket.code,
            amount=total,
            label=f"Commande {basket.code}",
            acting_user=None,
        )
        if payment_type and total > 0:
            payments.payment_intention_record(
                group=group,
                member=member,
                reference=basket.code,
                payment_type=payment_type,
                amount=total,
                acting_user=None,
            )
    return basket


def at(md: MultiDistrib, hours: float) -> datetime:
    """A moment relative to the distribution's start."""
    return md.start_at + timedelta(hours=hours)
