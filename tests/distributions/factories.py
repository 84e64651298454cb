"""Factories for distributions tests: catalogs to attach, distributions made by the services."""

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from catalogs.models import Catalog
from distributions import services
from distributions.cycles import aware
from tests.catalogs.factories import VendorFactory  # complete legal data (decision 13)


class CatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Catalog

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Catalogue {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))


def make_md(
    group,
    *,
    place=None,
    day: date | None = None,
    start: time = time(18, 0),
    end: time = time(20, 0),
    opens: datetime | None = None,
    closes: datetime | None = None,
    catalogs=(),
    acting_user=None,
):
    """A distribution through the service: by default in 10 days, orders open now for a week."""
    tz = group.tzinfo
    day = day or timezone.localdate(timezone.now(), tz) + timedelta(days=10)
    start_at = aware(day, start, tz)
    return services.md_create(
        group=group,
        place=place or group.main_place,
        day=day,
        start_time=start,
        end_time=end,
        orders_open_at=opens
        or min(timezone.now() - timedelta(hours=1), start_at - timedelta(days=2)),
        orders_close_at=closes or start_at - timedelta(days=1),
        catalogs=list(catalogs),
        acting_user=acting_user,
    )
