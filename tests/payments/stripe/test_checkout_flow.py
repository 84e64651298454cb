"""Card checkout on the fake Stripe (issue 17, "Done when"): one order and one ledger row per
paid session, whatever the webhooks do; forged events change nothing; expiry frees stock."""

from decimal import Decimal

import pytest

from catalogs.models import Product
from orders.models import Basket, OrderLine
from payments.models import Operation
from payments.stripe import services
from payments.stripe.models import CardCheckout, StripeEvent
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def _one_order_one_payment(card, checkout):
    checkout.refresh_from_db()
    assert checkout.state == CardCheckout.State.FULFILLED
    orders = Basket.objects.filter(member=card.member, state="confirmed")
    assert orders.count() == 1
    order = orders.get()
    assert checkout.basket_code == order.code
    payments = Operation.objects.filter(kind="payment", payment_type="online")
    assert payments.count() == 1
    payment = payments.get()
    assert payment.amount == checkout.amount == order.total()
    assert payment.state == "confirmed" and payment.remote_id == checkout.payment_intent
    assert payment.reference == order.code
    # The debt and the card payment cancel out: nothing owed, nothing pending.
    rows = Operation.objects.filter(reference=order.code)
    assert sum(r.amount for r in rows) == 0
    return order


def test_start_holds_the_stock_and_opens_a_destination_charge(card):
    checkout = card.start({"eggs": "2", "bread": "1"})
    assert checkout.state == "open" and checkout.session_id
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == D("1")  # 3 - 2, held
    assert checkout.amount == D("2.10") * 2 + D("3.50")
    assert checkout.fee == D("0.28")  # 7.70 x 3.6 % = 0.2772
    session = card.fake.sessions[checkout.session_id]
    intent = session["payment_intent_data"]
    assert intent["transfer_data"]["destination"] == card.account.account_id
    assert intent["application_fee_amount"] == "28"
    assert intent["statement_descriptor_suffix"] == "La Cagette"
    assert session["metadata"]["checkout_id"] == str(checkout.pk)
    assert session["metadata"]["group_id"] == str(card.group.pk)
    assert session["metadata"]["multidistrib_id"] == str(card.shop.md.pk)
    assert session["client_reference_id"] == checkout.cart_reference
    # Every call that creates something carries an idempotency key.
    creates = [r for r in card.fake.requests if r[0] == "POST"]
    assert creates and all(r[3].get("idempotency-key") for r in creates)
    assert not Basket.objects.filter(member=card.member, state="confirmed").exists()


def test_webhook_three_times_places_one_order(card):
    checkout = card.start({"eggs": "2"})
    event = card.pay(checkout)
    outcomes = [deliver(card.fake, event) for _ in range(3)]
    assert [r.status_code for r in outcomes] == [200, 200, 200]
    assert outcomes[1].content == b"duplicate" and outcomes[2].content == b"duplicate"
    _one_order_one_payment(card, checkout)
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    # The stock was held, then taken once by the order.
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == D("1")


def test_return_page_before_the_webhook_then_webhook(card, client_for):
    checkout = card.start({"eggs": "1", "bread": "2"})
    event = card.pay(checkout)
    client = client_for(card.world.member)
    response = client.get(f"/g/{card.group.slug}/card/{checkout.pk}/return/?session_id=x")
    order = _one_order_one_payment(card, checkout)
    assert response.status_code == 302 and response["Location"].endswith(f"/{order.code}/")
    assert deliver(card.fake, event).status_code == 200
    _one_order_one_payment(card, checkout)


def test_return_page_after_the_webhook_only_shows(card, client_for):
    checkout = card.start({"eggs": "1"})
    deliver(card.fake, card.pay(checkout))
    requests_before = len(card.fake.requests)
    response = client_for(card.world.member).get(f"/g/{card.group.slug}/card/{checkout.pk}/return/")
    assert response.status_code == 302
    assert len(card.fake.requests) == requests_before  # no need to ask Stripe
    _one_order_one_payment(card, checkout)


def test_webhook_never_arrives_reconciliation_fixes_it(
    card, mailoutbox, django_capture_on_commit_callbacks
):
    checkout = card.start({"bread": "1"})
    card.pay(checkout)  # the event is lost
    with django_capture_on_commit_callbacks(execute=True):
        report = services.reconcile()
    assert len(report.fixed) == 1 and not report.mismatches
    _one_order_one_payment(card, checkout)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.reconcile()
    assert not again.fixed
    _one_order_one_payment(card, checkout)
    # The member got their order's confirmation, once.
    assert [m.to for m in mailoutbox] == [[card.world.member.email]]


