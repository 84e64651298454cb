"""The per-member validation page's own writes (spec §6 item 2, payments spec §2.8), and the
till's opening float of the cash report (spec §7):

* ``payment_delete``: a payment or refund of the basket that is not a card one (a pending
  cheque or transfer, an on-the-spot payment, one typed at the distribution) is cancelled by a
  correction of its whole amount (the ledger is append-only). The correction takes the row's
  state: a pending payment's correction waits with it, is confirmed with it by a validation and
  put back with it by the reversal, so the payment stays deleted either way. A card payment is
  Stripe's: it is given back by a card refund, never deleted.
* ``basket_validate``: confirm this basket's debt and pending payments before the whole
  distribution (``payments_confirm_for_references`` on its code), recorded as a
  ``BasketValidation``; the distribution's validation skips it, ``basket_unvalidate`` and the
  distribution's reversal put its batch back to pending. An order paid by card beyond what it
  comes to is refunded by card once committed, as by the distribution's validation.
* ``cash_float_set``: the money in the till before the distribution.

All audited; the payments' tools refuse a validated distribution (decision 5); payments of a validated basket
no longer change (spec §2.8: "refused once the basket is validated").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from day.models import BasketValidation, CashFloat
from day.validation import DayError, _lock_md, _refuse_if_validated, card_refunds_after_commit
from distributions.models import MultiDistrib
from groups.models import Group
from kernel.audit import log_action
from kernel.numbers import NumberError, parse_decimal
from orders.models import Basket
from payments import selectors as payment_selectors
from payments import services as payments
from payments.services import card_refunds

MAX_FLOAT = Decimal("99999.99")


def basket_is_validated(basket: Basket) -> bool:
    return BasketValidation.objects.filter(basket=basket).exists()


def refuse_if_basket_validated(basket: Basket) -> None:
    if basket_is_validated(basket):
        raise DayError(
            _("This basket is validated: reverse its validation first to change its payments.")
        )


def _open_basket(group: Group, md: MultiDistrib, basket: Basket) -> MultiDistrib:
    md = _lock_md(group, md)
    _refuse_if_validated(md)
    if basket.group_id != group.pk or basket.multidistrib_id != md.pk:
        raise DayError(_("This order is not part of this distribution."))
    return md


@transaction.atomic
def payment_delete(
    *, group: Group, md: MultiDistrib, basket: Basket, operation_id: int, acting_user: Any
):
    """Cancel one payment or refund of the basket by a correction of its whole amount."""
    md = _open_basket(group, md, basket)
    refuse_if_basket_validated(basket)
    operation = (
        payment_selectors.payments_for_references(group=group, references=[basket.code])
        .filter(pk=operation_id)
        .first()
    )
    if operation is None:
        raise DayError(_("This payment is not part of this order."))
    if operation.remote_id:
        raise DayError(
            _("A card payment cannot be deleted: give the money back with a card refund.")
        )
    try:
        correction = payments.correction_record(
            group=group,
            member=operation.member,
            amount=-operation.effective,
            reverses=operation,
            reason=_("Deleted at the distribution"),
            acting_user=acting_user,
        )
    except payments.PaymentError as exc:
        raise DayError(exc.messages) from exc
    log_action(
        action="orders.payment_deleted",
        acting_user=acting_user,
        group=group,
        obj=basket,
        operation=operation.pk,
        correction=correction.pk,
        amount=str(operation.effective),
        payment_type=operation.payment_type,
    )
    return correction


@transaction.atomic
def basket_validate(
    *, group: Group, md: MultiDistrib, basket: Basket, acting_user: Any
) -> BasketValidation:
    """Validate this basket on its own: its debt and pending payments confirmed."""
    md = _open_basket(group, md, basket)
    if basket.state != Basket.State.CONFIRMED:
        raise DayError(_("This order is not part of this distribution."))
    if basket_is_validated(basket):
        raise DayError(_("This basket is already validated."))
    try:
        result = payments.payments_confirm_for_references(
            group=group, references=[basket.code], acting_user=acting_user
        )
    except payments.PaymentError as exc:
        raise DayError(exc.messages) from exc
    row = BasketValidation.objects.create(
        group=group,
        basket=basket,
        batch=result.batch,
        operation_ids=result.operation_ids,
        validated_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    # Paid by card more than it comes to: the difference goes back by card once committed.
    card_refunds_after_commit(
        group=group,
        baskets=[basket],
        reason=card_refunds.platform_reason(gettext_noop("Overpaid, refunded at validation")),
        acting_user=acting_user,
    )
    log_action(
        action="orders.basket_validated",
        acting_user=acting_user,
        group=group,
        obj=basket,
        batch=str(result.batch or ""),
        operations=result.operation_ids,
    )
    return row


def basket_validation_reverse(*, group: Group, row: BasketValidation, acting_user: Any) -> list:
    """Put back to pending what ``row`` confirmed and forget it (within the caller's
    transaction, under the distribution's lock)."""
    restored: list[int] = []
    if row.batch is not None:
        try:
            restored = payments.payments_confirm_reverse(
                group=group,
                batch=row.batch,
                acting_user=acting_user,
                reason=_("Basket validation reversed"),
            )
        except payments.PaymentError as exc:
            raise DayError(exc.messages) from exc
    log_action(
        action="orders.basket_unvalidated",
        acting_user=acting_user,
        group=group,
        obj=row.basket,
        operations=restored,
    )
    row.delete()
    return restored


@transaction.atomic
def basket_unvalidate(*, group: Group, md: MultiDistrib, basket: Basket, acting_user: Any) -> None:
    _open_basket(group, md, basket)
    row = BasketValidation.objects.select_for_update().filter(basket=basket).first()
    if row is None:
        raise DayError(_("This basket is not validated."))
    basket_validation_reverse(group=group, row=row, acting_user=acting_user)


def cash_float_of(md: MultiDistrib) -> Decimal | None:
    row = CashFloat.objects.filter(multidistrib=md).first()
    return None if row is None else row.amount


@transaction.atomic
def cash_float_set(*, group: Group, md: MultiDistrib, amount: Any, acting_user: Any) -> CashFloat:
    """Record the till's opening float (0 or more; typed ``45,50`` or ``45.50``); the till is
    counted after the validation too, so a validated distribution takes it."""
    md = _lock_md(group, md)
    try:
        value = parse_decimal(amount, places=2, maximum=MAX_FLOAT)
    except NumberError as exc:
        raise DayError({"amount": str(exc)}) from exc
    if value is None or value < 0:
        raise DayError({"amount": _("Enter the money in the till, 0 or more.")})
    row, _created = CashFloat.objects.update_or_create(
        multidistrib=md,
        defaults={
            "group": group,
            "amount": value,
            "updated_by": acting_user if getattr(acting_user, "pk", None) else None,
            "updated_at": timezone.now(),
        },
    )
    log_action(
        action="orders.cash_float_set",
        acting_user=acting_user,
        group=group,
        obj=md,
        amount=str(value),
    )
    return row
