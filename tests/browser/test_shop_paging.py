"""Issue 18 item 7 in a browser, on a 360 px phone: the 10,000-product shop shows a first screen
(categories with their counts, the first products), loads more on scroll, a category link
lists that category, a search finds a product of a later page and ordering it works; with
JavaScript off the same by plain links and forms."""

import re
from decimal import Decimal

import pytest

from catalogs.models import Product
from catalogs.reference import taxonomy
from orders.models import Basket
from shop.selectors import PAGE_SIZE
from tests.browser.test_accessibility import axe_violations
from tests.catalogs.factories import CatalogFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import PASSWORD, MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 780}
COUNT = 10_000


@pytest.fixture
def big_shop():
    place = PlaceFactory(group__name="La Grande Halle", group__slug="halle", name="La Halle")
    group = place.group
    group.main_place = place
    group.save(update_fields=["main_place"])
    admin = UserFactory(email="admin@halle.example", first_name="Alice")
    MemberFactory(group=group, user=admin, is_admin=True)
    for email, name in (("lucie@halle.example", "Lucie"), ("marc@halle.example", "Marc")):
        MemberFactory(group=group, user=UserFactory(email=email, first_name=name))
    catalogs = [
        CatalogFactory(group=group, vendor=VendorFactory(name=name), name=f"Catalogue {name}")
        for name in ("Ferme du Pré", "Fournil du Lavoir", "Verger des Collines")
    ]
    kinds = sorted(taxonomy().kinds)[:60]
    Product.objects.bulk_create(
        (
            Product(
                group=group,
                catalog=catalogs[i % 3],
                name=f"Produit {i:05d}",
                ref=f"P{i:05d}",
                description="De saison, cultivé près d'ici.",
                taxonomy=kinds[i % len(kinds)],
                unit_type="kg" if i % 3 else "piece",
                unit_quantity=Decimal(1) if i % 3 else None,
                price=Decimal(150 + (i * 37) % 900) / 100,
                organic=i % 4 == 0,
                variable_weight=i % 7 == 0,
            )
            for i in range(COUNT)
        ),
        batch_size=2000,
    )
    md = make_md(group, catalogs=catalogs, acting_user=admin)
    return {"md": md, "category": taxonomy().kind(kinds[0]).category}


def _login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


