"""Writes for producers, catalogs, products, producer catalogs, links and invitations.

API for the other apps (documented in docs/catalogs.md):

* ``catalog_can_open_orders(catalog)`` / ``catalog_check_can_open_orders(catalog)``: decision 13,
  a catalog whose producer's legal data is incomplete (or who is blocked, or that has ended)
  cannot be opened for new orders. The distributions app calls the ``check`` form before opening
  an order window and shows the exception's messages.
* ``product_validate_quantity(product, quantity)``: the one place deciding which quantities a
  product can be ordered in (whole pieces vs decimal kilograms, bulk steps).
* ``catalogs.access.catalog_get_for_manager(request, catalog_id)``: object-level rights.

Changing a product's price or unit never alters orders already placed: the orders app copies the
price and the unit into its lines (decision 7), so nothing here cascades to orders.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.exceptions import (
    CatalogError,
    CatalogNotOrderableError,
    LinkedCatalogError,
    ProductImportError,
    ProductQuantityError,
)
from catalogs.models import (
    Catalog,
    CatalogLink,
    ProducerCatalog,
    ProducerProduct,
    Product,
    Vendor,
    VendorInvitation,
    VendorPhoto,
)
from catalogs.selectors import group_today
from groups.models import Group
from kernel import money
from kernel.audit import log_action
from kernel.mail import send_email, send_email_to_user
from members.models import Member

# Fields a producer's product hands down to the groups' products at every sync (spec §12.3).
SYNCED_FIELDS = (
    "name",
    "description",
    "image",
    "taxonomy",
    "unit_type",
    "unit_quantity",
    "price",
    "vat_rate",
    "variable_weight",
    "multi_weight",
    "bulk",
    "small_quantity",
    "organic",
    "wholesale",
)
# Fields copied when a catalog or a product is duplicated.
PRODUCT_COPY_FIELDS = (*SYNCED_FIELDS, "ref", "stock", "active")


# Rules other apps rely on -------------------------------------------------------------------------


def catalog_order_blockers(catalog: Catalog, *, on_date=None) -> list[str]:
    """Why the catalog cannot be opened for new orders; empty when it can."""
    vendor = catalog.vendor
    reasons = []
    missing = vendor.legal_data_missing()
    if missing:
        reasons.append(
            _(
                "The legal data of %(vendor)s is incomplete (%(missing)s): orders cannot open "
                "until it is complete."
            )
            % {"vendor": vendor.name, "missing": ", ".join(missing)}
        )
    if vendor.is_blocked:
        reasons.append(
            _("%(vendor)s is blocked: %(reason)s.")
            % {"vendor": vendor.name, "reason": vendor.get_blocked_reason_display()}
        )
    day = on_date or group_today(catalog.group)
    if not catalog.is_active_on(day):
        reasons.append(
            _("The catalog %(catalog)s runs from %(start)s to %(end)s.")
            % {"catalog": catalog.name, "start": catalog.start_date, "end": catalog.end_date}
        )
    return reasons


def catalog_can_open_orders(catalog: Catalog, *, on_date=None) -> bool:
    """Decision 13: True when orders may be opened for this catalog (on ``on_date``, default today).

    Needs the producer's legal data complete (``Vendor.legal_data_complete``), a producer not
    blocked by the operators, and the date inside the catalog's start → end.
    """
    return not catalog_order_blockers(catalog, on_date=on_date)


def catalog_check_can_open_orders(catalog: Catalog, *, on_date=None) -> None:
    """Raise ``CatalogNotOrderableError`` (a ValidationError with translated messages) if not allowed."""
    reasons = catalog_order_blockers(catalog, on_date=on_date)
    if reasons:
        raise CatalogNotOrderableError(reasons)


def product_validate_quantity(product: Product | ProducerProduct, quantity: Any) -> Decimal:
    """Return the quantity as a Decimal if the product can be ordered in it, else raise.

    Whole units for pieces and packed goods; decimals (3 places at most, e.g. kilograms) for
    products weighed at the distribution, in bulk, or sold by the crate (spec §1.5). A bulk
    product with a smallest quantity is ordered in multiples of it. Raises
    ``ProductQuantityError`` with a translated message.
    """
    if isinstance(quantity, float):
        quantity = repr(quantity)
    try:
        value = money.to_decimal(quantity) if quantity not in (None, "") else None
    except (ValueError, TypeError, InvalidOperation):
        value = None
    if value is None or not value.is_finite():
        raise ProductQuantityError(_("Enter a quantity."), code="quantity_missing")
    if value <= 0:
        raise ProductQuantityError(
            _("The quantity must be more than zero."), code="quantity_not_positive"
        )
    if not product.allows_decimal_quantity:
        if value != value.to_integral_value():
            raise ProductQuantityError(
                _("%(product)s is sold by whole units: enter a whole number.")
                % {"product": product.name},
                code="quantity_not_whole",
            )
        return value.quantize(Decimal(1))
    if value != value.quantize(Decimal("0.001")):
        raise ProductQuantityError(
            _("Give the quantity with 3 decimals at most."), code="quantity_precision"
        )
    step = product.small_quantity if product.bulk else None
    if step and value % step != 0:
        raise ProductQuantityError(
            _("%(product)s is sold in steps of %(step)s.")
            % {"product": product.name, "step": format(step.normalize(), "f")},
            code="quantity_step",
        )
    return value


# Producers ----------------------------------------------------------------------------------------


def vendor_editable_by_group(vendor: Vendor, group: Group) -> bool:
    """A group edits a producer it created: no producer account, no catalog in another group."""
    if vendor.managers.exists():
        return False
    return not vendor.catalogs.exclude(group=group).exists()


@transaction.atomic
def vendor_create(*, acting_user: Any, manager: Any = None, **fields: Any) -> Vendor:
    """Create a producer; ``manager`` (a user) gets the producer account."""
    vendor = Vendor(**fields)
    email = (vendor.email or "").strip().lower()
    vendor.email = email
    if email and Vendor.objects.filter(email__iexact=email).exists():
        raise CatalogError(
            {"email": _("A producer already uses this e-mail address: find it in the directory.")}
        )
    vendor.full_clean()
    vendor.save()
    if manager is not None:
        vendor.managers.add(manager)
    log_action(action="vendor.created", acting_user=acting_user, obj=vendor, name=vendor.name)
    return vendor


@transaction.atomic
def vendor_update(
    *, vendor: Vendor, changed: list[str], acting_user: Any, group: Group | None = None
) -> Vendor:
    """Save the fields a validated form changed; unblocking follows from complete legal data."""
    vendor.full_clean()
    fields = [name for name in changed if hasattr(vendor, name)]
    if fields:
        vendor.save(update_fields=[*fields, "updated_at"])
        log_action(
            action="vendor.changed", acting_user=acting_user, group=group, obj=vendor, fields=fields
        )
    return vendor


@transaction.atomic
def vendor_add_manager(*, vendor: Vendor, email: str, acting_user: Any) -> Any:
    """Give another person's account access to the producer (a farm run by several people)."""
    from members.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CatalogError(
            {
                "email": _(
                    "Nobody has an account with this e-mail address: ask them to sign up first."
                )
            }
        )
    vendor.managers.add(user)
    log_action(action="vendor.manager_added", acting_user=acting_user, obj=vendor, user=user.email)
    return user


