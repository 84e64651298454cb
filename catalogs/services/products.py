"""Products of a group's catalog: save, delete, switch on/off, change prices; and the rule
deciding which quantities a product can be ordered in.

Changing a product's price or unit never alters orders already placed: the orders app copies the
price and the unit into its lines (decision 7), so nothing here cascades to orders.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from catalogs.exceptions import CatalogError, LinkedCatalogError, ProductQuantityError
from catalogs.models import MAX_PRICE, Catalog, CatalogLink, ProducerProduct, Product
from kernel import money
from kernel.audit import log_action

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


def _ensure_local(catalog: Catalog) -> None:
    if catalog.active_link is not None:
        raise LinkedCatalogError(
            _(
                "The products of this catalog are managed by the producer in their own space; "
                "break the link to manage them here."
            )
        )


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
        if new_price > MAX_PRICE:
            raise CatalogError(
                _("%(name)s would cost more than %(maximum)s: no price was changed.")
                % {"name": product.name, "maximum": MAX_PRICE}
            )
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
