"""A group's catalogs: create, edit, coordinators, duplicate, end; and the rule deciding whether a
catalog can be opened for orders (decision 13)."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalogs.exceptions import CatalogError, CatalogNotOrderableError
from catalogs.models import Catalog, Product, Vendor
from catalogs.selectors import group_today
from catalogs.services.products import PRODUCT_COPY_FIELDS, _ensure_local
from groups.models import Group
from kernel.audit import log_action
from members.models import Member


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
    """Attach a producer to the group with a new (empty) catalog; another group's private
    record is refused (decision 18)."""
    if not vendor.may_supply(group):
        raise ValidationError(
            {"vendor": _("This producer was entered by another group: invite them instead.")}
        )
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
        max_quantity_per_line=catalog.max_quantity_per_line,
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
