"""The checkout service on its own, and the one rule saying whether an order may still change."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import selectors
from orders.models import Basket
from shop import services
from tests.factories import UserFactory
from tests.orders.factories import make_shop, member_of, new_member, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def _close_orders(md):
    for d in md.distributions.all():
        d.orders_close_at = timezone.now() - timedelta(minutes=5)
        d.orders_open_at = d.orders_close_at - timedelta(days=2)
        d.save()


def test_order_changes_member_while_open_admin_until_validation(world, shop):
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    lines = list(basket.lines.select_related("distribution"))
    member = selectors.order_changes(md=shop.md, basket=basket, by_admin=False, lines=lines)
    assert member.can_edit and member.can_cancel and shop.bakery.pk in member.catalog_ids
    _close_orders(shop.md)
    shop.md.refresh_from_db()
    member = selectors.order_changes(md=shop.md, basket=basket, by_admin=False, lines=lines)
    admin = selectors.order_changes(md=shop.md, basket=basket, by_admin=True)
    assert not member.can_edit and not member.can_cancel and not member.catalog_ids
    assert admin.can_edit and admin.can_cancel
    shop.md.validated_at = timezone.now()
    admin = selectors.order_changes(md=shop.md, basket=basket, by_admin=True)
    assert not admin.changeable and not admin.can_edit and not admin.can_cancel


def test_checkout_confirm_joins_merges_the_session_cart_and_places_the_order(world, shop):
    user = UserFactory()
    result = services.checkout_confirm(
        md=shop.md,
        user=user,
        member=None,
        cart=None,
        session_items={shop["bread"].pk: ("2", None)},
        payment_type="onthespot",
        acting_user=user,
    )
    assert result.error is None and result.member.user == user
    assert result.basket is not None and result.basket.state == Basket.State.CONFIRMED
    assert result.basket.lines.get().product == shop["bread"]


def test_checkout_confirm_without_a_cart_says_it_is_empty(world, shop):
    member = new_member(world.group)
    result = services.checkout_confirm(
        md=shop.md,
        user=member.user,
        member=member,
        cart=None,
        acting_user=member.user,
    )
    assert result.empty and result.basket is None and result.error is None
