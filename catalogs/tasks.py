"""Catalog link sync (spec §12.3): thin Celery adapters around ``catalogs.services``."""

from celery import shared_task
from django.db import OperationalError

from catalogs.models import CatalogLink
from catalogs.services import catalog_link_sync


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def catalog_link_sync_task(link_id: int) -> dict:
    link = CatalogLink.objects.filter(pk=link_id, ended_at__isnull=True).first()
    if link is None:
        return {}
    report = catalog_link_sync(link=link)
    return {"created": report.created, "updated": report.updated, "deactivated": report.deactivated}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def producer_catalog_sync(producer_catalog_id: int) -> int:
    """Sync every live link of a producer's catalog, right after the producer's change."""
    ids = list(
        CatalogLink.objects.filter(
            producer_catalog_id=producer_catalog_id, ended_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for link_id in ids:
        catalog_link_sync_task.delay(link_id)
    return len(ids)


@shared_task
def catalog_links_sync_pending() -> int:
    """Beat safety net (every 10 minutes): links still waiting for a sync, e.g. after an outage."""
    ids = list(
        CatalogLink.objects.filter(needs_sync=True, ended_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for link_id in ids:
        catalog_link_sync_task.delay(link_id)
    return len(ids)