def _cards(page) -> int:
    return page.locator("article.product").count()


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_big_shop_on_a_phone_with_and_without_javascript(
    live_server, browser, screens, big_shop
):
    base, md = live_server.url, big_shop["md"]
    shop = f"{base}/g/halle/shop/{md.pk}/"
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    _login(page, base, "lucie@halle.example")

    # The first screen: the categories with their counts, a page of products, nothing wider.
    page.goto(shop)
    assert _cards(page) == PAGE_SIZE
    assert f"{COUNT:,} produits".replace(",", "\u00a0") in page.inner_text("main")
    assert page.locator(".shop-cats a").count() > 3 and _width(page) <= PHONE["width"]
    page.screenshot(path=screens / "shop-big-first-screen.png")
    assert [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")] == []

    # Scrolling loads the next products (shop.js), in the same form.
    # (The CSP forbids eval: waiting on elements, not on a JavaScript expression.)
    page.mouse.wheel(0, 200_000)
    page.locator("article.product").nth(PAGE_SIZE).wait_for(state="attached")
    page.mouse.wheel(0, 200_000)
    page.locator("article.product").nth(2 * PAGE_SIZE).wait_for(state="attached")
    assert page.url == shop and _width(page) <= PHONE["width"]
    # A chunk continuing a section is merged into it: no repeated heading.
    titles = page.locator(".shop-section h2").all_inner_texts()
    producers = page.locator("h3.producer").all_inner_texts()
    assert len(titles) == len(set(titles)) and len(producers) == len(set(producers))
    page.screenshot(path=screens / "shop-big-scrolled.png")
    # Ordering from a loaded chunk: back on that chunk's page, at the product, in the cart.
    card = page.locator("article.product").nth(PAGE_SIZE + 3)
    pk = card.get_attribute("id")[1:]
    card.locator("button[name=add]").click()
    page.wait_for_url(re.compile(rf"/shop/{md.pk}/\?page=2#p{pk}$"))
    assert page.locator(f"#p{pk}.in-cart").count() == 1
    assert page.locator(".cart-bar").count() == 1

    # A category link lists that category only.
    category = big_shop["category"]
    page.locator(".shop-cats a", has_text=category).first.click()
    page.wait_for_url(re.compile(r"\?category=\d+$"))
    titles = set(page.locator(".shop-section h2").all_inner_texts())
    assert titles == {category}
    page.screenshot(path=screens / "shop-big-category.png")

    # A search finds a product far down the shop; ordering it works. (From a category page the
    # search keeps the category, shown in the open filters: searching from the whole shop.)
    page.click(".shop-cats a >> nth=0")
    page.wait_for_url(shop)
    page.fill("#id_q", "produit 09876")
    page.click("form.shop-filters button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"\?q=produit\+09876"))
    assert page.locator("article.product h4").all_inner_texts() == ["Produit 09876"]
    wanted = Product.objects.get(name="Produit 09876")
    page.fill(f"#q{wanted.pk}", "2")
    page.click(f"button[name=add][value='{wanted.pk}']")
    page.wait_for_selector(f"#p{wanted.pk}.in-cart")
    page.screenshot(path=screens / "shop-big-search-ordered.png")
    cart = Basket.objects.get(member__user__email="lucie@halle.example", multidistrib=md)
    assert {line.product.name for line in cart.lines.all()} >= {"Produit 09876"}
    assert cart.lines.count() == 2
    context.close()

    # Without JavaScript: plain links and forms.
    bare = browser.new_context(viewport=PHONE, locale="fr-FR", java_script_enabled=False)
    page = bare.new_page()
    _login(page, base, "marc@halle.example")
    page.goto(shop)
    assert _cards(page) == PAGE_SIZE
    page.mouse.wheel(0, 200_000)
    page.wait_for_timeout(300)
    assert _cards(page) == PAGE_SIZE  # nothing loads by itself
    page.click(".shop-pages a[rel=next]")
    page.wait_for_url(re.compile(r"\?page=2$"))
    assert _cards(page) == PAGE_SIZE and "Page 2 sur" in page.inner_text(".shop-pages")
    page.screenshot(path=screens / "shop-big-nojs-page2.png")
    card = page.locator("article.product").nth(5)
    pk = card.get_attribute("id")[1:]
    card.locator("input[type=number]").first.fill("3")
    card.locator("button[name=add]").click()
    page.wait_for_url(re.compile(rf"\?page=2#p{pk}$"))
    assert page.locator(f"#p{pk}.in-cart").count() == 1
    page.locator(".shop-cats a", has_text=big_shop["category"]).first.click()
    page.wait_for_url(re.compile(r"\?category=\d+$"))
    assert set(page.locator(".shop-section h2").all_inner_texts()) == {big_shop["category"]}
    page.click(".shop-cats a >> nth=0")
    page.wait_for_url(shop)
    page.fill("#id_q", "produit 09876")
    page.click("form.shop-filters button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r"\?q=produit\+09876"))
    assert _cards(page) == 1 and _width(page) <= PHONE["width"]
    page.screenshot(path=screens / "shop-big-nojs-search.png", full_page=True)
    marc = Basket.objects.get(member__user__email="marc@halle.example", multidistrib=md)
    assert marc.lines.get().product_id == int(pk)
    bare.close()

    # On a desktop the categories wrap less and the cards sit three abreast; nothing overflows.
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = wide.new_page()
    page.goto(shop)
    assert _cards(page) == PAGE_SIZE and _width(page) <= 1280
    page.screenshot(path=screens / "shop-big-desktop.png")
    wide.close()
