"""Operators see baskets in Django admin, read-only: stock and debts change only through the
services."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.orders.factories import make_shop, member_of, order

pytestmark = pytest.mark.django_db


def test_operator_lists_and_opens_baskets_read_only(world, client_for):
    shop = make_shop(world)
    basket = order(shop.md, member_of(world), {shop["bread"]: "1"}).basket
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(operator)
    listing = client.get(reverse("admin:orders_basket_changelist"), {"q": basket.code})
    assert listing.status_code == 200 and basket.code in listing.content.decode()
    page = client.get(reverse("admin:orders_basket_change", args=[basket.pk]))
    assert page.status_code == 200 and "Pain de campagne" in page.content.decode()
    assert client.get(reverse("admin:orders_basket_add")).status_code == 403
    assert client.post(reverse("admin:orders_basket_delete", args=[basket.pk])).status_code == 403
    assert client.get(reverse("admin:orders_orderline_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_wholesaleconfirmation_changelist")).status_code == 200