@transaction.atomic
def vendor_photo_add(
    *, vendor: Vendor, image: Any, caption: str = "", acting_user: Any
) -> VendorPhoto:
    position = vendor.photos.count()
    photo = VendorPhoto(vendor=vendor, image=image, caption=caption, position=position)
    photo.full_clean()
    photo.save()
    log_action(action="vendor.photo_added", acting_user=acting_user, obj=vendor)
    return photo


@transaction.atomic
def vendor_photo_delete(*, photo: VendorPhoto, acting_user: Any) -> None:
    vendor = photo.vendor
    photo.image.delete(save=False)
    photo.delete()
    log_action(action="vendor.photo_deleted", acting_user=acting_user, obj=vendor)


# Catalogs -----------------------------------------------------------------------------------------


def _ensure_local(catalog: Catalog) -> None:
    if catalog.active_link is not None:
        raise LinkedCatalogError(
            _(
                "The products of this catalog are managed by the producer in their own space; "
                "break the link to manage them here."
            )
        )


@transaction.atomic
def catalog_create(
    *,
    group: Group,
    vendor: Vendor,
    name: str,
    acting_user: Any,
    coordinators: list[Member] | tuple = (),
    **fields: Any,
) -> Catalog:
    """Attach a producer to the group with a new (empty) catalog."""
    today = group_today(group)
    fields.setdefault("start_date", today)
    fields.setdefault("end_date", fields["start_date"] + timedelta(days=365))
    if group.shop_mode:
        fields["catalog_type"] = Catalog.Type.VARIABLE
    catalog = Catalog(group=group, vendor=vendor, name=name.strip(), **fields)
    catalog.full_clean()
    catalog.save()
    members = [m for m in coordinators if m.group_id == group.pk]
    if members:
        catalog.coordinators.set(members)
    log_action(
        action="catalog.created",
        acting_user=acting_user,
        group=group,
        obj=catalog,
        vendor=vendor.name,
    )
    return catalog


