"""Links between a producer's catalog and groups' catalogs: create, sync by reference, break
(spec §12.2 to 12.4)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.exceptions import CatalogError
from catalogs.models import Catalog, CatalogLink, ProducerCatalog, Product, Vendor
from catalogs.selectors import group_today
from catalogs.services.catalogs import catalog_end
from catalogs.services.products import SYNCED_FIELDS
from groups.models import Group
from kernel.audit import log_action
from kernel.mail import send_email
from members.models import Member


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deactivated: int = 0


@transaction.atomic
def catalog_link_sync(*, link: CatalogLink) -> SyncReport:
    """Bring a group's catalog in line with the producer's catalog, matched by reference.

    Every synced field is copied; a product missing in the group is created (with the
    producer's stock); a group product whose reference left the producer's catalog is
    deactivated, never deleted, so its orders stay. Products the group switched off stay off.
    Prices are copied too: orders already placed keep their own price (decision 7).
    """
    link = (
        CatalogLink.objects.select_for_update(of=("self",))
        .select_related("catalog__group", "producer_catalog__vendor")
        .get(pk=link.pk)
    )
    report = SyncReport()
    if link.ended_at is not None:
        return report
    catalog, source = link.catalog, link.producer_catalog
    upstream = {p.ref: p for p in source.products.all()}
    local = {p.ref: p for p in catalog.products.exclude(ref="")}
    disabled = set(link.disabled_refs)
    held = link.held_prices or {}
    to_create, to_update = [], []
    for ref, up in upstream.items():
        product = local.get(ref)
        new = product is None
        if new:
            product = Product(group_id=catalog.group_id, catalog=catalog, ref=ref, stock=up.stock)
        before = {f: getattr(product, f) for f in (*SYNCED_FIELDS, "active")} if not new else None
        for name in SYNCED_FIELDS:
            value = getattr(up, name)
            setattr(product, name, value.name if name == "image" else value)
        if ref in held:  # kept by the group at a catalog import
            product.price = Decimal(held[ref])
        product.active = up.active and ref not in disabled
        product.normalize()
        if new:
            to_create.append(product)
        elif before != {f: getattr(product, f) for f in (*SYNCED_FIELDS, "active")}:
            to_update.append(product)
    for ref, product in local.items():
        if ref not in upstream and product.active:
            product.active = False
            to_update.append(product)
            report.deactivated += 1
    Product.objects.bulk_create(to_create, batch_size=500)
    Product.objects.bulk_update(to_update, [*SYNCED_FIELDS, "active"], batch_size=500)
    report.created = len(to_create)
    report.updated = len(to_update) - report.deactivated
    catalog_fields = []
    if catalog.vendor_id != source.vendor_id:
        catalog.vendor_id = source.vendor_id
        catalog_fields.append("vendor")
    if catalog.stock_tracked != source.stock_tracked:
        catalog.stock_tracked = source.stock_tracked
        catalog_fields.append("stock_tracked")
    if catalog_fields:
        catalog.save(update_fields=catalog_fields)
    link.needs_sync = False
    link.last_synced_at = timezone.now()
    link.save(update_fields=["needs_sync", "last_synced_at"])
    log_action(
        action="catalog_link.synced",
        acting_user=None,
        group=catalog.group,
        obj=catalog,
        created=report.created,
        updated=report.updated,
        deactivated=report.deactivated,
    )
    return report


@transaction.atomic
def catalog_link_create(
    *,
    producer_catalog: ProducerCatalog,
    group: Group,
    acting_user: Any,
    catalog_type: str = Catalog.Type.VARIABLE,
    coordinators: list[Member] | tuple = (),
) -> Catalog:
    """Create the group's catalog fed by ``producer_catalog`` and fill it (spec §12.2)."""
    if CatalogLink.objects.filter(
        producer_catalog=producer_catalog, group=group, ended_at__isnull=True
    ).exists():
        raise CatalogError(_("This catalog is already linked to this group."))
    vendor = producer_catalog.vendor
    if group.shop_mode:
        catalog_type = Catalog.Type.VARIABLE
    today = group_today(group)
    catalog = Catalog(
        group=group,
        vendor=vendor,
        name=producer_catalog.name_in_groups[:64],
        description=producer_catalog.description,
        catalog_type=catalog_type,
        start_date=today,
        end_date=today + timedelta(days=365),
        stock_tracked=producer_catalog.stock_tracked,
    )
    catalog.full_clean()
    catalog.save()
    # The producer's users who belong to the group coordinate the catalog, as does the inviter.
    members = list(coordinators) + list(
        Member.objects.active().filter(group=group, user__in=vendor.managers.all())
    )
    if members:
        catalog.coordinators.set({m.pk: m for m in members if m.group_id == group.pk}.values())
    link = CatalogLink.objects.create(
        group=group,
        catalog=catalog,
        producer_catalog=producer_catalog,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    log_action(
        action="catalog_link.created",
        acting_user=acting_user,
        group=group,
        obj=catalog,
        producer_catalog=producer_catalog.pk,
    )
    catalog_link_sync(link=link)
    return catalog


def _group_side_addresses(catalog: Catalog) -> list[str]:
    group = catalog.group
    addresses = []
    if group.contact_id:
        addresses.append(group.contact.email)
    for member in catalog.coordinators.active().select_related("user"):
        addresses.append(member.user.email)
    if not addresses:
        addresses = list(
            Member.objects.active()
            .filter(group=group, is_admin=True)
            .values_list("user__email", flat=True)
        )
    return list(dict.fromkeys(a for a in addresses if a))


def _producer_side_addresses(vendor: Vendor) -> list[str]:
    addresses = [vendor.email] if vendor.email else []
    addresses += list(vendor.managers.values_list("email", flat=True))
    return list(dict.fromkeys(a.lower() for a in addresses if a))


@transaction.atomic
def catalog_link_break(*, link: CatalogLink, acting_user: Any) -> Catalog:
    """Break the link (spec §12.4): the group's catalog ends today and keeps its products and
    orders as plain local ones; the link is ended; both sides receive an e-mail."""
    link = (
        CatalogLink.objects.select_for_update(of=("self",))
        .select_related("catalog__group__contact", "producer_catalog__vendor")
        .get(pk=link.pk)
    )
    if link.ended_at is not None:
        raise CatalogError(_("This link is already broken."))
    link.ended_at = timezone.now()
    link.ended_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    link.save(update_fields=["ended_at", "ended_by"])
    catalog = catalog_end(catalog=link.catalog, acting_user=acting_user)
    group, vendor = catalog.group, link.producer_catalog.vendor
    log_action(
        action="catalog_link.broken",
        acting_user=acting_user,
        group=group,
        obj=catalog,
        producer_catalog=link.producer_catalog_id,
    )
    by = getattr(acting_user, "display_name", "") or ""
    context = {
        "catalog": catalog,
        "vendor": vendor,
        "producer_catalog": link.producer_catalog,
        "by": by,
        "link": link,
    }
    send_email(
        name="catalog_link_broken_group",
        to=_group_side_addresses(catalog),
        context=context,
        group=group,
    )
    send_email(
        name="catalog_link_broken_producer",
        to=_producer_side_addresses(vendor),
        context={**context, "target_group": group},
        reply_to=[group.contact.email] if group.contact_id else None,
    )
    return catalog
