"""The storefront: shop, product, cart (session and database), checkout."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalogs.models import Product
from distributions import services as distribution_services
from distributions.models import DeliveryRequest, SlotRequest
from members.models import Member
from orders.models import Basket, OrderLine
from shop.selectors import PAGE_SIZE
from shop.session_cart import SESSION_KEY
from tests.factories import UserFactory
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


def test_shop_lists_orderable_products_by_category_and_producer(world, shop, client_for):
    Product.objects.filter(pk=shop["flour"].pk).update(active=False)
    response = client_for(world.member).get(url("shop:shop", shop))
    assert response.status_code == 200
    html = text(response)
    assert "Tomates" in html and "Pain de campagne" in html and "Ferme du Pré" in html
    assert "Farine" not in html
    assert "4,80" in html and "4,80 € / kg" in html  # price and price per kg
    assert f'id="p{shop["eggs"].pk}"' in html


def test_shop_is_open_to_visitors_but_not_to_other_groups_urls(world, shop, client_for):
    assert client_for(None).get(url("shop:shop", shop)).status_code == 200
    other = reverse("shop:shop", kwargs={"group_slug": world.other_group.slug, "md_id": shop.md.pk})
    assert client_for(world.outsider).get(other).status_code == 404
    product = reverse(
        "shop:product",
        kwargs={
            "group_slug": world.other_group.slug,
            "md_id": shop.md.pk,
            "product_id": shop["bread"].pk,
        },
    )
    assert client_for(world.outsider).get(product).status_code == 404


def test_shop_search_and_filters(world, shop, client_for):
    client = client_for(world.member)
    html = client.get(url("shop:shop", shop), {"q": "tomate"}).content.decode()
    assert ">Tomates 1 kg</a>" in html and ">Pain de campagne" not in html
    html = client.get(url("shop:shop", shop), {"producer": shop.bakery.vendor_id}).content.decode()
    assert ">Pain de campagne" in html and ">Tomates 1 kg</a>" not in html
    Product.objects.filter(pk=shop["bread"].pk).update(organic=True)
    html = client.get(url("shop:shop", shop), {"organic": "on"}).content.decode()
    assert ">Pain de campagne" in html and ">Tomates 1 kg</a>" not in html
    assert client.get(url("shop:shop", shop), {"producer": "nope"}).status_code == 200


def test_shop_shows_closed_when_the_window_is_over(world, shop, client_for):
    for d in shop.md.distributions.all():
        d.orders_close_at = timezone.now() - timedelta(minutes=1)
        d.orders_open_at = d.orders_close_at - timedelta(days=1)
        d.save()
    html = client_for(world.member).get(url("shop:shop", shop)).content.decode()
    assert "Tomates" not in html


def test_shop_query_count_does_not_grow_with_products(
    world, client_for, django_assert_max_num_queries
):
    shop = make_shop(world, extra_products=200)
    client = client_for(world.member)
    order(shop.md, member_of(world), {shop["apples"]: "0.3"})
    services_cart(shop, world, "bread", "1")
    with django_assert_max_num_queries(12):
        response = client.get(url("shop:shop", shop))
    # The first screen: a page of products, the others by category, search or further pages.
    assert response.content.decode().count('<article class="product') == PAGE_SIZE
    small = make_shop_small(world)
    with django_assert_max_num_queries(12):
        client.get(url("shop:shop", small))


def services_cart(shop, world, name, quantity):
    from orders import services

    services.cart_set(
        member=member_of(world),
        md=shop.md,
        product=shop[name],
        quantity=D(quantity),
        acting_user=world.member,
    )


def make_shop_small(world):
    from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
    from tests.distributions.factories import make_md

    catalog = CatalogFactory(group=world.group, vendor=VendorFactory())
    for _i in range(10):
        ProductFactory(catalog=catalog)
    from tests.factories import PlaceFactory

    place = PlaceFactory(group=world.group)
    md = make_md(world.group, place=place, catalogs=[catalog], acting_user=world.admin)

    class Small:
        pass

    small = Small()
    small.md = md
    return small


def test_product_page_shows_price_per_kg_and_the_producer(world, shop, client_for):
    shop.farm.vendor.description = "Maraîchage sur sol vivant"
    shop.farm.vendor.save()
    response = client_for(None).get(url("shop:product", shop, product_id=shop["tomatoes"].pk))
    html = text(response)
    assert response.status_code == 200
    assert "Maraîchage sur sol vivant" in html and "4,80 € / kg" in html
    inactive = shop["flour"]
    Product.objects.filter(pk=inactive.pk).update(active=False)
    assert (
        client_for(None).get(url("shop:product", shop, product_id=inactive.pk)).status_code == 404
    )


def test_visitor_cart_lives_in_the_session_then_is_attached_at_login(world, shop, client_for):
    client = client_for(None)
    response = client.post(
        url("shop:cart_add", shop), {"product": shop["tomatoes"].pk, "quantity": "2"}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY][str(shop.md.pk)][str(shop["tomatoes"].pk)][0] == "2"
    html = client.get(url("shop:checkout", shop)).content.decode()
    assert "/accounts/login/" in html and "Tomates" in html
    assert not Basket.objects.exists()
    client.force_login(world.member)
    client.get(url("shop:cart", shop))
    cart = Basket.objects.get(member=member_of(world), state=Basket.State.CART)
    assert cart.lines.get().quantity == D("2")
    assert str(shop.md.pk) not in client.session.get(SESSION_KEY, {})


def test_cart_add_clamps_to_stock_with_a_message(world, shop, client_for):
    client = client_for(world.member)
    response = client.post(
        url("shop:cart_add", shop), {"product": shop["eggs"].pk, "quantity": "5"}, follow=True
    )
    assert OrderLine.objects.get(basket__state="cart").quantity == D("3")
    messages = [str(m) for m in response.context["messages"]]
    assert any("3" in m and "Œufs" in m for m in messages)


def test_cart_add_refuses_bad_quantities_with_a_message(world, shop, client_for):
    client = client_for(world.member)
    for bad in ("1.5", "abc", "-1"):
        response = client.post(
            url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": bad}, follow=True
        )
        assert response.status_code == 200
        assert list(response.context["messages"])
    response = client.post(
        url("shop:cart_add", shop), {"product": shop["flour"].pk, "quantity": "0.3"}, follow=True
    )
    assert not OrderLine.objects.exists()
    assert client.post(url("shop:cart_add", shop), {"product": "x"}).status_code == 302


def test_cart_page_updates_and_removes(world, shop, client_for):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["tomatoes"].pk, "quantity": "2"})
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    assert client.get(url("shop:cart", shop)).status_code == 200
    client.post(
        url("shop:cart_update", shop),
        {f"q-{shop['tomatoes'].pk}": "3", f"q-{shop['bread'].pk}": "1"},
    )
    assert OrderLine.objects.get(product=shop["tomatoes"]).quantity == D("3")
    client.post(
        url("shop:cart_update", shop), {f"q-{shop['tomatoes'].pk}": "3", "remove": shop["bread"].pk}
    )
    assert not OrderLine.objects.filter(product=shop["bread"]).exists()


def test_checkout_places_the_order_and_sends_the_email(
    world, shop, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["tomatoes"].pk, "quantity": "2"})
    assert client.get(url("shop:checkout", shop)).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    basket = Basket.objects.get(state=Basket.State.CONFIRMED)
    assert response.status_code == 302 and response["Location"] == basket.get_absolute_url()
    assert len(mail.outbox) == 1 and basket.code in mail.outbox[0].body
    page = client.get(basket.get_absolute_url())
    assert page.status_code == 200 and basket.code in page.content.decode()


def test_checkout_requires_a_payment_choice(world, shop, client_for):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Basket.objects.exclude(state="cart").exists()


def test_checkout_joins_an_open_group_and_asks_the_phone_it_requires(world, shop, client_for):
    group = world.group
    group.phone_required = True
    group.save()
    newcomer = UserFactory(phone="")
    client = client_for(newcomer)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    response = client.post(
        url("shop:checkout", shop), {"payment_type": "onthespot", "phone": "06 12 34 56 78"}
    )
    assert response.status_code == 302
    member = Member.objects.get(group=group, user=newcomer)
    newcomer.refresh_from_db()
    assert newcomer.phone == "06 12 34 56 78"
    assert Basket.objects.get(member=member).is_confirmed


def test_checkout_refused_for_a_group_that_does_not_take_members(world, shop, client_for):
    world.group.registration = "closed"
    world.group.save()
    client = client_for(UserFactory())
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 200 and response.context.get("closed_group")
    assert not Basket.objects.exists()


def test_checkout_asks_a_time_slot_when_slots_are_on(world, shop, client_for):
    from datetime import time

    distribution_services.slots_configure(
        md=shop.md,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(19, 0),
        capacity=None,
        acting_user=world.admin,
    )
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 200 and response.context["slot_form"].errors
    slot = shop.md.slots.first()
    response = client.post(
        url("shop:checkout", shop), {"payment_type": "onthespot", "slots": [slot.pk]}
    )
    assert response.status_code == 302
    assert list(SlotRequest.objects.get(user=world.member).slots.all()) == [slot]


def test_checkout_with_home_delivery_adds_the_fee(world, shop, client_for):
    from datetime import time

    distribution_services.delivery_configure(
        md=shop.md,
        enabled=True,
        fee=D("3.50"),
        start_time=time(20, 0),
        end_time=time(21, 0),
        note="",
        acting_user=world.admin,
    )
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    data = {
        "payment_type": "onthespot",
        "pickup": "delivery",
        "delivery-address1": "1 rue Haute",
        "delivery-postcode": "13200",
        "delivery-city": "Arles",
    }
    response = client.post(url("shop:checkout", shop), data)
    assert response.status_code == 302
    basket = Basket.objects.get(state="confirmed")
    assert basket.delivery and basket.delivery_fee == D("3.50") and basket.total() == D("7.00")
    assert DeliveryRequest.objects.filter(user=world.member).exists()


def test_shop_form_sets_every_quantity_typed_and_adds_the_pressed_product(world, shop, client_for):
    client = client_for(world.member)
    tomatoes, bread, eggs = shop["tomatoes"], shop["bread"], shop["eggs"]
    data = {
        "next": url("shop:shop", shop),
        f"q-{tomatoes.pk}": "2",
        f"q-{bread.pk}": "",
        f"q-{eggs.pk}": "",
        "add": str(bread.pk),
    }
    response = client.post(url("shop:cart_add", shop), data)
    assert response["Location"] == url("shop:shop", shop) + f"#p{bread.pk}"
    quantities = dict(
        OrderLine.objects.filter(basket__state="cart").values_list("product_id", "quantity")
    )
    assert quantities == {tomatoes.pk: D("2"), bread.pk: D("1")}
    # Unchanged fields change nothing; 0 removes.
    client.post(
        url("shop:cart_add", shop),
        {f"q-{tomatoes.pk}": "0", f"q-{bread.pk}": "1", "add": str(tomatoes.pk)},
    )
    quantities = dict(
        OrderLine.objects.filter(basket__state="cart").values_list("product_id", "quantity")
    )
    assert quantities == {bread.pk: D("1")}


def test_wholesale_products_are_ordered_in_their_base_unit_with_a_tolerance(
    world, shop, client_for
):
    apples = shop["apples"]  # crates of 10 kg
    client = client_for(world.member)
    client.post(
        url("shop:cart_add", shop),
        {f"q-{apples.pk}": "2.5", f"t-{apples.pk}": "1", "add": str(apples.pk)},
    )
    line = OrderLine.objects.get(product=apples)
    assert (line.quantity, line.tolerance) == (D("0.25"), D("0.1"))
    response = client.post(
        url("shop:cart_add", shop), {f"q-{apples.pk}": "2.505", "add": str(apples.pk)}, follow=True
    )
    assert list(response.context["messages"])
    assert OrderLine.objects.get(product=apples).quantity == D("0.25")


def test_checkout_in_a_money_pot_group_pays_from_the_balance_or_says_why_not(
    world, shop, client_for
):
    from payments import selectors as payment_selectors
    from payments import services as payment_services

    group = world.group
    group.payment_types = ["moneypot"]
    group.save()
    member = member_of(world)
    payment_services.payment_record(
        group=group, member=member, amount=D("5.00"), payment_type="cash", acting_user=world.admin
    )
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["tomatoes"].pk, "quantity": "2"})
    response = client.post(url("shop:checkout", shop), {})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    shop["tomatoes"].refresh_from_db()
    assert shop["tomatoes"].stock == D("10")
    client.post(url("shop:cart_update", shop), {f"q-{shop['tomatoes'].pk}": "1"})
    response = client.post(url("shop:checkout", shop), {})
    assert response.status_code == 302
    assert payment_selectors.balance_for_member(group=group, member=member) == D("0.20")


def test_checkout_asks_the_address_the_group_requires(world, shop, client_for):
    world.group.address_required = True
    world.group.save()
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert {"address1", "postcode", "city"} <= set(response.context["form"].errors)
    data = {
        "payment_type": "onthespot",
        "address1": "2 rue du Lavoir",
        "postcode": "13200",
        "city": "Arles",
    }
    assert client.post(url("shop:checkout", shop), data).status_code == 302
    world.member.refresh_from_db()
    assert world.member.has_address


def test_checkout_of_a_cart_emptied_meanwhile_goes_back_to_the_shop(world, shop, client_for):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    assert client.get(url("shop:checkout", shop)).status_code == 200
    OrderLine.objects.filter(basket__state="cart").delete()  # another tab emptied it
    response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 302 and response["Location"] == url("shop:shop", shop)
    assert not Basket.objects.exclude(state="cart").exists()


def test_checkout_form_errors_show_the_cart_again(world, shop, client_for):
    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "2"})
    response = client.post(url("shop:checkout", shop), {})
    assert response.status_code == 200 and response.context["form"].errors
    assert [row.product.pk for row in response.context["rows"]] == [shop["bread"].pk]
    assert response.context["total"] == D("7.00")
    assert "Pain de campagne" in text(response)


def test_checkout_placing_an_order_reads_the_cart_once(world, shop, client_for):
    """The cart's lines are read by the order service under its lock, not before by the view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.member)
    client.post(url("shop:cart_add", shop), {"product": shop["bread"].pk, "quantity": "1"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url("shop:checkout", shop), {"payment_type": "onthespot"})
    assert response.status_code == 302
    line_reads = [
        q for q in ctx.captured_queries if q["sql"].startswith('SELECT "orders_orderline"')
    ]
    assert len(line_reads) == 1
