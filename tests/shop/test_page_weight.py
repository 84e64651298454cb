"""Issue 18 / design §9: the shop's HTML travels compressed; a 1,000-product shop under 100 KiB."""

import gzip
from decimal import Decimal

from django.urls import reverse

from catalogs.models import Product
from tests.orders.factories import make_shop


def test_a_thousand_product_shop_travels_under_100_kib(world, client_for):
    shop = make_shop(world)
    Product.objects.bulk_create(
        Product(
            group=world.group,
            catalog=shop.bakery if i % 2 else shop.farm,
            name=f"Produit {i:04d}",
            ref=f"P-{i:04d}",
            price=Decimal("1.00") + i % 7,
            vat_rate=Decimal("5.5"),
        )
        for i in range(1000)
    )
    url = reverse("shop:shop", args=[world.group.slug, shop.md.pk])
    client = client_for(world.member)
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content).count(b'class="product') >= 1000
    assert len(plain.content) > 400 * 1024
    print(
        f"shop of 1,000 products: {len(plain.content) / 1024:.0f} KiB, gzipped {len(packed.content) / 1024:.0f} KiB"
    )
    assert len(packed.content) < 100 * 1024
