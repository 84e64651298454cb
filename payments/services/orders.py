"""The API the orders app uses: order debts, money-pot debits, payment intentions."""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from cagette.money import quantize
from groups.models import Group, PaymentType
from members.models import Member
from payments import providers, selectors
from payments.models import ONTHESPOT, Operation
from payments.services.base import (
    ZERO,
    Kind,
    MoneyPotInsufficientError,
    PaymentError,
    State,
    corrected_total,
    group_today,
    lock_member,
    log_operation,
    parse_amount,
    write_operation,
)

# --- the orders API -------------------------------------------------------------------------


def _order_root(group: Group, member: Member, reference: str) -> Operation | None:
    return (
        Operation.objects.filter(group=group, member=member, reference=reference, kind=Kind.ORDER)
        .order_by("pk")
        .first()
    )


def _set_debt(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Decimal,
    label: str,
    acting_user: Any,
    payment_type: str = "",
    date: date_type | None = None,
) -> Operation | None:
    current = selectors.debt_for_reference(group=group, member=member, reference=reference)
    diff = amount - current
    if diff == 0:
        return None
    root = _order_root(group, member, reference)
    if root is None:
        return write_operation(
            group=group,
            member=member,
            kind=Kind.ORDER,
            amount=-amount,
            currency=group.currency,
            date=date or group_today(group),
            label=label.strip()[:128],
            state=State.PENDING,
            payment_type=payment_type,
            reference=reference,
            recorded_by=acting_user,
        )
    return write_operation(
        group=group,
        member=member,
        kind=Kind.CORRECTION,
        amount=-diff,
        currency=group.currency,
        date=date or group_today(group),
        label=label.strip()[:128],
        reason=_("Order changed"),
        state=root.state,
        confirmed_by=acting_user if root.state == State.CONFIRMED else None,
        reverses=root,
        reference=reference,
        recorded_by=acting_user,
    )


def _debt_args(group: Group, reference: str, amount: Any, label: str) -> Decimal:
    if not reference:
        raise PaymentError(_("An order debt needs a reference."))
    value = parse_amount(amount, group)
    if value < 0:
        raise PaymentError({"amount": _("An order total cannot be negative.")})
    if not (label or "").strip():
        raise PaymentError({"label": _("Give a label.")})
    return value


@transaction.atomic
def order_debt_record(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Any,
    label: str,
    acting_user: Any,
    date: date_type | None = None,
) -> Operation | None:
    """Make the member's debt for ``reference`` (one basket) equal ``amount``.

    ``amount`` is the basket total, zero or positive, already rounded per line by the caller
    (``cagette.money.line_total``); the ledger stores it negative. The first call writes an
    order row (pending: the order can still change until the distribution is validated); later
    calls append a correction of the difference, never edit the row (0 cancels the debt).
    Returns the row written, or None when the debt already had that amount. No balance check:
    money-pot groups use ``moneypot_debit``.
    """
    value = _debt_args(group, reference, amount, label)
    member = lock_member(group, member)
    operation = _set_debt(
        group=group,
        member=member,
        reference=reference,
        amount=value,
        label=label,
        acting_user=acting_user,
        date=date,
    )
    if operation is not None:
        log_operation(
            "payment.order_debt",
            acting_user=acting_user,
            group=group,
            operation=operation,
            total=str(value),
            reason=operation.reason or operation.label,
        )
    return operation


@transaction.atomic
def moneypot_debit(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Any,
    label: str,
    acting_user: Any,
    date: date_type | None = None,
) -> Operation | None:
    """``order_debt_record`` for a money-pot group: the order is paid from the prepaid balance.

    Under the member's lock, refuses with ``MoneyPotInsufficientError`` (nothing written) when raising
    the debt would leave the balance below ``providers.moneypot_floor(group)``: 0, or the
    group's negative floor when it allows a negative money pot. Lowering a debt is always
    allowed.
    """
    value = _debt_args(group, reference, amount, label)
    member = lock_member(group, member)
    current = selectors.debt_for_reference(group=group, member=member, reference=reference)
    increase = value - current
    if increase > 0:
        balance = selectors.balance_for_member(group=group, member=member)
        floor = providers.moneypot_floor(group)
        if balance - increase < floor:
            raise MoneyPotInsufficientError(
                _("Your prepaid balance (%(balance)s) is not enough for this order (%(amount)s).")
                % {"balance": balance, "amount": increase}
            )
    operation = _set_debt(
        group=group,
        member=member,
        reference=reference,
        amount=value,
        label=label,
        acting_user=acting_user,
        payment_type=PaymentType.MONEYPOT,
        date=date,
    )
    if operation is not None:
        log_operation(
            "payment.moneypot_debit",
            acting_user=acting_user,
            group=group,
            operation=operation,
            total=str(value),
            reason=operation.reason or operation.label,
        )
    return operation


