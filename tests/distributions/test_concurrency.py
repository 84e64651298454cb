"""Concurrent writes on PostgreSQL: a role never takes more people than it needs, a place never
gets two distributions the same day."""

import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from distributions import services
from distributions.models import Duty, MultiDistrib, VolunteerRole
from tests.distributions.factories import make_md
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    outcomes = []

    def run(args):
        try:
            barrier.wait()
            target(*args)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_concurrent_sign_ups_never_overfill_a_role(world, requires_postgres):
    VolunteerRole.objects.create(group=world.group, name="Caisse")
    md = make_md(world.group)
    need = md.duty_needs.get()
    users = [UserFactory() for _ in range(6)]
    for user in users:
        MemberFactory(group=world.group, user=user)

    def signup(user):
        services.duty_signup(need=need, user=user, acting_user=user)

    outcomes = _race(signup, [(u,) for u in users])
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 5
    assert Duty.objects.filter(need=need).count() == 1


def test_concurrent_creations_keep_one_distribution_per_place_and_day(world, requires_postgres):
    day = timezone.localdate() + timedelta(days=12)

    def create(start):
        make_md(world.group, day=day, start=start, end=time(start.hour + 1, 0))

    outcomes = _race(create, [(time(h, 0),) for h in (8, 10, 12, 14)])
    assert outcomes.count("ok") == 1
    assert MultiDistrib.objects.filter(place=world.place, date=day).count() == 1
