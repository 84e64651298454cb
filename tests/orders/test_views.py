"""The member screens of orders: an order, my orders, the home panels (the shop's are in
tests/shop/test_views.py)."""

import pytest
from django.urls import reverse

from orders.models import OrderLine
from tests.orders.factories import D, make_shop, member_of, order

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page, with the no-break spaces of formatted amounts made plain."""
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def url(name, shop, **kw):
    return reverse(
        name if ":" in name else f"orders:{name}",
        kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk, **kw},
    )


@pytest.fixture
def shop(world):
    return make_shop(world)


def test_member_edits_and_cancels_their_order(world, shop, client_for):
    member = member_of(world)
    basket = order(shop.md, member, {shop["tomatoes"]: "2"}).basket
    client = client_for(world.member)
    client.post(basket.get_absolute_url() + "save/", {f"q-{shop['tomatoes'].pk}": "4"})
    assert OrderLine.objects.get(basket=basket).quantity == D("4")
    client.post(basket.get_absolute_url() + "cancel/")
    basket.refresh_from_db()
    assert basket.is_cancelled
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("10")


def test_baskets_of_other_members_are_404(world, shop, client_for):
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    assert client_for(world.coordinator).get(basket.get_absolute_url()).status_code == 404
    assert client_for(world.outsider).get(basket.get_absolute_url()).status_code == 404


def test_my_orders_lists_orders_across_groups(
    world, shop, client_for, django_assert_max_num_queries
):
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    client = client_for(world.member)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("orders:my_orders"))
    assert basket.code in response.content.decode()


def test_home_and_group_pages_link_to_the_shop(world, shop, client_for):
    client = client_for(world.member)
    shop_url = url("shop:shop", shop)
    assert shop_url in client.get("/").content.decode()
    assert (
        shop_url
        in client.get(
            reverse("groups:detail", kwargs={"group_slug": world.group.slug})
        ).content.decode()
    )


def test_home_panel_costs_the_same_for_one_or_many_open_distributions(
    world, client_for, django_assert_max_num_queries
):
    from tests.factories import PlaceFactory

    first = make_shop(world)
    client = client_for(world.member)
    with django_assert_max_num_queries(30) as few:
        client.get("/")
    for _ in range(2):
        make_shop(world, md_kwargs={"place": PlaceFactory(group=world.group)})
    order(first.md, member_of(world), {first["bread"]: "1"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/").content.decode()
    assert html.count("/shop/") >= 3


def test_bad_input_on_order_screens_gives_messages_not_errors(world, shop, client_for):
    basket = order(shop.md, member_of(world), {shop["tomatoes"]: "1"}).basket
    member_client = client_for(world.member)
    response = member_client.post(
        basket.get_absolute_url() + "save/",
        {f"q-{shop['tomatoes'].pk}": "deux"},
        follow=True,
    )
    assert response.status_code == 200 and list(response.context["messages"])
    admin = client_for(world.admin)
    page = reverse(
        "orders:manage_member",
        kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk, "member_id": basket.member_id},
    )
    response = admin.post(page + "save/", {f"q-{shop['bread'].pk}": "1.5"}, follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    wholesale_page = reverse(
        "orders:manage_wholesale", kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk}
    )
    response = admin.post(
        wholesale_page + "save/",
        {"product": shop["apples"].pk, f"m-{basket.member_id}": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert admin.post(wholesale_page + "apply/", {"product": "zz"}).status_code == 404
    assert OrderLine.objects.get(basket=basket).quantity == D("1")