def intention_type(group: Group, payment_type: str) -> str:
    """The type an intention is recorded with: "on the spot" becomes the group's only on-the-spot
    type when it accepts exactly one (spec §2.4). Raises PaymentError for a type not offered."""
    accepted = providers.accepted_types(group)
    on_spot = providers.accepted_on_the_spot(group)
    if payment_type == ONTHESPOT:
        if not on_spot:
            raise PaymentError(_("This group does not take payments on the spot."))
        return on_spot[0] if len(on_spot) == 1 else ONTHESPOT
    if payment_type in (PaymentType.MONEYPOT, PaymentType.ONLINE):
        raise PaymentError(_("This payment type is not paid on the spot or by transfer."))
    if payment_type not in accepted:
        raise PaymentError(_("This group does not accept this payment type."))
    return payment_type


@transaction.atomic
def payment_intention_record(
    *,
    group: Group,
    member: Member,
    reference: str,
    payment_type: str,
    amount: Any,
    acting_user: Any,
    label: str = "",
    date: date_type | None = None,
) -> list[Operation]:
    """Record that the member will pay ``amount`` for ``reference`` (cheque, cash, transfer,
    or "on the spot" with its type chosen later), as pending payments.

    The payments announced for the reference (pending and received, all types) are brought to
    ``amount``: an increase is added to the pending payment of that type (as a correction) or
    written as a new pending payment; a decrease lowers pending payments, newest first, never
    below zero; what was already received stays and shows as credit (an admin refunds it).
    Pending payments do not count in the balance until confirmed (spec §2.2). Returns the rows
    written (none when nothing changes).
    """
    if not reference:
        raise PaymentError(_("A payment needs a reference."))
    target = parse_amount(amount, group)
    if target < 0:
        raise PaymentError({"amount": _("The amount cannot be negative.")})
    ptype = intention_type(group, payment_type)
    member = lock_member(group, member)
    money = Operation.objects.filter(group=group, member=member, reference=reference, is_money=True)
    announced = quantize(money.aggregate(s=Sum("amount"))["s"] or ZERO, group.currency)
    diff = target - announced
    written: list[Operation] = []
    today = date or group_today(group)
    if diff > 0:
        root = (
            money.filter(kind=Kind.PAYMENT, state=State.PENDING, payment_type=ptype)
            .order_by("-pk")
            .first()
        )
        if root is not None:
            written.append(
                write_operation(
                    group=group,
                    member=member,
                    kind=Kind.CORRECTION,
                    amount=diff,
                    currency=group.currency,
                    date=today,
                    label=(label or root.label).strip()[:128],
                    reason=_("Order changed"),
                    state=State.PENDING,
                    is_money=True,
                    payment_type=ptype,
                    reference=reference,
                    reverses=root,
                    recorded_by=acting_user,
                )
            )
        else:
            provider = providers.provider_for(ptype)
            written.append(
                write_operation(
                    group=group,
                    member=member,
                    kind=Kind.PAYMENT,
                    amount=diff,
                    currency=group.currency,
                    date=today,
                    label=(
                        label
                        or _("%(type)s payment for %(reference)s")
                        % {"type": provider.label, "reference": reference}
                    ).strip()[:128],
                    state=State.PENDING,
                    is_money=True,
                    payment_type=ptype,
                    reference=reference,
                    recorded_by=acting_user,
                )
            )
    elif diff < 0:
        remaining = -diff
        roots = money.filter(kind=Kind.PAYMENT, state=State.PENDING).order_by("-pk")
        for root in roots:
            if remaining == 0:
                break
            available = corrected_total(root)
            cut = min(available, remaining)
            if cut <= 0:
                continue
            written.append(
                write_operation(
                    group=group,
                    member=member,
                    kind=Kind.CORRECTION,
                    amount=-cut,
                    currency=group.currency,
                    date=today,
                    label=root.label,
                    reason=_("Order changed"),
                    state=State.PENDING,
                    is_money=True,
                    payment_type=root.payment_type,
                    reference=reference,
                    reverses=root,
                    recorded_by=acting_user,
                )
            )
            remaining -= cut
    for operation in written:
        log_operation(
            "payment.intention",
            acting_user=acting_user,
            group=group,
            operation=operation,
            total=str(target),
            reason=operation.reason or operation.label,
        )
    return written