@transaction.atomic
def catalog_update(*, catalog: Catalog, changed: list[str], acting_user: Any) -> Catalog:
    if catalog.group.shop_mode:
        catalog.catalog_type = Catalog.Type.VARIABLE
    catalog.full_clean()
    fields = [name for name in changed if hasattr(catalog, name) and name != "coordinators"]
    if fields:
        catalog.save(update_fields=fields)
        log_action(
            action="catalog.changed",
            acting_user=acting_user,
            group=catalog.group,
            obj=catalog,
            fields=fields,
        )
    return catalog


@transaction.atomic
def catalog_set_coordinators(
    *, catalog: Catalog, members: list[Member], acting_user: Any
) -> Catalog:
    """Coordinators manage this catalog only; they must be current members of its group."""
    for member in members:
        if member.group_id != catalog.group_id or member.left_at is not None:
            raise CatalogError(_("Coordinators must be members of the group."))
    before = sorted(catalog.coordinators.values_list("pk", flat=True))
    catalog.coordinators.set(members)
    after = sorted(m.pk for m in members)
    if before != after:
        log_action(
            action="catalog.coordinators_changed",
            acting_user=acting_user,
            group=catalog.group,
            obj=catalog,
            before=before,
            after=after,
        )
    return catalog


@transaction.atomic
def catalog_duplicate(
    *, catalog: Catalog, name: str, copy_products: bool = True, acting_user: Any
) -> Catalog:
    """A copy of the catalog (and its products, stock included) in the same group.

    Refused for a catalog linked to a producer's catalog (spec §1.4): link it again instead.
    """
    _ensure_local(catalog)
    group = catalog.group
    today = group_today(group)
    start, end = catalog.start_date, catalog.end_date
    if end < today:
        start, end = today, today + timedelta(days=365)
    copy = Catalog(
        group=group,
        vendor=catalog.vendor,
        name=name.strip() or catalog.name,
        description=catalog.description,
        catalog_type=Catalog.Type.VARIABLE if group.shop_mode else catalog.catalog_type,
        start_date=start,
        end_date=end,
        order_open_days_before=catalog.order_open_days_before,
        order_close_hours_before=catalog.order_close_hours_before,
        users_can_order=catalog.users_can_order,
        stock_tracked=catalog.stock_tracked,
        fee_percent=catalog.fee_percent,
        fee_label=catalog.fee_label,
    )
    copy.full_clean()
    copy.save()
    copy.coordinators.set(catalog.coordinators.all())
    count = 0
    if copy_products:
        products = [
            Product(group=group, catalog=copy, **{f: getattr(p, f) for f in PRODUCT_COPY_FIELDS})
            for p in catalog.products.all()
        ]
        Product.objects.bulk_create(products, batch_size=500)
        count = len(products)
    log_action(
        action="catalog.duplicated",
        acting_user=acting_user,
        group=group,
        obj=copy,
        source=catalog.pk,
        products=count,
    )
    return copy


