"""Reads of the storefront: the shop's sections and filters, a product page, what the checkout
asks. What can be ordered (``shop_distributions``), carts and orders are read through
``orders.selectors``; the shop's pages (``shop_page``) are paginated in SQL here."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404

from catalogs.models import Product, Vendor
from catalogs.reference import fold, taxonomy
from distributions import selectors as distribution_selectors
from distributions.models import Distribution, MultiDistrib, State
from orders.models import Basket
from orders.selectors import SHOP_FIELDS, ShopProduct, payment_choices, uses_moneypot

PAGE_SIZE = 40  # products of the first screen, and of each further chunk
OTHER = 0  # the category id of products without a known kind ("Other products")


@dataclass
class ShopSection:
    category: str
    producers: list[tuple[Vendor, list[ShopProduct]]] = field(default_factory=list)


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


def shop_filters(distributions: list[Distribution]) -> dict[str, Any]:
    """Choices for the shop's filters: the producers of the open catalogs, every category of
    the taxonomy (the page lists those it has, with their counts). No query."""
    vendors = OrderedDict()
    for distribution in sorted(distributions, key=lambda d: fold(d.catalog.vendor.name)):
        vendors[distribution.catalog.vendor_id] = distribution.catalog.vendor
    categories = sorted(taxonomy().categories.items(), key=lambda item: fold(item[1]))
    return {
        "vendors": list(vendors.values()),
        "categories": [*categories, (OTHER, _other_label())],
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


# The shop's pages --------------------------------------------------------------------------------


@dataclass
class ShopCategory:
    id: int
    name: str
    count: int  # products matching the search, producer and organic filters


@dataclass
class ShopPage:
    """One chunk of the shop, in display order (category, producer, name), and what the
    page needs to link to the others: the categories with their counts, the page numbers."""

    products: list[ShopProduct]
    count: int  # products matching every filter
    total: int  # products of the shop
    categories: list[ShopCategory]
    page: int
    pages: int

    @property
    def in_categories(self) -> int:
        """Products matching the search, producer and organic filters, in every category."""
        return sum(c.count for c in self.categories)


def shop_page(
    *,
    distributions: list[Distribution],
    search: str = "",
    vendor_id: int | None = None,
    category_id: int | None = None,
    organic: bool = False,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ShopPage:
    """A page of the shop, paginated in SQL: one grouped query counts the products per kind,
    catalog and organic flag (hence per category), one more reads the page's products. A search
    reads the products' names and descriptions once (accent-insensitive matching is done in
    Python), then the page's products. Two queries whatever the number of products."""
    catalogs = {d.catalog_id: d.catalog for d in distributions}
    if not catalogs:
        return ShopPage([], 0, 0, [], 1, 1)
    tax = taxonomy()
    live = Product.objects.filter(catalog_id__in=list(catalogs), active=True)
    wanted = [pk for pk, c in catalogs.items() if vendor_id is None or c.vendor_id == vendor_id]
    terms = [fold(t) for t in search.split()]
    matched: list[tuple[int, int | None, int, str]] = []
    if terms:
        matched, total = _search(live, catalogs, terms, wanted, organic)
        groups = [(kind_id, 1) for _pk, kind_id, _catalog, _name in matched]
    else:
        groups, total = _groups(live, wanted, organic)
    names: dict[int, str] = {}
    counts: dict[int, int] = {}
    kinds: dict[int, set[int | None]] = {}
    for kind_id, n in groups:
        category = _category_of(tax, kind_id)
        kind = tax.kind(kind_id)
        names.setdefault(category, kind.category if kind else str(_other_label()))
        counts[category] = counts.get(category, 0) + n
        kinds.setdefault(category, set()).add(kind_id)
    order = sorted(names, key=lambda c: (c == OTHER, fold(names[c])))
    categories = [ShopCategory(c, names[c], counts[c]) for c in order]
    shown = [c for c in order if category_id is None or c == category_id]
    count = sum(counts[c] for c in shown)
    pages = max(1, -(-count // page_size))
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    vendor_rank = _vendor_ranks(catalogs)
    if terms:
        rank = {c: i for i, c in enumerate(order)}
        chosen = sorted(
            (rank[category], vendor_rank[catalog_id], name, pk)
            for pk, kind_id, catalog_id, name in matched
            if (category := _category_of(tax, kind_id)) in shown
        )[start : start + page_size]
        ids = [row[3] for row in chosen]
        position = {pk: i for i, pk in enumerate(ids)}
        products = _shop_products(live.filter(pk__in=ids), catalogs)
        products.sort(key=lambda p: position[p.pk])
    else:
        rows = live.filter(catalog_id__in=wanted)
        if organic:
            rows = rows.filter(organic=True)
        if category_id is not None:
            rows = rows.filter(_kinds_q(kinds.get(category_id, set())))
        ordered = rows.alias(
            category_rank=_rank_case(
                [(_kinds_q(kinds[c]), i) for i, c in enumerate(shown) if c != OTHER], len(shown)
            ),
            vendor_rank=_rank_case(
                [(Q(catalog_id=pk), i) for pk, i in vendor_rank.items()], len(vendor_rank)
            ),
        ).order_by("category_rank", "vendor_rank", "name", "pk")
        products = _shop_products(ordered[start : start + page_size], catalogs)
    return ShopPage(products, count, total, categories, page, pages)


def _category_of(tax: Any, kind_id: int | None) -> int:
    kind = tax.kind(kind_id)
    return kind.category_id if kind else OTHER


def _kinds_q(kinds: set[int | None]) -> Q:
    """Products of these kinds (``None``: without a kind)."""
    q = Q(taxonomy__in=sorted(k for k in kinds if k is not None))
    return q | Q(taxonomy__isnull=True) if None in kinds else q


def _rank_case(whens: list[tuple[Q, int]], default: int) -> Case | Value:
    if not whens:
        return Value(default)
    return Case(
        *(When(q, then=Value(rank)) for q, rank in whens),
        default=Value(default),
        output_field=IntegerField(),
    )


def _vendor_ranks(catalogs: dict[int, Any]) -> dict[int, int]:
    """Each catalog's place in the shop: by its producer's name (as ``shop_sections``)."""
    ordered = sorted(catalogs.values(), key=lambda c: (fold(c.vendor.name), c.vendor_id))
    ranks: dict[int, int] = {}
    vendors: dict[int, int] = {}
    for catalog in ordered:
        ranks[catalog.pk] = vendors.setdefault(catalog.vendor_id, len(vendors))
    return ranks


def _groups(live: Any, wanted: list[int], organic: bool) -> tuple[list[tuple[Any, int]], int]:
    """Counts per kind of the products of the ``wanted`` catalogs (and organic), and the number
    of products of the shop: one grouped query."""
    wanted_set = set(wanted)
    groups = []
    total = 0
    rows = live.values_list("taxonomy", "catalog_id", "organic").annotate(n=Count("pk"))
    for kind_id, catalog_id, is_organic, n in rows.order_by():
        total += n
        if catalog_id in wanted_set and (is_organic or not organic):
            groups.append((kind_id, n))
    return groups, total


def _search(
    live: Any, catalogs: dict[int, Any], terms: list[str], wanted: list[int], organic: bool
) -> tuple[list[tuple[int, int | None, int, str]], int]:
    """Products whose name, description or producer holds every term (case and accents
    ignored), as (pk, kind, catalog, name); and the number of products of the shop."""
    wanted_set = set(wanted)
    vendors = {pk: fold(c.vendor.name) for pk, c in catalogs.items()}
    matched = []
    total = 0
    rows = live.values_list("pk", "taxonomy", "catalog_id", "organic", "name", "description")
    for pk, kind_id, catalog_id, is_organic, name, description in rows.iterator(chunk_size=2000):
        total += 1
        if catalog_id not in wanted_set or (organic and not is_organic):
            continue
        text = f"{fold(name)} {fold(description)} {vendors[catalog_id]}"
        if all(term in text for term in terms):
            matched.append((pk, kind_id, catalog_id, name))
    return matched, total


def _shop_products(rows: Any, catalogs: dict[int, Any]) -> list[ShopProduct]:
    from django.core.files.storage import default_storage

    products = []
    for row in rows.values_list(*SHOP_FIELDS):
        product = ShopProduct(*row)
        product.catalog = catalogs[product.catalog_id]
        if product.image:
            product.image_url = default_storage.url(product.image)
        products.append(product)
    return products
