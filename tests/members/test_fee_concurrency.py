"""Simultaneous recordings of the same fee on PostgreSQL: one fee, one debt and one payment."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from members import memberships
from members.models import Member, Membership
from payments.models import Operation

TRIES = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_recordings_write_one_fee_and_its_two_rows(world, requires_postgres):
    group = world.group
    group.has_membership = True
    group.membership_fee = Decimal("10.00")
    group.save()
    member = Member.objects.get(group=group, user=world.member)
    year = memberships.current_period(group).year
    barrier = threading.Barrier(TRIES)
    lock = threading.Lock()
    done, refused, errors = [], [], []

    def record() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=20)
            memberships.membership_record(
                group=group, member=member, year=year, payment_type="cash", acting_user=world.admin
            )
            with lock:
                done.append(1)
        except ValidationError as exc:
            with lock:
                refused.append(exc.messages[0])
        except BaseException as exc:  # reported to the main thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(done) == 1 and len(refused) == TRIES - 1
    assert all("déjà" in message for message in refused)
    assert Membership.objects.filter(member=member).count() == 1
    assert Operation.objects.filter(member=member).count() == 2
