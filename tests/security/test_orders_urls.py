"""Issue 12: string URL keywords of orders and the distribution day have a shape; text of
another shape is a 404 before any query (a NUL byte is refused even earlier, at the edge)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Basket
from tests.orders.factories import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    return make_shop(world)


def url(name, shop, **kw):
    return reverse(
        f"orders:{name}", kwargs={"group_slug": shop.md.group.slug, "md_id": shop.md.pk, **kw}
    )


@pytest.mark.parametrize("code", ["x", "%00", "ABCDEFGH1", "abcdefgh", "A" * 200, "'OR'1'='1"])
def test_a_basket_code_of_the_wrong_shape_is_a_404_without_a_query(world, client_for, code):
    client = client_for(world.member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/g/{world.group.slug}/orders/{code}/")
    assert response.status_code in (400, 404)
    assert not [q for q in queries.captured_queries if "orders_basket" in q["sql"]]


def test_a_cart_code_of_the_wrong_shape_is_a_404(world, shop, client_for):
    client = client_for(world.admin)
    carts = url("manage_carts", shop)
    response = client.post(f"{carts}abc/remind/")
    assert response.status_code == 404
    assert Basket.objects.count() == 0


@pytest.mark.parametrize("kind", ["nope", "x" * 5000, "members'--"])
def test_a_summary_kind_of_the_wrong_shape_is_a_404_without_a_query(world, shop, client_for, kind):
    day = reverse("day:index", kwargs={"group_slug": world.group.slug, "md_id": shop.md.pk})
    client = client_for(world.admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{day}csv/{kind}/")
    assert response.status_code in (400, 404)
    assert not [q for q in queries.captured_queries if "distributions_multidistrib" in q["sql"]]
