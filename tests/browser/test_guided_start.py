"""Issue 18: a new admin follows the guided start of the management home from an empty group to a
first order by a member, and the checklist ticks itself at each step. The first visit shows the
tour, which the keyboard can skip."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from members.services import group_create
from tests.browser.test_orders_journey import _login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _done(page, step: str) -> bool:
    return "done" in (page.get_attribute(f"li[data-step={step}]", "class") or "")


def test_a_new_admin_goes_from_an_empty_group_to_a_first_order(live_server, browser, screens):
    base = live_server.url
    admin = UserFactory(email="claire@example.org", first_name="Claire", last_name="Martin")
    member = UserFactory(email="paul@example.org", first_name="Paul", last_name="Durand")
    group = group_create(
        name="Les Paniers du Lavoir",
        group_type="producer_drive",
        place_name="Le Lavoir",
        address1="2 rue du Lavoir",
        postcode="13200",
        city="Arles",
        latitude=Decimal("43.676800"),
        longitude=Decimal("4.630300"),
        acting_user=admin,
    )
    manage = f"{base}/g/{group.slug}/manage/"
    today = timezone.localdate(timezone.now(), group.tzinfo)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    _login(page, base, admin.email)
    page.goto(manage)
    # First visit: the tour opens, focused; Escape ends it and it does not come back.
    assert page.is_visible("#tour")
    assert page.evaluate("document.activeElement.id") == "tour"
    page.screenshot(path=screens / "guided-start-0-tour.png")
    page.keyboard.press("Tab")  # Previous is disabled on the first step: Next
    page.keyboard.press("Enter")
    assert page.inner_text(".tour-count") == "2 / 5"
    page.keyboard.press("Escape")
    assert page.is_hidden("#tour")
    page.screenshot(path=screens / "guided-start-1-empty.png", full_page=True)
    assert _done(page, "place") and _done(page, "payment_types")
    for step in ("catalog", "distribution", "open_orders", "members", "first_order"):
        assert not _done(page, step), step
    page.reload()
    assert page.is_hidden("#tour")

    # 1. A producer and their catalog, from the checklist's link.
    page.click("li[data-step=catalog] a")
    page.fill("#id_vendor_name", "Ferme du Vallon")
    page.fill("#id_vendor_email", "vallon@example.org")
    page.select_option("#id_vendor_profession", index=1)
    page.fill("#id_vendor_postcode", "13200")
    page.fill("#id_vendor_city", "Arles")
    page.fill("#id_name", "Légumes du Vallon")
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + timedelta(days=90)).isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/manage/catalogs/\d+/$"))
    catalog_url = page.url
    # Its legal data, without which orders cannot open (decision 13).
    page.goto(catalog_url + "producer/")
    page.fill("#id_legal-legal_name", "EARL du Vallon")
    page.fill("#id_legal-siret", "732 829 320 00074")
    page.select_option("#id_legal-legal_status", "6598")
    page.fill("#id_legal-naf_code", "01.13Z")
    page.fill("#id_legal-registered_address", "1 chemin du Vallon")
    page.fill("#id_legal-registered_postcode", "13200")
    page.fill("#id_legal-registered_city", "Arles")
    page.click("form:has(#id_legal-siret) button[type=submit]")
    page.goto(catalog_url + "products/new/")
    page.fill("#id_name", "Panier de légumes")
    page.fill("#id_price", "12.50")
    page.click("main form button[type=submit]")
    page.goto(manage)
    assert _done(page, "catalog") and not _done(page, "distribution")

    # 2. A distribution, then the catalog in it: orders open.
    page.click("li[data-step=distribution] a")
    day = today + timedelta(days=5)
    page.fill("#id_day", day.isoformat())
    page.fill("#id_start_time", "18:00")
    page.fill("#id_end_time", "20:00")
    page.fill("#id_open_date", (today - timedelta(days=1)).isoformat())
    page.fill("#id_open_time", "08:00")
    page.fill("#id_close_date", (day - timedelta(days=1)).isoformat())
    page.fill("#id_close_time", "20:00")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/manage/distributions/\d+/catalogs/$"))
    page.check("input[name=catalogs] >> nth=0")
    page.click("main form button[type=submit]")
    page.goto(manage)
    assert _done(page, "distribution") and _done(page, "open_orders")
    assert not _done(page, "members")
    page.screenshot(path=screens / "guided-start-2-orders-open.png", full_page=True)

    # 3. A member joins from the public page and orders.
    shopper = browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR")
    shop_page = shopper.new_page()
    _login(shop_page, base, member.email)
    shop_page.goto(f"{base}/g/{group.slug}/")
    shop_page.click("button:has-text('Rejoindre le groupe')")
    # The group asks for a phone: joining asks for it first (spec §4.3), checkout no more.
    shop_page.fill("input[name=phone]", "06 12 34 56 78")
    shop_page.click("main form button[type=submit]")
    shop_page.wait_for_url(re.compile(rf"/g/{group.slug}/$"))
    page.goto(manage)
    assert _done(page, "members") and not _done(page, "first_order")
    shop_page.goto(f"{base}/g/{group.slug}/")
    shop_page.click(f"a[href^='/g/{group.slug}/shop/']")
    shop_page.click("button[name=add]")
    shop_page.click(".cart-bar a[href$='/checkout/']")
    shop_page.check("input[name=payment_type] >> nth=0")
    shop_page.click("form.steps button[type=submit]")
    shop_page.wait_for_url(re.compile(r"/g/[\w-]+/orders/\w+/$"))
    assert "12,50" in shop_page.inner_text("main")
    shopper.close()

    # 4. A first message to the members.
    page.goto(manage)
    assert not _done(page, "first_message")
    page.goto(f"{base}/g/{group.slug}/manage/messages/new/")
    page.select_option("#id_audience", "all")
    page.fill("#id_subject", "Bienvenue")
    page.fill("#id_body", "Bonjour à toutes et à tous, les commandes sont ouvertes.")
    page.click("#message-save")
    page.wait_for_selector("#message-send")
    page.click("#message-send")
    page.wait_for_selector("#delivery")

    # Every step done: the list has done its job and leaves the home to what needs action.
    page.goto(manage)
    page.screenshot(path=screens / "guided-start-3-done.png", full_page=True)
    assert page.locator("#guided-start").count() == 0
    assert page.is_visible("h2:has-text('Prochaines distributions')")
    context.close()
