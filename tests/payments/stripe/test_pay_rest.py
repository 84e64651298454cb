""" "Pay the rest by card" (issue 17): a member raises an order paid by card while orders are
open; their order page offers to pay the difference by card, settled by the same idempotent
webhook step, one ledger row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services as order_services
from orders.models import Basket
from payments import selectors as payment_selectors
from payments.models import Operation
from payments.stripe import selectors as stripe_selectors
from payments.stripe import services as stripe_services
from payments.stripe.models import CardCheckout, CardRefund
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(card, client_for):
    """2 eggs (4.20) paid by card, then raised on the order page to 3 eggs: 2.10 left."""
    checkout = card.start({"eggs": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    assert checkout.state == CardCheckout.State.FULFILLED
    member = client_for(card.member.user)
    code = checkout.basket_code
    response = member.post(
        reverse("orders:basket_save", args=[card.group.slug, code]),
        {f"q-{card.shop['eggs'].pk}": "3"},
    )
    assert response.status_code == 302
    return checkout, member, code


def _order_page(card, member, code) -> str:
    return member.get(reverse("orders:basket", args=[card.group.slug, code])).content.decode()


def _start(card, member, code) -> CardCheckout:
    response = member.post(reverse("orders:basket_pay_rest", args=[card.group.slug, code]))
    assert response.status_code == 302
    assert "/_fake/pay/" in response["Location"]  # to the payment page
    return CardCheckout.objects.get(purpose=CardCheckout.Purpose.REST, state="open")


def test_the_rest_is_paid_once_even_when_the_webhook_comes_three_times(card, raised):
    _first, member, code = raised
    page = _order_page(card, member, code)
    assert "pay-rest" in page and "2,10" in page
    rest = _start(card, member, code)
    assert (rest.amount, rest.basket_code, rest.items) == (D("2.10"), code, {})
    assert rest.fee == card.account.fee(D("2.10"))
    # The Checkout Session asks for the rest only, as a destination charge with its fee.
    session = card.fake.sessions[rest.session_id]
    assert session["amount_total"] == 210
    completed = card.fake.session_complete(rest.session_id)
    assert completed["status"] == "complete"
    event = card.fake.events_of("checkout.session.completed")[-1]
    for _ in range(3):
        assert deliver(card.fake, event).status_code == 200
    # The return page after the webhooks: the same state, nothing more.
    back = member.get(reverse("payments:card_return", args=[card.group.slug, rest.pk]))
    assert back.status_code == 302 and back["Location"].endswith(f"/orders/{code}/")
    rest.refresh_from_db()
    assert rest.state == CardCheckout.State.FULFILLED
    payments = Operation.objects.filter(kind="payment", reference=code).order_by("pk")
    assert [p.amount for p in payments] == [D("4.20"), D("2.10")]
    assert payments.last().remote_id == rest.payment_intent
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
    # Still one order, with 3 eggs, stock untouched by the rest payment.
    assert Basket.objects.filter(state="confirmed").count() == 1
    eggs = card.shop["eggs"]
    eggs.refresh_from_db()
    assert eggs.stock == D("0")
    # Nothing left to pay: the page offers nothing; a replayed form is refused politely.
    assert "pay-rest" not in _order_page(card, member, code)
    again = member.post(reverse("orders:basket_pay_rest", args=[card.group.slug, code]))
    assert again.status_code == 302 and again["Location"].endswith(f"/orders/{code}/")
    assert CardCheckout.objects.filter(purpose="rest").count() == 1
    # The wallet counts it: takings 6.30.
    (figures,) = stripe_selectors.distribution_figures(group=card.group, mds=[card.shop.md])
    assert figures.takings == D("6.30") and figures.payments == 2


def test_an_abandoned_rest_changes_nothing_and_can_be_paid_later(card, raised):
    _first, member, code = raised
    rest = _start(card, member, code)
    # The member leaves the payment page ("cancel and go back").
    back = member.get(reverse("payments:card_cancel", args=[card.group.slug, rest.pk]))
    assert back.status_code == 302 and back["Location"].endswith(f"/orders/{code}/")
    rest.refresh_from_db()
    assert rest.state == CardCheckout.State.EXPIRED
    assert card.fake.sessions[rest.session_id]["status"] == "expired"
    assert Operation.objects.filter(kind="payment", reference=code).count() == 1
    assert Basket.objects.get(code=code).state == "confirmed"  # the order is kept
    eggs = card.shop["eggs"]
    eggs.refresh_from_db()
    assert eggs.stock == D("0")  # nothing given back: the rest held no stock
    # The expired event that follows changes nothing.
    for event in card.fake.events_of("checkout.session.expired"):
        assert deliver(card.fake, event).status_code == 200
    assert "pay-rest" in _order_page(card, member, code)
    # Paid later: a new session.
    second = _start(card, member, code)
    assert second.pk != rest.pk
    deliver(card.fake, card.pay(second))
    assert Operation.objects.filter(kind="payment", reference=code).count() == 2


def test_a_second_start_closes_the_first_session(card, raised):
    _first, member, code = raised
    first = _start(card, member, code)
    member.post(reverse("orders:basket_pay_rest", args=[card.group.slug, code]))
    first.refresh_from_db()
    assert first.state == CardCheckout.State.EXPIRED
    assert CardCheckout.objects.filter(purpose="rest", state="open").count() == 1


def test_lowered_while_paying_the_overpaid_part_is_refunded(
    card, raised, django_capture_on_commit_callbacks
):
    _first, member, code = raised
    rest = _start(card, member, code)
    # Back to 2 eggs in another tab: nothing left to pay, but the member pays anyway.
    order_services.order_update(
        md=card.shop.md,
        member=card.member,
        quantities={card.shop["eggs"].pk: D("2")},
        acting_user=card.member.user,
        as_admin=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(card.fake, card.pay(rest))
    refund = CardRefund.objects.get()
    assert refund.amount == D("2.10") and refund.status == "succeeded"
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0


def test_reconciliation_settles_a_rest_whose_webhook_was_lost(card, raised):
    _first, member, code = raised
    rest = _start(card, member, code)
    card.fake.session_complete(rest.session_id)  # the webhook never arrives
    stripe_services.reconcile(notify=False)
    rest.refresh_from_db()
    assert rest.state == CardCheckout.State.FULFILLED
    assert Operation.objects.filter(kind="payment", reference=code).count() == 2


def test_no_offer_when_orders_are_closed_or_not_paid_by_card(card, raised, client_for):
    from django.utils import timezone

    _first, member, code = raised
    card.shop.md.distributions.update(orders_close_at=timezone.now())
    assert "pay-rest" not in _order_page(card, member, code)
    response = member.post(reverse("orders:basket_pay_rest", args=[card.group.slug, code]))
    assert response.status_code == 302
    assert not CardCheckout.objects.filter(purpose="rest").exists()
    # Another member cannot start it for this order (it is not theirs).
    other = client_for(card.world.admin)
    assert (
        other.post(reverse("orders:basket_pay_rest", args=[card.group.slug, code])).status_code
        == 404
    )