def test_reconciliation_reports_a_paid_session_it_cannot_explain(card, mailoutbox, settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    card.fake.session_create(
        {
            "line_items": [
                {"price_data": {"unit_amount": "500", "currency": "eur"}, "quantity": "1"}
            ],
            "metadata": {},
        }
    )
    session_id = list(card.fake.sessions)[-1]
    card.fake.session_complete(session_id)
    report = services.reconcile()
    assert report.mismatches and session_id in report.mismatches[0]
    assert any("Stripe reconciliation" in m.subject for m in mailoutbox)


@pytest.mark.parametrize("how", ["forged", "wrong secret", "tampered", "no header"])
def test_a_forged_event_changes_nothing(card, how):
    checkout = card.start({"eggs": "1"})
    event = card.pay(checkout)
    payload = card.fake.payload(event)
    signature = card.fake.signature(payload)
    if how == "forged":
        signature = "t=1,v1=" + "0" * 64
    elif how == "wrong secret":
        signature = card.fake.signature(payload, secret="whsec_attacker")
    elif how == "tampered":
        payload = payload.replace(b'"paid"', b'"paid" ')
    elif how == "no header":
        signature = ""
    from django.test import Client

    response = Client().post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 400
    checkout.refresh_from_db()
    assert checkout.state == "open"
    assert not StripeEvent.objects.exists()
    assert not Operation.objects.filter(kind="payment").exists()


def test_an_expired_session_releases_the_stock(card):
    checkout = card.start({"eggs": "3"})
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 0
    card.fake.session_expire(checkout.session_id)
    assert (
        deliver(card.fake, card.fake.events_of("checkout.session.expired")[-1]).status_code == 200
    )
    checkout.refresh_from_db()
    assert checkout.state == "expired"
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3
    # The cart is still there; no order, no payment.
    assert Basket.objects.filter(member=card.member, state="cart").exists()
    assert not Operation.objects.filter(kind="payment").exists()


def test_events_out_of_order_expired_after_completed_changes_nothing(card):
    checkout = card.start({"eggs": "1"})
    completed = card.pay(checkout)
    expired = dict(completed, id="evt_test_late_expired", type="checkout.session.expired")
    expired["data"] = {"object": dict(completed["data"]["object"], status="expired")}
    deliver(card.fake, completed)
    deliver(card.fake, expired)
    _one_order_one_payment(card, checkout)
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 2


def test_completed_after_the_cart_was_released_still_places_the_order(card):
    """A session settled as expired by mistake (reordered events) and then paid: the money is
    taken, so the order is placed, taking the stock again."""
    checkout = card.start({"eggs": "1"})
    completed_session = dict(card.fake.sessions[checkout.session_id])
    services.session_settle(session=dict(completed_session, status="expired"))
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3
    deliver(card.fake, card.pay(checkout))
    _one_order_one_payment(card, checkout)
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 2


def test_cancel_from_the_payment_page_keeps_the_cart_and_frees_the_stock(card, client_for):
    checkout = card.start({"eggs": "2"})
    client = client_for(card.world.member)
    response = client.get(f"/g/{card.group.slug}/card/{checkout.pk}/cancel/")
    assert response.status_code == 302 and "/cart/" in response["Location"]
    checkout.refresh_from_db()
    assert checkout.state == "expired"
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3
    assert Basket.objects.get(member=card.member, state="cart").lines.count() == 1


def test_a_product_withdrawn_while_paying_is_refunded(card, django_capture_on_commit_callbacks):
    checkout = card.start({"eggs": "1", "bread": "1"})
    Product.objects.filter(pk=card.shop["bread"].pk).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    order = Basket.objects.get(member=card.member, state="confirmed")
    assert [line.product_id for line in order.lines.all()] == [card.shop["eggs"].pk]
    refund = Operation.objects.get(kind="refund")
    assert refund.amount == -D("3.50") and refund.payment_type == "online"
    assert sum(r.amount for r in Operation.objects.filter(reference=order.code)) == 0


def test_stripe_failure_when_opening_gives_the_stock_back(card):
    card.fake.fail(500, "Stripe is down")
    card.fake.fail(500, "Stripe is down")
    card.fake.fail(500, "Stripe is down")
    cart = card.cart({"eggs": "2"})
    from orders import services as order_services
    from payments.services import PaymentError

    with pytest.raises(PaymentError):
        order_services.card_checkout_start(
            md=card.shop.md,
            member=card.member,
            cart=cart,
            delivery=False,
            acting_user=card.member.user,
            site_url="http://testserver",
        )
    assert CardCheckout.objects.get().state == "failed"
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3


def test_the_cart_paid_is_the_cart_ordered_even_if_changed_meanwhile(card):
    checkout = card.start({"eggs": "1"})
    card.cart({"bread": "2"})  # added in another tab while paying
    deliver(card.fake, card.pay(checkout))
    order = Basket.objects.get(member=card.member, state="confirmed")
    assert list(order.lines.values_list("product_id", "quantity")) == [
        (card.shop["eggs"].pk, D("1.000"))
    ]
    cart = Basket.objects.get(member=card.member, state="cart")
    assert list(cart.lines.values_list("product_id", flat=True)) == [card.shop["bread"].pk]
    assert OrderLine.objects.filter(basket=order).count() == 1


def test_reconciliation_releases_sessions_abandoned_without_a_webhook(card):
    from datetime import timedelta

    from django.utils import timezone

    past = timezone.now() - timedelta(hours=1)
    # Stripe expired the session on its own; the webhook was lost.
    checkout = card.start({"eggs": "2"})
    CardCheckout.objects.filter(pk=checkout.pk).update(expires_at=past)
    card.fake.sessions[checkout.session_id]["expires_at"] = int(past.timestamp())
    assert services.reconcile().released == [f"checkout {checkout.pk}"]
    checkout.refresh_from_db()
    assert checkout.state == "expired"
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3
    # A session never opened (a crash between the two steps): released too.
    lost = card.start({})
    CardCheckout.objects.filter(pk=lost.pk).update(
        session_id=None, state="creating", expires_at=past
    )
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 1
    assert services.reconcile().released == [f"checkout {lost.pk}"]
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 3
