"""Validation tools (spec §6 items 2-4; issue 13, item 4): price change, product not
delivered, their undoing, and the per-member page. Figures from ``build_day``."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalogs.models import Product
from day import tools, validation
from day.models import DayCorrection
from kernel.models import LogEntry
from orders.models import OrderLine
from payments import selectors as payment_selectors
from payments.models import Operation

pytestmark = pytest.mark.django_db
D = Decimal


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


def _debts(world, day):
    return tuple(_debt(world, b) for b in (day.member_basket, day.admin_basket, day.coord_basket))


BEFORE = (D("12.13"), D("5.71"), D("10.67"))


def test_a_price_change_reprices_every_line_recomputes_debts_tells_members_and_undoes(
    world, past_day, django_capture_on_commit_callbacks
):
    day = past_day
    assert _debts(world, day) == BEFORE
    with django_capture_on_commit_callbacks(execute=True):
        correction = tools.price_change(
            group=world.group, md=day.md, product=day.carrots, price="2,00", acting_user=world.admin
        )
    # Carrots at 2.00: Membre 1.5 x 2 = 3.00 (was 3.53); Admin 2 x 2 = 4.00 (was 4.70).
    assert _debts(world, day) == (D("11.60"), D("5.01"), D("10.67"))
    assert set(
        OrderLine.objects.filter(product=day.carrots).values_list("unit_price", flat=True)
    ) == {D("2.00")}
    day.carrots.refresh_from_db()
    assert day.carrots.price == D("2.35")  # the catalog's price is not touched
    # The on-the-spot intention follows the member's new total.
    announced = Operation.objects.filter(reference=day.member_basket.code, is_money=True)
    assert sum(op.amount for op in announced) == D("11.60")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.member.email, world.admin.email])
    assert "Carottes" in mail.outbox[0].subject
    assert LogEntry.objects.filter(action="orders.price_changed").count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tools.correction_undo(
            group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
        )
    assert _debts(world, day) == BEFORE
    assert len(mail.outbox) == 2
    with pytest.raises(validation.DayError):  # once only
        tools.correction_undo(
            group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
        )


def test_product_not_delivered_zeroes_lines_gives_stock_back_and_undoes(
    world, past_day, django_capture_on_commit_callbacks, monkeypatch
):
    day = past_day
    day.bread.stock_tracked = True
    day.bread.save()
    Product.objects.filter(pk=day.loaf.pk).update(stock=D("4"))
    refunds = []
    monkeypatch.setattr(
        tools.card_refunds, "order_refund_on_commit", lambda **kw: refunds.append(kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        correction = tools.product_not_delivered(
            group=world.group, md=day.md, product=day.loaf, acting_user=world.admin
        )
    # Loaves: Membre 1 (3.40), Coord 2 (6.79) off their orders.
    assert _debts(world, day) == (D("8.73"), D("5.71"), D("3.88"))
    assert set(OrderLine.objects.filter(product=day.loaf).values_list("quantity", flat=True)) == {
        D("0")
    }
    day.loaf.refresh_from_db()
    assert day.loaf.stock == D("7")  # 4 + the 3 loaves back
    # The card refund call point, once per order touched (tests/payments/stripe has the card).
    assert sorted(r["reference"] for r in refunds) == sorted(
        [day.member_basket.code, day.coord_basket.code]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.member.email, world.coordinator.email]
    )
    # The validation takes the zeroed lines as they are.
    tools.correction_undo(
        group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
    )
    assert _debts(world, day) == BEFORE
    day.loaf.refresh_from_db()
    assert day.loaf.stock == D("4")


def test_undoing_not_delivered_is_refused_when_the_stock_is_gone(world, past_day):
    day = past_day
    day.bread.stock_tracked = True
    day.bread.save()
    Product.objects.filter(pk=day.loaf.pk).update(stock=D("0"))
    correction = tools.product_not_delivered(
        group=world.group, md=day.md, product=day.loaf, acting_user=world.admin
    )
    Product.objects.filter(pk=day.loaf.pk).update(stock=D("1"))  # sold meanwhile
    with pytest.raises(validation.DayError):
        tools.correction_undo(
            group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
        )
    assert DayCorrection.objects.get().undone_at is None
    assert _debts(world, day) == (D("8.73"), D("5.71"), D("3.88"))


def test_tools_refuse_bad_input_and_a_validated_distribution(world, past_day):
    day = past_day
    for bad in ("", "abc", "-1"):
        with pytest.raises(validation.DayError):
            tools.price_change(
                group=world.group, md=day.md, product=day.carrots, price=bad, acting_user=None
            )
    from django.utils import timezone

    day.md.validated_at = timezone.now()
    day.md.save()
    with pytest.raises(validation.DayError):
        tools.product_not_delivered(
            group=world.group, md=day.md, product=day.loaf, acting_user=None
        )
    assert not DayCorrection.objects.exists()


def test_the_validation_reversal_keeps_the_tools_effects(world, past_day):
    """Reversing a validation puts its confirmations back to pending; the corrections made
    before stay (like weights), and can be undone once the distribution is open again."""
    day = past_day
    correction = tools.price_change(
        group=world.group, md=day.md, product=day.carrots, price="2", acting_user=world.admin
    )
    op = Operation.objects.get(reference=day.member_basket.code, kind="payment")
    validation.onspot_type_set(
        group=world.group, md=day.md, operation_id=op.pk, payment_type="cash", acting_user=None
    )
    validation.distribution_validate(group=world.group, md=day.md, acting_user=world.admin)
    with pytest.raises(validation.DayError):
        tools.correction_undo(
            group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
        )
    validation.distribution_unvalidate(group=world.group, md=day.md, acting_user=world.admin)
    assert _debts(world, day) == (D("11.60"), D("5.01"), D("10.67"))
    tools.correction_undo(
        group=world.group, md=day.md, correction_id=correction.pk, acting_user=world.admin
    )
    assert _debts(world, day) == BEFORE


def test_member_page_adds_a_payment_a_refund_and_validates_a_pending_payment(
    world, past_day, client_for
):
    day = past_day
    client = client_for(world.admin)
    basket = day.coord_basket  # 10.67 announced by transfer
    kw = {"group_slug": world.group.slug, "md_id": day.md.pk, "basket_code": basket.code}
    page = client.get(reverse("day:member", kwargs=kw))
    assert page.status_code == 200 and "10,67" in page.content.decode()
    assert 'id="member-total">10,67' in page.content.decode()
    transfer = Operation.objects.get(reference=basket.code, kind="payment")
    client.post(reverse("day:member_confirm", kwargs=kw), {"operation": transfer.pk})
    transfer.refresh_from_db()
    assert transfer.state == "confirmed"
    member = basket.member
    assert payment_selectors.balance_for_member(group=world.group, member=member) == 0
    # The member also hands over 1.33 in cash by mistake: recorded, then given back.
    client.post(
        reverse("day:member_payment", kwargs=kw), {"amount": "1,33", "payment_type": "cash"}
    )
    balance = payment_selectors.balance_for_member(group=world.group, member=member)
    assert balance == D("1.33")
    client.post(reverse("day:member_refund", kwargs=kw), {"amount": "1,33", "payment_type": "cash"})
    assert payment_selectors.balance_for_member(group=world.group, member=member) == 0
    refund = Operation.objects.get(reference=basket.code, kind="refund")
    assert refund.amount == D("-1.33")
    # A refund above the credit is refused with a message, nothing written.
    response = client.post(
        reverse("day:member_refund", kwargs=kw), {"amount": "5", "payment_type": "cash"}
    )
    assert response.status_code == 302
    assert Operation.objects.filter(reference=basket.code, kind="refund").count() == 1
    # A member without the payments right: 403; another group's basket: 404.
    assert client_for(world.member).get(reverse("day:member", kwargs=kw)).status_code == 403
    other = {**kw, "basket_code": "NOPE2345"}
    assert client.get(reverse("day:member", kwargs=other)).status_code == 404