@transaction.atomic
def catalog_end(*, catalog: Catalog, acting_user: Any) -> Catalog:
    """End the catalog today: it stays visible in the past catalogs; orders are kept."""
    today = group_today(catalog.group)
    catalog = (
        Catalog.objects.select_for_update(of=("self",))
        .select_related("group", "vendor")
        .get(pk=catalog.pk)
    )
    if catalog.end_date < today:
        return catalog
    catalog.end_date = today
    if catalog.start_date > today:
        catalog.start_date = today
    catalog.save(update_fields=["start_date", "end_date"])
    log_action(action="catalog.ended", acting_user=acting_user, group=catalog.group, obj=catalog)
    return catalog


# Products -----------------------------------------------------------------------------------------


@transaction.atomic
def product_save(
    *, product: Product, acting_user: Any, changed: list[str] | None = None
) -> Product:
    """Create or update a product of a local catalog; orders already placed are not touched."""
    catalog = product.catalog
    _ensure_local(catalog)
    created = product.pk is None
    product.group_id = catalog.group_id
    product.full_clean()
    product.save()
    log_action(
        action="product.created" if created else "product.changed",
        acting_user=acting_user,
        group=catalog.group,
        obj=product,
        fields=changed or [],
    )
    return product


@transaction.atomic
def product_delete(*, product: Product, acting_user: Any) -> None:
    catalog = product.catalog
    _ensure_local(catalog)
    name = product.name
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError as exc:
        raise CatalogError(
            _("This product has been ordered and cannot be deleted; deactivate it instead.")
        ) from exc
    log_action(
        action="product.deleted",
        acting_user=acting_user,
        group=catalog.group,
        name=name,
        catalog=catalog.pk,
    )


@transaction.atomic
def products_set_active(
    *, catalog: Catalog, product_ids: list[int], active: bool, acting_user: Any
) -> int:
    """Switch products on or off in one catalog (spec §1.5 batch enable/disable).

    On a linked catalog the choice is remembered so the sync keeps it; a product the producer
    switched off (or removed) cannot be switched on by the group.
    """
    products = list(Product.objects.filter(catalog=catalog, pk__in=product_ids))
    link = catalog.active_link
    if link is not None:
        link = CatalogLink.objects.select_for_update().get(pk=link.pk)
        upstream = dict(link.producer_catalog.products.values_list("ref", "active"))
        disabled = set(link.disabled_refs)
        if active:
            refused = [p.name for p in products if not upstream.get(p.ref, False)]
            if refused:
                raise LinkedCatalogError(
                    _("The producer has switched off or removed: %(names)s.")
                    % {"names": ", ".join(refused)}
                )
            disabled -= {p.ref for p in products}
        else:
            disabled |= {p.ref for p in products if p.ref}
        link.disabled_refs = sorted(disabled)
        link.save(update_fields=["disabled_refs"])
    changed = [p for p in products if p.active != active]
    for p in changed:
        p.active = active
    Product.objects.bulk_update(changed, ["active"])
    if changed:
        log_action(
            action="product.activated" if active else "product.deactivated",
            acting_user=acting_user,
            group=catalog.group,
            obj=catalog,
            products=[p.pk for p in changed],
        )
    return len(changed)


@transaction.atomic
def products_change_price(
    *, catalog: Catalog, product_ids: list[int], percent: Decimal, acting_user: Any
) -> int:
    """Raise (or lower, with a negative percentage) the prices of products, rounded half-up."""
    _ensure_local(catalog)
    percent = money.to_decimal(percent)
    if percent <= Decimal("-100") or percent > Decimal("1000"):
        raise CatalogError(_("Give a percentage between -99 and 1000."))
    currency = catalog.group.currency
    products = list(Product.objects.filter(catalog=catalog, pk__in=product_ids))
    factor = (Decimal(100) + percent) / Decimal(100)
    changed = []
    for product in products:
        new_price = money.quantize(product.price * factor, currency)
        if new_price != product.price:
            product.price = new_price
            changed.append(product)
    Product.objects.bulk_update(changed, ["price"])
    if changed:
        log_action(
            action="product.prices_changed",
            acting_user=acting_user,
            group=catalog.group,
            obj=catalog,
            percent=percent,
            products=[p.pk for p in changed],
        )
    return len(changed)


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int


