"""Card payments meet the distribution day (issue 13 x issue 17), on the fake Stripe: the
validation tools refund orders paid by card once, after commit; undoing does not charge again;
the per-member page refunds by card; the day page shows the refunds."""

from decimal import Decimal

import pytest
from django.urls import reverse

from day import tools
from kernel.models import LogEntry
from payments import selectors as payment_selectors
from payments.models import Operation
from payments.services import card_refunds
from payments.stripe import services
from payments.stripe.models import CardRefund
from tests.payments.stripe.conftest import deliver

D = Decimal
pytestmark = pytest.mark.django_db


def _paid(card, items):
    checkout = card.start(items)
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    return checkout


def _debt(card, code):
    return payment_selectors.debt_for_reference(
        group=card.group, member=card.member, reference=code
    )


def _refunds(callbacks):
    return [c for c in callbacks if "order_refund_on_commit" in c.__qualname__]


def _ledger_sum(code):
    return sum(o.amount for o in Operation.objects.filter(reference=code).counted())


def test_not_delivered_refunds_the_card_once_after_commit_and_undo_does_not_charge(
    card, client_for, django_capture_on_commit_callbacks
):
    checkout = _paid(card, {"eggs": "1", "bread": "2"})  # 2.10 + 2 x 3.50 = 9.10 by card
    code = checkout.basket_code
    assert _ledger_sum(code) == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        correction = tools.product_not_delivered(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            acting_user=card.world.admin,
        )
    # Nothing is sent to Stripe before the commit.
    assert not CardRefund.objects.exists() and not card.fake.refunds
    for callback in callbacks:
        callback()
    refund = CardRefund.objects.get()
    assert (refund.amount, refund.status) == (D("7.00"), "succeeded")
    assert refund.reason == "Produit non livré\u00a0: Pain de campagne"
    assert len(card.fake.refunds) == 1
    assert _ledger_sum(code) == 0  # debt 2.10, card 9.10, card refund -7.00
    # Running the refund again (a replay, a second line of the same order): nothing more.
    for callback in _refunds(callbacks):
        callback()
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1
    # Visible on the day's validation page.
    client = client_for(card.world.admin)
    page = client.get(reverse("day:validate", args=[card.group.slug, card.shop.md.pk]))
    html = page.content.decode()
    assert (
        'id="card-refunds"' in html
        and "7,00" in html
        and "Produit non livré\u00a0: Pain de campagne" in html
    )
    # Undo: the lines come back, the debt comes back, the card is not charged again.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("day:correction_undo", args=[card.group.slug, card.shop.md.pk]),
            {"correction": correction.pk},
            follow=True,
        )
    assert "ne sont pas repris" in response.content.decode()
    assert CardRefund.objects.count() == 1 and len(card.fake.refunds) == 1
    assert _ledger_sum(code) == D("-7.00")  # the member owes the bread again
    assert _debt(card, code) == D("9.10")


def test_a_lower_price_refunds_the_difference_a_higher_one_refunds_nothing(
    card, django_capture_on_commit_callbacks
):
    checkout = _paid(card, {"bread": "2"})  # 7.00
    with django_capture_on_commit_callbacks(execute=True):
        tools.price_change(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            price="3,00",
            acting_user=card.world.admin,
        )
    refund = CardRefund.objects.get()
    assert refund.amount == D("1.00") and refund.reason == "Prix baissé\u00a0: Pain de campagne"
    with django_capture_on_commit_callbacks(execute=True):
        tools.price_change(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            price="4,00",
            acting_user=card.world.admin,
        )
    assert CardRefund.objects.count() == 1  # a higher price is owed, never charged
    assert _ledger_sum(checkout.basket_code) == D("-2.00")


def test_two_corrections_racing_for_one_overpayment_refund_it_once(
    card, django_capture_on_commit_callbacks
):
    checkout = _paid(card, {"eggs": "1", "bread": "2"})
    code = checkout.basket_code
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tools.product_not_delivered(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            acting_user=card.world.admin,
        )
        card_refunds.order_refund_on_commit(
            group=card.group, member=card.member, reference=code, reason="x", acting_user=None
        )
    assert len(_refunds(callbacks)) == 2
    for callback in callbacks:
        callback()
    assert [r.amount for r in CardRefund.objects.all()] == [D("7.00")]


def test_a_refund_in_flight_counts_as_given_back(card, django_capture_on_commit_callbacks):
    """The other worker's refund is sent to Stripe, its ledger row not written yet: the amount
    read under the member's lock leaves it out, so the overpayment is not refunded twice."""
    checkout = _paid(card, {"eggs": "1", "bread": "1"})  # 5.60
    with django_capture_on_commit_callbacks(execute=False):
        tools.product_not_delivered(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            acting_user=card.world.admin,
        )  # 3.50 overpaid; its refund not run
    CardRefund.objects.create(
        group=card.group, checkout=checkout, amount=D("3.50"), fee=D("0.00")
    )  # in flight: no Stripe id, no ledger row yet
    result = services.refund_overpaid(
        group=card.group, member=card.member, reference=checkout.basket_code, acting_user=None
    )
    assert result.refunds == [] and not card.fake.refunds


def test_a_refusal_by_stripe_after_commit_is_visible_and_raises_nothing(
    card, client_for, django_capture_on_commit_callbacks
):
    _paid(card, {"bread": "1"})
    card.fake.fail(402, "Your card was declined.")
    with django_capture_on_commit_callbacks(execute=True):
        tools.product_not_delivered(
            group=card.group,
            md=card.shop.md,
            product=card.shop["bread"],
            acting_user=card.world.admin,
        )
    refund = CardRefund.objects.get()
    assert refund.status == "failed"
    page = client_for(card.world.admin).get(
        reverse("day:validate", args=[card.group.slug, card.shop.md.pk])
    )
    assert "Échec" in page.content.decode() or "failed" in page.content.decode()


