"""Object-level access to catalogs, producers and their catalogs (design §4).

Group side: ``catalog_get_for_manager`` is the one way a view (of this app or of another one,
such as distributions) fetches a catalog it is about to manage:

* a catalog of another group does not exist here → **404**;
* a member with ``can_manage_catalogs`` (admins have it) manages every catalog of the group;
* a coordinator listed in ``Catalog.coordinators`` manages only that catalog;
* anyone else → **403**.

Producer side: a user manages the vendors listed in ``Vendor.managers``; every other vendor, and
everything that belongs to it, is **404** for them.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from catalogs.models import Catalog, CatalogLink, ProducerCatalog, ProducerProduct, Vendor
from groups.tenancy import get_for_group

ALL_CATALOGS = "can_manage_catalogs"


def manages_all_catalogs(request: HttpRequest) -> bool:
    return ALL_CATALOGS in getattr(request, "group_perms", frozenset())


def can_manage_catalog(request: HttpRequest, catalog: Catalog) -> bool:
    if catalog.group_id != getattr(request.group, "pk", None):
        return False
    if manages_all_catalogs(request):
        return True
    member = request.member
    if member is None:
        return False
    return catalog.coordinators.filter(pk=member.pk).exists()


def coordinated_catalog_ids(request: HttpRequest) -> set[int]:
    member = request.member
    if member is None:
        return set()
    return set(
        Catalog.objects.filter(group=request.group, coordinators=member).values_list(
            "pk", flat=True
        )
    )


def catalog_get_for_manager(
    request: HttpRequest, catalog_id: int, *, queryset: QuerySet[Catalog] | None = None
) -> Catalog:
    """The catalog if the member may manage it: 404 for another group's, 403 without the right."""
    qs = queryset if queryset is not None else Catalog.objects.select_related("vendor", "group")
    catalog = get_for_group(qs, request.group, pk=catalog_id)
    if not can_manage_catalog(request, catalog):
        raise PermissionDenied
    return catalog


def require_some_catalog_right(request: HttpRequest) -> None:
    """The catalogs section: every catalog, or at least one coordinated catalog."""
    if manages_all_catalogs(request):
        return
    if (
        request.member is None
        or not Catalog.objects.filter(group=request.group, coordinators=request.member).exists()
    ):
        raise PermissionDenied


# Producer side ---------------------------------------------------------------------------------


def vendors_of(user: Any) -> QuerySet[Vendor]:
    if not getattr(user, "is_authenticated", False):
        return Vendor.objects.none()
    return Vendor.objects.filter(managers=user)


def vendor_get_for_user(user: Any, vendor_id: int) -> Vendor:
    vendor = vendors_of(user).filter(pk=vendor_id).first()
    if vendor is None:
        raise Http404
    return vendor


def producer_catalog_get_for_user(user: Any, producer_catalog_id: int) -> ProducerCatalog:
    pc = (
        ProducerCatalog.objects.select_related("vendor")
        .filter(pk=producer_catalog_id, vendor__managers=user)
        .first()
    )
    if pc is None:
        raise Http404
    return pc


def producer_product_get_for_user(user: Any, product_id: int) -> ProducerProduct:
    product = (
        ProducerProduct.objects.select_related("producer_catalog__vendor")
        .filter(pk=product_id, producer_catalog__vendor__managers=user)
        .first()
    )
    if product is None:
        raise Http404
    return product


def link_get_for_user(user: Any, link_id: int) -> CatalogLink:
    link = (
        CatalogLink.objects.select_related("catalog", "group", "producer_catalog__vendor")
        .filter(pk=link_id, producer_catalog__vendor__managers=user)
        .first()
    )
    if link is None:
        raise Http404
    return link
