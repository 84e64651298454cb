"""Management screens: orders of a distribution, orders by admins (spec §10), non-finalised
carts (spec §5), wholesale balancing (spec §11); rights and query budgets."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kernel.models import LogEntry
from members.models import Member
from orders import services
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors
from tests.factories import MemberFactory
from tests.orders.factories import D, make_shop, member_of, new_member, order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def murl(name, shop, **kw):
    return reverse(
        f"orders:{name}", kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk, **kw}
    )


def _coordinator_of(world, catalog):
    member = MemberFactory(group=world.group)
    catalog.coordinators.add(member)
    return member.user


def test_orders_list_and_distribution_page_within_query_budget(
    world, shop, client_for, django_assert_max_num_queries
):
    client = client_for(world.admin)
    order(shop.md, member_of(world), {shop["bread"]: "1"})
    with django_assert_max_num_queries(12):
        assert (
            client.get(
                reverse("orders:manage_list", kwargs={"group_slug": world.group.slug})
            ).status_code
            == 200
        )
    with django_assert_max_num_queries(14):
        small = client.get(murl("manage_md", shop))
    for _ in range(15):
        order(shop.md, new_member(world.group), {shop["bread"]: "1"})
    with django_assert_max_num_queries(14):
        big = client.get(murl("manage_md", shop))
    assert small.status_code == big.status_code == 200
    assert big.content.decode().count("Pain de campagne") >= 16


def test_admin_enters_an_order_for_a_member_after_the_window_closes(
    world, shop, client_for, django_capture_on_commit_callbacks
):
    for d in shop.md.distributions.all():
        d.orders_close_at = timezone.now() - timedelta(minutes=5)
        d.orders_open_at = d.orders_close_at - timedelta(days=2)
        d.save()
    client = client_for(world.admin)
    member = member_of(world)
    page = murl("manage_member", shop, member_id=member.pk)
    assert client.get(page).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page + "save/", {f"q-{shop['tomatoes'].pk}": "2", "payment_type": "onthespot"}
        )
    assert response.status_code == 302
    basket = Basket.objects.get(member=member, state="confirmed")
    assert basket.payment_type == "onthespot" and basket.number == 1
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("8")
    assert payment_selectors.debt_for_reference(
        group=world.group, member=member, reference=basket.code
    ) == D("9.60")
    assert LogEntry.objects.filter(action="order.changed_by_admin", actor=world.admin).exists()
    assert len(mail.outbox) == 1 and basket.code in mail.outbox[0].body
    # The member cannot change it any more, but the admin still can, until validation.
    assert not services.order_update(
        md=shop.md, member=member, quantities={shop["tomatoes"].pk: 1}, acting_user=world.member
    ).changed
    shop.md.validated_at = timezone.now()
    shop.md.save(update_fields=["validated_at"])
    client.post(page + "save/", {f"q-{shop['tomatoes'].pk}": "1"})
    assert OrderLine.objects.get(basket=basket).quantity == D("2")


def test_admin_cancels_a_members_order(world, shop, client_for):
    basket = order(shop.md, member_of(world), {shop["eggs"]: "2"}).basket
    client_for(world.admin).post(murl("manage_member_cancel", shop, member_id=basket.member_id))
    basket.refresh_from_db()
    shop["eggs"].refresh_from_db()
    assert basket.is_cancelled and shop["eggs"].stock == D("3")


def test_coordinator_sees_and_enters_only_their_catalog(world, shop, client_for):
    coordinator = _coordinator_of(world, shop.bakery)
    client = client_for(coordinator)
    basket = order(shop.md, member_of(world), {shop["tomatoes"]: "1", shop["bread"]: "1"}).basket
    html = client.get(murl("manage_md", shop)).content.decode()
    assert "Pain de campagne" in html and "Tomates" not in html
    page = murl("manage_member", shop, member_id=basket.member_id)
    html = client.get(page).content.decode()
    assert f"q-{shop['bread'].pk}" in html and f"q-{shop['tomatoes'].pk}" not in html
    client.post(page + "save/", {f"q-{shop['bread'].pk}": "2", f"q-{shop['tomatoes'].pk}": "5"})
    quantities = dict(OrderLine.objects.filter(basket=basket).values_list("product_id", "quantity"))
    assert quantities == {shop["tomatoes"].pk: D("1"), shop["bread"].pk: D("2")}
    # Whole-distribution screens are not theirs.
    assert client.get(murl("manage_carts", shop)).status_code == 403
    assert client.post(page + "cancel/").status_code == 403


def test_members_without_rights_and_managers_of_other_things_get_403(world, shop, client_for):
    payments_only = MemberFactory(group=world.group, can_manage_payments=True).user
    for user in (world.member, payments_only):
        client = client_for(user)
        assert (
            client.get(
                reverse("orders:manage_list", kwargs={"group_slug": world.group.slug})
            ).status_code
            == 403
        )
        assert client.get(murl("manage_md", shop)).status_code == 403
        assert (
            client.get(murl("manage_member", shop, member_id=member_of(world).pk)).status_code
            == 403
        )
        assert client.get(murl("manage_wholesale", shop)).status_code == 403


def test_a_member_of_another_group_cannot_be_entered(world, shop, client_for):
    stranger = Member.objects.get(group=world.other_group, user=world.outsider)
    assert (
        client_for(world.admin).get(murl("manage_member", shop, member_id=stranger.pk)).status_code
        == 404
    )


def test_new_order_form_redirects_to_the_member(world, shop, client_for):
    member = member_of(world)
    response = client_for(world.admin).get(murl("manage_new", shop), {"member": member.pk})
    assert response["Location"] == murl("manage_member", shop, member_id=member.pk)


def test_non_finalised_carts_are_listed_confirmed_deleted_and_reminded(
    world, shop, client_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first, second = member_of(world), new_member(world.group)
    for member in (first, second):
        services.cart_set(
            member=member,
            md=shop.md,
            product=shop["bread"],
            quantity=D("2"),
            acting_user=member.user,
        )
    client = client_for(world.admin)
    with django_assert_max_num_queries(12):
        html = client.get(murl("manage_carts", shop)).content.decode()
    assert first.user.display_name in html and second.user.display_name in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(murl("manage_carts_remind", shop))
    assert len(mail.outbox) == 2
    assert Basket.objects.filter(state="cart", reminded_at__isnull=False).count() == 2
    first_cart = Basket.objects.get(member=first, state="cart")
    client.post(murl("manage_cart_confirm", shop, basket_code=first_cart.code))
    assert Basket.objects.get(member=first, state="confirmed").lines.get().quantity == D("2")
    second_cart = Basket.objects.get(member=second, state="cart")
    client.post(murl("manage_cart_delete", shop, basket_code=second_cart.code))
    assert not Basket.objects.filter(state="cart").exists()
    missing = murl("manage_cart_delete", shop, basket_code="ABCDEFGH")  # of the right shape
    assert client.post(missing).status_code == 404
    assert client.post(f"{murl('manage_carts', shop)}NOPE/delete/").status_code == 404


def test_wholesale_page_balances_and_confirms(world, shop, client_for):
    from orders import wholesale

    apples = shop["apples"]
    members = [member_of(world), new_member(world.group)]
    for member, kg in zip(members, ("6", "6"), strict=True):
        order(shop.md, member, {apples: str(wholesale.from_base(apples, D(kg)))})
    client = client_for(world.admin)
    page = murl("manage_wholesale", shop)
    html = client.get(page).content.decode()
    assert "Pommes" in html
    # Still open: balancing is refused with a message, nothing changes.
    response = client.post(page + "apply/", {"product": apples.pk}, follow=True)
    assert list(response.context["messages"])
    for d in shop.md.distributions.all():
        d.orders_close_at = timezone.now() - timedelta(minutes=5)
        d.orders_open_at = d.orders_close_at - timedelta(days=2)
        d.save()
    response = client.post(page + "confirm/", {"catalog": shop.farm.pk}, follow=True)
    assert any("Pommes" in str(m) for m in response.context["messages"])
    client.post(
        page + "save/",
        {
            "product": apples.pk,
            f"m-{members[0].pk}": "4",
            f"m-{members[1].pk}": "6",
        },
    )
    response = client.post(page + "confirm/", {"catalog": shop.farm.pk}, follow=True)
    assert shop.md.wholesale_confirmations.count() == 1
