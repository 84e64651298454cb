"""Card money moved by a postponement is refundable from the order it moved to (issue 13 x
issue 17, cardfix item 1): a product "not delivered" at the new date refunds the card, once,
on the original PaymentIntent; the old order no longer counts that money as refundable.
Against the fake Stripe server; every figure computed by hand in the docstrings."""

from decimal import Decimal

import pytest

from day import postpone, tools
from payments import selectors as payment_selectors
from payments.models import Operation
from payments.stripe import selectors as stripe_selectors
from payments.stripe import services as stripe_services
from payments.stripe.models import CardMoneyMove, CardRefund
from tests.day.factories import make_basket, make_md
from tests.payments.stripe.conftest import card, deliver, fake_stripe  # noqa: F401

D = Decimal
pytestmark = pytest.mark.django_db


def _paid(cw, items):
    checkout = cw.start(items)
    deliver(cw.fake, cw.pay(checkout))
    checkout.refresh_from_db()
    return checkout


def _counted(cw, code):
    rows = Operation.objects.filter(reference=code, member=cw.member)
    return sum((op.amount for op in rows if op.counts), D("0.00"))


def _postponed_eggs(cw):
    """First date: eggs 3 x 2.10 = 6.30 + bread 3.50 = 9.80 paid by card (fee 3.6 %: 0.35).
    The member ordered bread 3.50 at the next date, to pay in cash. The farm is postponed onto
    the next date with merge: the eggs join that order, 6.30 of card money with them."""
    checkout = _paid(cw, {"eggs": "3", "bread": "1"})
    assert (checkout.amount, checkout.fee) == (D("9.80"), D("0.35"))
    shop = cw.shop
    next_date = make_md(cw.group, days=17, catalogs=[shop.farm, shop.bakery])
    there = make_basket(next_date, cw.member, [(shop["bread"], 1)], payment_type="cash")
    postpone.distribution_postpone(
        group=cw.group,
        md=shop.md,
        target=next_date,
        distribution=shop.md.distributions.get(catalog=shop.farm),
        acting_user=cw.world.admin,
    )
    return checkout, next_date, there


def test_moved_card_money_is_refundable_from_the_new_order_not_the_old(card):  # noqa: F811
    checkout, next_date, there = _postponed_eggs(card)
    code = checkout.basket_code
    move = CardMoneyMove.objects.get()
    assert (move.checkout_id, move.from_reference, move.to_reference, move.amount) == (
        checkout.pk,
        code,
        there.code,
        D("6.30"),
    )
    assert move.multidistrib_id == next_date.pk
    # Old order: 9.80 paid, 6.30 moved away → 3.50 refundable (its bread); new: 6.30.
    assert stripe_selectors.refundable_by_card(
        group=card.group, member=card.member, reference=code
    ) == D("3.50")
    assert stripe_selectors.refundable_by_card(
        group=card.group, member=card.member, reference=there.code
    ) == D("6.30")
    # Nothing is overpaid on either order: no refund to make.
    for reference in (code, there.code):
        assert stripe_services.overpaid_by_card(
            group=card.group, member=card.member, reference=reference
        ) == D("0.00")


def test_not_delivered_at_the_new_date_refunds_the_original_card_once(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """At the next date the eggs are not delivered: the order there comes to bread 3.50;
    counted there: -3.50 (debt) + 6.30 (card money moved in) = +2.80 paid too much → one card
    refund of 2.80 on the first date's PaymentIntent, fee given back round2(2.80 x 3.6 %) =
    0.10, its ledger row on the order there. Balances: first date 3.50 - 9.80 + 6.30 = 0;
    next date -3.50 + 6.30 - 2.80 = 0; the member's balance 0 (ate 7.00, paid 9.80 - 2.80)."""
    checkout, next_date, there = _postponed_eggs(card)
    code = checkout.basket_code
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tools.product_not_delivered(
            group=card.group,
            md=next_date,
            product=card.shop["eggs"],
            acting_user=card.world.admin,
        )
    refund = CardRefund.objects.get()
    assert (refund.checkout_id, refund.reference) == (checkout.pk, there.code)
    assert (refund.amount, refund.fee, refund.status) == (D("2.80"), D("0.10"), "succeeded")
    (stripe_refund,) = card.fake.refunds.values()
    assert stripe_refund["payment_intent"] == checkout.payment_intent
    assert stripe_refund["amount"] == 280
    row = Operation.objects.get(kind="refund")
    assert (row.reference, row.amount, row.remote_id) == (
        there.code,
        D("-2.80"),
        stripe_refund["id"],
    )
    assert _counted(card, code) == D("0.00")
    assert _counted(card, there.code) == D("0.00")
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
    # The day's page lists the refund at the new date, where its order is, not at the first.
    assert stripe_selectors.refunds_of_distribution(group=card.group, md=next_date) == [refund]
    assert stripe_selectors.refunds_of_distribution(group=card.group, md=card.shop.md) == []
    # Left to refund: old order 3.50 (its bread), new order 6.30 - 2.80 = 3.50.
    assert stripe_selectors.refundable_by_card(
        group=card.group, member=card.member, reference=there.code
    ) == D("3.50")
    # A replay (the callbacks again, the refund asked again): nothing more.
    for callback in callbacks:
        callback()
    stripe_services.refund_overpaid(
        group=card.group, member=card.member, reference=there.code, acting_user=None
    )
    stripe_services.refund_overpaid(
        group=card.group, member=card.member, reference=code, acting_user=None
    )
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0


def test_cancelling_the_new_date_refunds_the_moved_card_money_in_full(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The next date is cancelled: its order (bread 3.50 + eggs 6.30) goes to 0; the 6.30 of
    card money moved there is refunded on the first PaymentIntent; the first date's order keeps
    its bread, paid 3.50 by card, nothing refunded there."""
    from distributions import services as distribution_services

    checkout, next_date, there = _postponed_eggs(card)
    with django_capture_on_commit_callbacks(execute=True):
        distribution_services.md_cancel(
            md=next_date, acting_user=card.world.admin, reason="Flooded"
        )
    refund = CardRefund.objects.get()
    assert (refund.checkout_id, refund.reference, refund.amount) == (
        checkout.pk,
        there.code,
        D("6.30"),
    )
    assert _counted(card, checkout.basket_code) == D("0.00")
    assert _counted(card, there.code) == D("0.00")
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