def product_import(
    *, catalog: Catalog, data: bytes, filename: str, acting_user: Any, dry_run: bool = False
) -> ImportReport:
    """Import a CSV or XLSX file of products into a local catalog (decision 12).

    All or nothing: any bad row (or an unreadable file) raises ``ProductImportError`` listing
    every bad line with its reason, and the database is left untouched.
    """
    from catalogs.resources import (
        ImportFileError,
        ProductResource,
        column_label,
        read_table,
        table_to_dataset,
    )

    _ensure_local(catalog)
    try:
        table = read_table(data, filename)
        dataset = table_to_dataset(table)
    except ImportFileError as exc:
        raise ProductImportError([(0, str(exc))]) from exc
    if not table.rows:
        raise ProductImportError([(0, _("The file has no product line."))])
    resource = ProductResource(catalog=catalog)
    resource.lines = table.lines
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        errors: list[tuple[int, str]] = []
        for invalid in result.invalid_rows:
            line = resource.file_line(invalid.number)
            for attribute, messages in invalid.error_dict.items():
                for message in messages:
                    if attribute == "__all__":
                        errors.append((line, message))
                    else:
                        errors.append((line, f"{column_label(attribute)} : {message}"))
        for number, row_errors in result.row_errors():
            for error in row_errors:
                errors.append((resource.file_line(number), str(error.error)))
        for error in result.base_errors:
            errors.append((0, str(error.error)))
        if errors:
            errors.sort(key=lambda e: e[0])
            raise ProductImportError(errors)  # leaving the atomic block rolls everything back
        report = ImportReport(
            created=result.totals["new"],
            updated=result.totals["update"],
            unchanged=result.totals["skip"],
        )
        if not dry_run:
            log_action(
                action="product.imported",
                acting_user=acting_user,
                group=catalog.group,
                obj=catalog,
                file=filename,
                created=report.created,
                updated=report.updated,
            )
    return report


def product_export(*, catalog: Catalog, file_format: str, language: str) -> tuple[bytes, str, str]:
    """The catalog's products as CSV (``;`` and decimal comma in French, ``,`` in English,
    UTF-8 with BOM, every value quoted) or XLSX; returns (content, content type, file name)."""
    import csv
    import io

    from django.utils.text import slugify

    from catalogs.resources import ProductResource

    native = file_format == "xlsx"
    separator = "," if language.startswith("fr") else "."
    resource = ProductResource(catalog=catalog, decimal_separator=separator, native=native)
    dataset = resource.export(resource.get_queryset())
    base = slugify(f"{catalog.group.name} {catalog.name}") or "catalogue"
    if native:
        return (
            dataset.export("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{base}.xlsx",
        )
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=";" if language.startswith("fr") else ",",
        quoting=csv.QUOTE_ALL,
        lineterminator="\r\n",
    )
    writer.writerow(dataset.headers)
    writer.writerows(dataset)
    return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{base}.csv"


# Producer catalogs and links ----------------------------------------------------------------------


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


@transaction.atomic
def producer_product_save(*, product: ProducerProduct, acting_user: Any) -> ProducerProduct:
    """Save a producer's product; every linked group receives the change at the next sync."""
    created = product.pk is None
    product.full_clean()
    product.save()
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


# Invitations (spec §12.6) -------------------------------------------------------------------------


@transaction.atomic
def vendor_invite(
    *,
    group: Group,
    acting_user: Any,
    email: str = "",
    vendor_name: str = "",
    message: str = "",
    vendor: Vendor | None = None,
    producer_catalog: ProducerCatalog | None = None,
) -> VendorInvitation:
    """Invite a producer (a known one, or anyone by e-mail) to supply the group."""
    email = (email or "").strip().lower()
    if vendor is None and email:
        vendor = Vendor.objects.filter(email__iexact=email).first()
    if producer_catalog is not None:
        vendor = producer_catalog.vendor
    if vendor is None and not email:
        raise CatalogError({"email": _("Give the producer's e-mail address.")})
    recipients = [email] if email else _producer_side_addresses(vendor)
    if not recipients:
        raise CatalogError(_("This producer has no e-mail address: contact them directly."))
    pending = VendorInvitation.objects.filter(group=group, status=VendorInvitation.Status.PENDING)
    if (
        vendor is not None
        and pending.filter(vendor=vendor, producer_catalog=producer_catalog).exists()
    ):
        raise CatalogError(_("An invitation to this producer is already waiting for an answer."))
    if vendor is None and pending.filter(email__iexact=email).exists():
        raise CatalogError(
            {"email": _("An invitation to this address is already waiting for an answer.")}
        )
    invitation = VendorInvitation(
        group=group,
        email=email,
        vendor=vendor,
        vendor_name=vendor_name or (vendor.name if vendor else ""),
        producer_catalog=producer_catalog,
        message=message.strip(),
        created_by=acting_user,
    )
    invitation.full_clean()
    invitation.save()
    log_action(
        action="vendor.invited",
        acting_user=acting_user,
        group=group,
        obj=invitation,
        to=", ".join(recipients),
    )
    send_email(
        name="vendor_invitation",
        to=recipients,
        context={"invitation": invitation, "inviter": acting_user},
        group=group,
    )
    return invitation


