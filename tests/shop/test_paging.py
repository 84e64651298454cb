"""Issue 18 item 7: the shop sends a first screen (categories with their counts, the first
products) and the rest by category, search or further pages, paginated in SQL; plain links and
forms, no JavaScript needed to order."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalogs.models import Product
from catalogs.reference import taxonomy
from orders.models import Basket
from shop.selectors import PAGE_SIZE
from tests.orders.factories import make_shop, member_of

pytestmark = pytest.mark.django_db


def add_products(shop, count: int, *, kinds: int = 12) -> list[int]:
    """``count`` products over both catalogs and a few kinds of several categories."""
    tax = taxonomy()
    chosen = sorted(tax.kinds)[:: max(1, len(tax.kinds) // kinds)][:kinds]
    Product.objects.bulk_create(
        Product(
            group=shop.md.group,
            catalog=shop.bakery if i % 2 else shop.farm,
            name=f"Produit {i:05d}",
            ref=f"P-{i:05d}",
            description="De saison, cultivé près d'ici.",
            taxonomy=chosen[i % len(chosen)],
            price=Decimal("1.00") + i % 7,
            vat_rate=Decimal("5.5"),
        )
        for i in range(count)
    )
    return chosen


def shop_url(shop, **query) -> str:
    path = reverse("shop:shop", args=[shop.md.group.slug, shop.md.pk])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def card_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="product[^"]*" id="p(\d+)"', html)]


def next_link(html: str) -> str | None:
    found = re.search(r'<a rel="next"[^>]* href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, first: str) -> list[int]:
    """Every product of a listing, following the "More products" links."""
    seen, link = [], first
    while link:
        html = client.get(link).content.decode()
        seen += card_ids(html)
        link = next_link(html)
    return seen


def test_first_screen_holds_a_page_and_the_categories_with_their_counts(world, client_for):
    shop = make_shop(world)
    add_products(shop, 300)
    html = client_for(world.member).get(shop_url(shop)).content.decode()
    assert len(card_ids(html)) == PAGE_SIZE
    total = Product.objects.filter(catalog__in=[shop.farm, shop.bakery], active=True).count()
    assert f">{total} produits<" in html  # under a thousand: no grouping
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', html)]
    assert counts[0] == total and sum(counts[1:]) == total and len(counts) > 3
    assert 'rel="next"' in html and "Page 1 sur" in html and 'rel="prev"' not in html


def test_pages_give_every_product_once_in_order(world, client_for):
    shop = make_shop(world)
    add_products(shop, 230)
    client = client_for(world.member)
    seen = walk(client, shop_url(shop))
    active = Product.objects.filter(catalog__in=[shop.farm, shop.bakery], active=True)
    assert sorted(seen) == sorted(active.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))
    # A chunk (what shop.js fetches) is the same page without the rest of the page.
    chunk = client.get(shop_url(shop, page=2, chunk=1)).content.decode()
    assert "<html" not in chunk and card_ids(chunk) == seen[PAGE_SIZE : 2 * PAGE_SIZE]
    assert "chunk" not in next_link(chunk)


def test_a_category_link_lists_that_category_only(world, client_for):
    shop = make_shop(world)
    kinds = add_products(shop, 200)
    tax = taxonomy()
    category = tax.kind(kinds[0]).category_id
    in_category = {
        pk
        for pk, kind in Product.objects.filter(
            catalog__in=[shop.farm, shop.bakery], active=True
        ).values_list("pk", "taxonomy")
        if tax.kind(kind) and tax.kind(kind).category_id == category
    }
    client = client_for(world.member)
    html = client.get(shop_url(shop)).content.decode()
    link = re.search(rf'href="([^"]*category={category})"', html).group(1)
    page = client.get(link).content.decode()
    assert 'aria-current="page">' + tax.categories[category] in page
    assert set(walk(client, link)) == in_category
    # "Other products" (no kind) has its own link too.
    others = client.get(shop_url(shop, category=0)).content.decode()
    assert ">Tomates 1 kg</a>" in others


def test_search_finds_a_product_of_a_later_page_and_ordering_works_from_there(world, client_for):
    shop = make_shop(world)
    add_products(shop, 200)
    client = client_for(world.member)
    first = card_ids(client.get(shop_url(shop)).content.decode())
    wanted = Product.objects.get(name="Produit 00187")
    assert wanted.pk not in first
    found = client.get(shop_url(shop, q="produit+00187")).content.decode()
    assert card_ids(found) == [wanted.pk]
    # Accents and case do not matter; the search keeps its pages.
    assert ">Œufs" in client.get(shop_url(shop, q="OEUFS")).content.decode()
    everything = walk(client, shop_url(shop, q="saison"))
    assert len(everything) == 200
    # A later page orders without JavaScript: back to that page, at the product.
    later = shop_url(shop, page=3)
    target = card_ids(client.get(later).content.decode())[0]
    response = client.post(
        reverse("shop:cart_add", args=[world.group.slug, shop.md.pk]),
        {"next": later, f"q-{target}": "2", "add": target},
    )
    assert response.status_code == 302 and response["Location"] == f"{later}#p{target}"
    cart = Basket.objects.get(member=member_of(world), multidistrib=shop.md)
    assert cart.lines.get().product_id == target
    again = client.get(later).content.decode()
    assert f'class="product in-cart" id="p{target}"' in again and "cart-bar" in again


@pytest.mark.parametrize("page", ["abc", "0", "-3", "999999", "9" * 30, "²"])
def test_a_wrong_page_number_shows_a_page(world, client_for, page):
    shop = make_shop(world)
    add_products(shop, 100)
    response = client_for(None).get(shop_url(shop, page=page, category="x", q="a" * 80))
    assert response.status_code == 200


def test_queries_do_not_grow_with_products(world, client_for, django_assert_max_num_queries):
    shop = make_shop(world)
    # The filling of wholesale units is read when the page shows some (one query more).
    Product.objects.filter(wholesale=True).update(active=False)
    client = client_for(world.member)
    urls = [shop_url(shop), shop_url(shop, page=3), shop_url(shop, q="produit"), None]
    counts = {}
    for size in (10, 1000):
        Product.objects.filter(name__startswith="Produit").delete()
        add_products(shop, size)
        category = taxonomy().kind(add_products(shop, 0)[0]).category_id
        urls[-1] = shop_url(shop, category=category, page=2)
        for link in urls:
            with django_assert_max_num_queries(12) as captured:
                assert client.get(link).status_code == 200
            counts.setdefault(link, set()).add(len(captured.captured_queries))
    assert all(len(found) == 1 for found in counts.values()), counts
