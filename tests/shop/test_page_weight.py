"""Issue 18 / design §9: the shop's HTML travels compressed; a 1,000-product shop under 100 KiB,
a 10,000-product shop sends a first screen of at most 300 KiB and the rest on demand (bytes
here; the time is measured by ``make bench``)."""

import gzip
from decimal import Decimal

import pytest
from django.urls import reverse

from catalogs.models import Product
from catalogs.reference import taxonomy
from tests.orders.factories import make_shop


def _fill(world, shop, count: int) -> None:
    kinds = sorted(taxonomy().kinds)[:60]
    Product.objects.bulk_create(
        (
            Product(
                group=world.group,
                catalog=shop.bakery if i % 2 else shop.farm,
                name=f"Produit {i:05d}",
                ref=f"P-{i:05d}",
                description="Un produit de saison, cultivé près d'ici.",
                taxonomy=kinds[i % len(kinds)],
                price=Decimal("1.00") + i % 7,
                vat_rate=Decimal("5.5"),
                organic=i % 4 == 0,
                stock=Decimal(100) if i % 5 == 0 else None,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )


def _weigh(client, url) -> tuple[int, int, bytes]:
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    return len(plain.content), len(packed.content), gzip.decompress(packed.content)


@pytest.mark.parametrize(("count", "budget_kib"), [(1000, 100), (10000, 300)])
def test_the_shop_first_screen_travels_within_its_budget(world, client_for, count, budget_kib):
    shop = make_shop(world)
    _fill(world, shop, count)
    url = reverse("shop:shop", args=[world.group.slug, shop.md.pk])
    client = client_for(world.member)
    plain, packed, html = _weigh(client, url)
    cards = html.count(b'<article class="product')
    assert 0 < cards < count
    # every product is counted, thousands grouped the French way
    assert f">{count + 6:,} produits<".replace(",", "\u00a0").encode() in html
    # The rest is on demand: a category, a search, the next page (plain links).
    assert b'rel="next"' in html and b"?category=" in html
    print(
        f"shop of {count:,} products, first screen of {cards}: {plain / 1024:.0f} KiB, "
        f"gzipped {packed / 1024:.0f} KiB"
    )
    assert packed < budget_kib * 1024