def _invitation_for_update(invitation: VendorInvitation) -> VendorInvitation:
    invitation = (
        VendorInvitation.objects.select_for_update(of=("self",))
        .select_related("group", "created_by")
        .get(pk=invitation.pk)
    )
    if not invitation.is_pending:
        raise CatalogError(_("This invitation has already been answered or cancelled."))
    if invitation.group.is_deleted:
        raise CatalogError(_("This group no longer exists."))
    return invitation


@transaction.atomic
def vendor_invitation_accept(
    *,
    invitation: VendorInvitation,
    vendor: Vendor,
    producer_catalog: ProducerCatalog | None,
    acting_user: Any,
) -> Catalog:
    """The producer accepts: their catalog (a new empty one if none) is linked to the group."""
    invitation = _invitation_for_update(invitation)
    if not vendor.managers.filter(pk=acting_user.pk).exists():
        raise CatalogError(_("You do not manage this producer."))
    if invitation.vendor_id and invitation.vendor_id != vendor.pk:
        raise CatalogError(_("This invitation is for another producer."))
    if producer_catalog is None:
        producer_catalog = producer_catalog_save(
            producer_catalog=ProducerCatalog(vendor=vendor, name=vendor.name[:64]),
            acting_user=acting_user,
        )
    elif producer_catalog.vendor_id != vendor.pk:
        raise CatalogError(_("This catalog belongs to another producer."))
    group = invitation.group
    inviter = Member.objects.of_user(group=group, user=invitation.created_by).first()
    catalog = catalog_link_create(
        producer_catalog=producer_catalog,
        group=group,
        acting_user=acting_user,
        coordinators=[inviter] if inviter else [],
    )
    invitation.status = VendorInvitation.Status.ACCEPTED
    invitation.vendor = vendor
    invitation.producer_catalog = producer_catalog
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.catalog = catalog
    invitation.save()
    log_action(
        action="vendor.invitation_accepted", acting_user=acting_user, group=group, obj=invitation
    )
    if invitation.created_by is not None:
        send_email_to_user(
            name="vendor_invitation_accepted",
            user=invitation.created_by,
            context={"invitation": invitation, "catalog": catalog, "vendor": vendor},
            group=group,
        )
    return catalog


@transaction.atomic
def vendor_invitation_decline(
    *, invitation: VendorInvitation, acting_user: Any
) -> VendorInvitation:
    invitation = _invitation_for_update(invitation)
    invitation.status = VendorInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.save(update_fields=["status", "responded_at", "responded_by"])
    log_action(
        action="vendor.invitation_declined",
        acting_user=acting_user,
        group=invitation.group,
        obj=invitation,
    )
    return invitation


@transaction.atomic
def vendor_invitation_cancel(*, invitation: VendorInvitation, acting_user: Any) -> VendorInvitation:
    invitation = _invitation_for_update(invitation)
    invitation.status = VendorInvitation.Status.CANCELLED
    invitation.responded_at = timezone.now()
    invitation.responded_by = acting_user
    invitation.save(update_fields=["status", "responded_at", "responded_by"])
    log_action(
        action="vendor.invitation_cancelled",
        acting_user=acting_user,
        group=invitation.group,
        obj=invitation,
    )
    return invitation
