"""Producer catalogs linked to groups (spec §12.2-12.4): sync by reference, breaking the link."""

from decimal import Decimal

import pytest
from django.core import mail

from catalogs.exceptions import CatalogError, LinkedCatalogError
from catalogs.models import CatalogLink, Product
from catalogs.services import (
    catalog_link_break,
    catalog_link_create,
    catalog_link_sync,
    producer_product_delete,
    producer_product_save,
    product_save,
    products_change_price,
    products_set_active,
)
from tests.catalogs.factories import ProducerCatalogFactory, ProducerProductFactory, VendorFactory
from tests.factories import UserFactory


def linked_catalog(group, user, producer_catalog=None):
    pc = producer_catalog or ProducerCatalogFactory()
    if not pc.products.exists():
        ProducerProductFactory(
            producer_catalog=pc, ref="CAR", name="Carottes", price=Decimal("2.40")
        )
        ProducerProductFactory(
            producer_catalog=pc, ref="POI", name="Poireaux", price=Decimal("3.10")
        )
    catalog = catalog_link_create(producer_catalog=pc, group=group, acting_user=user)
    return catalog, catalog.source_link


@pytest.fixture
def producer(db):
    user = UserFactory(email="farmer@example.org")
    vendor = VendorFactory(email="ferme@example.org")
    vendor.managers.add(user)
    pc = ProducerCatalogFactory(vendor=vendor, name="Légumes de saison")
    ProducerProductFactory(producer_catalog=pc, ref="CAR", name="Carottes", price=Decimal("2.40"))
    ProducerProductFactory(producer_catalog=pc, ref="POI", name="Poireaux", price=Decimal("3.10"))
    ProducerProductFactory(
        producer_catalog=pc, ref="CHX", name="Choux", price=Decimal("1.90"), active=False
    )
    return user, vendor, pc


def test_linking_creates_the_group_catalog_with_every_product(world, producer):
    _user, vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    assert catalog.group == world.group and catalog.vendor == vendor
    products = {p.ref: p for p in Product.objects.filter(catalog=catalog)}
    assert set(products) == {"CAR", "POI", "CHX"}
    assert products["CAR"].price == Decimal("2.40") and products["CAR"].group_id == world.group.pk
    assert not products["CHX"].active
    assert catalog.active_link.producer_catalog == pc
    with pytest.raises(CatalogError):
        catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)


def test_price_edit_upstream_reaches_both_groups_after_the_task(
    world, producer, django_capture_on_commit_callbacks
):
    user, _vendor, pc = producer
    first = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    second = catalog_link_create(
        producer_catalog=pc, group=world.other_group, acting_user=world.outsider
    )
    carrots = pc.products.get(ref="CAR")
    carrots.price = Decimal("2.90")
    carrots.name = "Carottes des sables"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        producer_product_save(product=carrots, acting_user=user)
    # Not yet: the change travels through the Celery task queued after commit.
    assert Product.objects.get(catalog=first, ref="CAR").price == Decimal("2.40")
    assert CatalogLink.objects.filter(needs_sync=True).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    for catalog in (first, second):
        product = Product.objects.get(catalog=catalog, ref="CAR")
        assert product.price == Decimal("2.90") and product.name == "Carottes des sables"
    assert not CatalogLink.objects.filter(needs_sync=True).exists()


def test_product_removed_upstream_is_deactivated_never_deleted(
    world, producer, django_capture_on_commit_callbacks
):
    user, _vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    leeks = Product.objects.get(catalog=catalog, ref="POI")
    with django_capture_on_commit_callbacks(execute=True):
        producer_product_delete(product=pc.products.get(ref="POI"), acting_user=user)
    leeks.refresh_from_db()
    assert not leeks.active
    assert Product.objects.filter(catalog=catalog).count() == 3
    # A product added upstream appears in the group.
    with django_capture_on_commit_callbacks(execute=True):
        producer_product_save(
            product=ProducerProductFactory.build(
                producer_catalog=pc, ref="NAV", name="Navets", price=Decimal("2")
            ),
            acting_user=user,
        )
    assert Product.objects.get(catalog=catalog, ref="NAV").active


