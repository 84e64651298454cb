"""What distributions asks about orders (distributions.hooks), filled by the orders app."""

from datetime import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from distributions import hooks
from distributions import services as distribution_services
from distributions.models import Distribution, SlotRequest
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors
from tests.orders.factories import D, make_shop, member_of, new_member, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def test_order_counts_count_confirmed_lines_not_carts(world, shop):
    from orders import services

    farm_d = Distribution.objects.get(multidistrib=shop.md, catalog=shop.farm)
    bakery_d = Distribution.objects.get(multidistrib=shop.md, catalog=shop.bakery)
    order(shop.md, member_of(world), {shop["tomatoes"]: "1", shop["eggs"]: "1"})
    services.cart_set(
        member=new_member(world.group),
        md=shop.md,
        product=shop["bread"],
        quantity=D("1"),
        acting_user=world.admin,
    )
    assert hooks.order_counts([farm_d.pk, bakery_d.pk]) == {farm_d.pk: 2, bakery_d.pk: 0}


def test_a_distribution_with_orders_cannot_be_deleted(world, shop):
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    with pytest.raises(ValidationError):
        distribution_services.md_delete(md=shop.md, acting_user=world.admin)


def test_a_distribution_with_only_carts_can_be_deleted(world, shop):
    from orders import services

    services.cart_set(
        member=member_of(world),
        md=shop.md,
        product=shop["bread"],
        quantity=D("1"),
        acting_user=world.member,
    )
    distribution_services.md_delete(md=shop.md, acting_user=world.admin)
    assert not Basket.objects.exists()


def test_removing_a_catalog_cancels_its_lines_gives_stock_back_and_tells_members(
    world, shop, django_capture_on_commit_callbacks
):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "2", shop["bread"]: "1"}).basket
    only_farm = order(shop.md, new_member(world.group), {shop["tomatoes"]: "1"}).basket
    with pytest.raises(distribution_services.ConfirmationRequired):
        distribution_services.md_set_catalogs(
            md=shop.md, catalogs=[shop.bakery], acting_user=world.admin
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        distribution_services.md_set_catalogs(
            md=shop.md, catalogs=[shop.bakery], confirmed=True, acting_user=world.admin
        )
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("10")
    assert list(OrderLine.objects.filter(basket=basket).values_list("product_id", flat=True)) == [
        shop["bread"].pk
    ]
    assert payment_selectors.debt_for_reference(
        group=world.group, member=member, reference=basket.code
    ) == D("3.50")
    only_farm.refresh_from_db()
    assert only_farm.is_cancelled
    assert len(mail.outbox) == 2 and all("Légumes" in m.body for m in mail.outbox)


def test_time_slots_place_those_who_ordered(world, shop):
    distribution_services.slots_configure(
        md=shop.md,
        minutes=60,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=None,
        acting_user=world.admin,
    )
    chose_only = new_member(world.group)
    slot = shop.md.slots.first()
    distribution_services.slot_request_save(
        md=shop.md, user=chose_only.user, slot_ids=[slot.pk], acting_user=chose_only.user
    )
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    distribution_services.slots_resolve(md=shop.md, acting_user=world.admin)
    placed = {
        r.user_id: r.assigned_slot_id for r in SlotRequest.objects.filter(multidistrib=shop.md)
    }
    assert placed.get(world.member.pk) is not None  # ordered without choosing: placed anyway
    assert placed.get(chose_only.user_id) is None  # chose a slot but never ordered
