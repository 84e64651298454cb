"""Reads of the storefront: the shop's sections and filters, a product page, what the checkout
asks. What can be ordered (``shop_distributions``, ``shop_products``), carts and orders are read
through ``orders.selectors``; these add no query of their own except ``shop_product_get``."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404

from catalogs.models import Product, Vendor
from catalogs.reference import fold, taxonomy
from distributions import selectors as distribution_selectors
from distributions.models import Distribution, MultiDistrib, State
from orders.models import Basket
from orders.selectors import ShopProduct, payment_choices, uses_moneypot


@dataclass
class ShopSection:
    category: str
    producers: list[tuple[Vendor, list[ShopProduct]]] = field(default_factory=list)


def filter_products(
    products: list[Product],
    *,
    search: str = "",
    vendor_id: int | None = None,
    category_id: int | None = None,
    organic: bool = False,
) -> list[Product]:
    """The shop's search and filters, in Python on the loaded products: the page keeps the
    same queries whatever is searched, and the search ignores case and accents."""
    tax = taxonomy()
    terms = [fold(t) for t in search.split()]
    result = []
    for product in products:
        if vendor_id and product.catalog.vendor_id != vendor_id:
            continue
        if organic and not product.organic:
            continue
        if category_id:
            kind = tax.kind(product.taxonomy)
            if kind is None or kind.category_id != category_id:
                continue
        if terms:
            text = fold(" ".join((product.name, product.description, product.catalog.vendor.name)))
            if not all(term in text for term in terms):
                continue
        result.append(product)
    return result


def shop_sections(products: list[ShopProduct]) -> list[ShopSection]:
    """Products grouped by category, then producer, both in alphabetical order."""
    tax = taxonomy()
    other = str(_other_label())
    buckets: dict[str, dict[int, tuple[Vendor, list[ShopProduct]]]] = {}
    for product in products:
        kind = tax.kind(product.taxonomy)
        category = kind.category if kind else other
        vendor = product.catalog.vendor
        buckets.setdefault(category, {}).setdefault(vendor.pk, (vendor, []))[1].append(product)
    sections = []
    names = {}
    for category in sorted(buckets, key=lambda c: (c == other, fold(c))):
        for vendor, _items in buckets[category].values():
            if vendor.pk not in names:
                names[vendor.pk] = fold(vendor.name)
        producers = sorted(buckets[category].values(), key=lambda item: names[item[0].pk])
        sections.append(ShopSection(category, producers))
    return sections


def _other_label():
    from django.utils.translation import gettext_lazy as _

    return _("Other products")


def shop_filters(distributions: list[Distribution], products: list[Product]) -> dict[str, Any]:
    """Choices for the shop's filters: the producers of the open catalogs, the categories of
    their products (from what is already loaded: no query)."""
    vendors = OrderedDict()
    for distribution in sorted(distributions, key=lambda d: fold(d.catalog.vendor.name)):
        vendors[distribution.catalog.vendor_id] = distribution.catalog.vendor
    tax = taxonomy()
    categories = {}
    for product in products:
        kind = tax.kind(product.taxonomy)
        if kind:
            categories[kind.category_id] = kind.category
    return {
        "vendors": list(vendors.values()),
        "categories": sorted(categories.items(), key=lambda item: fold(item[1])),
    }


def shop_product_get(
    *, md: MultiDistrib, distributions: list[Distribution], product_id: int
) -> Product:
    catalogs = {d.catalog_id: d.catalog for d in distributions}
    product = Product.objects.filter(
        pk=product_id, group=md.group, catalog_id__in=list(catalogs), active=True
    ).first()
    if product is None:
        raise Http404
    product.catalog = catalogs[product.catalog_id]
    return product


@dataclass
class CheckoutOptions:
    """What the checkout asks ``user`` for this distribution."""

    is_open: bool
    slot_request: Any  # distributions.SlotRequest or None
    delivery_request: Any  # distributions.DeliveryRequest or None
    ask_slot: bool
    ask_delivery: bool
    payment_choices: list  # payments.providers.PaymentProvider
    moneypot: bool


def checkout_options(
    *, md: MultiDistrib, user: Any, order: Basket | None, now: datetime
) -> CheckoutOptions:
    """A time slot is asked while orders are open, slots are on and not yet assigned, unless
    the user already chose some or asked for home delivery; home delivery is offered while
    orders are open to a user who has not asked for it yet for this order."""
    is_open = md.state(now) == State.OPEN
    slot_request = (
        distribution_selectors.slot_request_for(md=md, user=user) if md.slots_enabled else None
    )
    delivery_request = (
        distribution_selectors.delivery_request_for(md=md, user=user)
        if md.delivery_enabled
        else None
    )
    ask_slot = (
        is_open
        and md.slots_enabled
        and md.slots_resolved_at is None
        and not (slot_request and slot_request.slots.all())
        and delivery_request is None
    )
    ask_delivery = (
        is_open
        and md.delivery_enabled
        and delivery_request is None
        and not (order and order.delivery)
    )
    return CheckoutOptions(
        is_open,
        slot_request,
        delivery_request,
        ask_slot,
        ask_delivery,
        payment_choices(md.group),
        uses_moneypot(md.group),
    )
