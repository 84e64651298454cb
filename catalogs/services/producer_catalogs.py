"""The catalogs a producer keeps in their own space and their products; every change is queued
for the linked groups' catalogs (spec §12.3)."""

from typing import Any

from django.db import transaction

from catalogs.models import CatalogLink, ProducerCatalog, ProducerProduct
from kernel.audit import log_action


def _queue_sync(producer_catalog: ProducerCatalog) -> None:
    """Mark every live link for a sync and run it after commit (spec §12.3)."""
    updated = CatalogLink.objects.filter(
        producer_catalog=producer_catalog, ended_at__isnull=True
    ).update(needs_sync=True)
    if updated:
        from catalogs.tasks import producer_catalog_sync

        pc_id = producer_catalog.pk
        transaction.on_commit(lambda: producer_catalog_sync.delay(pc_id))


@transaction.atomic
def producer_catalog_save(
    *, producer_catalog: ProducerCatalog, acting_user: Any
) -> ProducerCatalog:
    created = producer_catalog.pk is None
    producer_catalog.full_clean()
    producer_catalog.save()
    log_action(
        action="producer_catalog.created" if created else "producer_catalog.changed",
        acting_user=acting_user,
        obj=producer_catalog,
    )
    if not created:
        _queue_sync(producer_catalog)
    return producer_catalog


def _release_held_price(product: ProducerProduct) -> None:
    links = CatalogLink.objects.filter(
        producer_catalog_id=product.producer_catalog_id,
        ended_at__isnull=True,
        held_prices__has_key=product.ref,
    )
    for link in links:
        link.held_prices.pop(product.ref, None)
        link.save(update_fields=["held_prices"])


@transaction.atomic
def producer_product_save(*, product: ProducerProduct, acting_user: Any) -> ProducerProduct:
    """Save a producer's product; every linked group receives the change at the next sync.

    A new price reaches the groups that kept their price at a catalog import too
    (``CatalogLink.held_prices``): the producer set this one by hand, for everyone."""
    created = product.pk is None
    old_price = (
        None
        if created
        else ProducerProduct.objects.filter(pk=product.pk).values_list("price", flat=True).first()
    )
    product.full_clean()
    product.save()
    if old_price is not None and old_price != product.price:
        _release_held_price(product)
    log_action(
        action="producer_product.created" if created else "producer_product.changed",
        acting_user=acting_user,
        obj=product,
    )
    _queue_sync(product.producer_catalog)
    return product


@transaction.atomic
def producer_product_delete(*, product: ProducerProduct, acting_user: Any) -> None:
    """Remove a product upstream; the groups' copies are deactivated (never deleted) by the sync."""
    producer_catalog = product.producer_catalog
    log_action(
        action="producer_product.deleted", acting_user=acting_user, obj=product, ref=product.ref
    )
    product.delete()
    _queue_sync(producer_catalog)
