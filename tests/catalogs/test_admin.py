"""Django admin: every model registered; product import through django-import-export."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogs.models import Product
from tests.catalogs.factories import (
    CatalogFactory,
    ProducerCatalogFactory,
    ProducerProductFactory,
    ProductFactory,
)
from tests.factories import UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "model",
    [
        "vendor",
        "catalog",
        "product",
        "producercatalog",
        "producerproduct",
        "cataloglink",
        "vendorinvitation",
    ],
)
def test_admin_lists_and_searches(world, client_for, operator, model):
    catalog = CatalogFactory(group=world.group)
    ProductFactory(catalog=catalog)
    ProducerProductFactory(producer_catalog=ProducerCatalogFactory())
    client = client_for(operator)
    assert client.get(reverse(f"admin:catalogs_{model}_changelist"), {"q": "a"}).status_code == 200
    assert client.get(reverse(f"admin:catalogs_{model}_add")).status_code == 200


def test_admin_vendor_legal_filter(world, client_for, operator):
    CatalogFactory(group=world.group)
    response = client_for(operator).get(
        reverse("admin:catalogs_vendor_changelist"), {"legal": "incomplete"}
    )
    assert response.status_code == 200


def test_admin_product_import_into_a_chosen_catalog(world, client_for, operator):
    catalog = CatalogFactory(group=world.group)
    client = client_for(operator)
    upload = SimpleUploadedFile(
        "p.csv", "\ufeffproductName;price;ref\nCarottes;2,40;C1\n".encode(), content_type="text/csv"
    )
    response = client.post(
        reverse("admin:catalogs_product_import"),
        {"import_file": upload, "format": "0", "catalog": catalog.pk, "resource": ""},
    )
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    assert confirm is not None, response.context["result"].invalid_rows
    response = client.post(
        reverse("admin:catalogs_product_process_import"), {**confirm.initial, "resource": ""}
    )
    assert response.status_code == 302
    product = Product.objects.get(catalog=catalog)
    assert product.price == Decimal("2.40") and product.group_id == world.group.pk


def test_admin_product_import_with_a_bad_row_offers_no_confirmation(world, client_for, operator):
    catalog = CatalogFactory(group=world.group)
    upload = SimpleUploadedFile("p.csv", b"productName;price\nA;1\nB;x\n", content_type="text/csv")
    response = client_for(operator).post(
        reverse("admin:catalogs_product_import"),
        {"import_file": upload, "format": "0", "catalog": catalog.pk, "resource": ""},
    )
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert response.context["result"].has_validation_errors()
    assert not Product.objects.exists()


def test_admin_product_export(world, client_for, operator):
    ProductFactory(catalog=CatalogFactory(group=world.group), name="Poireaux")
    response = client_for(operator).post(
        reverse("admin:catalogs_product_export"),
        {"format": "0", "resource": "", "productresource_name": "on"},
    )
    assert response.status_code == 200
