"""Reads for what can be ordered, carts and orders (the storefront's own reads are in
``shop.selectors``). Every list runs a fixed number of queries, whatever the number of
products, baskets or lines (design §9: the shop page stays within 12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalogs.models import MAX_QUANTITY_PER_LINE, Catalog, Product
from catalogs.services import catalog_order_blockers
from distributions.hooks import CancelSection
from distributions.models import Distribution, MultiDistrib, State
from groups.models import Group, PaymentType, live_group_q
from kernel import money
from members.models import Member
from orders import wholesale
from orders.models import Basket, OrderLine, WholesaleConfirmation
from payments import providers
from payments.stripe import selectors as stripe_selectors

ZERO = Decimal("0")


def line_quantity_limit(product: Product) -> Decimal:
    """The most of ``product`` one order line may hold, in product units: its catalog's
    maximum when it sets one, else the platform's."""
    return Decimal(product.catalog.max_quantity_per_line or MAX_QUANTITY_PER_LINE)


# The shop --------------------------------------------------------------------------------------


def shop_distributions(md: MultiDistrib, now: datetime) -> list[Distribution]:
    """The catalogs members can order from now (spec §3.2): market catalogs allowing online
    orders, window open, producer allowed to take orders (decision 13)."""
    today = timezone.localdate(now, md.group.tzinfo)
    result = []
    for distribution in md.distributions.all():
        catalog = distribution.catalog
        if (
            catalog.users_can_order
            and catalog.catalog_type == Catalog.Type.VARIABLE
            and distribution.state(now) == State.OPEN
            and not catalog_order_blockers(catalog, on_date=today)
        ):
            result.append(distribution)
    return result


SHOP_FIELDS = (
    "pk",
    "name",
    "image",
    "taxonomy",
    "unit_type",
    "unit_quantity",
    "price",
    "variable_weight",
    "multi_weight",
    "bulk",
    "small_quantity",
    "organic",
    "wholesale",
    "stock",
    "catalog_id",
)


@dataclass(slots=True)
class ShopProduct:
    """A product as the shop's list needs it, read as a tuple rather than a model instance:
    building a thousand ``Product`` objects (descriptors, signals) costs more than the page's
    whole budget. The rules come from ``Product`` itself, so they cannot drift."""

    pk: int
    name: str
    image: str
    taxonomy: int | None
    unit_type: str
    unit_quantity: Decimal | None
    price: Decimal
    variable_weight: bool
    multi_weight: bool
    bulk: bool
    small_quantity: Decimal | None
    organic: bool
    wholesale: bool
    stock: Decimal | None
    catalog_id: int
    description: str = ""
    catalog: Catalog | None = None
    image_url: str = ""
    # Display values, set by shop.shop_html.prepare and the view.
    price_html: str = ""
    per_html: str = ""
    unit_label: str = ""
    shown_name: str = ""
    url: str = ""
    price_text: str = ""
    per_text: str = ""
    is_limited: bool = False
    sold_out: bool = False
    step: Decimal = Decimal(1)
    size: Decimal = Decimal(1)
    cart_row: Any = None
    fill: Any = None

    allows_decimal_quantity = Product.allows_decimal_quantity
    reference_price = Product.reference_price
    display_name = Product.display_name
    Unit = Product.Unit

    def get_unit_type_display(self) -> str:
        return str(dict(Product.Unit.choices).get(self.unit_type, self.unit_type))


def shop_products(
    *, distributions: list[Distribution], with_description: bool = True
) -> list[ShopProduct]:
    """Active products of these catalogs in one query, their catalog attached in Python.

    Without ``with_description`` the long texts are left out (the list does not show them;
    the search reads them).
    """
    from django.core.files.storage import default_storage

    catalogs = {d.catalog_id: d.catalog for d in distributions}
    if not catalogs:
        return []
    fields = (*SHOP_FIELDS, "description") if with_description else SHOP_FIELDS
    rows = (
        Product.objects.filter(catalog_id__in=list(catalogs), active=True)
        .order_by("name", "pk")
        .values_list(*fields)
    )
    products = []
    for row in rows:
        product = ShopProduct(*row)
        product.catalog = catalogs[product.catalog_id]
        if product.image:
            product.image_url = default_storage.url(product.image)
        products.append(product)
    return products


