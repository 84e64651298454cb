"""An admin enters a weighed product's order as a measured amount (issue 13): a piece sold at
15.00 per 1.5 kg, entered as 1.8 kg, bills 1.8 / 1.5 x 15.00 = 18.00, like a weight typed at
the validation (``orders.models.billed_quantity``)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from day import validation
from kernel.models import LogEntry
from orders.models import OrderLine
from payments import selectors as payment_selectors
from tests.day.factories import make_product

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def squash(day):
    return make_product(
        day.vegetables,
        name="Courge",
        price="15.00",
        unit_type="kg",
        unit_quantity=D("1.5"),
        variable_weight=True,
    )


def _urls(world, day, member):
    kw = {"group_slug": world.group.slug, "md_id": day.md.pk, "member_id": member.pk}
    return reverse("orders:manage_member", kwargs=kw), reverse(
        "orders:manage_member_save", kwargs=kw
    )


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


def test_an_admin_enters_a_weighed_product_as_a_measured_amount(world, day, squash, client_for):
    basket = day.admin_basket  # carrots 4.70 + cookie 1.01 = 5.71
    member = day.members["admin"]
    page_url, save_url = _urls(world, day, member)
    client = client_for(world.admin)
    page = client.get(page_url).content.decode()
    assert f'name="w-{squash.pk}"' in page and "1,5 kg par unité" in page
    response = client.post(save_url, {f"w-{squash.pk}": "1,8"})
    assert response.status_code == 302
    line = OrderLine.objects.get(basket=basket, product=squash)
    assert (line.quantity, line.actual_weight, line.weight_unit_size) == (
        D("1.200"),
        D("1.8"),
        D("1.5"),
    )
    assert line.total == D("18.00")
    assert _debt(world, basket) == D("23.71")  # 5.71 + 18.00
    assert LogEntry.objects.filter(action="orders.weights_set").count() == 1
    # The page shows the weight in the product's unit.
    page = client.get(page_url).content.decode()
    assert f'name="w-{squash.pk}" inputmode="decimal" size="6" value="1,8"' in page  # French decimals
    # Weighed again lighter: 1.2 kg → 12.00; emptied: back to the quantity ordered (1.2 x 15).
    client.post(save_url, {f"w-{squash.pk}": "1.2", f"q-{squash.pk}": "1.2"})
    line.refresh_from_db()
    assert line.total == D("12.00") and _debt(world, basket) == D("17.71")
    client.post(save_url, {f"w-{squash.pk}": "", f"q-{squash.pk}": "1.2"})
    line.refresh_from_db()
    assert line.actual_weight is None and line.total == D("18.00")
    # The validation page bills it the same way and shows the ordered weight in kg.
    validation.weights_set(
        group=world.group, md=day.md, weights={line.pk: "1,8"}, acting_user=world.admin
    )
    line.refresh_from_db()
    assert line.total == D("18.00") and _debt(world, basket) == D("23.71")


def test_bad_weights_are_refused_with_a_message_and_nothing_changes(world, day, squash, client_for):
    member = day.members["admin"]
    _page, save_url = _urls(world, day, member)
    client = client_for(world.admin)
    for bad in ("abc", "-1", "0", "1e5", "1,2345"):
        response = client.post(save_url, {f"w-{squash.pk}": bad}, follow=True)
        assert response.status_code == 200, bad
        assert "Courge" in response.content.decode(), bad
    assert not OrderLine.objects.filter(product=squash).exists()
    # Ten times the ordered weight: a typing mistake, refused.
    client.post(save_url, {f"w-{squash.pk}": "1,5"})
    response = client.post(save_url, {f"w-{squash.pk}": "150"}, follow=True)
    assert "dix fois" in response.content.decode()
    assert OrderLine.objects.get(product=squash).actual_weight == D("1.5")
    # A product not sold by weight takes no weight (the field is ignored).
    client.post(save_url, {f"w-{day.loaf.pk}": "2"})
    assert not OrderLine.objects.filter(basket=day.admin_basket, product=day.loaf).exists()
