from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from catalogs.models import Catalog, ProducerCatalog, ProducerProduct, Product, Vendor
from catalogs.validators import luhn_valid


def make_siret(n: int) -> str:
    """A valid SIRET built from a number: SIREN and SIRET both pass the Luhn key."""
    base = f"{n:08d}"[-8:]
    siren = next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))
    nic = "0001"
    return next(siren + nic + str(d) for d in range(10) if luhn_valid(siren + nic + str(d)))


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Ferme {n}")
    email = factory.Sequence(lambda n: f"ferme{n}@example.org")
    postcode = "13200"
    city = "Arles"
    profession = 28
    latitude = Decimal("43.676700")
    longitude = Decimal("4.627800")
    legal_name = factory.LazyAttribute(lambda o: f"EARL {o.name}")
    siret = factory.Sequence(lambda n: make_siret(41000000 + n))
    legal_status = 6598
    naf_code = "0113Z"
    registered_address = "Chemin des Mas"
    registered_postcode = "13200"
    registered_city = "Arles"


class CatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Catalog

    group = None
    # The group's own producer record (decision 18).
    vendor = factory.SubFactory(VendorFactory, owner_group=factory.SelfAttribute("..group"))
    name = factory.Sequence(lambda n: f"Catalogue {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=300))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    catalog = None
    group = factory.LazyAttribute(lambda o: o.catalog.group)
    name = factory.Sequence(lambda n: f"Produit {n}")
    ref = factory.Sequence(lambda n: f"REF-{n}")
    price = Decimal("2.50")
    vat_rate = Decimal("5.5")


class ProducerCatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerCatalog

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Catalogue producteur {n}")


class ProducerProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerProduct

    producer_catalog = None
    name = factory.Sequence(lambda n: f"Légume {n}")
    ref = factory.Sequence(lambda n: f"P-{n}")
    price = Decimal("3.00")
    vat_rate = Decimal("5.5")
    unit_type = "kg"
    unit_quantity = Decimal("1")


def isolation_samples(world) -> dict:
    """One object of ``world.group`` per URL keyword of the catalogs app (tests/test_isolation.py)."""
    cached = getattr(world, "_catalog_samples", None)
    if cached is not None:
        return cached
    from catalogs.models import VendorInvitation

    catalog = CatalogFactory(group=world.group)
    product = ProductFactory(catalog=catalog)
    producer_catalog = ProducerCatalogFactory()
    invitation = VendorInvitation.objects.create(group=world.group, email="farm@example.org")
    world._catalog_samples = {
        "catalog_id": catalog.pk,
        "product_id": product.pk,
        "producer_catalog_id": producer_catalog.pk,
        "invitation_id": invitation.pk,
    }
    return world._catalog_samples
