"""Card refunds from the distribution day's own steps (issue 13): a lighter weight and the
validation give back by card, once and after commit, what an order paid by card paid too much.
Against the fake Stripe server (``tests.payments.stripe.conftest``)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from day import postpone, summaries, validation
from distributions.models import MultiDistrib
from orders.models import OrderLine
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Operation
from payments.stripe.models import CardRefund
from tests.day.factories import make_basket, make_md
from tests.payments.stripe.conftest import card, deliver, fake_stripe  # noqa: F401

D = Decimal
pytestmark = pytest.mark.django_db


def _paid(cw, items):
    checkout = cw.start(items)
    deliver(cw.fake, cw.pay(checkout))
    checkout.refresh_from_db()
    return checkout


def _debt(cw, code):
    return payment_selectors.debt_for_reference(group=cw.group, member=cw.member, reference=code)


def _to_the_past(md):
    now = timezone.now()
    MultiDistrib.objects.filter(pk=md.pk).update(
        orders_open_at=now - timedelta(days=3),
        orders_close_at=now - timedelta(days=2),
        start_at=now - timedelta(days=1),
        end_at=now - timedelta(days=1) + timedelta(hours=2),
    )
    md.refresh_from_db()
    return md


def test_a_lighter_weight_refunds_the_card_once_after_commit(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Squash 2.90 per kg, 2 kg ordered, bread 3.50: 9.30 paid by card. Weighed 1.5 kg:
    1.5 x 2.90 = 4.35, the order comes to 7.85, 1.45 goes back by card."""
    checkout = _paid(card, {"squash": "2", "bread": "1"})
    code = checkout.basket_code
    assert _debt(card, code) == D("9.30")
    line = OrderLine.objects.get(basket__code=code, product=card.shop["squash"])
    md = card.shop.md
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        validation.weights_set(
            group=card.group, md=md, weights={line.pk: "1,5"}, acting_user=card.world.admin
        )
    assert not CardRefund.objects.exists() and not card.fake.refunds  # nothing before commit
    assert _debt(card, code) == D("7.85")
    for callback in callbacks:
        callback()
    refund = CardRefund.objects.get()
    assert (refund.amount, refund.status) == (D("1.45"), "succeeded")
    assert refund.reason == "Poids plus léger à la distribution"
    for callback in callbacks:  # a replay: nothing more
        callback()
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1
    # Heavier again (1.8 kg: 5.22, order 8.72): no charge, no refund; the member owes 0.87.
    with django_capture_on_commit_callbacks(execute=True):
        validation.weights_set(
            group=card.group, md=md, weights={line.pk: "1.8"}, acting_user=card.world.admin
        )
    assert CardRefund.objects.count() == 1
    balance = payment_selectors.balance_for_member(group=card.group, member=card.member)
    assert balance == D("-0.87")  # 9.30 - 1.45 - 8.72


