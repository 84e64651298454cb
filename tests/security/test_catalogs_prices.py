"""Prices typed anywhere in catalogs go through kernel.numbers: French or English typing,
finite, within the field's decimals and at most 99,999.99 (issue 12, Low)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from catalogs.forms import CatalogForm, PriceChangeForm, ProducerProductForm, ProductForm
from catalogs.models import MAX_PRICE, Product
from tests.catalogs.factories import CatalogFactory, ProductFactory

RATES = [("5.5", "5,5 %")]
PRODUCT = {"name": "Pain", "ref": "P1", "unit_type": "piece", "vat_rate": "5.5", "active": "on"}


@pytest.mark.parametrize("form_class", [ProductForm, ProducerProductForm])
@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2,50", Decimal("2.50")), ("1 234.5", Decimal("1234.5")), ("99999,99", MAX_PRICE)],
)
def test_a_product_price_is_read_in_french_or_english(db, form_class, typed, expected):
    form = form_class({**PRODUCT, "price": typed}, vat_rates=RATES)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == expected


@pytest.mark.parametrize("form_class", [ProductForm, ProducerProductForm])
@pytest.mark.parametrize("typed", ["1e30", "NaN", "100000", "99999999999999999999", "2,555"])
def test_an_absurd_product_price_is_refused_in_french(db, form_class, typed):
    form = form_class({**PRODUCT, "price": typed}, vat_rates=RATES)
    assert not form.is_valid()
    assert form.errors["price"][0].startswith(("Saisissez", "Indiquez")), form.errors["price"]


def test_the_quick_edit_refuses_a_price_above_the_maximum(world, client_for):
    catalog = CatalogFactory(group=world.group)
    product = ProductFactory(catalog=catalog, price=Decimal("2.00"))
    url = reverse(
        "catalogs:product_quick",
        kwargs={"group_slug": world.group.slug, "catalog_id": catalog.pk, "product_id": product.pk},
    )
    response = client_for(world.admin).post(url, {"price": "100000", "active": "on"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("2.00")
    assert any("99999.99" in str(m) for m in get_messages(response.wsgi_request))


def test_a_bulk_price_change_beyond_the_maximum_is_refused(world, client_for):
    catalog = CatalogFactory(group=world.group)
    dear = ProductFactory(catalog=catalog, price=Decimal("99999.99"))
    cheap = ProductFactory(catalog=catalog, price=Decimal("1.00"))
    url = reverse(
        "catalogs:products_price",
        kwargs={"group_slug": world.group.slug, "catalog_id": catalog.pk},
    )
    response = client_for(world.admin).post(
        url, {"products": [dear.pk, cheap.pk], "percent": "1000"}
    )
    assert response.status_code == 302
    assert set(Product.objects.values_list("price", flat=True)) == {
        Decimal("99999.99"),
        Decimal("1.00"),
    }
    assert any("99999.99" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("typed", ["1e30", "NaN", "1e3"])
def test_a_hostile_percentage_is_refused_in_french(db, typed):
    form = PriceChangeForm({"products": ["1"], "percent": typed}, product_ids=[1])
    assert not form.is_valid()
    assert form.errors["percent"][0].startswith("Saisissez")
    form = PriceChangeForm({"products": ["1"], "percent": "-12,5"}, product_ids=[1])
    assert form.is_valid() and form.cleaned_data["percent"] == Decimal("-12.5")


def test_the_fee_is_read_in_french(world):
    data = {
        "name": "Légumes",
        "start_date": "2030-01-01",
        "end_date": "2030-12-31",
        "order_open_days_before": "7",
        "order_close_hours_before": "24",
        "fee_percent": "2,5",
    }
    form = CatalogForm(data, group=world.group)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fee_percent"] == Decimal("2.5")
    form = CatalogForm({**data, "fee_percent": "1e30"}, group=world.group)
    assert not form.is_valid() and form.errors["fee_percent"][0].startswith("Saisissez")
