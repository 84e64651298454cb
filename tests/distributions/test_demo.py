"""The demo distributions: what the issue asks for, and idempotent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from distributions.models import (
    Distribution,
    DistributionCycle,
    Duty,
    MultiDistrib,
    SlotRequest,
    State,
)
from groups.models import Group

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "mds": sorted(MultiDistrib.objects.values_list("pk", "date", "orders_open_at")),
        "cycles": DistributionCycle.objects.count(),
        "duties": Duty.objects.count(),
        "requests": SlotRequest.objects.count(),
        "participations": Distribution.objects.count(),
    }


def test_seed_demo_plans_distributions_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    group = Group.objects.get(slug="demo")
    now = timezone.now()
    cycles = {c.cycle_type: c for c in DistributionCycle.objects.filter(group=group)}
    assert set(cycles) == {"weekly", "monthly"}
    weekly = list(cycles["weekly"].multidistribs.order_by("start_at"))
    assert len(weekly) == 9  # eight weeks, both ends
    assert {m.place_id for m in weekly} == {group.main_place_id}
    assert cycles["monthly"].place_id != group.main_place_id
    assert weekly[0].state(now) == State.OPEN
    assert weekly[0].slots_enabled and weekly[0].slot_requests.exists()
    assert Duty.objects.filter(group=group).exists()
    assert MultiDistrib.objects.filter(group=group, delivery_enabled=True).count() == 1
    assert MultiDistrib.objects.filter(group=group, end_at__lt=now).exists()
    group.refresh_from_db()
    assert group.active_until >= weekly[-1].date

    before = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == before


def test_seed_demo_attaches_catalogs_created_later():
    from tests.distributions.factories import CatalogFactory

    call_command("seed_demo", stdout=io.StringIO())
    group = Group.objects.get(slug="demo")
    catalog = CatalogFactory(group=group)
    call_command("seed_demo", stdout=io.StringIO())
    upcoming = MultiDistrib.objects.filter(group=group, start_at__gt=timezone.now())
    assert Distribution.objects.filter(catalog=catalog).count() == upcoming.count()