def wholesale_fills(*, md: MultiDistrib, products: list[Product]) -> dict[int, wholesale.Fill]:
    """Live filling of the units of wholesale products (confirmed orders): one query."""
    sold = {p.pk: p for p in products if p.wholesale}
    if not sold:
        return {}
    # Each line converted to base units on its own, then summed (``wholesale.base_total``):
    # the same figures as the admins' confirmation. One query; rows, not a SQL sum.
    quantities: dict[int, list[Decimal]] = {pk: [] for pk in sold}
    tolerances: dict[int, list[Decimal]] = {pk: [] for pk in sold}
    for product_id, quantity, tolerance in OrderLine.objects.filter(
        basket__multidistrib=md, basket__state=Basket.State.CONFIRMED, product_id__in=list(sold)
    ).values_list("product_id", "quantity", "tolerance"):
        quantities[product_id].append(quantity)
        tolerances[product_id].append(tolerance)
    return {
        pk: wholesale.fill(
            wholesale.unit_size(product),
            wholesale.base_total(product, quantities[pk]),
            wholesale.base_total(product, tolerances[pk]),
        )
        for pk, product in sold.items()
    }


def member_baskets(
    *, md: MultiDistrib, member: Member | None, lines: bool = True
) -> tuple[Basket | None, Basket | None]:
    """The member's cart and order for this distribution, with their lines (2 queries; 1
    without the lines)."""
    if member is None:
        return None, None
    cart = order = None
    baskets = Basket.objects.filter(multidistrib=md, member=member)
    if lines:
        baskets = baskets.prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk"))
        )
    for basket in baskets:
        basket.group = md.group
        basket.multidistrib = md
        if basket.is_cart:
            cart = basket
        else:
            order = basket
    return cart, order


def products_by_id(*, md: MultiDistrib, ids: list[int]) -> dict[int, Product]:
    """Products of this distribution's catalogs, with their catalog (no further query)."""
    catalogs = {d.catalog_id: d.catalog for d in md.distributions.all()}
    products = Product.objects.filter(pk__in=ids, group=md.group, catalog_id__in=list(catalogs))
    result = {}
    for product in products:
        product.catalog = catalogs[product.catalog_id]
        result[product.pk] = product
    return result


def attach_catalogs(md: MultiDistrib, products: list[Product]) -> set[int]:
    """Give products their catalog from the distribution's (no query); returns the catalog ids."""
    catalogs = {d.catalog_id: d.catalog for d in md.distributions.all()}
    for product in products:
        if product.catalog_id in catalogs:
            product.catalog = catalogs[product.catalog_id]
    return set(catalogs)


# Members' orders ------------------------------------------------------------------------------


def basket_get_for_member(*, group: Group, member: Member, code: str) -> Basket:
    basket = (
        Basket.objects.filter(group=group, member=member, code=code)
        .select_related("group", "multidistrib__place", "member__user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related(
                    "product__catalog", "distribution__catalog__vendor"
                ).order_by("distribution__catalog__name", "product_name", "pk"),
            ),
            Prefetch(
                "multidistrib__distributions",
                queryset=Distribution.objects.select_related("catalog__vendor"),
            ),
        )
        .first()
    )
    if basket is None:
        raise Http404
    for distribution in basket.multidistrib.distributions.all():
        distribution.multidistrib = basket.multidistrib
    return basket


# May an order still change? -------------------------------------------------------------------


def order_change_refusal(
    *, md: MultiDistrib, distribution: Distribution, by_admin: bool, now: datetime
) -> str | None:
    """The one rule for changing or cancelling the lines an order has from one catalog: None
    when allowed, else why not. Nobody once the distribution is validated; a member while the
    catalog takes orders online and its window is open (spec §3.7); an admin until validation,
    window or not (spec §10). Every page and service asking goes through here."""
    if md.cancelled_at is not None:
        return _("This distribution is cancelled.")
    if md.validated_at is not None:
        return _("This distribution is validated: its orders can no longer change.")
    if not by_admin and not distribution.can_order_now(now):
        return _("Orders for %(catalog)s are closed.") % {"catalog": distribution.catalog.name}
    return None


@dataclass(frozen=True)
class OrderChanges:
    """What a page may offer on an order (``order_changes``)."""

    changeable: bool  # the order may change at all (confirmed for a member, not validated)
    catalog_ids: frozenset[int]  # the catalogs whose lines may change
    can_edit: bool  # some quantity may change
    can_cancel: bool  # the whole order may be cancelled


