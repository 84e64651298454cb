"""Concurrent webhooks and return pages for one paid session on PostgreSQL: nothing doubles."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from orders.models import Basket
from payments.models import Operation
from payments.stripe import services
from payments.stripe.models import CardCheckout, StripeEvent
from tests.payments.stripe.conftest import deliver

THREADS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_webhooks_and_return_pages_place_one_order(card, requires_postgres):
    checkout = card.start({"eggs": "2", "bread": "1"})
    completed = card.pay(checkout)
    # The same event delivered several times, a second event for the same session (Stripe's
    # async_payment_succeeded), and the return page's fallback, all at once.
    other = dict(completed, id="evt_test_async", type="checkout.session.async_payment_succeeded")
    barrier = threading.Barrier(THREADS)
    errors, statuses = [], []
    lock = threading.Lock()

    def run(index: int) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=20)
            if index == 0:
                services.session_refresh(checkout=CardCheckout.objects.get(pk=checkout.pk))
                status = 200
            else:
                event = other if index == 1 else completed
                status = deliver(card.fake, event, client=Client()).status_code
            with lock:
                statuses.append(status)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    # A webhook that lost a race may ask Stripe to send it again (500); none may double.
    assert all(s in (200, 500) for s in statuses), statuses
    checkout.refresh_from_db()
    assert checkout.state == "fulfilled"
    assert Basket.objects.filter(state="confirmed").count() == 1
    assert Operation.objects.filter(kind="payment").count() == 1
    assert StripeEvent.objects.filter(event_id=completed["id"]).count() <= 1
    # Replayed afterwards: still one.
    assert deliver(card.fake, completed).status_code == 200
    assert deliver(card.fake, other).status_code == 200
    assert Operation.objects.filter(kind="payment").count() == 1
    assert card.shop["eggs"].__class__.objects.get(pk=card.shop["eggs"].pk).stock == 1
