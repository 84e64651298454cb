"""Wholesale fill computed exactly (issue 13, item 2): decimal arithmetic end to end, each
line's base amount recovered on its own, so the members' "missing" figure and the admins'
confirmation always agree."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from orders import selectors, services, wholesale
from orders.models import Basket
from tests.catalogs.factories import ProductFactory
from tests.orders.factories import D, make_shop, new_member

SIZES = [D("1.3"), D("10"), D("0.75"), D("25"), D("6"), D("2.5"), D("1.7")]


def _product(size, unit_type="kg"):
    return SimpleNamespace(unit_quantity=size, unit_type=unit_type)


@settings(max_examples=300, deadline=None)
@given(
    size=st.sampled_from(SIZES),
    unit_type=st.sampled_from(["kg", "piece"]),
    steps=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=60),
)
def test_stored_lines_add_up_to_the_exact_base_total(size, unit_type, steps):
    """Whatever members order on the product's grid, the lines stored with 3 decimals add up
    to exactly what they ordered, and the fill says nothing is missing on a multiple."""
    product = _product(size, unit_type)
    step = wholesale.base_step(product)
    ordered = [step * n for n in steps]
    ordered = [base for base in ordered if wholesale.base_round_trips(product, base)]
    stored = [wholesale.from_base(product, base) for base in ordered]
    total = wholesale.base_total(product, stored)
    assert total == sum(ordered, Decimal(0))
    result = wholesale.fill(size, total)
    assert result.full_units * size + result.remainder == total
    if total % size == 0:
        assert result.missing == 0 and result.is_whole
    else:
        assert result.missing == size - total % size and not result.is_whole


def test_twenty_six_half_kilos_of_a_1_3_kg_bag_are_exactly_ten_bags():
    """The issue's numbers: each line stores 0.385 bag; summed first they read 13.01 kg and
    1.29 kg missing, line by line they are 13 kg and nothing missing."""
    bag = _product(D("1.3"))
    stored = [wholesale.from_base(bag, D("0.5"))] * 26
    assert stored[0] == D("0.385")
    assert wholesale.to_base(bag, sum(stored, Decimal(0))) == D("13.01")  # the old drift
    total = wholesale.base_total(bag, stored)
    assert total == D("13.00")
    result = wholesale.fill(D("1.3"), total)
    assert (result.units, result.missing, result.is_whole) == (10, 0, True)


@pytest.mark.django_db
def test_members_and_the_confirmation_agree_on_the_issue_numbers(world, client_for):
    shop = make_shop(world)
    bag = ProductFactory(
        catalog=shop.farm,
        name="Lentilles",
        unit_type="kg",
        unit_quantity=D("1.3"),
        price=D("6.50"),
        wholesale=True,
    )
    for _ in range(26):
        member = new_member(world.group)
        services.cart_set(
            member=member,
            md=shop.md,
            product=bag,
            quantity=wholesale.from_base(bag, D("0.5")),
            acting_user=member.user,
        )
        services.order_place(
            cart=Basket.objects.get(member=member, state="cart"), acting_user=member.user
        )
    live = selectors.wholesale_fills(md=shop.md, products=[bag])[bag.pk]
    assert (live.firm, live.units, live.missing) == (D("13.00"), 10, 0)
    problems, units = services.wholesale_problems(shop.md, [bag])
    assert problems == [] and units == {str(bag.pk): 10}
    url = reverse("shop:shop", kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk})
    html = client_for(member.user).get(url).content.decode()
    assert "13,01" not in html and "1,29" not in html
