"""Issue 18's frictions: one name for the market mode, the count of articles said as such on the
distribution sheets, weighed products' prices shown as estimates."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from groups.models import Group
from members.models import Member
from orders import services as order_services
from tests.day.conftest import build_day
from tests.factories import UserFactory
from tests.groups.test_groups import CREATE
from tests.orders.factories import make_shop

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("\xa0", " "))


def test_the_group_type_has_one_name_from_creation_to_the_public_page(client_for):
    client = client_for(UserFactory())
    creation = _text(client.get("/groups/new/"))
    assert "Drive de producteurs : les membres commandent" in creation
    assert "Mode marché :" not in creation
    client.post("/groups/new/", CREATE)
    group = Group.objects.get(name=CREATE["name"])
    assert "Drive de producteurs" in _text(client.get(f"/g/{group.slug}/"))
    assert "Drive de producteurs" in _text(client.get(f"/g/{group.slug}/manage/"))


def test_the_sheet_counts_articles_not_kilos_plus_pieces(world, client_for):
    world.group.payment_types = ["cash", "cheque", "transfer"]
    world.group.save()
    day = build_day(world)
    url = reverse("day:print", args=[world.group.slug, day.md.pk, "members"])
    html = client_for(world.admin).get(url).content.decode()
    # Membre: carrots (by weight: one article), tomatoes (by weight: one), a loaf, 3 cookies.
    assert '<tr class="total"><td class="num">6 articles</td>' in html


def test_a_weighed_product_says_its_price_is_an_estimate(world, client_for):
    shop = make_shop(world)
    member = Member.objects.get(group=world.group, user=world.member)
    for name in ("squash", "bread"):
        order_services.cart_set(
            member=member,
            md=shop.md,
            product=shop[name],
            quantity=Decimal("1"),
            acting_user=world.member,
        )
    client = client_for(world.member)
    cart = _text(client.get(reverse("shop:cart", args=[world.group.slug, shop.md.pk])))
    assert cart.count("estimé jusqu\u2019à la pesée") == 1


def test_the_demo_shop_has_pictures(db, django_capture_on_commit_callbacks):
    """Issue 18, item 7: generated placeholder pictures, one per producer, stored once."""
    import io

    from django.core.files.storage import default_storage

    from catalogs import demo as catalogs_demo
    from catalogs.models import Product
    from members import demo as members_demo

    with django_capture_on_commit_callbacks(execute=True):
        members_demo.seed(io.StringIO())
        catalogs_demo.seed(io.StringIO())
        catalogs_demo.seed(io.StringIO())  # idempotent
    products = Product.objects.filter(group__slug="demo")
    assert products.exists() and not products.filter(image="").exists()
    names = set(products.values_list("image", flat=True))
    assert len(names) == 4 and all(default_storage.exists(name) for name in names)
