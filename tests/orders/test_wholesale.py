"""Wholesale units (spec §11, peers.md §5a) with the spec's numbers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from orders import services, wholesale
from orders.models import OrderLine, WholesaleConfirmation
from tests.catalogs.factories import ProductFactory
from tests.orders.factories import D, make_shop, member_of, new_member, order

# Pure rules ------------------------------------------------------------------------------------


def test_cagette_rule_full_units_and_missing_without_tolerance():
    """Spec §11: floor(total / W) units; missing = 0 for a multiple, else W - total mod W."""
    result = wholesale.fill(D("10"), D("13.5"))
    assert (result.full_units, result.units, result.missing) == (1, 1, D("6.5"))
    result = wholesale.fill(D("10"), D("20"))
    assert (result.full_units, result.units, result.missing, result.is_whole) == (2, 2, 0, True)
    result = wholesale.fill(D("10"), D("0"))
    assert (result.units, result.missing) == (0, 0)


def test_foodsoft_worked_example_pins_units_allocation_and_missing():
    """peers.md §5a: U = 5; A 2(3) at 17:00, B 2(0) at 18:00, A changes to 4(1) at 19:00.
    Rows A@17 (2,1), B@18 (2,0), A@19 (2,0): Q = 6, T = 1 → 1 box; A gets 3, B gets 2;
    members see 3 missing."""
    a_claims = wholesale.claims_update([], quantity=D("2"), tolerance=D("3"), at="2024-01-01T17:00")
    a_claims = wholesale.claims_update(
        a_claims, quantity=D("4"), tolerance=D("1"), at="2024-01-01T19:00"
    )
    assert a_claims == [
        {"at": "2024-01-01T17:00", "q": "2", "t": "1"},
        {"at": "2024-01-01T19:00", "q": "2", "t": "0"},
    ]
    claims = [
        wholesale.Claim(1, c["at"], Decimal(c["q"]), Decimal(c["t"]), i)
        for i, c in enumerate(a_claims)
    ] + [wholesale.Claim(2, "2024-01-01T18:00", D("2"), D("0"))]
    result, granted = wholesale.allocate(D("5"), claims)
    assert (result.firm, result.tolerance, result.units, result.missing) == (
        D("6"),
        D("1"),
        1,
        D("3"),
    )
    assert granted == {1: D("3"), 2: D("2")}


def test_tolerance_completes_a_unit_but_never_creates_one():
    assert wholesale.fill(D("5"), D("4"), D("1")).units == 1
    assert wholesale.fill(D("5"), D("0"), D("5")).units == 0
    assert wholesale.fill(D("5"), D("3"), D("1")).missing == D("1")
    assert wholesale.fill(D("5"), D("5"), D("0")).missing == 0  # exact fill shows 0, not 5


def test_allocation_grants_firm_claims_oldest_first_then_tolerance():
    claims = [
        wholesale.Claim(1, "t1", D("7"), D("0")),
        wholesale.Claim(2, "t2", D("2"), D("1")),
        wholesale.Claim(3, "t3", D("4"), D("0")),
    ]
    result, granted = wholesale.allocate(D("10"), claims)
    assert result.units == 1
    assert granted == {1: D("7"), 2: D("2"), 3: D("1")}


def test_a_decrease_takes_from_the_newest_claims():
    claims = wholesale.claims_update([], quantity=D("2"), tolerance=D("0"), at="a")
    claims = wholesale.claims_update(claims, quantity=D("5"), tolerance=D("0"), at="b")
    claims = wholesale.claims_update(claims, quantity=D("1"), tolerance=D("0"), at="c")
    assert claims == [{"at": "a", "q": "1", "t": "0"}]


def test_base_units_survive_three_decimals_for_boxes_of_six():
    class Box:
        unit_type = "piece"
        unit_quantity = D("6")

    box = Box()
    assert wholesale.from_base(box, D("1")) == D("0.167")
    assert wholesale.to_base(box, D("0.167")) == D("1")
    assert sum(wholesale.to_base(box, wholesale.from_base(box, D(n))) for n in (1, 2, 3)) == D("6")
    assert not wholesale.base_round_trips(box, D("1.5"))


def test_base_step_of_crates_by_weight():
    class Crate:
        unit_type = "kg"
        unit_quantity = D("25")

    crate = Crate()
    assert wholesale.base_step(crate) == D("0.025")
    assert wholesale.base_round_trips(crate, D("2.5"))
    assert not wholesale.base_round_trips(crate, D("1.01"))
    crate.unit_quantity = D("3")
    assert wholesale.base_round_trips(crate, D("1"))  # 0.333 crate → 1.00 kg


# Members and admins -----------------------------------------------------------------------------


@pytest.fixture
def shop(world, db):
    return make_shop(world)


def _orders(world, shop, amounts):
    members = [member_of(world)] + [new_member(world.group) for _ in amounts[1:]]
    apples = shop["apples"]
    for member, (kg, tolerance) in zip(members, amounts, strict=True):
        services.cart_set(
            member=member,
            md=shop.md,
            product=apples,
            quantity=wholesale.from_base(apples, D(kg)),
            tolerance=wholesale.from_base(apples, D(tolerance)),
            acting_user=member.user,
        )
        from orders.models import Basket

        services.order_place(
            cart=Basket.objects.get(member=member, state="cart"), acting_user=member.user
        )
    return members


def _close(shop):
    later = shop.md.orders_close_at + timedelta(minutes=5)
    return later


@pytest.mark.django_db
def test_members_see_live_how_much_is_missing(world, shop, client_for):
    _orders(world, shop, [("3", "0"), ("4.5", "0"), ("6", "0")])
    url = reverse("shop:shop", kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk})
    html = client_for(world.member).get(url).content.decode()
    assert "6,5" in html  # 13.5 kg ordered in crates of 10 kg: 6.5 kg missing


@pytest.mark.django_db
def test_confirmation_refuses_totals_that_are_not_whole_units_and_says_which(world, shop):
    _orders(world, shop, [("3", "0"), ("4.5", "0"), ("6", "0")])
    with pytest.raises(services.OrderError) as caught:
        services.wholesale_confirm(
            md=shop.md, catalog=shop.farm, acting_user=world.admin, now=_close(shop)
        )
    message = " ".join(caught.value.messages)
    assert "Pommes" in message and "13,5" in message and "6,5" in message
    assert not WholesaleConfirmation.objects.exists()


@pytest.mark.django_db
def test_balancing_is_refused_while_orders_are_open(world, shop):
    _orders(world, shop, [("3", "0")])
    with pytest.raises(services.OrderError):
        services.wholesale_apply(md=shop.md, product=shop["apples"], acting_user=world.admin)


@pytest.mark.django_db
def test_allocation_then_confirmation_first_ordered_first_served(
    world, shop, django_capture_on_commit_callbacks
):
    members = _orders(world, shop, [("3", "0"), ("4.5", "0"), ("6", "0")])
    now = _close(shop)
    granted = services.wholesale_apply(
        md=shop.md, product=shop["apples"], acting_user=world.admin, now=now
    )
    assert [granted[m.pk] for m in members] == [D("3"), D("4.5"), D("2.5")]
    third = OrderLine.objects.get(basket__member=members[2])
    assert third.quantity == D("0.25")  # 2.5 kg of a 10 kg crate
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.wholesale_confirm(
            md=shop.md, catalog=shop.farm, acting_user=world.admin, now=now
        )
    assert confirmation.units == {str(shop["apples"].pk): 1}
    assert len(mail.outbox) == 3
    assert "2,5 kg" in mail.outbox[-1].body or any("2,5 kg" in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_tolerance_completes_the_crate_at_allocation(world, shop):
    members = _orders(world, shop, [("7", "0"), ("2", "1")])
    granted = services.wholesale_apply(
        md=shop.md, product=shop["apples"], acting_user=world.admin, now=_close(shop)
    )
    assert [granted[m.pk] for m in members] == [D("7"), D("3")]
    line = OrderLine.objects.get(basket__member=members[1])
    assert line.quantity == D("0.3") and line.tolerance == 0


@pytest.mark.django_db
def test_manual_balancing_by_base_amounts_updates_debts(world, shop):
    from payments import selectors as payment_selectors

    members = _orders(world, shop, [("3", "0"), ("4.5", "0")])
    services.wholesale_set(
        md=shop.md,
        product=shop["apples"],
        amounts={members[0].pk: "5", members[1].pk: "5"},
        acting_user=world.admin,
        now=_close(shop),
    )
    basket = OrderLine.objects.get(basket__member=members[0]).basket
    assert payment_selectors.debt_for_reference(
        group=world.group, member=members[0], reference=basket.code
    ) == D("12.50")
    services.wholesale_confirm(
        md=shop.md, catalog=shop.farm, acting_user=world.admin, now=_close(shop)
    )
    with pytest.raises(services.OrderError):
        services.wholesale_set(
            md=shop.md,
            product=shop["apples"],
            amounts={members[0].pk: "5.005"},
            acting_user=world.admin,
            now=_close(shop),
        )


@pytest.mark.django_db
def test_boxes_of_six_bottles_are_whole_with_three_decimals(world, shop):
    juice = ProductFactory(
        catalog=shop.farm,
        name="Jus",
        unit_type="piece",
        unit_quantity=D("6"),
        price=D("18.00"),
        wholesale=True,
    )
    for n, member in zip(
        (1, 2, 3), [member_of(world), new_member(world.group), new_member(world.group)], strict=True
    ):
        order(shop.md, member, {juice: str(wholesale.from_base(juice, D(n)))})
    problems, units = services.wholesale_problems(shop.md, [juice])
    assert problems == [] and units == {str(juice.pk): 1}
