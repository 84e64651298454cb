"""F3 with real threads on PostgreSQL: the same validation task delivered twice."""

import threading
import time

import pytest
from django.db import connection

from orders import day_tasks, validation
from orders.models import DistributionValidation
from payments import services as payments
from payments.models import Operation
from tests.day.conftest import build_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_f3_two_deliveries_of_one_validation_task(world, requires_postgres, monkeypatch):
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


def test_f13_admin_order_entered_during_validation_escapes_it(
    world, requires_postgres, monkeypatch
):
    from orders.models import Basket
    from orders.services import ordering
    from tests.factories import MemberFactory, UserFactory

    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    day = build_day(world, days=-1)
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    late = MemberFactory(group=world.group, user=UserFactory(last_name="Tardif"))
    row = validation.validation_start(group=world.group, md=day.md, acting_user=world.admin)
    real = payments.payments_confirm_for_references

    def slow(**kw):
        result = real(**kw)
        time.sleep(1.5)
        return result

    monkeypatch.setattr(payments, "payments_confirm_for_references", slow)
    out = []

    def validate():
        try:
            out.append(day_tasks.distribution_validate.run(row.pk))
        except Exception as exc:
            out.append(f"validation crashed: {type(exc).__name__}")
        finally:
            connection.close()

    def order():
        try:
            ordering.order_update(
                md=day.md,
                member=late,
                quantities={day.loaf.pk: 1},
                acting_user=world.admin,
                as_admin=True,
                payment_type="transfer",
                notify=False,
            )
            out.append("ordered")
        except Exception as exc:
            out.append(f"refused: {exc}")
        finally:
            connection.close()

    a = threading.Thread(target=validate)
    b = threading.Thread(target=order)
    a.start()
    time.sleep(0.4)
    b.start()
    a.join()
    b.join()
    day.md.refresh_from_db()
    basket = Basket.objects.filter(multidistrib=day.md, member=late).first()
    row.refresh_from_db()
    print(out, day.md.validated_at, basket and basket.state, row.status)
    assert not any("crashed" in o for o in out), (out, row.status)
    assert day.md.validated_at is not None
    pending = Operation.objects.filter(reference=basket.code, state="pending") if basket else []
    assert not (basket and basket.state == "confirmed" and pending), (
        "a confirmed basket of a validated distribution with pending debt/payment",
        out,
    )


def test_f13b_without_the_group_lock_the_order_escapes_the_validation(
    world, requires_postgres, monkeypatch
):
    from members.models import Member
    from orders.services import ordering

    monkeypatch.setattr(
        ordering,
        "lock_member",
        lambda member: (
            Member.objects.select_for_update(of=("self",))
            .select_related("user", "group")
            .get(pk=member.pk)
        ),
    )
    test_f13_admin_order_entered_during_validation_escapes_it(world, requires_postgres, monkeypatch)
