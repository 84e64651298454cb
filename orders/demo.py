"""Demo orders for the group ``demo``, on its next distribution open for orders:

* 20 members (the demo member ``membre@`` among them) ordered two to four products each, paying
  on the spot or by transfer;
* two members filled a cart and never confirmed it (the non-finalised orders screen);
* one product sold by the crate is half filled, so the shop shows what is missing.

Everything goes through the services (stock, debts, numbers). Running it again changes nothing:
members who already ordered, or already have a cart, are left alone.
"""

import random
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from catalogs.models import Product
from catalogs.services import product_save
from distributions.selectors import md_get
from groups.models import Group
from members.demo import demo_users
from members.models import Member
from orders import selectors, services, wholesale
from orders.models import Basket

WHOLESALE_REF = "DEMO-CAGETTE"


def _next_open_md(group: Group, now):
    for md in selectors.open_mds_for_groups(groups=[group], now=now, limit=1):
        return md_get(group=group, md_id=md.pk)
    return None


def _quantity(product: Product, rng: random.Random) -> Decimal:
    if product.wholesale:
        return Decimal(0)
    if product.bulk and product.small_quantity:
        return product.small_quantity * rng.randint(2, 6)
    if product.allows_decimal_quantity and not product.multi_weight:
        return Decimal(rng.choice(["0.5", "1", "1.5", "2"]))
    return Decimal(rng.randint(1, 3))


def _wholesale_product(md, distributions, products, admin) -> Product | None:
    """An orderable product sold by the crate; one is added to a local catalog if none is."""
    found = next((p for p in products if p.wholesale), None)
    if found is not None:
        return found
    existing = Product.objects.filter(group=md.group, ref=WHOLESALE_REF).first()
    if existing is not None:
        return existing if existing.catalog_id in {d.catalog_id for d in distributions} else None
    # A farm's catalog (stock tracked) first: a crate of potatoes from the bakery would be odd.
    for distribution in sorted(distributions, key=lambda d: not d.catalog.stock_tracked):
        catalog = distribution.catalog
        if catalog.active_link is not None:
            continue  # managed by the producer's own catalog
        product = Product(
            catalog=catalog,
            group=md.group,
            name="Cagette de pommes de terre",
            ref=WHOLESALE_REF,
            unit_type=Product.Unit.KILOGRAM,
            unit_quantity=Decimal("10"),
            price=Decimal("16.00"),
            vat_rate=Decimal("5.5"),
            wholesale=True,
            description="Vendue par cagette de 10 kg : commandez au kilo, le groupe complète les cagettes.",
        )
        return product_save(product=product, acting_user=admin)
    return None


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").first()
    if group is None:
        return
    users = demo_users()
    admin = users[0]
    now = timezone.now()
    md = _next_open_md(group, now)
    if md is None:
        stdout.write("Orders: no distribution open for orders in the demo group")
        return
    distributions = selectors.shop_distributions(md, now)
    listed = selectors.shop_products(distributions=distributions, with_description=False)
    by_id = selectors.products_by_id(md=md, ids=[p.pk for p in listed if not p.wholesale])
    products = [by_id[p.pk] for p in listed if p.pk in by_id]
    if not products:
        stdout.write("Orders: no product to order yet")
        return
    crate = _wholesale_product(md, distributions, products, admin)
    members = {m.user_id: m for m in Member.objects.filter(group=group, user__in=users)}
    busy = set(Basket.objects.filter(multidistrib=md).values_list("member_id", flat=True))
    choices = [p.code for p in selectors.payment_choices(group)] or [""]
    rng = random.Random(md.pk)
    buyers = [members[u.pk] for u in users[2:22] if u.pk in members]
    # The crate is half filled by three of the buyers (in base units: kg or pieces).
    crate_parts: dict[int, Decimal] = {}
    if crate is not None:
        size = wholesale.unit_size(crate)
        step = wholesale.base_step(crate)
        half = (size / 2 / step).to_integral_value(rounding=ROUND_DOWN) * step
        first = (half * Decimal("0.4") / step).to_integral_value(rounding=ROUND_DOWN) * step
        second = (half * Decimal("0.3") / step).to_integral_value(rounding=ROUND_DOWN) * step
        for member, part in zip(buyers[3:6], (first, second, half - first - second), strict=False):
            crate_parts[member.pk] = part

    placed = 0
    for index, member in enumerate(buyers):
        if member.pk in busy:
            continue
        picks = rng.sample(products, k=min(len(products), rng.randint(2, 4)))
        for product in picks:
            _add(member, md, product, _quantity(product, rng), admin)
        if member.pk in crate_parts:
            _add(member, md, crate, wholesale.from_base(crate, crate_parts[member.pk]), admin)
        cart = Basket.objects.filter(
            multidistrib=md, member=member, state=Basket.State.CART
        ).first()
        if cart is None:
            continue
        result = services.order_place(
            cart=cart,
            acting_user=member.user,
            payment_type=choices[index % len(choices)],
            notify=False,
        )
        if result.basket is not None:
            placed += 1
        # Lines refused for stock stay in a cart: drop it, the demo wants exactly two carts.
        leftover = Basket.objects.filter(multidistrib=md, member=member, state=Basket.State.CART)
        for basket in leftover:
            services.cart_delete(cart=basket, acting_user=admin)

    carts = 0
    for user in users[22:24]:
        member = members.get(user.pk)
        if member is None or member.pk in busy:
            continue
        for product in rng.sample(products, k=min(len(products), 2)):
            _add(member, md, product, _quantity(product, rng), admin)
        carts += 1

    if placed or carts:
        stdout.write(
            f"Orders: {placed} orders and {carts} carts not confirmed for the distribution of {md.date}"
        )


def _add(member: Member, md, product: Product, quantity: Decimal, admin) -> None:
    if quantity <= 0:
        return
    try:
        services.cart_set(
            member=member, md=md, product=product, quantity=quantity, acting_user=member.user
        )
    except services.OrderError:
        return