def _member_url(card, code, name="day:member"):
    return reverse(name, args=[card.group.slug, card.shop.md.pk, code])


def test_refund_by_card_from_the_member_page_is_audited(card, client_for):
    checkout = _paid(card, {"eggs": "1", "bread": "2"})
    code = checkout.basket_code
    client = client_for(card.world.admin)
    page = client.get(_member_url(card, code)).content.decode()
    assert 'id="card-refund-form"' in page and "9,10" in page  # still refundable
    response = client.post(
        _member_url(card, code, "day:member_card_refund"),
        {"amount": "1,50", "reason": "Œufs cassés"},
        follow=True,
    )
    html = response.content.decode()
    assert "Remboursé par carte" in html and "Œufs cassés" in html
    refund = CardRefund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (D("1.50"), "succeeded", "Œufs cassés")
    assert _ledger_sum(code) == D("-1.50")  # the member now owes what was given back
    entry = LogEntry.objects.get(action="payment.card_refund_at_distribution")
    assert entry.data["refunded"] == "1.50" and entry.data["reference"] == code
    # More than what is left on the card payments: refused next to nothing done.
    response = client.post(
        _member_url(card, code, "day:member_card_refund"), {"amount": "8,00"}, follow=True
    )
    assert "7,60" in response.content.decode()
    assert CardRefund.objects.count() == 1
    # Garbage: a clear message, never a 500.
    response = client.post(
        _member_url(card, code, "day:member_card_refund"), {"amount": "1e999"}, follow=True
    )
    assert response.status_code == 200 and CardRefund.objects.count() == 1


def test_the_member_page_prefills_what_was_overpaid(card, client_for):
    checkout = _paid(card, {"eggs": "1", "bread": "2"})
    from orders.services import order_update

    order_update(
        md=card.shop.md,
        member=card.member,
        quantities={card.shop["eggs"].pk: D("0")},
        acting_user=card.world.admin,
        as_admin=True,
    )
    page = client_for(card.world.admin).get(_member_url(card, checkout.basket_code))
    assert 'value="2.10"' in page.content.decode()
    assert services.overpaid_by_card(
        group=card.group, member=card.member, reference=checkout.basket_code
    ) == D("2.10")


def test_refund_by_card_needs_the_payments_right(card, client_for):
    checkout = _paid(card, {"bread": "1"})
    response = client_for(card.world.member).post(
        _member_url(card, checkout.basket_code, "day:member_card_refund"), {"amount": "1"}
    )
    assert response.status_code == 403
    assert not CardRefund.objects.exists()


def test_cash_report_lists_card_takings_refunds_fees_and_membership_fees(
    card, client_for, django_capture_on_commit_callbacks
):
    from members import memberships

    group = card.group
    group.has_membership, group.membership_fee = True, D("10.00")
    group.save(update_fields=["has_membership", "membership_fee"])
    _paid(card, {"eggs": "1", "bread": "2"})  # 9.10, fee 0.036 x 9.10 = 0.33
    with django_capture_on_commit_callbacks(execute=True):
        tools.product_not_delivered(
            group=group, md=card.shop.md, product=card.shop["bread"], acting_user=card.world.admin
        )  # refund 7.00, fee back 0.25
    client = client_for(card.world.admin)
    response = client.post(
        reverse("day:fees", kwargs={"group_slug": group.slug, "md_id": card.shop.md.pk}),
        {
            "year": memberships.current_period(group).year,
            "paid_on": "2026-09-03",
            "amount": "10",
            "payment_type": "cash",
            "members": [card.member.pk],
        },
    )
    assert response.status_code == 302
    from day import reports

    report = reports.cash_report(group=group, md=card.shop.md)
    assert report.card is not None
    assert (report.card.payments, report.card.takings, report.card.fees) == (
        1,
        D("9.10"),
        D("0.33"),
    )
    assert (report.card.refunds, report.card.fees_back, report.card.net) == (
        D("7.00"),
        D("0.25"),
        D("2.02"),
    )
    assert report.fees == {"count": 1, "total": D("10.00")}
    # The card payment and its refund are ledger money rows of the order like any other: the
    # takings by type, the refunds, and nobody owes anything (the bug before: "to pay 2.10").
    assert reports.takings_by_type(report) == {"online": D("9.10")}
    assert report.refunds_total == D("7.00") and report.owe == [] and report.credit == []
    html = client.get(reverse("day:cash", args=[group.slug, card.shop.md.pk])).content.decode()
    assert 'id="cash-card"' in html and 'id="cash-fees"' in html
    assert "9,10" in html and "2,02" in html and "Commissions de la plateforme" in html
    assert "1 cotisation encaissée à cette distribution\u00a0: 10,00" in html
    csv = client.get(reverse("day:cash_csv", args=[group.slug, card.shop.md.pk]))
    text = b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode("utf-8-sig")
    assert "Encaissements par carte" in text and "Remboursements par carte" in text
    assert "Cotisations" in text or "Adhésions" in text


def test_cash_report_without_card_or_fees_shows_neither(world, client_for):
    from tests.orders.factories import make_shop

    shop = make_shop(world)
    html = client_for(world.admin).get(reverse("day:cash", args=[world.group.slug, shop.md.pk]))
    text = html.content.decode()
    assert html.status_code == 200 and 'id="cash-card"' not in text and 'id="cash-fees"' not in text
