"""Refunds spread over an order's card payments (spec §3.4-3.5) and payouts per distribution
(spec §3.2), on the fake Stripe."""

from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from catalogs.models import Product
from payments.models import Operation
from payments.services import PaymentError
from payments.stripe import selectors, services
from payments.stripe.models import CardRefund, DistributionPayout, fee_for
from tests.catalogs.factories import ProductFactory
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def test_fee_maths_of_the_spec():
    assert fee_for(D("20.00"), D("0.00"), D("0.036")) == D("0.72")
    assert D("20.00") - fee_for(D("20.00"), D("0.00"), D("0.036")) == D("19.28")
    assert fee_for(D("33.20"), D("0.18"), D("0.018")) == D("0.78")
    assert fee_for(D("0.01"), D("0.00"), D("0.036")) == D("0.00")


def _paid(card, product, settle=True):
    checkout = card.start({product: "1"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    return checkout


@pytest.fixture
def two_payments(card):
    """One order paid by card twice: 20.00 then 33.20 (0.18 € + 1.8 %)."""
    card.account.fee_fixed, card.account.fee_rate = D("0.18"), D("0.018")
    card.account.save()
    card.shop.products["p20"] = ProductFactory(
        catalog=card.shop.bakery, name="Colis", price=D("20.00")
    )
    card.shop.products["p33"] = ProductFactory(
        catalog=card.shop.bakery, name="Panier", price=D("33.20")
    )
    first = _paid(card, "p20")
    second = _paid(card, "p33")
    assert first.basket_code == second.basket_code  # the second joined the same order
    assert (first.fee, second.fee) == (D("0.54"), D("0.78"))
    return first, second


def test_a_refund_is_spread_largest_first_with_the_fee_given_back(card, two_payments):
    first, second = two_payments
    result = services.refund_amount(
        group=card.group,
        member=card.member,
        reference=first.basket_code,
        amount=D("40.00"),
        acting_user=card.world.admin,
        reason="Produit non livré",
    )
    assert not result.failed
    refunds = sorted(result.refunds, key=lambda r: -r.amount)
    assert [(r.checkout_id, r.amount, r.fee) for r in refunds] == [
        (second.pk, D("33.20"), D("0.78")),  # the whole payment: its whole fee back
        (first.pk, D("6.80"), D("0.30")),  # round2(0.18 + 6.80 x 1.8 %) = 0.30
    ]
    # One negative ledger row per Stripe refund, with Stripe's refund id.
    rows = Operation.objects.filter(kind="refund").order_by("amount")
    assert [r.amount for r in rows] == [D("-33.20"), D("-6.80")]
    assert {r.remote_id for r in rows} == {r.refund_id for r in refunds}
    assert all(r.payment_type == "online" and r.state == "confirmed" for r in rows)
    # What Stripe was asked: the fee refunded and the transfer reversed, with keys.
    calls = [r for r in card.fake.requests if r[1] == "/v1/refunds"]
    assert [c[2]["amount"] for c in calls] == ["3320", "680"]
    assert all(c[2]["reverse_transfer"] == "true" for c in calls)
    assert all(c[3].get("idempotency-key") for c in calls)
    # The fee on each part is given back to the cent (Application Fee Refunds).
    fee_calls = [r for r in card.fake.requests if r[1].startswith("/v1/application_fees/")]
    assert [c[2]["amount"] for c in fee_calls] == ["78", "30"]
    assert all(c[3].get("idempotency-key") for c in fee_calls)
    # The group's Stripe balance is what the wallet page says is net.
    net = D("53.20") - D("1.32") - (D("40.00") - D("1.08"))
    assert card.fake.balances[card.account.account_id] == int(net * 100)
    # The charge.refunded webhooks that follow change nothing more.
    for event in card.fake.events_of("charge.refunded"):
        assert deliver(card.fake, event).status_code == 200
    assert Operation.objects.filter(kind="refund").count() == 2
    assert CardRefund.objects.filter(status="succeeded").count() == 2
    # Wallet figures: net = takings - fees - (refunds - fees back).
    fig = selectors.distribution_figures(group=card.group, mds=[card.shop.md])[0]
    assert fig.takings == D("53.20") and fig.fees == D("1.32")
    assert fig.refunds == D("40.00") and fig.fees_back == D("1.08")
    assert fig.net == D("53.20") - D("1.32") - (D("40.00") - D("1.08"))
    assert selectors.refundable_by_card(
        group=card.group, member=card.member, reference=first.basket_code
    ) == D("13.20")


def test_more_than_was_paid_is_refused_with_nothing_done(card, two_payments):
    first, _second = two_payments
    with pytest.raises(PaymentError) as error:
        services.refund_amount(
            group=card.group,
            member=card.member,
            reference=first.basket_code,
            amount=D("53.21"),
            acting_user=card.world.admin,
        )
    assert "53,20" in str(error.value.messages)
    assert not CardRefund.objects.exists() and not Operation.objects.filter(kind="refund").exists()


def test_a_refund_stripe_refuses_is_visible_and_writes_nothing(card, two_payments):
    first, _second = two_payments
    card.fake.fail(400, "Refund refused by the bank.")
    result = services.refund_amount(
        group=card.group,
        member=card.member,
        reference=first.basket_code,
        amount=D("5.00"),
        acting_user=card.world.admin,
    )
    assert [r.status for r in result.refunds] == ["failed"]
    assert "Refund refused by the bank." in result.refunds[0].failure
    assert not Operation.objects.filter(kind="refund").exists()
    # The failure does not use up what can be refunded.
    assert selectors.refundable_by_card(
        group=card.group, member=card.member, reference=first.basket_code
    ) == D("53.20")


def test_a_refund_failing_later_is_corrected_in_the_ledger(card, two_payments):
    first, _second = two_payments
    result = services.refund_amount(
        group=card.group,
        member=card.member,
        reference=first.basket_code,
        amount=D("5.00"),
        acting_user=card.world.admin,
    )
    refund = result.refunds[0]
    event = {
        "id": "evt_test_refund_failed",
        "object": "event",
        "type": "refund.updated",
        "data": {
            "object": {
                "id": refund.refund_id,
                "object": "refund",
                "status": "failed",
                "failure_reason": "expired_or_canceled_card",
                "payment_intent": refund.checkout.payment_intent,
            }
        },
    }
    assert deliver(card.fake, event).status_code == 200
    refund.refresh_from_db()
    assert refund.status == "failed" and refund.failure == "expired_or_canceled_card"
    rows = Operation.objects.filter(
        Q(remote_id=refund.refund_id) | Q(reverses__remote_id=refund.refund_id)
    )
    assert len(rows) == 2
    assert sum(r.amount for r in rows) == 0


def test_a_refund_made_on_stripe_is_recorded(card):
    checkout = _paid(card, "bread")
    card.fake.refund_create({"payment_intent": checkout.payment_intent, "amount": "100"})
    deliver(card.fake, card.fake.events_of("charge.refunded")[-1])
    refund = CardRefund.objects.get()
    assert refund.amount == D("1.00") and refund.operation.amount == D("-1.00")


def test_cancelling_refunds_every_card_payment(card, two_payments):
    first, _second = two_payments
    result = services.refund_all(
        group=card.group,
        references=[first.basket_code],
        acting_user=card.world.admin,
        reason="Distribution annulée",
    )
    assert result.amount == D("53.20") and not result.failed
    assert (
        selectors.refundable_by_card(
            group=card.group, member=card.member, reference=first.basket_code
        )
        == 0
    )


# Payouts ------------------------------------------------------------------------------------


def _validated(md):
    md.validated_at = timezone.now()
    md.save(update_fields=["validated_at"])
    return md


def test_payout_after_validation_once_then_paid_by_webhook(card):
    checkout = _paid(card, "bread")
    md = card.shop.md
    with pytest.raises(PaymentError, match="Valid"):
        services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    _validated(md)
    assert [f.md for f in selectors.payouts_to_request(group=card.group)] == [md]
    payout = services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    assert payout.amount == checkout.net == D("3.50") - D("0.13")
    assert payout.status == "pending" and payout.payout_id in card.fake.payouts
    call = next(r for r in card.fake.requests if r[1] == "/v1/payouts")
    assert call[3]["stripe-account"] == card.account.account_id
    assert call[2]["statement_descriptor"] == f"dist{md.date:%Y-%m-%d}"
    assert call[3].get("idempotency-key")
    with pytest.raises(PaymentError, match="déjà été demandé"):
        services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    assert selectors.payouts_to_request(group=card.group) == []
    card.fake.payout_settle(payout.payout_id, paid=True)
    deliver(card.fake, card.fake.events_of("payout.paid")[-1])
    payout.refresh_from_db()
    assert payout.status == "paid"


def test_a_failed_payout_can_be_retried(card):
    _paid(card, "bread")
    md = _validated(card.shop.md)
    payout = services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    card.fake.payout_settle(payout.payout_id, paid=False)
    deliver(card.fake, card.fake.events_of("payout.failed")[-1])
    payout.refresh_from_db()
    assert payout.status == "failed" and payout.failure
    again = services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    assert again.pk != payout.pk and again.status == "pending"


def test_payout_refused_without_funds(card):
    _paid(card, "bread")
    md = _validated(card.shop.md)
    card.fake.balances[card.account.account_id] = 0
    with pytest.raises(PaymentError, match="assez de fonds"):
        services.payout_request(group=card.group, md=md, acting_user=card.world.admin)
    assert DistributionPayout.objects.get().status == "failed"


def test_automatic_payouts_need_no_request(card):
    _paid(card, "bread")
    md = _validated(card.shop.md)
    card.account.manual_payouts = False
    card.account.save()
    assert selectors.payouts_to_request(group=card.group) == []
    with pytest.raises(PaymentError):
        services.payout_request(group=card.group, md=md, acting_user=card.world.admin)


def test_stock_is_never_negative_after_a_hold(card):
    card.start({"eggs": "3"})
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 0
    from tests.orders.factories import new_member, order

    other = new_member(card.group)
    result = order(card.shop.md, other, {card.shop["eggs"]: "1"})
    assert result.basket is None and "Œufs" in result.issues[0].message
    assert Product.objects.get(pk=card.shop["eggs"].pk).stock == 0


def test_refund_line_at_validation_gives_back_what_was_overpaid(card):
    from orders.services import card_refund_line

    checkout = card.start({"eggs": "1", "bread": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    result = card_refund_line(
        md=card.shop.md,
        member=card.member,
        product_id=card.shop["bread"].pk,
        acting_user=card.world.admin,
        reason="Pain non livré",
    )
    assert [r.amount for r in result.refunds] == [D("7.00")] and not result.failed
    rows = Operation.objects.filter(reference=checkout.basket_code)
    assert sum(r.amount for r in rows) == 0  # the debt lowered, the card refunded: even
    assert (
        services.overpaid_by_card(
            group=card.group, member=card.member, reference=checkout.basket_code
        )
        == 0
    )
    # Nothing overpaid: nothing refunded.
    assert (
        services.refund_overpaid(
            group=card.group,
            member=card.member,
            reference=checkout.basket_code,
            acting_user=card.world.admin,
        ).refunds
        == []
    )


def test_a_distribution_with_card_payments_cannot_be_deleted(card):
    from django.core.exceptions import ValidationError

    from distributions.services import md_delete
    from orders.services import order_cancel

    checkout = _paid(card, "bread")
    order = checkout.member.baskets.get(state="confirmed")
    order_cancel(basket=order, acting_user=card.world.admin)
    with pytest.raises(ValidationError, match="paiements par carte"):
        md_delete(md=card.shop.md, acting_user=card.world.admin)


def test_an_unpaid_checkout_does_not_keep_a_distribution(card):
    from distributions.services import md_delete

    checkout = card.start({"bread": "1"})
    card.fake.session_expire(checkout.session_id)
    deliver(card.fake, card.fake.events_of("checkout.session.expired")[-1])
    card.member.baskets.all().delete()
    md_delete(md=card.shop.md, acting_user=card.world.admin)


def test_a_catalog_leaving_refunds_its_lines_paid_by_card(card, django_capture_on_commit_callbacks):
    from distributions.services import md_set_catalogs

    checkout = card.start({"eggs": "1", "bread": "1"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        md_set_catalogs(
            md=card.shop.md,
            catalogs=[card.shop.bakery],
            confirmed=True,
            acting_user=card.world.admin,
        )
    refund = CardRefund.objects.get()
    assert refund.amount == D("2.10") and refund.status == "succeeded"
    assert sum(o.amount for o in Operation.objects.filter(reference=checkout.basket_code)) == 0


def test_card_payments_follow_their_orders_to_another_distribution(card):
    from tests.day.factories import make_md

    checkout = _paid(card, "bread")
    target = make_md(card.group, days=17)
    moved = services.card_checkouts_follow(
        group=card.group,
        references=[checkout.basket_code],
        md=target,
        acting_user=card.world.admin,
    )
    assert moved == 1
    old, new = selectors.distribution_figures(group=card.group, mds=[card.shop.md, target])
    assert (old.takings, new.takings) == (0, D("3.50"))


def test_postponing_moves_the_card_takings_with_the_orders(
    card, django_capture_on_commit_callbacks
):
    from day import postpone
    from tests.day.factories import make_md

    checkout = _paid(card, "bread")
    target = make_md(card.group, days=17)
    with django_capture_on_commit_callbacks(execute=True):
        postpone.distribution_postpone(
            group=card.group,
            md=card.shop.md,
            target=target,
            distribution=None,
            acting_user=card.world.admin,
        )
    assert checkout.member.baskets.get(state="confirmed").multidistrib_id == target.pk
    figures = selectors.distribution_figures(group=card.group, mds=[target])[0]
    assert figures.takings == D("3.50")