def order_changes(
    *,
    md: MultiDistrib,
    basket: Basket | None,
    by_admin: bool,
    lines: list[OrderLine] | tuple = (),
    now: datetime | None = None,
) -> OrderChanges:
    """``order_change_refusal`` applied to a whole order (``lines``: its lines, loaded, for a
    member's order). An admin enters an order even where there is none yet; a member changes
    only a confirmed order, and cancels it only while every catalog of it takes orders."""
    now = now or timezone.now()
    unvalidated = md.validated_at is None
    confirmed = basket is not None and basket.is_confirmed
    changeable = unvalidated and (by_admin or confirmed)
    ids = frozenset(
        d.catalog_id
        for d in md.distributions.all()
        if changeable
        and order_change_refusal(md=md, distribution=d, by_admin=by_admin, now=now) is None
    )
    if by_admin:
        return OrderChanges(
            changeable, ids, can_edit=changeable, can_cancel=changeable and confirmed
        )
    in_order = {line.distribution.catalog_id for line in lines}
    return OrderChanges(
        changeable,
        ids,
        can_edit=changeable and bool(in_order & ids),
        can_cancel=changeable and in_order <= ids,
    )


def my_orders(*, user: Any, now: datetime | None = None, past_days: int = 120) -> dict[str, list]:
    """A member's orders and carts across all their groups: upcoming first, then recent past."""
    now = now or timezone.now()
    qs = (
        Basket.objects.filter(
            live_group_q("group"),
            member__user=user,
            multidistrib__end_at__gte=now - timedelta(days=past_days),
        )
        .select_related("group", "multidistrib__place")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("product_name", "pk"))
        )
        .order_by("multidistrib__start_at", "pk")
    )
    upcoming: list[Basket] = []
    past: list[Basket] = []
    carts: list[Basket] = []
    for basket in qs:
        if basket.is_cart:
            if basket.multidistrib.end_at >= now and basket.lines.all():
                carts.append(basket)
            continue
        (upcoming if basket.multidistrib.end_at >= now else past).append(basket)
    past.reverse()
    return {"upcoming": upcoming, "past": past, "carts": carts}


def open_mds_for_groups(
    *, groups: list[Group], user: Any = None, now: datetime | None = None, limit: int = 8
) -> list[MultiDistrib]:
    """Distributions of these groups where some catalog takes orders now, soonest first, for
    the home and group panels: one query, whatever the number of groups and distributions.

    Each comes with ``closes`` (the last closing of its catalogs) and, for ``user``,
    ``order_code`` (their confirmed order, or None) and ``has_cart``.
    """
    if not groups:
        return []
    now = now or timezone.now()
    open_now = Distribution.objects.filter(
        multidistrib=OuterRef("pk"),
        orders_open_at__lte=now,
        orders_close_at__gt=now,
        catalog__users_can_order=True,
    )
    qs = (
        MultiDistrib.objects.filter(
            group__in=groups, start_at__gt=now, validated_at__isnull=True, cancelled_at__isnull=True
        )
        .filter(Exists(open_now))
        .select_related("group", "place")
        .annotate(closes=Max("distributions__orders_close_at"))
    )
    if getattr(user, "is_authenticated", False):
        mine = Basket.objects.filter(multidistrib=OuterRef("pk"), member__user=user)
        qs = qs.annotate(
            order_code=Subquery(mine.filter(state=Basket.State.CONFIRMED).values("code")[:1]),
            has_cart=Exists(mine.filter(state=Basket.State.CART, lines__isnull=False)),
        )
    return list(qs.order_by("start_at", "pk")[:limit])


# Management ----------------------------------------------------------------------------------


def md_list_with_orders(*, group: Group, when: str = "upcoming", now: datetime | None = None):
    """Distributions with their number of orders and carts (2 queries)."""
    now = now or timezone.now()
    qs = MultiDistrib.objects.filter(group=group).select_related("place", "group")
    if when == "past":
        qs = qs.filter(end_at__lt=now).order_by("-start_at", "-pk")
    else:
        qs = qs.filter(end_at__gte=now).order_by("start_at", "pk")
    return qs.annotate(
        orders_count=Count(
            "baskets", filter=Q(baskets__state=Basket.State.CONFIRMED), distinct=True
        ),
        carts_count=Count("baskets", filter=Q(baskets__state=Basket.State.CART), distinct=True),
    ).prefetch_related(
        Prefetch("distributions", queryset=Distribution.objects.select_related("catalog__vendor"))
    )


