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
