"""The demo orders: 20 orders on the next distribution, two carts, a crate half filled;
running the seed again changes nothing."""

import io
from decimal import Decimal

import pytest

from catalogs.models import Product
from distributions import demo as distributions_demo
from groups.models import Group
from members import demo as members_demo
from orders import demo as orders_demo
from orders import selectors, wholesale
from orders.models import Basket, OrderLine
from payments import demo as payments_demo
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _demo_with_catalogs():
    out = io.StringIO()
    members_demo.seed(out)
    group = Group.objects.get(slug="demo")
    farm = CatalogFactory(
        group=group, vendor=VendorFactory(name="Ferme des Quatre Vents"), stock_tracked=True
    )
    bakery = CatalogFactory(group=group, vendor=VendorFactory(name="Fournil du Mas"))
    for i in range(6):
        ProductFactory(
            catalog=farm,
            name=f"Légume {i}",
            unit_type="kg",
            unit_quantity=Decimal("1"),
            stock=Decimal("40"),
        )
        ProductFactory(catalog=bakery, name=f"Pain {i}")
    distributions_demo.seed(out)
    payments_demo.seed(out)
    return group


def _snapshot():
    return {
        "baskets": sorted(Basket.objects.values_list("pk", "state", "number")),
        "lines": sorted(OrderLine.objects.values_list("pk", "quantity")),
        "stock": sorted(Product.objects.values_list("pk", "stock")),
    }


def test_demo_orders_are_seeded_and_idempotent():
    group = _demo_with_catalogs()
    out = io.StringIO()
    orders_demo.seed(out)
    assert "20 orders" in out.getvalue()
    md = Basket.objects.filter(group=group).first().multidistrib
    assert Basket.objects.filter(multidistrib=md, state="confirmed").count() == 20
    assert Basket.objects.filter(multidistrib=md, state="cart").count() == 2
    member = members_demo.demo_users()[2]
    assert Basket.objects.filter(member__user=member, state="confirmed").exists()
    crate = Product.objects.get(group=group, wholesale=True)
    fill = selectors.wholesale_fills(md=md, products=[crate])[crate.pk]
    assert (
        fill.firm == wholesale.unit_size(crate) / 2
        and fill.missing == wholesale.unit_size(crate) / 2
    )
    before = _snapshot()
    orders_demo.seed(io.StringIO())
    assert _snapshot() == before


def test_demo_without_a_group_or_products_does_nothing():
    orders_demo.seed(io.StringIO())
    assert not Basket.objects.exists()
