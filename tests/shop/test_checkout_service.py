"""The checkout service on its own."""

import pytest

from orders.models import Basket
from shop import services
from tests.factories import UserFactory
from tests.orders.factories import make_shop, new_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


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
