"""Reads for groups: the public map and the groups of a user."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from groups.models import Group


def group_list_on_map() -> QuerySet[Group]:
    """Decision 10: listed, geocoded, and with a distribution ahead."""
    today = timezone.localdate()
    return (
        Group.objects.alive()
        .filter(
            listed_on_map=True,
            active_until__gte=today,
            main_place__latitude__isnull=False,
            main_place__longitude__isnull=False,
        )
        .select_related("main_place")
        .order_by("name")
    )


def group_map_geojson() -> dict[str, Any]:
    features = []
    for group in group_list_on_map():
        place = group.main_place
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(place.longitude), float(place.latitude)],
                },
                "properties": {
                    "name": group.name,
                    "url": group.get_absolute_url(),
                    "place": place.name,
                    "city": place.city,
                    "intro": group.intro[:200],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
