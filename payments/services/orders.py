"""The API the orders app uses: order debts, money-pot debits, payment intentions."""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from groups.models import Group, PaymentType
from kernel.money import quantize
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
    log_operations,
    new_operation,
    parse_amount,
    write_operations,
)

# --- the orders API -------------------------------------------------------------------------


class _ReferenceRows:
    """The member's rows for one reference (one basket), read once under the member's lock.

    Every figure the order services need is computed from these rows, so recording a debt and
    the payment announced with it reads the ledger once. Corrections carry the reference of the
    row they correct (``correction_record`` and the services below make sure of it).
    """

    def __init__(self, group: Group, member: Member, reference: str) -> None:
        self.group = group
        self.rows = list(
            Operation.objects.filter(group=group, member=member, reference=reference).order_by("pk")
        )
        by_pk = {op.pk: op for op in self.rows}
        missing = {op.reverses_id for op in self.rows if op.reverses_id} - set(by_pk)
        if missing:  # never written by the services; read rather than assumed
            by_pk.update(Operation.objects.in_bulk(missing))
        for op in self.rows:
            if op.reverses_id:
                op.reverses = by_pk[op.reverses_id]

    def debt(self) -> Decimal:
        """``selectors.debt_for_reference``: what the member owes for it, positive."""
        total = sum(
            (
                op.amount
                for op in self.rows
                if op.kind == Kind.ORDER
                or (
                    op.kind == Kind.CORRECTION and op.reverses_id and op.reverses.kind == Kind.ORDER
                )
            ),
            ZERO,
        )
        return -quantize(total, self.group.currency)

    def order_root(self) -> Operation | None:
        return next((op for op in self.rows if op.kind == Kind.ORDER), None)

    def announced(self) -> Decimal:
        """The payments announced for it, pending and received, all types."""
        total = sum((op.amount for op in self.rows if op.is_money), ZERO)
        return quantize(total, self.group.currency)

    def pending_payments(self, payment_type: str | None = None) -> list[Operation]:
        """Pending payment rows (not corrections), newest first."""
        return [
            op
            for op in reversed(self.rows)
            if op.is_money
            and op.kind == Kind.PAYMENT
            and op.state == State.PENDING
            and (payment_type is None or op.payment_type == payment_type)
        ]


def _debt_row(
    rows: _ReferenceRows,
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
    """The row that brings the debt for ``reference`` to ``amount`` (unsaved), or None."""
    diff = amount - rows.debt()
    if diff == 0:
        return None
    root = rows.order_root()
    if root is None:
        return new_operation(
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
    return new_operation(
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


def _debt_log(operation: Operation, value: Decimal) -> dict[str, Any]:
    return {"total": str(value), "reason": operation.reason or operation.label}


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
    (``kernel.money.line_total``); the ledger stores it negative. The first call writes an
    order row (pending: the order can still change until the distribution is validated); later
    calls append a correction of the difference, never edit the row (0 cancels the debt).
    Returns the row written, or None when the debt already had that amount. No balance check:
    money-pot groups use ``moneypot_debit``.
    """
    value = _debt_args(group, reference, amount, label)
    member = lock_member(group, member)
    operation = _debt_row(
        _ReferenceRows(group, member, reference),
        group=group,
        member=member,
        reference=reference,
        amount=value,
        label=label,
        acting_user=acting_user,
        date=date,
    )
    if operation is not None:
        write_operations([operation])
        log_operation(
            "payment.order_debt",
            acting_user=acting_user,
            group=group,
            operation=operation,
            **_debt_log(operation, value),
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
    rows = _ReferenceRows(group, member, reference)
    increase = value - rows.debt()
    if increase > 0:
        balance = selectors.balance_for_member(group=group, member=member)
        floor = providers.moneypot_floor(group)
        if balance - increase < floor:
            raise MoneyPotInsufficientError(
                _("Your prepaid balance (%(balance)s) is not enough for this order (%(amount)s).")
                % {"balance": balance, "amount": increase}
            )
    operation = _debt_row(
        rows,
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
        write_operations([operation])
        log_operation(
            "payment.moneypot_debit",
            acting_user=acting_user,
            group=group,
            operation=operation,
            **_debt_log(operation, value),
        )
    return operation


@transaction.atomic(savepoint=False)
def order_ledger_set(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Any,
    label: str,
    payment_type: str,
    acting_user: Any,
    date: date_type | None = None,
) -> list[Operation]:
    """``order_debt_record`` then ``payment_intention_record`` of the same amount, at once: what
    a checkout or an order change writes. One lock, one read of the reference's rows, the rows
    in one INSERT and their audit entries in another.

    The announced payment is left as it is when ``payment_type`` is empty, the money pot, or a
    type the group no longer accepts: the debt is exact, the announced payment only a hint for
    the cash desk. Runs in the caller's transaction (no savepoint): an error means the caller
    rolls back. Returns the rows written.
    """
    value = _debt_args(group, reference, amount, label)
    ptype = ""
    if payment_type and payment_type != PaymentType.MONEYPOT:
        try:
            ptype = intention_type(group, payment_type)
        except PaymentError:
            ptype = ""
    member = lock_member(group, member)
    rows = _ReferenceRows(group, member, reference)
    entries: list[tuple[str, Operation, dict[str, Any]]] = []
    debt = _debt_row(
        rows,
        group=group,
        member=member,
        reference=reference,
        amount=value,
        label=label,
        acting_user=acting_user,
        date=date,
    )
    if debt is not None:
        entries.append(("payment.order_debt", debt, _debt_log(debt, value)))
    if ptype:
        for operation in _intention_rows(
            rows,
            group=group,
            member=member,
            reference=reference,
            ptype=ptype,
            target=value,
            acting_user=acting_user,
            date=date,
        ):
            entries.append(("payment.intention", operation, _intention_log(operation, value)))
    written = write_operations([operation for _action, operation, _data in entries])
    log_operations(entries, acting_user=acting_user, group=group)
    return written


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
    written = _intention_rows(
        _ReferenceRows(group, member, reference),
        group=group,
        member=member,
        reference=reference,
        ptype=ptype,
        target=target,
        acting_user=acting_user,
        label=label,
        date=date,
    )
    write_operations(written)
    log_operations(
        [("payment.intention", op, _intention_log(op, target)) for op in written],
        acting_user=acting_user,
        group=group,
    )
    return written


def _intention_log(operation: Operation, target: Decimal) -> dict[str, Any]:
    return {"total": str(target), "reason": operation.reason or operation.label}


def _intention_rows(
    rows: _ReferenceRows,
    *,
    group: Group,
    member: Member,
    reference: str,
    ptype: str,
    target: Decimal,
    acting_user: Any,
    label: str = "",
    date: date_type | None = None,
) -> list[Operation]:
    """The rows (unsaved) that bring the payments announced for ``reference`` to ``target``."""
    diff = target - rows.announced()
    written: list[Operation] = []
    today = date or group_today(group)
    if diff > 0:
        root = next(iter(rows.pending_payments(ptype)), None)
        if root is not None:
            written.append(
                new_operation(
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
                new_operation(
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
        for root in rows.pending_payments():
            if remaining == 0:
                break
            available = corrected_total(root)
            cut = min(available, remaining)
            if cut <= 0:
                continue
            written.append(
                new_operation(
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
    return written
