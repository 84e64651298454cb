"""Reads for catalogs, products, producers and links; each list runs a fixed number of queries."""

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from catalogs.models import (
    Catalog,
    CatalogLink,
    ProducerCatalog,
    ProducerProduct,
    Product,
    Vendor,
    VendorInvitation,
)
from catalogs.reference import taxonomy
from groups.models import Group, live_group_q
from members.models import active_member_q


def group_today(group: Group):
    return timezone.localtime(timezone.now(), group.tzinfo).date()


# Catalogs --------------------------------------------------------------------------------------


def catalog_list(
    *, group: Group, only_ids: set[int] | None = None, state: str = "current"
) -> QuerySet[Catalog]:
    """Catalogs of the group; ``only_ids`` limits them to a coordinator's catalogs."""
    today = group_today(group)
    qs = (
        Catalog.objects.filter(group=group)
        .select_related("vendor", "source_link")
        .annotate(
            product_count=Count("products", distinct=True),
            active_product_count=Count("products", filter=Q(products__active=True), distinct=True),
        )
        .order_by("name", "pk")
    )
    if only_ids is not None:
        qs = qs.filter(pk__in=only_ids)
    if state == "current":
        qs = qs.filter(end_date__gte=today)
    elif state == "ended":
        qs = qs.filter(end_date__lt=today)
    return qs


def catalogs_with_incomplete_legal_data(*, groups: list[Group]) -> list[Catalog]:
    """Current catalogs of these groups whose producer's legal data is incomplete (one query)."""
    if not groups:
        return []
    catalogs = (
        Catalog.objects.filter(group__in=groups, end_date__gte=timezone.localdate())
        .select_related("vendor", "group")
        .order_by("group__name", "name")
    )
    return [c for c in catalogs if not c.vendor.legal_data_complete]


# Products --------------------------------------------------------------------------------------


def product_list(
    *,
    catalog: Catalog,
    search: str = "",
    category: int | None = None,
    state: str = "",
    organic: bool = False,
) -> QuerySet[Product]:
    qs = Product.objects.filter(group_id=catalog.group_id, catalog=catalog)
    for term in search.split():
        qs = qs.filter(
            Q(name__icontains=term) | Q(ref__icontains=term) | Q(description__icontains=term)
        )
    if category:
        qs = qs.filter(taxonomy__in=taxonomy().kind_ids_in_category(category))
    if state == "active":
        qs = qs.filter(active=True)
    elif state == "inactive":
        qs = qs.filter(active=False)
    if organic:
        qs = qs.filter(organic=True)
    return qs.order_by("name", "pk")


# Producer space ----------------------------------------------------------------------------------


def vendor_list_for_user(*, user: Any) -> list[Vendor]:
    return list(
        Vendor.objects.filter(managers=user)
        .prefetch_related(
            Prefetch(
                "producer_catalogs",
                queryset=ProducerCatalog.objects.annotate(product_count=Count("products")).order_by(
                    "name"
                ),
            )
        )
        .order_by("name")
    )


def group_catalogs_of_vendors(*, vendors: list[Vendor]) -> list[Catalog]:
    """The groups' catalogs of these producers: the groups they supply."""
    return list(
        Catalog.objects.filter(live_group_q("group"), vendor__in=vendors)
        .select_related("group", "vendor", "source_link__producer_catalog")
        .order_by("-end_date", "group__name", "name")
    )


def producer_product_list(
    *, producer_catalog: ProducerCatalog, search: str = ""
) -> QuerySet[ProducerProduct]:
    qs = ProducerProduct.objects.filter(producer_catalog=producer_catalog)
    for term in search.split():
        qs = qs.filter(Q(name__icontains=term) | Q(ref__icontains=term))
    return qs.order_by("name", "pk")


def link_list_for_producer_catalog(*, producer_catalog: ProducerCatalog) -> list[CatalogLink]:
    return list(
        CatalogLink.objects.filter(producer_catalog=producer_catalog)
        .select_related("group", "catalog")
        .order_by("ended_at", "group__name")
    )


