from io import StringIO

from django.core.management import call_command

from catalogs.models import Catalog, CatalogLink, Product, Vendor
from catalogs.services import catalog_can_open_orders


def _state():
    return (
        sorted(Vendor.objects.values_list("name", "siret")),
        sorted(Catalog.objects.values_list("name", "vendor__name")),
        sorted(Product.objects.values_list("catalog__name", "ref", "price", "active")),
        CatalogLink.objects.count(),
    )


def test_seed_demo_gives_four_producers_realistic_catalogs_and_is_idempotent(db):
    call_command("seed_demo", stdout=StringIO())
    catalogs = Catalog.objects.filter(group__slug="demo").select_related("vendor")
    assert catalogs.count() == 4
    assert 110 <= Product.objects.filter(group__slug="demo").count() <= 130
    complete = [c for c in catalogs if c.vendor.legal_data_complete]
    assert len(complete) == 3
    assert sum(catalog_can_open_orders(c) for c in catalogs) == 3
    products = Product.objects.filter(group__slug="demo")
    assert products.filter(unit_type="kg").exists()
    assert products.filter(variable_weight=True, name__icontains="tomme").exists()
    assert products.filter(name__contains="Œufs", unit_quantity=12).exists()
    assert products.filter(unit_type__in=["cl", "l"], name__icontains="jus").exists()
    assert products.filter(stock__isnull=False).exists() and products.filter(organic=True).exists()
    assert products.filter(bulk=True).exists() and products.filter(wholesale=True).exists()
    coordinated = Catalog.objects.filter(
        group__slug="demo", coordinators__user__email="coordination@demo.cagette.localhost"
    )
    assert coordinated.count() == 1
    assert CatalogLink.objects.filter(group__slug="demo", ended_at__isnull=True).count() == 1
    assert Vendor.objects.get(
        managers__email="producteur@demo.cagette.localhost"
    ).producer_catalogs.exists()
    before = _state()
    call_command("seed_demo", stdout=StringIO())
    assert _state() == before
