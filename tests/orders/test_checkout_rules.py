"""The one rule saying whether an order may still change (the checkout service: tests/shop)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import selectors
from tests.orders.factories import make_shop, member_of, order

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