def invitation_list_for_user(*, user: Any) -> list[VendorInvitation]:
    """Pending invitations addressed to the user's e-mail or to a producer they manage."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        VendorInvitation.objects.filter(status=VendorInvitation.Status.PENDING)
        .filter(Q(email__iexact=user.email) | Q(vendor__managers=user))
        .filter(live_group_q("group"))
        .select_related("group", "vendor", "producer_catalog", "created_by")
        .distinct()
        .order_by("-created_at")
    )


def groups_where_user_manages_catalogs(*, user: Any) -> list[Group]:
    """Groups in which the user may attach a catalog directly (admin or all-catalogs right)."""
    return list(
        Group.objects.alive()
        .filter(
            active_member_q("members"),
            Q(members__is_admin=True) | Q(members__can_manage_catalogs=True),
            members__user=user,
        )
        .distinct()
        .order_by("name")
    )


# Directory (spec §12.6) -----------------------------------------------------------------------

STOP_WORDS = frozenset(
    {
        "le",
        "la",
        "les",
        "du",
        "de",
        "des",
        "l'",
        "a",
        "à",
        "au",
        "aux",
        "en",
        "sur",
        "qui",
        "et",
        "ferme",
        "jardin",
        "jardins",
        "gaec",
        "earl",
        "scea",
        "sarl",
        "sas",
    }
)
EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> float:
    # Distances are for sorting and display only, never for money: floats are fine here.
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class DirectoryResult:
    vendor: Vendor
    distance_km: float | None
    supplies_group: bool
    catalogs: list[ProducerCatalog]


def _name_words(text: str) -> list[str]:
    words = []
    for word in text.replace("\u2019", "'").split():
        word = word.strip().casefold()
        if word.startswith(("l'", "d'")):
            word = word[2:]
        if len(word) >= 2 and word not in STOP_WORDS:
            words.append(word)
    return words


def vendor_directory_search(
    *,
    group: Group,
    name: str = "",
    profession: int | None = None,
    category: int | None = None,
    max_km: int | None = None,
    limit: int = 30,
) -> list[DirectoryResult]:
    """Producers listed in the directory (producer accounts and the group's own records),
    nearest to the group's main place first.

    Name words (stop-words removed) are ORed; profession matches any of the three productions;
    a product category matches producers selling a product of that category in any catalog.
    Distances are great-circle (haversine) from the group's main place, computed in Python on
    the candidates inside a bounding box.
    """
    # Decision 18: producer accounts' public profiles, and the group's own records; another
    # group's record stays private to it.
    accounts = Vendor.managers.through.objects.filter(vendor_id=OuterRef("pk"))
    qs = Vendor.objects.filter(listed_in_directory=True, blocked_reason="")
    qs = qs.filter(Exists(accounts) | Q(owner_group=group))
    words = _name_words(name)
    if words:
        qs = qs.filter(
            reduce(or_, (Q(name__icontains=w) | Q(legal_name__icontains=w) for w in words))
        )
    if profession:
        qs = qs.filter(
            Q(profession=profession) | Q(profession2=profession) | Q(profession3=profession)
        )
    if category:
        kinds = taxonomy().kind_ids_in_category(category)
        qs = qs.filter(
            Exists(
                Product.objects.filter(
                    catalog__vendor=OuterRef("pk"), taxonomy__in=kinds, active=True
                )
            )
            | Exists(
                ProducerProduct.objects.filter(
                    producer_catalog__vendor=OuterRef("pk"), taxonomy__in=kinds, active=True
                )
            )
        )
    today = group_today(group)
    qs = qs.annotate(
        supplies_group=Exists(
            Catalog.objects.filter(vendor=OuterRef("pk"), group=group, end_date__gte=today)
        )
    )
    place = group.main_place
    origin = (place.latitude, place.longitude) if place is not None and place.is_located else None
    if origin and max_km:
        # A bounding box first, so only nearby rows come back from the database.
        dlat = Decimal(str(round(max_km / 111.0 + 0.01, 6)))
        cos = max(math.cos(math.radians(float(origin[0]))), 0.01)
        dlng = Decimal(str(round(max_km / (111.0 * cos) + 0.01, 6)))
        qs = qs.filter(
            latitude__range=(origin[0] - dlat, origin[0] + dlat),
            longitude__range=(origin[1] - dlng, origin[1] + dlng),
        )
    candidates = list(
        qs.only(
            "pk",
            "name",
            "owner_group",
            "city",
            "postcode",
            "profession",
            "profession2",
            "profession3",
            "latitude",
            "longitude",
            "image",
            "description",
            "legal_name",
            "siret",
            "legal_status",
            "naf_code",
            "registered_address",
            "registered_postcode",
            "registered_city",
        )[:2000]
    )
    results = []
    for vendor in candidates:
        distance = None
        if origin and vendor.is_located:
            distance = haversine_km(origin[0], origin[1], vendor.latitude, vendor.longitude)
            if max_km and distance > max_km:
                continue
        elif max_km and origin:
            continue
        results.append(DirectoryResult(vendor, distance, vendor.supplies_group, []))
    results.sort(
        key=lambda r: (r.distance_km is None, r.distance_km or 0, r.vendor.name.casefold())
    )
    results = results[:limit]
    catalogs: dict[int, list[ProducerCatalog]] = {}
    for pc in (
        ProducerCatalog.objects.filter(vendor__in=[r.vendor.pk for r in results], visible=True)
        .annotate(product_count=Count("products", filter=Q(products__active=True)))
        .order_by("name")
    ):
        catalogs.setdefault(pc.vendor_id, []).append(pc)
    linked_here = set(
        CatalogLink.objects.filter(
            group=group,
            ended_at__isnull=True,
            producer_catalog__vendor__in=[r.vendor.pk for r in results],
        ).values_list("producer_catalog_id", flat=True)
    )
    for result in results:
        result.catalogs = catalogs.get(result.vendor.pk, [])
        for catalog in result.catalogs:
            catalog.linked_here = catalog.pk in linked_here  # type: ignore[attr-defined]
    return results


def invitation_list_for_group(*, group: Group) -> list[VendorInvitation]:
    return list(
        VendorInvitation.objects.filter(group=group, status=VendorInvitation.Status.PENDING)
        .select_related("vendor", "producer_catalog", "created_by")
        .order_by("-created_at")
    )


def vendors_exist_for_user(*, user: Any) -> bool:
    return Vendor.objects.filter(managers=user).exists()
