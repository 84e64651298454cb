"""Decision 3: "membership required to order" at checkout and for admin-entered orders; the shop
tells the member before they fill a cart."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members import memberships
from orders import services
from orders.models import Basket
from tests.orders.factories import make_shop, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    group = world.group
    group.has_membership = True
    group.membership_required_to_order = True
    group.membership_fee = Decimal("10.00")
    group.membership_payment_info = "Chèque à l'ordre de La Cagette, à l'accueil."
    group.save()
    return make_shop(world)


def url(name, shop, **kw):
    return reverse(
        name if ":" in name else f"orders:{name}",
        kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk, **kw},
    )


def _record_fee(world, member):
    return memberships.membership_record(
        group=world.group,
        member=member,
        year=memberships.current_period(world.group).year,
        payment_type="cash",
        acting_user=world.admin,
    )


def test_checkout_refused_without_a_fee_then_allowed_once_it_is_recorded(world, shop, client_for):
    client = client_for(world.member)
    shop_page = client.get(url("shop:shop", shop)).content.decode()
    assert 'id="membership-notice"' in shop_page
    assert "Chèque à l&#x27;ordre de La Cagette" in shop_page
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 200
    assert "pas encore enregistrée" in response.content.decode()
    assert not Basket.objects.exclude(state="cart").exists()
    # The cart is kept, nothing lost.
    assert Basket.objects.get(state="cart").lines.count() == 1

    _record_fee(world, member_of(world))
    assert 'id="membership-notice"' not in client.get(url("shop:shop", shop)).content.decode()
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 302
    assert Basket.objects.filter(state="confirmed", member=member_of(world)).exists()


def test_order_place_service_refuses_and_the_switch_off_lets_anyone_order(world, shop):
    member = member_of(world)
    services.cart_set(
        member=member, md=shop.md, product=shop["bread"], quantity=1, acting_user=world.member
    )
    cart = Basket.objects.get(state="cart")
    with pytest.raises(services.OrderError, match="adhésion"):
        services.order_place(cart=cart, acting_user=world.member, payment_type="onthespot")
    world.group.membership_required_to_order = False
    world.group.save()
    shop.md.group.refresh_from_db()
    placed = services.order_place(cart=cart, acting_user=world.member, payment_type="onthespot")
    assert placed.basket is not None


def test_admin_entry_refused_until_the_admin_records_the_fee(world, shop, client_for):
    client = client_for(world.admin)
    member = member_of(world)
    page = url("manage_member", shop, member_id=member.pk)
    response = client.post(page + "save/", {f"q-{shop['bread'].pk}": "2"}, follow=True)
    assert "enregistrez d\u2019abord l\u2019adhésion" in response.content.decode()
    assert not Basket.objects.filter(member=member).exclude(state="cart").exists()
    # The admin records the fee from the member's fee page, then orders for them.
    fees_url = reverse(
        "members:fee_record", kwargs={"group_slug": world.group.slug, "member_id": member.pk}
    )
    response = client.post(
        fees_url,
        {
            "year": memberships.current_period(world.group).year,
            "paid_on": "2026-09-10",
            "amount": "10",
            "payment_type": "cheque",
        },
    )
    assert response.status_code == 302
    client.post(page + "save/", {f"q-{shop['bread'].pk}": "2"})
    assert Basket.objects.filter(member=member, state="confirmed").exists()


def test_shop_tells_visitors_and_stays_quiet_when_fees_are_not_required(world, shop, client):
    assert 'id="membership-notice"' in client.get(url("shop:shop", shop)).content.decode()
    world.group.membership_required_to_order = False
    world.group.save()
    assert 'id="membership-notice"' not in client.get(url("shop:shop", shop)).content.decode()


def test_shop_stays_within_its_query_budget_when_fees_are_required(
    world, shop, client_for, django_assert_max_num_queries
):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    with django_assert_max_num_queries(12):
        assert 'id="membership-notice"' in client.get(url("shop:shop", shop)).content.decode()
    _record_fee(world, member_of(world))
    with django_assert_max_num_queries(12):
        assert 'id="membership-notice"' not in client.get(url("shop:shop", shop)).content.decode()
