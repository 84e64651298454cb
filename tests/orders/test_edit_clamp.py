"""Decision 16: editing a placed order beyond the stock left gives what is left, with the
cart's message, for members and for admins; it never oversells (issue 13, item 3)."""

import pytest
from django.utils import translation

from catalogs.models import Product
from orders import services
from orders.models import OrderLine
from payments import selectors as payment_selectors
from tests.orders.factories import D, make_shop, member_of, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


@pytest.mark.parametrize("who", ["member", "admin"])
def test_raising_a_placed_order_above_the_stock_left_clamps_to_it(world, shop, who):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "4"}).basket  # 10 in stock, 6 left
    acting = world.member if who == "member" else world.admin
    with translation.override("en"):
        result = services.order_update(
            md=shop.md,
            member=member,
            quantities={shop["tomatoes"].pk: "15"},
            acting_user=acting,
            as_admin=who == "admin",
        )
    assert result.changed
    line = OrderLine.objects.get(basket=basket, product=shop["tomatoes"])
    assert line.quantity == D("10")  # 4 + the 6 left, not 15, and not refused outright
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("0")
    [issue] = result.issues
    assert issue.message == (
        f"Only 6 of {shop['tomatoes'].display_name} left: the order now holds 10."
    )
    assert _debt(world, basket) == D("48.00")  # 10 x 4.80


def test_the_message_is_french_with_its_no_break_space(world, shop):
    member = member_of(world)
    order(shop.md, member, {shop["eggs"]: "1"})  # 3 in stock, 2 left
    with translation.override("fr"):
        result = services.order_update(
            md=shop.md, member=member, quantities={shop["eggs"].pk: "9"}, acting_user=world.admin
        )
    [issue] = result.issues
    assert "\u00a0: la commande en contient 3." in issue.message


def test_nothing_left_refuses_the_increase_and_keeps_the_order(world, shop):
    member = member_of(world)
    basket = order(shop.md, member, {shop["eggs"]: "1"}).basket
    Product.objects.filter(pk=shop["eggs"].pk).update(stock=D("0"))
    result = services.order_update(
        md=shop.md, member=member, quantities={shop["eggs"].pk: "2"}, acting_user=world.admin
    )
    assert not result.changed and len(result.issues) == 1
    assert OrderLine.objects.get(basket=basket).quantity == D("1")
    shop["eggs"].refresh_from_db()
    assert shop["eggs"].stock == D("0")


def test_a_buyer_taking_units_meanwhile_is_read_again(world, shop, monkeypatch):
    """The first conditional take fails (another buyer took units): the clamp reads the stock
    again and takes what is left then; the stock never goes below zero."""
    from orders.services import ordering

    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "4"}).basket
    real = ordering._take_stock
    calls = []

    def take(product, quantity):
        calls.append(quantity)
        if len(calls) == 2:  # the clamp's first try: someone takes 4 more just before
            Product.objects.filter(pk=product.pk).update(stock=D("2"))
        return real(product, quantity)

    monkeypatch.setattr(ordering, "_take_stock", take)
    services.order_update(
        md=shop.md, member=member, quantities={shop["tomatoes"].pk: "20"}, acting_user=world.admin
    )
    assert calls == [D("16"), D("6"), D("2")]
    assert OrderLine.objects.get(basket=basket).quantity == D("6")
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("0")
