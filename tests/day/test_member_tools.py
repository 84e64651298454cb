"""The per-member validation page's last tools (issue 13, spec §6 item 2): delete a payment,
validate one basket; and the cash float of the cash report (spec §7). Figures from
``build_day``: the member's 12.13 on the spot, the admin's 5.71 by cheque, the coordinator's
10.67 by transfer."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from day import member_tools, reports, tools, validation
from day.models import BasketValidation, CashFloat
from kernel.models import LogEntry
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import Operation
from tests.day.conftest import build_day

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def past_day(world):
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    return build_day(world, days=-1)


def _kw(world, day, basket):
    return {"group_slug": world.group.slug, "md_id": day.md.pk, "basket_code": basket.code}


def _balance(world, basket):
    return payment_selectors.balance_for_member(group=world.group, member=basket.member)


def _type_onspot(world, day, payment_type="cash"):
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group,
        md=day.md,
        operation_id=op.pk,
        payment_type=payment_type,
        acting_user=world.admin,
    )
    return op


# --- delete a payment -----------------------------------------------------------------------


def test_deleting_a_pending_transfer_writes_a_correction_that_follows_validation_and_reversal(
    world, past_day, client_for
):
    day = past_day
    basket = day.coord_basket
    transfer = Operation.objects.get(reference=basket.code, kind="payment")
    assert (transfer.state, transfer.amount) == ("pending", D("10.67"))
    assert _balance(world, basket) == D("-10.67")  # the debt counts, the pending transfer not
    client = client_for(world.admin)
    response = client.post(
        reverse("day:member_payment_delete", kwargs=_kw(world, day, basket)),
        {"operation": transfer.pk},
    )
    assert response.status_code == 302
    correction = Operation.objects.get(reverses=transfer)
    # Append-only: the transfer is untouched, a pending correction of -10.67 cancels it.
    transfer.refresh_from_db()
    assert transfer.amount == D("10.67")
    assert (correction.kind, correction.amount, correction.state) == (
        "correction",
        D("-10.67"),
        "pending",
    )
    assert not payment_selectors.payments_for_references(
        group=world.group, references=[basket.code]
    ).exists()
    assert LogEntry.objects.filter(action="orders.payment_deleted").count() == 1
    # The member page no longer lists it; the coordinator owes the whole order.
    page = client.get(reverse("day:member", kwargs=_kw(world, day, basket))).content.decode()
    assert f'id="delete-{transfer.pk}"' not in page
    _type_onspot(world, day)
    validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    correction.refresh_from_db()
    assert correction.state == "confirmed"
    assert _balance(world, basket) == D("-10.67")  # still owed: the transfer never came
    validation.distribution_unvalidate(group=world.group, md=day.md, acting_user=world.admin)
    transfer.refresh_from_db()
    correction.refresh_from_db()
    assert (transfer.state, correction.state) == ("pending", "pending")
    assert _balance(world, basket) == D("-10.67")


def test_deleting_a_payment_typed_at_the_distribution_gives_the_balance_back(
    world, past_day, client_for
):
    day = past_day
    basket = day.admin_basket  # 5.71 announced by cheque
    client = client_for(world.admin)
    kw = _kw(world, day, basket)
    client.post(
        reverse("day:member_payment", kwargs=kw), {"amount": "2,50", "payment_type": "cash"}
    )
    cash = Operation.objects.get(reference=basket.code, kind="payment", payment_type="cash")
    assert cash.state == "confirmed"
    assert _balance(world, basket) == D("-3.21")  # -5.71 + 2.50
    client.post(reverse("day:member_payment_delete", kwargs=kw), {"operation": cash.pk})
    assert _balance(world, basket) == D("-5.71")
    assert Operation.objects.get(reverses=cash).amount == D("-2.50")
    # Deleting it again, or an operation of another basket: refused, nothing written.
    other = Operation.objects.get(reference=day.coord_basket.code, kind="payment")
    for pk in (cash.pk, other.pk, "abc"):
        response = client.post(reverse("day:member_payment_delete", kwargs=kw), {"operation": pk})
        assert response.status_code == 302
    assert Operation.objects.filter(kind="correction").count() == 1
    # Without the payments right: 403.
    response = client_for(world.member).post(
        reverse("day:member_payment_delete", kwargs=kw), {"operation": cash.pk}
    )
    assert response.status_code == 403


def test_a_card_payment_cannot_be_deleted(world, past_day):
    day = past_day
    basket = day.admin_basket
    card = payments.base.write_operation(
        group=world.group,
        member=basket.member,
        kind="payment",
        is_money=True,
        amount=D("5.71"),
        label="Card",
        payment_type="online",
        reference=basket.code,
        remote_id="pi_test_delete",
        state="confirmed",
        confirmed_at=day.md.start_at,
    )
    with pytest.raises(validation.DayError) as refused:
        member_tools.payment_delete(
            group=world.group,
            md=day.md,
            basket=basket,
            operation_id=card.pk,
            acting_user=world.admin,
        )
    assert "remboursement par carte" in " ".join(refused.value.messages)
    assert not Operation.objects.filter(reverses=card).exists()


def test_deleting_is_refused_once_the_distribution_is_validated(world, past_day):
    day = past_day
    _type_onspot(world, day)
    validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    cheque = Operation.objects.get(reference=day.admin_basket.code, kind="payment")
    with pytest.raises(validation.DayError):
        member_tools.payment_delete(
            group=world.group,
            md=day.md,
            basket=day.admin_basket,
            operation_id=cheque.pk,
            acting_user=world.admin,
        )
    assert not Operation.objects.filter(kind="correction").exists()


# --- validate one basket --------------------------------------------------------------------


def test_one_basket_validated_before_the_distribution_is_skipped_then_restored(
    world, past_day, client_for
):
    day = past_day
    basket = day.coord_basket
    client = client_for(world.admin)
    kw = _kw(world, day, basket)
    response = client.post(reverse("day:member_validate", kwargs=kw))
    assert response.status_code == 302
    row = BasketValidation.objects.get(basket=basket)
    transfer = Operation.objects.get(reference=basket.code, kind="payment")
    assert transfer.state == "confirmed" and str(transfer.confirmation_batch) == str(row.batch)
    assert _balance(world, basket) == 0
    assert LogEntry.objects.filter(action="orders.basket_validated").count() == 1
    # Its payments no longer change, nor its weights or prices.
    page = client.get(reverse("day:member", kwargs=kw)).content.decode()
    assert 'id="basket-unvalidate"' in page and 'id="add-payment"' not in page
    client.post(reverse("day:member_payment", kwargs=kw), {"amount": "1", "payment_type": "cash"})
    assert not Operation.objects.filter(reference=basket.code, payment_type="cash").exists()
    with pytest.raises(validation.DayError):
        tools.price_change(
            group=world.group, md=day.md, product=day.tomatoes, price="1", acting_user=world.admin
        )
    # The validation of the distribution skips it; its reversal puts it back to pending.
    _type_onspot(world, day)
    result = validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    assert result.baskets == 2
    transfer.refresh_from_db()
    assert str(transfer.confirmation_batch) == str(row.batch)
    validation.distribution_unvalidate(group=world.group, md=day.md, acting_user=world.admin)
    transfer.refresh_from_db()
    assert transfer.state == "pending" and transfer.confirmation_batch is None
    assert not BasketValidation.objects.exists()
    assert _balance(world, basket) == D("-10.67")
    assert _balance(world, day.admin_basket) == D("-5.71")


def test_a_basket_validation_is_reversed_on_its_own_and_refused_when_it_cannot(
    world, past_day, client_for
):
    day = past_day
    client = client_for(world.admin)
    kw = _kw(world, day, day.member_basket)
    # The on-the-spot payment has no type yet: refused with the reason, nothing written.
    client.post(reverse("day:member_validate", kwargs=kw))
    assert not BasketValidation.objects.exists()
    assert Operation.objects.filter(state="confirmed").count() == 0
    _type_onspot(world, day)
    client.post(reverse("day:member_validate", kwargs=kw))
    assert BasketValidation.objects.count() == 1
    assert _balance(world, day.member_basket) == 0
    client.post(reverse("day:member_validate", kwargs=kw))  # twice: refused
    assert BasketValidation.objects.count() == 1
    client.post(reverse("day:member_unvalidate", kwargs=kw))
    assert not BasketValidation.objects.exists()
    assert _balance(world, day.member_basket) == D("-12.13")
    assert LogEntry.objects.filter(action="orders.basket_unvalidated").count() == 1
    assert (
        client_for(world.member).post(reverse("day:member_validate", kwargs=kw)).status_code == 403
    )


# --- the cash float -------------------------------------------------------------------------


def test_the_cash_float_gives_what_the_till_should_hold_in_every_format(
    world, past_day, client_for
):
    """Float 50.00; the member pays 12.13 on the spot in cash; 1.33 paid in cash by mistake and
    given back: the till should hold 50.00 + 12.13 + 1.33 - 1.33 = 62.13."""
    day = past_day
    client = client_for(world.admin)
    kw = {"group_slug": world.group.slug, "md_id": day.md.pk}
    _type_onspot(world, day)
    admin_kw = _kw(world, day, day.admin_basket)
    cheque = Operation.objects.get(reference=day.admin_basket.code, kind="payment")
    client.post(reverse("day:member_confirm", kwargs=admin_kw), {"operation": cheque.pk})
    client.post(
        reverse("day:member_payment", kwargs=admin_kw), {"amount": "1,33", "payment_type": "cash"}
    )
    client.post(
        reverse("day:member_refund", kwargs=admin_kw), {"amount": "1,33", "payment_type": "cash"}
    )
    report = reports.cash_report(group=world.group, md=day.md)
    assert report.cash_float is None and report.till == D("12.13")
    # Bad input: a message, nothing stored, no 500.
    for bad in ("abc", "-5", "1e9", ""):
        response = client.post(reverse("day:cash_float", kwargs=kw), {"amount": bad})
        assert response.status_code == 302
    assert not CashFloat.objects.exists()
    client.post(reverse("day:cash_float", kwargs=kw), {"amount": "50"})
    client.post(reverse("day:cash_float", kwargs=kw), {"amount": "50,00"})  # typed again
    assert CashFloat.objects.get().amount == D("50.00")
    assert LogEntry.objects.filter(action="orders.cash_float_set").count() == 2
    report = reports.cash_report(group=world.group, md=day.md)
    assert (report.cash_float, report.cash_takings, report.cash_refunds, report.till) == (
        D("50.00"),
        D("13.46"),
        D("1.33"),
        D("62.13"),
    )
    page = client.get(reverse("day:cash", kwargs=kw)).content.decode()
    assert 'id="cash-float">50,00' in page and 'id="cash-till-total">62,13' in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("day:cash_csv", kwargs=kw)).content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    till = [r for r in rows if r and r[0] == "Caisse"]
    assert ["Caisse", "Fond de caisse", "", "50,00"] in till
    assert ["Caisse", "La caisse doit contenir", "", "62,13"] in till
    xlsx = client.get(reverse("day:cash_xlsx", kwargs=kw))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    printed = client.get(reverse("day:print", kwargs={**kw, "kind": "cash"})).content.decode()
    assert "62,13" in printed and "Fond de caisse" in printed
    # A member without the section's right: 403.
    for user in (world.member,):
        assert (
            client_for(user).post(reverse("day:cash_float", kwargs=kw), {"amount": "1"}).status_code
            == 403
        )
    assert CashFloat.objects.get().amount == D("50.00")


def test_a_deleted_on_the_spot_payment_stays_deleted_when_a_weight_changes(world, past_day):
    """The member's 12.13 on the spot is deleted (they will pay by transfer); the carrots are
    then weighed 2 kg (2 x 2.35 = 4.70 instead of 3.53: 13.30): the debt follows, the deleted
    payment does not come back."""
    day = past_day
    basket = day.member_basket
    onspot = Operation.objects.get(reference=basket.code, kind="payment")
    member_tools.payment_delete(
        group=world.group, md=day.md, basket=basket, operation_id=onspot.pk, acting_user=world.admin
    )
    line = basket.lines.get(product=day.carrots)
    validation.weights_set(
        group=world.group, md=day.md, weights={line.pk: "2"}, acting_user=world.admin
    )
    assert payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    ) == D("13.30")
    assert not payment_selectors.payments_for_references(
        group=world.group, references=[basket.code]
    ).exists()
    assert validation.validation_refusals(group=world.group, md=day.md) == []
