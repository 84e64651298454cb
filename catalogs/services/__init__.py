"""Writes for producers, catalogs, products, producer catalogs, links and invitations, split by
topic; import them from here.

API for the other apps (documented in docs/catalogs.md):

* ``catalog_order_blockers(catalog)``: decision 13, why a catalog cannot be opened for new orders
  (its producer's legal data is incomplete, the producer is blocked, or the catalog has ended);
  the distributions app asks it before opening an order window (``DistributionsConfig.ready``),
  the orders app before taking an order. ``catalog_can_open_orders(catalog)`` and
  ``catalog_check_can_open_orders(catalog)`` give the same answer as a bool or an exception.
* ``product_validate_quantity(product, quantity)``: the one place deciding which quantities a
  product can be ordered in (whole pieces vs decimal kilograms, bulk steps).
* ``catalogs.access.catalog_get_for_manager(request, catalog_id)``: object-level rights.
"""

from catalogs.services.catalogs import (
    catalog_can_open_orders,
    catalog_check_can_open_orders,
    catalog_create,
    catalog_duplicate,
    catalog_end,
    catalog_order_blockers,
    catalog_set_coordinators,
    catalog_update,
)
from catalogs.services.exports import product_export
from catalogs.services.imports import product_import
from catalogs.services.invitations import (
    vendor_invitation_accept,
    vendor_invitation_cancel,
    vendor_invitation_decline,
    vendor_invite,
)
from catalogs.services.links import catalog_link_break, catalog_link_create, catalog_link_sync
from catalogs.services.producer_catalogs import (
    producer_catalog_save,
    producer_product_delete,
    producer_product_save,
)
from catalogs.services.producer_imports import producer_catalog_import
from catalogs.services.products import (
    product_delete,
    product_save,
    product_validate_quantity,
    products_change_price,
    products_set_active,
)
from catalogs.services.vendors import (
    vendor_add_manager,
    vendor_create,
    vendor_editable_by_group,
    vendor_photo_add,
    vendor_photo_delete,
    vendor_update,
)

__all__ = [
    "catalog_can_open_orders",
    "catalog_check_can_open_orders",
    "catalog_create",
    "catalog_duplicate",
    "catalog_end",
    "catalog_link_break",
    "catalog_link_create",
    "catalog_link_sync",
    "catalog_order_blockers",
    "catalog_set_coordinators",
    "catalog_update",
    "producer_catalog_import",
    "producer_catalog_save",
    "producer_product_delete",
    "producer_product_save",
    "product_delete",
    "product_export",
    "product_import",
    "product_save",
    "product_validate_quantity",
    "products_change_price",
    "products_set_active",
    "vendor_add_manager",
    "vendor_create",
    "vendor_editable_by_group",
    "vendor_invitation_accept",
    "vendor_invitation_cancel",
    "vendor_invitation_decline",
    "vendor_invite",
    "vendor_photo_add",
    "vendor_photo_delete",
    "vendor_update",
]
