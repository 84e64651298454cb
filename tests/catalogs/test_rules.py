"""Rules other apps rely on: legal data (decision 13), quantities, product normalisation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalogs.exceptions import CatalogNotOrderableError, ProductQuantityError
from catalogs.models import Product, Vendor
from catalogs.services import (
    catalog_can_open_orders,
    catalog_check_can_open_orders,
    product_validate_quantity,
)
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory


def test_vendor_legal_data_complete_needs_every_legal_field(db):
    vendor = VendorFactory()
    assert vendor.legal_data_complete
    vendor.naf_code = ""
    vendor.siret = "73282932000075"  # wrong check digit
    assert not vendor.legal_data_complete
    missing = vendor.legal_data_missing()
    assert len(missing) == 2


def test_catalog_of_producer_with_incomplete_legal_data_cannot_open_orders(world):
    catalog = CatalogFactory(group=world.group, vendor=VendorFactory(siret=""))
    assert not catalog_can_open_orders(catalog)
    with pytest.raises(CatalogNotOrderableError) as exc:
        catalog_check_can_open_orders(catalog)
    assert catalog.vendor.name in exc.value.messages[0]
    catalog.vendor.siret = "73282932000074"
    catalog.vendor.save()
    assert catalog_can_open_orders(catalog)


def test_blocked_producer_or_date_outside_the_catalog_cannot_open_orders(world):
    catalog = CatalogFactory(group=world.group)
    assert catalog_can_open_orders(catalog)
    assert not catalog_can_open_orders(catalog, on_date=catalog.end_date + timedelta(days=1))
    catalog.vendor.blocked_reason = Vendor.BlockedReason.BANNED
    assert not catalog_can_open_orders(catalog)


def test_duplicate_siret_is_refused_except_for_cooperatives(db):
    VendorFactory(siret="73282932000074")
    other = VendorFactory.build(siret="73282932000074")
    with pytest.raises(ValidationError) as exc:
        other.full_clean()
    assert "siret" in exc.value.message_dict
    coop = VendorFactory.build(siret="73282932000074", legal_status=5560, email="coop@example.org")
    coop.full_clean()


@pytest.mark.parametrize(
    ("flags", "quantity", "expected"),
    [
        ({}, "2", Decimal("2")),
        ({}, 3, Decimal("3")),
        ({"variable_weight": True}, "1.250", Decimal("1.250")),
        ({"wholesale": True}, "0.5", Decimal("0.5")),
        (
            {"bulk": True, "small_quantity": Decimal("0.1"), "unit_quantity": Decimal("1")},
            "0,3",
            Decimal("0.3"),
        ),
    ],
)
def test_product_validate_quantity_accepts(flags, quantity, expected):
    product = Product(name="Carottes", price=Decimal("2"), **flags)
    assert product_validate_quantity(product, quantity) == expected


@pytest.mark.parametrize(
    ("flags", "quantity", "code"),
    [
        ({}, "1.5", "quantity_not_whole"),
        ({}, "0", "quantity_not_positive"),
        ({}, "-2", "quantity_not_positive"),
        ({}, "abc", "quantity_missing"),
        ({}, "", "quantity_missing"),
        ({"variable_weight": True}, "1.2345", "quantity_precision"),
        (
            {"bulk": True, "small_quantity": Decimal("0.25"), "unit_quantity": Decimal("1")},
            "0.3",
            "quantity_step",
        ),
    ],
)
def test_product_validate_quantity_refuses_with_a_translated_message(flags, quantity, code):
    product = Product(name="Œufs", price=Decimal("2"), **flags)
    with pytest.raises(ProductQuantityError) as exc:
        product_validate_quantity(product, quantity)
    assert exc.value.code == code
    assert exc.value.messages[0]


def test_multi_weight_implies_variable_weight_and_bulk_rules(world):
    catalog = CatalogFactory(group=world.group)
    product = ProductFactory(catalog=catalog, multi_weight=True)
    assert product.variable_weight
    bulk = Product(
        catalog=catalog, group=world.group, name="Lentilles", price=Decimal("4"), bulk=True
    )
    with pytest.raises(ValidationError) as exc:
        bulk.full_clean()
    assert {"small_quantity", "unit_quantity"} <= set(exc.value.message_dict)


def test_product_unknown_taxonomy_is_refused(world):
    catalog = CatalogFactory(group=world.group)
    product = ProductFactory.build(catalog=catalog, group=world.group, taxonomy=999999)
    with pytest.raises(ValidationError):
        product.full_clean()


def test_catalog_end_keeps_it_valid_when_it_had_not_started(
    world, django_capture_on_commit_callbacks
):
    from catalogs.services import catalog_end

    today = timezone.localdate()
    catalog = CatalogFactory(
        group=world.group, start_date=today + timedelta(days=5), end_date=today + timedelta(days=50)
    )
    ended = catalog_end(catalog=catalog, acting_user=world.admin)
    assert ended.end_date == today and ended.start_date == today


def test_display_name_shows_the_quantity_sold():
    assert (
        Product(name="Carottes", unit_type="kg", unit_quantity=Decimal("1")).display_name
        == "Carottes 1 kg"
    )
    assert (
        Product(name="Jus", unit_type="cl", unit_quantity=Decimal("75.000")).display_name
        == "Jus 75 cl"
    )
    assert (
        Product(name="Œufs", unit_type="piece", unit_quantity=Decimal("12")).display_name
        == "Œufs \u00d712"
    )
    assert (
        Product(name="Salade", unit_type="piece", unit_quantity=Decimal("1")).display_name
        == "Salade"
    )
