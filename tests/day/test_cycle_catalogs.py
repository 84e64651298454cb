"""Attach or detach a catalog on every date of a cycle still to come (issue 13, item 10),
with the rules of one date."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from distributions import services
from distributions.cycles import CycleTimes
from distributions.models import Distribution
from kernel.models import LogEntry
from members.models import Member
from tests.day.factories import make_basket, make_catalog, make_product

pytestmark = pytest.mark.django_db
TIMES = CycleTimes(time(18, 30), time(20, 0), 7, time(8, 0), 1, time(23, 0))


@pytest.fixture
def cycle(world):
    start = timezone.localdate() + timedelta(days=10)
    return services.cycle_create(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=start,
        end_date=start + timedelta(weeks=3),
        times=TIMES,
        catalogs=[],
        acting_user=world.admin,
    )


def _dates(cycle, catalog):
    return Distribution.objects.filter(catalog=catalog, multidistrib__cycle=cycle).count()


def test_a_producer_linked_after_the_cycle_joins_every_date_at_once_and_leaves(world, cycle):
    late = make_catalog(world.group, name="Miel", vendor_name="Rucher")
    assert _dates(cycle, late) == 0
    changed, problems = services.cycle_set_catalog(
        cycle=cycle, catalog=late, attach=True, acting_user=world.admin
    )
    assert (changed, problems) == (4, [])
    assert _dates(cycle, late) == 4
    # Again: nothing to do.
    assert services.cycle_set_catalog(
        cycle=cycle, catalog=late, attach=True, acting_user=world.admin
    ) == (0, [])
    # An order on the second date keeps the catalog there; a validated date is left alone.
    mds = list(cycle.multidistribs.order_by("start_at"))
    honey = make_product(late, name="Miel", price="8.00")
    member = Member.objects.get(group=world.group, user=world.member)
    make_basket(mds[1], member, [(honey, 1)])
    mds[3].validated_at = timezone.now()
    mds[3].save(update_fields=["validated_at"])
    changed, problems = services.cycle_set_catalog(
        cycle=cycle, catalog=late, attach=False, acting_user=world.admin
    )
    assert changed == 2 and len(problems) == 2
    assert set(
        Distribution.objects.filter(catalog=late).values_list("multidistrib_id", flat=True)
    ) == {mds[1].pk, mds[3].pk}
    assert LogEntry.objects.filter(action="distribution_cycle.catalog_detached").exists()


def test_a_catalog_ending_inside_the_cycle_joins_only_its_dates(world, cycle):
    mds = list(cycle.multidistribs.order_by("start_at"))
    short = make_catalog(
        world.group,
        name="Fraises",
        vendor_name="Maraîcher",
        start_date=date(2020, 1, 1),
        end_date=mds[1].date,
    )
    changed, problems = services.cycle_set_catalog(
        cycle=cycle, catalog=short, attach=True, acting_user=world.admin
    )
    assert changed == 2 and len(problems) == 2  # the two dates after its end are refused


def test_cycle_catalogs_page_and_its_two_actions(world, cycle, client_for):
    late = make_catalog(world.group, name="Miel", vendor_name="Rucher")
    client = client_for(world.admin)
    kw = {"group_slug": world.group.slug, "cycle_id": cycle.pk}
    page = client.get(reverse("distributions:cycle_catalogs", kwargs=kw))
    assert page.status_code == 200 and "Miel" in page.content.decode()
    client.post(reverse("distributions:cycle_catalog_attach", kwargs=kw), {"catalog": late.pk})
    assert _dates(cycle, late) == 4
    client.post(reverse("distributions:cycle_catalog_detach", kwargs=kw), {"catalog": late.pk})
    assert _dates(cycle, late) == 0
    other = make_catalog(world.other_group, name="Autre", vendor_name="Ailleurs")
    response = client.post(
        reverse("distributions:cycle_catalog_attach", kwargs=kw), {"catalog": other.pk}
    )
    assert response.status_code == 404
    assert (
        client_for(world.member).get(reverse("distributions:cycle_catalogs", kwargs=kw)).status_code
        == 403
    )
