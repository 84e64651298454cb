"""A member fills a cart from two producers, picks a time slot, checks out and receives the
e-mail; an admin then enters an order for another member."""

import re
from datetime import time
from decimal import Decimal

import pytest
from django.core import mail

from distributions import services as distribution_services
from members.models import Member
from orders.models import Basket
from tests.browser.test_accessibility import axe_violations
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import PASSWORD, MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.fixture
def shop_data():
    place = PlaceFactory(
        group__name="Les Paniers du Lavoir", group__slug="lavoir", name="Le Lavoir"
    )
    group = place.group
    group.main_place = place
    group.save(update_fields=["main_place"])
    admin = UserFactory(email="admin@lavoir.example", first_name="Alice")
    member = UserFactory(email="lucie@lavoir.example", first_name="Lucie", last_name="Ferrand")
    other = UserFactory(email="marc@lavoir.example", first_name="Marc", last_name="Bonnet")
    MemberFactory(group=group, user=admin, is_admin=True)
    MemberFactory(group=group, user=member)
    MemberFactory(group=group, user=other)
    farm = CatalogFactory(
        group=group, vendor=VendorFactory(name="Ferme du Pré"), name="Légumes", stock_tracked=True
    )
    bakery = CatalogFactory(
        group=group, vendor=VendorFactory(name="Fournil du Lavoir"), name="Pain"
    )
    tomatoes = ProductFactory(
        catalog=farm,
        name="Tomates",
        unit_type="kg",
        unit_quantity=Decimal("1"),
        price=Decimal("4.80"),
        stock=Decimal("20"),
    )
    ProductFactory(catalog=farm, name="Courgettes", unit_type="kg", unit_quantity=Decimal("1"))
    bread = ProductFactory(catalog=bakery, name="Pain de campagne", price=Decimal("3.50"))
    md = make_md(group, catalogs=[farm, bakery], acting_user=admin)
    distribution_services.slots_configure(
        md=md,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(19, 0),
        capacity=None,
        acting_user=admin,
    )
    return {"group": group, "md": md, "tomatoes": tomatoes, "bread": bread, "other": other}


def test_member_orders_from_two_producers_then_an_admin_enters_an_order(
    live_server, page, screens, shop_data
):
    base = live_server.url
    md, tomatoes, bread = shop_data["md"], shop_data["tomatoes"], shop_data["bread"]
    mail.outbox.clear()

    # The member finds the shop from the group page, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, base, "lucie@lavoir.example")
    page.goto(base + "/g/lavoir/")
    page.click(f"a[href='/g/lavoir/shop/{md.pk}/']")
    page.wait_for_url(re.compile(rf"/g/lavoir/shop/{md.pk}/$"))
    assert "Ferme du Pré" in page.content() and "Fournil du Lavoir" in page.content()
    page.fill(f"#q{tomatoes.pk}", "2")
    page.click(f"button[name=add][value='{tomatoes.pk}']")
    page.wait_for_selector(".cart-bar")
    page.fill(f"#q{bread.pk}", "1")
    page.click(f"button[name=add][value='{bread.pk}']")
    page.wait_for_selector(f"#p{bread.pk}.in-cart")
    page.screenshot(path=screens / "orders-shop-mobile.png", full_page=False)
    problems = {"shop": axe_violations(page)}
    assert "13,10" in page.inner_text(".cart-bar").replace("\u202f", " ").replace("\xa0", " ")

    # Checkout: a time slot, the payment on the spot, confirm.
    page.click(f".cart-bar a[href='/g/lavoir/shop/{md.pk}/checkout/']")
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.check("input[name=slots] >> nth=0")
    page.check("input[name=payment_type][value=onthespot]")
    page.screenshot(path=screens / "orders-checkout-mobile.png", full_page=True)
    problems["checkout"] = axe_violations(page)
    page.click("form.steps button[type=submit]")
    page.wait_for_url(re.compile(r"/g/lavoir/orders/[A-Z0-9]+/$"))
    basket = Basket.objects.get(member__user__email="lucie@lavoir.example", state="confirmed")
    assert basket.code in page.content()
    page.screenshot(path=screens / "orders-basket-mobile.png", full_page=True)
    problems["basket"] = axe_violations(page)
    assert sorted(basket.lines.values_list("product_name", flat=True)) == [
        "Pain de campagne",
        "Tomates 1 kg",
    ]
    tomatoes.refresh_from_db()
    assert tomatoes.stock == Decimal("18")
    assert md.slot_requests.get(user__email="lucie@lavoir.example").slots.count() == 1

    # The e-mail came, with the code and both producers, in text and HTML.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lucie@lavoir.example"] and basket.code in message.subject
    assert "Ferme du Pré" in message.body and "Fournil du Lavoir" in message.body
    assert basket.code in message.alternatives[0][0]

    # An admin enters an order for another member from the orders screen.
    context = page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    admin_page = context.new_page()
    _login(admin_page, base, "admin@lavoir.example")
    admin_page.goto(base + f"/g/lavoir/manage/orders/{md.pk}/")
    other = Member.objects.get(user=shop_data["other"])
    admin_page.select_option("#id_member", str(other.pk))
    admin_page.click("form[action$='/new/'] button[type=submit]")
    admin_page.wait_for_url(re.compile(rf"/members/{other.pk}/$"))
    admin_page.fill(f"#mq{bread.pk}", "3")
    admin_page.screenshot(path=screens / "orders-admin-entry.png", full_page=True)
    problems["admin entry"] = axe_violations(admin_page)
    admin_page.click("form[action$='/save/'] button[type=submit]")
    admin_page.wait_for_url(re.compile(rf"/manage/orders/{md.pk}/$"))
    admin_page.screenshot(path=screens / "orders-admin-list.png", full_page=True)
    problems["admin list"] = axe_violations(admin_page)
    assert {k: v for k, v in problems.items() if v} == {}
    entered = Basket.objects.get(member=other, state="confirmed")
    assert entered.lines.get().quantity == Decimal("3") and entered.number == 2
    assert "Bonnet".upper() in admin_page.content()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["marc@lavoir.example"]
    context.close()