def md_orders(*, md: MultiDistrib, catalog_ids: set[int] | None = None) -> list[Basket]:
    """Confirmed baskets of a distribution with their lines (limited to ``catalog_ids``), by
    number: 2 queries whatever the number of baskets."""
    lines = OrderLine.objects.select_related("product").order_by(
        "distribution__catalog__name", "product_name", "pk"
    )
    baskets = Basket.objects.filter(multidistrib=md, state=Basket.State.CONFIRMED)
    if catalog_ids is not None:
        lines = lines.filter(distribution__catalog_id__in=catalog_ids)
        baskets = baskets.filter(lines__distribution__catalog_id__in=catalog_ids).distinct()
    result = list(
        baskets.select_related("member__user")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("number", "pk")
    )
    for basket in result:
        basket.group = md.group
        basket.multidistrib = md
    return result


def md_carts(*, md: MultiDistrib) -> list[Basket]:
    """Carts never confirmed for this distribution (spec §5), with lines: 2 queries."""
    result = list(
        Basket.objects.filter(multidistrib=md, state=Basket.State.CART, lines__isnull=False)
        .distinct()
        .select_related("member__user")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
    for basket in result:
        basket.group = md.group
        basket.multidistrib = md
    return result


def member_order_products(*, md: MultiDistrib, catalog_ids: set[int]) -> list[Product]:
    """The products an admin can enter for a member: active ones of the catalogs they manage,
    plus inactive ones (an existing line may still be lowered), by catalog and name."""
    catalogs = {
        d.catalog_id: d.catalog for d in md.distributions.all() if d.catalog_id in catalog_ids
    }
    products = list(
        Product.objects.filter(catalog_id__in=list(catalogs)).order_by(
            "catalog__name", "name", "pk"
        )
    )
    for product in products:
        product.catalog = catalogs[product.catalog_id]
    return products


@dataclass
class WholesaleRow:
    product: Product
    fill: wholesale.Fill
    lines: list[dict[str, Any]]


def wholesale_board(*, md: MultiDistrib, catalog_ids: set[int]) -> dict[str, Any]:
    """Per wholesale product of the managed catalogs: the fill, each member's claim and what
    the allocation would give them; plus the confirmations made (3 queries)."""
    catalogs = {
        d.catalog_id: d.catalog for d in md.distributions.all() if d.catalog_id in catalog_ids
    }
    products = list(
        Product.objects.filter(catalog_id__in=list(catalogs), wholesale=True).order_by("name", "pk")
    )
    for product in products:
        product.catalog = catalogs[product.catalog_id]
    lines_by_product: dict[int, list[OrderLine]] = {p.pk: [] for p in products}
    for line in (
        OrderLine.objects.filter(
            basket__multidistrib=md,
            basket__state=Basket.State.CONFIRMED,
            product__in=products,
        )
        .select_related("basket__member__user")
        .order_by("created_at", "pk")
    ):
        lines_by_product[line.product_id].append(line)
    rows = []
    blocked = {pk for pk, c in catalogs.items() if catalog_order_blockers(c, on_date=md.date)}
    for product in products:
        lines = lines_by_product[product.pk]
        if not lines and (product.catalog_id in blocked or not product.active):
            continue
        fill, granted = wholesale.line_allocation(product, lines)
        per_member: dict[int, dict[str, Any]] = {}
        for line in lines:
            member = line.basket.member
            entry = per_member.setdefault(
                member.pk,
                {"member": member, "quantity": ZERO, "tolerance": ZERO, "granted": ZERO},
            )
            entry["quantity"] += wholesale.to_base(product, line.quantity)
            entry["tolerance"] += wholesale.to_base(product, line.tolerance)
            entry["granted"] += granted[line.pk]
        rows.append(WholesaleRow(product, fill, list(per_member.values())))
    confirmations = list(
        WholesaleConfirmation.objects.filter(multidistrib=md, catalog_id__in=list(catalogs))
        .select_related("confirmed_by")
        .order_by("-confirmed_at")
    )
    with_rows = {row.product.catalog_id for row in rows}
    return {
        "rows": rows,
        "catalogs": [c for pk, c in catalogs.items() if pk in with_rows],
        "confirmations": confirmations,
    }


# Hooks for distributions ------------------------------------------------------------------------


def order_line_counts(distribution_ids: list[int]) -> dict[int, int]:
    """Order lines with a quantity per distribution (carts excluded): one query."""
    rows = (
        OrderLine.objects.filter(
            distribution_id__in=distribution_ids,
            basket__state=Basket.State.CONFIRMED,
            quantity__gt=0,
        )
        .values("distribution_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["distribution_id"]: row["n"] for row in rows}


def customers(md: MultiDistrib) -> set[int]:
    """Users with a confirmed order for this distribution."""
    return set(
        Basket.objects.filter(
            multidistrib=md, state=Basket.State.CONFIRMED, lines__quantity__gt=0
        ).values_list("member__user_id", flat=True)
    )


# Read helpers the order services and pages share -----------------------------------------------


def md_for_orders(md_id: int) -> MultiDistrib:
    """The distribution with its group, place, catalogs and producers (2 queries)."""
    md = (
        MultiDistrib.objects.select_related("group", "place")
        .prefetch_related(
            Prefetch(
                "distributions", queryset=Distribution.objects.select_related("catalog__vendor")
            )
        )
        .get(pk=md_id)
    )
    for distribution in md.distributions.all():
        distribution.multidistrib = md
    return md


def current_line_total(product: Product, quantity: Decimal, currency: str) -> Decimal:
    """What a cart line costs at today's price and catalog fee (``product.catalog`` loaded)."""
    return money.line_total(
        product.price, quantity, currency, fee_percent=product.catalog.fee_percent
    )


def payment_choices(group) -> list[providers.PaymentProvider]:
    """The ways a member can pay at checkout: card payment only while the group's Stripe
    account takes charges (issue 17)."""
    if not group.payments_enabled:
        return []
    choices = providers.checkout_choices(group)
    if any(p.code == PaymentType.ONLINE for p in choices) and not stripe_selectors.card_available(
        group
    ):
        choices = [p for p in choices if p.code != PaymentType.ONLINE]
    return choices


def uses_moneypot(group) -> bool:
    return group.payments_enabled and PaymentType.MONEYPOT in providers.accepted_types(group)


def payment_instructions(basket: Basket, total: Decimal) -> str:
    group = basket.group
    if not group.payments_enabled or not basket.payment_type:
        return ""
    code = basket.payment_type
    if code not in providers.PROVIDERS:
        return ""
    return providers.provider_for(code).instructions(group, amount=total, reference=basket.code)


def md_cancel_summary(md: MultiDistrib) -> list[Any]:
    """``distributions.hooks`` summary for cancelling ``md``: its confirmed orders (member,
    code, total, payment) and the members who will be e-mailed; two queries."""
    baskets = list(
        Basket.objects.filter(multidistrib=md, state=Basket.State.CONFIRMED)
        .select_related("member__user", "group")
        .prefetch_related("lines")
        .order_by("member__user__last_name", "member__user__first_name", "pk")
    )
    if not baskets:
        return [
            CancelSection(
                title=_("Orders to cancel"), note=_("No order for this distribution."), rank=10
            )
        ]
    language = translation.get_language() or "fr"
    lines = []
    for basket in baskets:
        total = money.format_money(
            basket.total(list(basket.lines.all())), md.group.currency, language
        )
        payment = providers.type_label(basket.payment_type) if basket.payment_type else ""
        lines.append(
            " · ".join(
                part
                for part in (basket.member.user.get_full_name(), basket.code, total, payment)
                if part
            )
        )
    users = sorted(
        {b.member.user for b in baskets}, key=lambda u: (u.last_name, u.first_name, u.pk)
    )
    return [
        CancelSection(
            title=_("Orders to cancel (%(n)s)") % {"n": len(baskets)},
            lines=lines,
            note=_("Their products go back to stock and their debts are cancelled in the ledger."),
            rank=10,
        ),
        CancelSection(
            title=_("Members who will get an e-mail (%(n)s)") % {"n": len(users)},
            rank=30,
            lines=[
                f"{u.get_full_name()} <{u.email}>" if u.email else u.get_full_name() for u in users
            ],
        ),
    ]
