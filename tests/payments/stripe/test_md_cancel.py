"""Cancelling a whole distribution (issue 17): every order cancelled (stock back, ledger
corrected), every card payment refunded once, members e-mailed, the distribution shown as
cancelled and no longer orderable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from distributions import services as distribution_services
from distributions.models import State
from kernel.models import OutboxMail
from orders import selectors as order_selectors
from orders.models import Basket
from orders.services.results import OrderError
from payments import selectors as payment_selectors
from payments.models import Operation
from payments.stripe.models import CardCheckout, CardRefund
from tests.orders.factories import new_member, order
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def _paid_by_card(card, items):
    checkout = card.start(items)
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    assert checkout.state == CardCheckout.State.FULFILLED
    return checkout


@pytest.fixture
def two_orders(card):
    """One order paid by card (2 eggs + 1 bread = 7.70), one paid on the spot (1 tomato)."""
    checkout = _paid_by_card(card, {"eggs": "2", "bread": "1"})
    other = new_member(card.group, first_name="Brice", last_name="Avril")
    cash = order(card.shop.md, other, {card.shop["tomatoes"]: "1"}, payment_type="cash").basket
    return checkout, cash, other


def test_the_page_shows_orders_card_payments_and_members(card, two_orders, client_for):
    checkout, cash, other = two_orders
    # Before: the shop offers the bread (the check after the cancellation means something).
    shop_page = client_for(other.user).get(
        reverse("shop:shop", kwargs={"group_slug": card.group.slug, "md_id": card.shop.md.pk})
    )
    assert "Pain de campagne" in shop_page.content.decode()
    admin = client_for(card.world.admin)
    url = reverse("distributions:manage_cancel", args=[card.group.slug, card.shop.md.pk])
    page = admin.get(url).content.decode()
    assert checkout.basket_code in page and cash.code in page
    assert checkout.payment_intent in page  # the card payment to refund
    assert other.user.email in page and card.member.user.email in page
    # Nothing done by looking.
    assert Basket.objects.filter(state="confirmed").count() == 2
    # The detail page links to it.
    detail = admin.get(
        reverse("distributions:manage_detail", args=[card.group.slug, card.shop.md.pk])
    )
    assert url in detail.content.decode()


def test_confirming_cancels_refunds_once_and_tells_the_members(
    card, two_orders, client_for, django_capture_on_commit_callbacks
):
    checkout, _cash, other = two_orders
    eggs = card.shop["eggs"]
    eggs.refresh_from_db()
    assert eggs.stock == D("1")
    admin = client_for(card.world.admin)
    url = reverse("distributions:manage_cancel", args=[card.group.slug, card.shop.md.pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url, {"reason": "Inondation du local."})
    assert response.status_code == 302
    md = card.shop.md
    md.refresh_from_db()
    assert md.cancelled_at is not None and md.cancel_reason == "Inondation du local."
    assert md.state() == State.CANCELLED
    # Every order cancelled, the stock back.
    assert set(Basket.objects.values_list("state", flat=True)) == {"cancelled"}
    eggs.refresh_from_db()
    assert eggs.stock == D("3")
    # The card payment refunded in full, once: one Stripe refund, one negative ledger row.
    refund = CardRefund.objects.get()
    assert (refund.amount, refund.status) == (checkout.amount, "succeeded")
    assert refund.fee == checkout.fee  # the whole platform fee given back
    assert Operation.objects.filter(kind="refund").get().amount == -checkout.amount
    assert len([r for r in card.fake.requests if r[1] == "/v1/refunds"]) == 1
    # Balances back to zero: debts cancelled, the card money given back.
    for member in (card.member, other):
        assert payment_selectors.balance_for_member(group=card.group, member=member) == 0
    # Each member who ordered got the "distribution cancelled" mail, saying whether a card
    # refund comes, in their language.
    assert len(mail.outbox) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    card_mail = by_to[card.member.user.email]
    assert "annulée" in card_mail.subject
    assert "Inondation du local." in card_mail.body
    assert "remboursé sur votre carte" in card_mail.body
    assert "remboursé sur votre carte" not in by_to[other.user.email].body
    assert OutboxMail.objects.filter(kind="distribution_cancelled").count() == 2

    # A double click / a replayed form: refused, nothing more refunded or mailed.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = admin.post(url, {"reason": "bis"})
    assert again.status_code == 302
    assert CardRefund.objects.count() == 1 and not mail.outbox
    with pytest.raises(distribution_services.AlreadyCancelledError):
        distribution_services.md_cancel(md=md, acting_user=card.world.admin)

    # The planning of a cancelled distribution no longer changes (it may still be deleted).
    with pytest.raises(ValidationError) as refused:
        distribution_services.md_set_catalogs(
            md=md, catalogs=[card.shop.farm], confirmed=True, acting_user=card.world.admin
        )
    assert "annulée" in " ".join(refused.value.messages)
    # Visible as cancelled, no longer orderable, by members or admins.
    page = admin.get(reverse("distributions:manage_detail", args=[card.group.slug, md.pk]))
    assert "Annulée" in page.content.decode()
    with pytest.raises(OrderError):
        order(md, other, {card.shop["bread"]: "1"})
    with pytest.raises(OrderError):
        order(md, other, {card.shop["bread"]: "1"}, acting_user=card.world.admin)
    shop_page = client_for(other.user).get(
        reverse("shop:shop", kwargs={"group_slug": card.group.slug, "md_id": md.pk})
    )
    assert shop_page.status_code == 200
    assert "Pain de campagne" not in shop_page.content.decode()  # nothing offered any more
    assert order_selectors.shop_distributions(md, timezone.now()) == []
    assert not any(
        d.can_order_now() for d in md.distributions.select_related("catalog", "multidistrib")
    )


def test_a_validated_distribution_cannot_be_cancelled(card, two_orders):
    md = card.shop.md
    md.validated_at = timezone.now()
    md.save(update_fields=["validated_at"])
    with pytest.raises(ValidationError):
        distribution_services.md_cancel(md=md, acting_user=card.world.admin)
    assert Basket.objects.filter(state="confirmed").count() == 2
    assert not CardRefund.objects.exists()


def test_an_open_payment_page_is_closed_and_its_stock_given_back(
    card, django_capture_on_commit_callbacks
):
    checkout = card.start({"eggs": "3"})
    eggs = card.shop["eggs"]
    eggs.refresh_from_db()
    assert eggs.stock == 0  # held for the session
    with django_capture_on_commit_callbacks(execute=True):
        distribution_services.md_cancel(md=card.shop.md, acting_user=card.world.admin)
    checkout.refresh_from_db()
    assert checkout.state == CardCheckout.State.EXPIRED
    eggs.refresh_from_db()
    assert eggs.stock == 3
    assert card.fake.sessions[checkout.session_id]["status"] == "expired"


def test_rights_members_and_other_groups_cannot_cancel(card, two_orders, client_for):
    url = reverse("distributions:manage_cancel", args=[card.group.slug, card.shop.md.pk])
    member = client_for(card.member.user)
    assert member.get(url).status_code == 403
    assert member.post(url, {"reason": ""}).status_code == 403
    card.shop.md.refresh_from_db()
    assert card.shop.md.cancelled_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_refund_once(card, requires_postgres):
    """Two admins (or a double click) confirm at the same moment: the distribution's row lock
    lets one cancel; the other waits, then is refused. One refund, one mail per member."""
    import threading

    from django.db import close_old_connections, connection

    checkout = _paid_by_card(card, {"eggs": "2", "bread": "1"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()
    mail.outbox.clear()

    def run() -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=20)
            distribution_services.md_cancel(
                md=card.shop.md, acting_user=card.world.admin, reason="Grêle"
            )
            outcome = "cancelled"
        except distribution_services.AlreadyCancelledError:
            outcome = "refused"
        except BaseException as exc:  # reported by the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["cancelled", "refused"], outcomes
    refund = CardRefund.objects.get()
    assert refund.amount == checkout.amount and refund.status == "succeeded"
    assert len([r for r in card.fake.requests if r[1] == "/v1/refunds"]) == 1
    assert Operation.objects.filter(kind="refund").count() == 1
    assert Basket.objects.get().state == "cancelled"
    assert OutboxMail.objects.filter(kind="distribution_cancelled").count() == 1


# --- many orders: the refunds run in the worker (cardfix item 4) -----------------------------


def test_many_card_orders_are_refunded_by_the_worker_once(
    card, client_for, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """Two orders paid by card (7.70 and 3.50) with at most one refunded in the request: the
    confirmation commits, queues one task and says the refunds are on their way; the task
    refunds both in full (fees given back), and run again refunds nothing more."""
    import dataclasses

    from payments import tasks

    settings.STRIPE_INLINE_REFUNDS_MAX = 1
    first = _paid_by_card(card, {"eggs": "2", "bread": "1"})
    other = dataclasses.replace(card, member=new_member(card.group, first_name="Brice"))
    second = _paid_by_card(other, {"bread": "1"})
    queued = []
    monkeypatch.setattr(tasks.stripe_md_refunds, "delay", lambda **kw: queued.append(kw))
    url = reverse("distributions:manage_cancel", args=[card.group.slug, card.shop.md.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(card.world.admin).post(url, {"reason": "Flooded"}, follow=True)
    assert "Les remboursements par carte de 2 commandes sont en cours" in page.content.decode()
    assert queued == [{"md_id": card.shop.md.pk, "acting_user_id": card.world.admin.pk}]
    assert not CardRefund.objects.exists() and not card.fake.refunds  # not in the request
    for _run in range(2):  # the worker, then a replay of the same task
        assert tasks.stripe_md_refunds(**queued[0]) in (
            "2 refunds, 0 failed",
            "0 refunds, 0 failed",
        )
    refunds = {r.reference: (r.amount, r.fee, r.status) for r in CardRefund.objects.all()}
    assert refunds == {
        first.basket_code: (D("7.70"), first.fee, "succeeded"),
        second.basket_code: (D("3.50"), second.fee, "succeeded"),
    }
    assert len(card.fake.refunds) == 2
    for member in (card.member, other.member):
        assert payment_selectors.balance_for_member(group=card.group, member=member) == 0


def test_few_card_orders_are_refunded_in_the_request_without_a_notice(
    card, client_for, django_capture_on_commit_callbacks
):
    _paid_by_card(card, {"bread": "1"})
    url = reverse("distributions:manage_cancel", args=[card.group.slug, card.shop.md.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(card.world.admin).post(url, {"reason": "Flooded"}, follow=True)
    assert "en cours" not in page.content.decode()
    assert CardRefund.objects.get().status == "succeeded"