def test_group_choice_to_switch_a_product_off_survives_the_sync(world, producer):
    _user, _vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    carrots = Product.objects.get(catalog=catalog, ref="CAR")
    products_set_active(
        catalog=catalog, product_ids=[carrots.pk], active=False, acting_user=world.admin
    )
    catalog_link_sync(link=catalog.source_link)
    carrots.refresh_from_db()
    assert not carrots.active
    # The producer switched cabbages off: the group cannot switch them on.
    cabbage = Product.objects.get(catalog=catalog, ref="CHX")
    with pytest.raises(LinkedCatalogError):
        products_set_active(
            catalog=catalog, product_ids=[cabbage.pk], active=True, acting_user=world.admin
        )
    products_set_active(
        catalog=catalog, product_ids=[carrots.pk], active=True, acting_user=world.admin
    )
    catalog_link_sync(link=catalog.source_link)
    carrots.refresh_from_db()
    assert carrots.active


def test_linked_catalog_products_are_managed_by_the_producer(world, producer):
    _user, _vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    carrots = Product.objects.get(catalog=catalog, ref="CAR")
    carrots.price = Decimal("9")
    with pytest.raises(LinkedCatalogError):
        product_save(product=carrots, acting_user=world.admin)
    with pytest.raises(LinkedCatalogError):
        products_change_price(
            catalog=catalog, product_ids=[carrots.pk], percent=Decimal("5"), acting_user=world.admin
        )


def test_breaking_the_link_keeps_the_catalog_and_mails_both_sides(
    world, producer, django_capture_on_commit_callbacks
):
    user, vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    link = catalog.source_link
    before = sorted(Product.objects.filter(catalog=catalog).values_list("ref", "price", "active"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ended = catalog_link_break(link=link, acting_user=world.admin)
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == world.admin
    assert ended.pk == catalog.pk and ended.end_date <= catalog.end_date
    assert ended.active_link is None
    assert (
        sorted(Product.objects.filter(catalog=catalog).values_list("ref", "price", "active"))
        == before
    )
    assert len(mail.outbox) == 2
    group_mail = next(m for m in mail.outbox if world.admin.email in m.to)
    producer_mail = next(m for m in mail.outbox if vendor.email in m.to)
    assert user.email in producer_mail.to
    for message in (group_mail, producer_mail):
        assert catalog.name in message.body or pc.name in message.body
        html = message.alternatives[0][0]
        assert message.alternatives[0][1] == "text/html" and "<html" in html
    # Upstream changes no longer reach the group; the group may manage the products again.
    with django_capture_on_commit_callbacks(execute=True):
        carrots_up = pc.products.get(ref="CAR")
        carrots_up.price = Decimal("5")
        producer_product_save(product=carrots_up, acting_user=user)
    assert Product.objects.get(catalog=catalog, ref="CAR").price == Decimal("2.40")
    carrots = Product.objects.get(catalog=catalog, ref="CAR")
    carrots.price = Decimal("2.50")
    product_save(product=carrots, acting_user=world.admin)
    with pytest.raises(CatalogError):
        catalog_link_break(link=link, acting_user=world.admin)
    # The producer may link the catalog to the group again: a new catalog.
    again = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    assert again.pk != catalog.pk


def test_sync_task_of_links_pending(world, producer):
    from catalogs.tasks import catalog_links_sync_pending

    _user, _vendor, pc = producer
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    CatalogLink.objects.update(needs_sync=True)
    pc.products.filter(ref="CAR").update(price=Decimal("3.33"))
    assert catalog_links_sync_pending.delay().get() == 1
    assert Product.objects.get(catalog=catalog, ref="CAR").price == Decimal("3.33")
