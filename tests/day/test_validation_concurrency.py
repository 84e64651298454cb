"""F3 with real threads on PostgreSQL: the same validation task delivered twice."""

import threading
import time

import pytest
from django.db import connection

from day import tasks as day_tasks
from day import validation
from day.models import DistributionValidation
from payments import services as payments
from payments.models import Operation
from tests.day.conftest import build_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_deliveries_of_one_validation_task_leave_it_done(
    world, requires_postgres, monkeypatch
):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    day = build_day(world, days=-1)
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)

    real = payments.payments_confirm_for_references

    def slow(**kw):  # a large distribution: the first task holds the lock a while
        result = real(**kw)
        time.sleep(1)
        return result

    monkeypatch.setattr(payments, "payments_confirm_for_references", slow)
    results = []

    def run():
        try:
            results.append(day_tasks.distribution_validate.run(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join()
    row.refresh_from_db()
    print(results, row.status, row.error)
    # The second delivery finds the validation finished and leaves it as it is.
    assert row.status == DistributionValidation.Status.DONE, (results, row.status, row.error)
    assert len(row.batches) == 1 and "failed" not in results


# --- orders entered while the validation runs (issue 13, item 8; restored from 7f2531a^) ------


def _typed_past_day(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    day = build_day(world, days=-1)
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    return day


def _slow_validation(monkeypatch, seconds=1.5):
    real = payments.payments_confirm_for_references

    def slow(**kw):
        result = real(**kw)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(payments, "payments_confirm_for_references", slow)


def _admin_order(day, member, admin, out):
    from orders.services import ordering

    try:
        ordering.order_update(
            md=day.md,
            member=member,
            quantities={day.loaf.pk: 1},
            acting_user=admin,
            as_admin=True,
            payment_type="transfer",
            notify=False,
        )
        out.append("ordered")
    except Exception as exc:
        from orders.services import OrderError

        out.append(f"refused: {exc}" if isinstance(exc, OrderError) else f"crashed: {exc!r}")
    finally:
        connection.close()


def test_an_admin_order_entered_during_validation_waits_and_is_refused(
    world, requires_postgres, monkeypatch
):
    """Issue 13 (F13): the order waits for the validation's lock, then finds it validated."""
    from orders.models import Basket
    from tests.factories import MemberFactory, UserFactory

    day = _typed_past_day(world)
    late = MemberFactory(group=world.group, user=UserFactory(last_name="Tardif"))
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)
    _slow_validation(monkeypatch)
    out = []

    def validate():
        try:
            out.append(day_tasks.distribution_validate.run(row.pk))
        except Exception as exc:
            out.append(f"validation crashed: {type(exc).__name__}")
        finally:
            connection.close()

    a = threading.Thread(target=validate)
    b = threading.Thread(target=_admin_order, args=(day, late, world.admin, out))
    a.start()
    time.sleep(0.4)
    b.start()
    a.join()
    b.join()
    day.md.refresh_from_db()
    row.refresh_from_db()
    assert not any("crashed" in str(o) for o in out), (out, row.status)
    assert day.md.validated_at is not None and row.status == DistributionValidation.Status.DONE
    assert any(str(o).startswith("refused") and "valid" in str(o) for o in out), out
    basket = Basket.objects.filter(multidistrib=day.md, member=late).first()
    assert basket is None or basket.state != "confirmed"


def test_without_the_group_lock_the_order_still_cannot_escape_the_validation(
    world, requires_postgres, monkeypatch
):
    """The distribution's shared lock alone keeps the order out (F13b: it escaped before)."""
    from members.models import Member
    from orders.services import ordering

    monkeypatch.setattr(
        ordering,
        "_lock_member",
        lambda member, related=True: (
            Member.objects.select_for_update(of=("self",))
            .select_related("user", "group")
            .get(pk=member if isinstance(member, int) else member.pk)
        ),
    )
    test_an_admin_order_entered_during_validation_waits_and_is_refused(
        world, requires_postgres, monkeypatch
    )


def test_admins_entering_orders_while_validation_runs_never_deadlock(
    world, requires_postgres, monkeypatch
):
    """Four admins enter orders (new members and a member of the distribution) before, during
    and after the validation: no deadlock, no crash, nothing pending in the validated
    distribution, and every order committed before validation is confirmed by it."""
    from orders.models import Basket
    from tests.factories import MemberFactory, UserFactory

    day = _typed_past_day(world)
    late = [
        MemberFactory(group=world.group, user=UserFactory(last_name=f"Tardif{i}")) for i in range(3)
    ]
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)
    _slow_validation(monkeypatch, seconds=1.0)
    out: list = []

    def validate():
        try:
            out.append(day_tasks.distribution_validate.run(row.pk))
        except Exception as exc:
            out.append(f"validation crashed: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=_admin_order, args=(day, late[0], world.admin, out))]
    threads.append(threading.Thread(target=validate))
    threads += [
        threading.Thread(target=_admin_order, args=(day, m, world.admin, out))
        for m in (late[1], late[2], day.members["coord"])
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
        time.sleep(0.15)
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert time.monotonic() - started < 20
    assert not any("crashed" in str(o) for o in out), out
    day.md.refresh_from_db()
    row.refresh_from_db()
    assert day.md.validated_at is not None and row.status == DistributionValidation.Status.DONE
    confirmed = Basket.objects.filter(multidistrib=day.md, state="confirmed", absence__isnull=True)
    pending = Operation.objects.filter(
        reference__in=confirmed.values("code"), state="pending"
    ).exclude(kind="payment", payment_type="transfer")
    # Whatever was committed in the distribution before the validation was confirmed by it;
    # nothing was committed after (a transfer announced stays pending until it arrives).
    assert not pending.exists(), (out, list(pending.values("reference", "kind", "state")))
    assert out.count("ordered") + sum(str(o).startswith("refused") for o in out) == 4, out


@pytest.mark.django_db
def test_the_shared_lock_names_the_distributions_table():
    from distributions.models import MultiDistrib
    from orders.services import loading

    assert f'"{MultiDistrib._meta.db_table}"' in loading._SHARE_MD_SQL