def test_the_validation_refunds_a_card_paid_member_who_overpaid(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Bread 3.50 paid by card, and 2.00 more handed over in cash at the distribution: the
    validation gives 2.00 back by card, once."""
    checkout = _paid(card, {"bread": "1"})
    code = checkout.basket_code
    md = _to_the_past(card.shop.md)
    payments.payment_record(
        group=card.group,
        member=card.member,
        amount=D("2.00"),
        payment_type="cash",
        reference=code,
        label="Cash",
        acting_user=card.world.admin,
    )
    with django_capture_on_commit_callbacks(execute=True):
        validation.distribution_validate(group=card.group, md=md, acting_user=card.world.admin)
    refund = CardRefund.objects.get()
    assert (refund.amount, refund.status) == (D("2.00"), "succeeded")
    assert refund.reason == "Trop-perçu remboursé à la validation"
    assert payment_selectors.balance_for_member(group=card.group, member=card.member) == 0
    # Reversed and validated again: nothing more is refunded.
    validation.distribution_unvalidate(group=card.group, md=md, acting_user=card.world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        validation.distribution_validate(group=card.group, md=md, acting_user=card.world.admin)
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1


def test_the_validation_refunds_nothing_to_a_member_who_paid_exactly(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    _paid(card, {"bread": "2"})
    md = _to_the_past(card.shop.md)
    with django_capture_on_commit_callbacks(execute=True):
        validation.distribution_validate(group=card.group, md=md, acting_user=card.world.admin)
    assert not CardRefund.objects.exists() and not card.fake.refunds


# --- postponing: the card money follows the merged lines ------------------------------------


def _reference_total(cw, code):
    return sum(
        (
            op.amount
            for op in Operation.objects.filter(reference=code, member=cw.member)
            if op.counts
        ),
        D("0.00"),
    )


def test_lines_merged_by_a_postponement_take_their_card_money_along(card):  # noqa: F811
    """Paid by card at the first date: eggs 2.10 (farm) + bread 3.50 (bakery) = 5.60. The
    member already ordered bread 3.50 at the next date, to pay in cash there. The farm is
    postponed onto the next date: the eggs join that order.

    * first date: bread 3.50 owed, 5.60 by card, 2.10 moved out → 0.00, no credit left;
    * next date: bread 3.50 + eggs 2.10 = 5.60 owed, 2.10 of card money moved in, the cash
      3.50 announced → 3.50 still to pay, exactly the cash;
    * the member's balance is unchanged by the move (-3.50 before and after)."""
    checkout = _paid(card, {"eggs": "1", "bread": "1"})
    code = checkout.basket_code
    shop = card.shop
    next_date = make_md(card.group, days=17, catalogs=[shop.farm, shop.bakery])
    there = make_basket(next_date, card.member, [(shop["bread"], 1)], payment_type="cash")
    balance = payment_selectors.balance_for_member(group=card.group, member=card.member)
    assert balance == D("-3.50")
    farm = shop.md.distributions.get(catalog=shop.farm)
    postpone.distribution_postpone(
        group=card.group,
        md=shop.md,
        target=next_date,
        distribution=farm,
        acting_user=card.world.admin,
    )
    assert _debt(card, code) == D("3.50") and _debt(card, there.code) == D("5.60")
    assert _reference_total(card, code) == D("0.00")  # no credit left on the first date
    assert _reference_total(card, there.code) == D("-3.50")  # the cash to come, no more
    moved = Operation.objects.filter(
        kind="correction", is_money=True, payment_type="online"
    ).order_by("amount")
    assert [(op.reference, op.amount, op.payment_type) for op in moved] == [
        (code, D("-2.10"), "online"),
        (there.code, D("2.10"), "online"),
    ]
    balance = payment_selectors.balance_for_member(group=card.group, member=card.member)
    assert balance == D("-3.50")
    # The cash announced at the next date is what is left to pay there: 3.50.
    cash = payment_selectors.payments_for_references(group=card.group, references=[there.code]).get(
        payment_type="cash"
    )
    assert (cash.state, cash.effective) == ("pending", D("3.50"))
    # The card payment itself is what Stripe did: untouched.
    card_row = Operation.objects.get(reference=code, kind="payment")
    assert card_row.amount == D("5.60") and card_row.remote_id
    # The next date's sheet: 5.60 ordered, 2.10 received, 3.50 still to pay.
    block = next(
        b
        for b in summaries.member_summary(group=card.group, md=next_date).blocks
        if b.basket_code == there.code
    )
    assert (block.total, block.paid, block.due) == (D("5.60"), D("2.10"), D("3.50"))


def test_a_basket_emptied_by_a_postponement_moves_all_its_card_money(card):  # noqa: F811
    """Eggs 2.10 only, paid by card; the member ordered bread 3.50 at the next date. The
    farm moves: the first order is cancelled (debt 0) and its 2.10 follows the eggs."""
    checkout = _paid(card, {"eggs": "1"})
    code = checkout.basket_code
    shop = card.shop
    next_date = make_md(card.group, days=17, catalogs=[shop.farm, shop.bakery])
    there = make_basket(next_date, card.member, [(shop["bread"], 1)])
    postpone.distribution_postpone(
        group=card.group,
        md=shop.md,
        target=next_date,
        distribution=shop.md.distributions.get(catalog=shop.farm),
        acting_user=card.world.admin,
    )
    assert _reference_total(card, code) == D("0.00")
    assert _reference_total(card, there.code) == D("-3.50")  # 5.60 owed, 2.10 by card
    balance = payment_selectors.balance_for_member(group=card.group, member=card.member)
    assert balance == D("-3.50")


def test_validating_one_basket_refunds_what_it_overpaid_by_card(
    card,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Bread 3.50 by card and 1.50 more in cash: validating that basket alone gives 1.50 back
    by card; validating it again after its reversal gives nothing more."""
    from day import member_tools
    from orders.models import Basket

    checkout = _paid(card, {"bread": "1"})
    basket = Basket.objects.get(code=checkout.basket_code)
    md = _to_the_past(card.shop.md)
    payments.payment_record(
        group=card.group,
        member=card.member,
        amount=D("1.50"),
        payment_type="cash",
        reference=basket.code,
        label="Cash",
        acting_user=card.world.admin,
    )
    admin = card.world.admin
    with django_capture_on_commit_callbacks(execute=True):
        member_tools.basket_validate(group=card.group, md=md, basket=basket, acting_user=admin)
    assert [r.amount for r in CardRefund.objects.all()] == [D("1.50")]
    member_tools.basket_unvalidate(group=card.group, md=md, basket=basket, acting_user=admin)
    with django_capture_on_commit_callbacks(execute=True):
        member_tools.basket_validate(group=card.group, md=md, basket=basket, acting_user=admin)
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1
