"""Refunds Stripe refused are tried again (cardfix item 2): by the hourly reconciliation, after
1, 2, 4… hours, at most ``STRIPE_REFUND_MAX_ATTEMPTS`` times, each attempt with its own
idempotency key, never refunding twice. On the fake Stripe ("fail the next call")."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from day import tools
from payments import selectors as payment_selectors
from payments.models import Operation
from payments.stripe import services
from payments.stripe.models import CardRefund
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def _refused_refund(card, django_capture_on_commit_callbacks):
    """Bread 3.50 paid by card, then not delivered: the 3.50 refund is refused by Stripe."""
    checkout = card.start({"bread": "1"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    card.fake.fail(400, "Refund refused by the bank.")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        tools.product_not_delivered(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            acting_user=card.world.admin,
        )
    row = CardRefund.objects.get()
    assert (row.status, row.attempts, row.amount) == ("failed", 1, D("3.50"))
    assert "Refund refused by the bank." in row.failure
    # Next attempt an hour later.
    assert before + timedelta(hours=1) <= row.next_retry_at <= timezone.now() + timedelta(hours=1)
    assert not Operation.objects.filter(kind="refund").exists()
    return checkout, row


def _refund_keys(card):
    return [
        headers.get("idempotency-key")
        for method, path, _params, headers in card.fake.requests
        if method == "POST" and path == "/v1/refunds"
    ]


def test_a_refused_refund_is_retried_with_back_off_then_done_once(
    card, django_capture_on_commit_callbacks
):
    checkout, row = _refused_refund(card, django_capture_on_commit_callbacks)
    start = row.next_retry_at - timedelta(hours=1)
    # Within the back-off: not tried.
    assert services.refunds_retry(now=start + timedelta(minutes=30)) == []
    # An hour later, refused again: attempt 2, the next one 2 hours later.
    card.fake.fail(400, "Still refused.")
    now = start + timedelta(hours=1, minutes=1)
    lines = services.refunds_retry(now=now)
    assert lines == [f"refund {row.pk} attempt 2: failed"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_retry_at) == (
        "failed",
        2,
        now + timedelta(hours=2),
    )
    assert "Still refused." in row.failure
    assert services.refunds_retry(now=now + timedelta(hours=1)) == []
    # The hourly reconciliation, 2 hours later: accepted.
    report = services.reconcile(now=now + timedelta(hours=2, minutes=1), notify=False)
    assert report.refunds == [f"refund {row.pk} attempt 3: succeeded"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.failure, row.next_retry_at) == (
        "succeeded",
        3,
        "",
        None,
    )
    assert _refund_keys(card) == [
        f"refund-{row.pk}",
        f"refund-{row.pk}-2",
        f"refund-{row.pk}-3",
    ]
    (stripe_refund,) = card.fake.refunds.values()
    assert (stripe_refund["amount"], stripe_refund["payment_intent"]) == (
        350,
        checkout.payment_intent,
    )
    ledger = Operation.objects.get(kind="refund")
    assert (ledger.amount, ledger.reference) == (D("-3.50"), checkout.basket_code)
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
    # Replays: the retry, the reconciliation, the overpaid refund: nothing more.
    later = now + timedelta(days=2)
    assert services.refunds_retry(now=later) == []
    assert services.reconcile(now=later, notify=False).refunds == []
    services.refund_overpaid(
        group=card.group, member=card.member, reference=checkout.basket_code, acting_user=None
    )
    assert len(card.fake.refunds) == 1 and CardRefund.objects.count() == 1
    assert Operation.objects.filter(kind="refund").count() == 1


def test_retries_stop_after_the_maximum_and_the_admins_are_told(
    card, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.STRIPE_REFUND_MAX_ATTEMPTS = 2
    settings.ADMINS = [("Ops", "ops@example.org")]
    from django.core import mail

    _checkout, row = _refused_refund(card, django_capture_on_commit_callbacks)
    card.fake.fail(400, "Refused for good.")
    now = row.next_retry_at + timedelta(minutes=1)
    assert services.refunds_retry(now=now) == [
        f"refund {row.pk} attempt 2: failed",
        f"refund {row.pk} given up after 2 attempts",
    ]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_retry_at) == ("failed", 2, None)
    assert services.refunds_retry(now=now + timedelta(days=3)) == []
    assert len(card.fake.refunds) == 0
    # Given up: the reconciliation that gives up mails the platform's admins.
    CardRefund.objects.filter(pk=row.pk).update(
        attempts=1, status="failed", next_retry_at=now - timedelta(minutes=1)
    )
    card.fake.requests.clear()
    mail.outbox.clear()

    # The reconciliation lists the sessions first (one call), then retries: the refusal is
    # queued just before the retry.
    original = services.refunds_retry

    def retry_refused(**kwargs):
        card.fake.fail(400, "Refused for good.")
        return original(**kwargs)

    monkeypatch.setattr(services, "refunds_retry", retry_refused)
    report = services.reconcile(now=now, notify=True)
    assert f"refund {row.pk} given up after 2 attempts" in report.mismatches
    (message,) = mail.outbox
    assert "given up" in message.body
    # Still visible to the group's admins as a failed refund, nothing in the ledger.
    row.refresh_from_db()
    assert row.status == "failed" and not Operation.objects.filter(kind="refund").exists()


def test_a_retry_never_refunds_what_was_refunded_another_way(
    card, django_capture_on_commit_callbacks
):
    """The refused 3.50 is refunded again by the team (a new refund, accepted): the old row's
    retry finds nothing left on the order and gives up without calling Stripe."""
    checkout, row = _refused_refund(card, django_capture_on_commit_callbacks)
    done = services.refund_overpaid(
        group=card.group, member=card.member, reference=checkout.basket_code, acting_user=None
    )
    assert [r.amount for r in done.refunds] == [D("3.50")]
    assert services.refunds_retry(now=row.next_retry_at + timedelta(minutes=1)) == []
    row.refresh_from_db()
    assert (row.status, row.next_retry_at) == ("failed", None)
    assert "il ne reste rien à rembourser" in row.failure
    assert len(card.fake.refunds) == 1
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0


def test_an_attempt_whose_answer_was_lost_is_sent_again_with_the_same_key(
    card, django_capture_on_commit_callbacks
):
    """The retry reached Stripe (the refund is made) but its answer was lost (a crash): the
    row stays pending without a Stripe id. After its lease it is sent again with the same
    idempotency key: Stripe answers the same refund; one refund, one ledger row."""
    import stripe

    checkout, row = _refused_refund(card, django_capture_on_commit_callbacks)
    now = row.next_retry_at + timedelta(minutes=1)
    claimed = services._refund_claim(row.pk, now)
    assert (claimed.status, claimed.attempts) == ("pending", 2)
    stripe.StripeClient(
        "sk_test_fake", base_addresses={"api": card.fake.base_url}
    ).v1.refunds.create(
        params={"payment_intent": checkout.payment_intent, "amount": 350},
        options={"idempotency_key": f"refund-{row.pk}-2"},
    )  # what the lost attempt did
    assert services.refunds_retry(now=now + timedelta(minutes=30)) == []  # within the lease
    assert services.refunds_retry(now=now + timedelta(hours=1, minutes=1)) == [
        f"refund {row.pk} attempt 2: succeeded"
    ]
    assert len(card.fake.refunds) == 1
    assert _refund_keys(card)[-2:] == [f"refund-{row.pk}-2", f"refund-{row.pk}-2"]
    row.refresh_from_db()
    assert row.refund_id == next(iter(card.fake.refunds))
    assert Operation.objects.filter(kind="refund").count() == 1
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_refund_once(card, requires_postgres):
    """Two reconciliations retry the same refused refund at once (PostgreSQL, threads): the
    row is claimed once under the locks; one Stripe refund, one ledger row."""
    import threading

    from django.db import close_old_connections, connection

    checkout = card.start({"bread": "1"})
    deliver(card.fake, card.pay(checkout))
    card.fake.fail(400, "Refund refused by the bank.")
    tools.product_not_delivered(
        group=card.group, md=card.shop.md, product=card.shop["bread"], acting_user=card.world.admin
    )  # transaction=True: the refund runs at once (autocommit), and is refused
    row = CardRefund.objects.get()
    assert row.status == "failed"
    now = row.next_retry_at + timedelta(minutes=1)
    barrier = threading.Barrier(3)
    errors, lines = [], []

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=20)
            lines.extend(services.refunds_retry(now=now))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert lines == [f"refund {row.pk} attempt 2: succeeded"]
    assert len(card.fake.refunds) == 1
    assert Operation.objects.filter(kind="refund").count() == 1
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
