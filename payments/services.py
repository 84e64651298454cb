"""Writes to the ledger. Every function is atomic, locks the member rows it touches, validates,
appends rows (never edits them, see ``models``) and leaves an audit entry.

Concurrency: a service first locks the ``Member`` rows concerned (``SELECT … FOR UPDATE``, in id
order so two services never wait on each other in opposite orders), then reads the balance and
writes, all in the same transaction. Two writers on one member are therefore serialised, and a
check such as the money-pot floor cannot be passed by two debits at once (design §5).

The orders app uses ``order_debt_record``, ``moneypot_debit``, ``payment_intention_record``,
``onspot_assign_type``, ``payments_confirm_for_references`` and ``payments_confirm_reverse``;
it passes its own reference (a basket code) and this app never looks behind it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as date_type
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cagette.audit import log_action
from cagette.money import quantize, to_decimal
from groups.models import Group, PaymentType
from members.models import Member
from payments import providers, selectors
from payments.models import ON_THE_SPOT_TYPES, ONTHESPOT, Operation

ZERO = Decimal("0.00")
Kind = Operation.Kind
State = Operation.State


class PaymentError(ValidationError):
    """An expected refusal, with a translated message to show as is."""


class MoneyPotInsufficientError(PaymentError):
    """A money-pot debit would take the balance below the group's floor."""


@dataclass
class ConfirmationResult:
    """What ``payments_confirm_for_references`` changed, to be given back for a reversal."""

    batch: uuid.UUID | None
    operation_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.operation_ids)


# --- helpers -------------------------------------------------------------------------------


def _today(group: Group) -> date_type:
    return timezone.localdate(timezone=group.tzinfo)


def _amount(value: Any, group: Group, *, field_name: str = "amount") -> Decimal:
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise PaymentError({field_name: _("Enter an amount.")}) from exc
    if not amount.is_finite():
        raise PaymentError({field_name: _("Enter an amount.")})
    rounded = quantize(amount, group.currency)
    if rounded != amount:
        raise PaymentError({field_name: _("Use at most two decimal places.")})
    return rounded


def _lock_members(group: Group, members: Iterable[Member | int]) -> dict[int, Member]:
    """Lock the members' rows in id order and return them; refuse members of other groups."""
    ids = sorted({m if isinstance(m, int) else m.pk for m in members})
    locked = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for member_id in ids:
        member = locked.get(member_id)
        if member is None or member.group_id != group.pk:
            raise PaymentError(_("This person is not a member of this group."))
    return locked


def _lock_member(group: Group, member: Member) -> Member:
    return _lock_members(group, [member])[member.pk]


def _write(**fields: Any) -> Operation:
    operation = Operation(**fields)
    if operation.state == State.CONFIRMED and operation.confirmed_at is None:
        operation.confirmed_at = timezone.now()
    operation.full_clean()
    operation.save()
    return operation


def _log(action: str, *, acting_user: Any, group: Group, operation: Operation, **data: Any):
    log_action(
        action=action,
        acting_user=acting_user,
        group=group,
        obj=operation,
        member_id=operation.member_id,
        kind=operation.kind,
        amount=str(operation.amount),
        payment_type=operation.payment_type,
        reference=operation.reference,
        **data,
    )


def _root(operation: Operation) -> Operation:
    """Corrections always point to an original row, never to another correction."""
    return operation.reverses if operation.reverses_id else operation


def _corrected_total(root: Operation) -> Decimal:
    extra = root.corrections.aggregate(s=Sum("amount"))["s"] or ZERO
    return quantize(root.amount + extra, root.currency)


# --- manual entry by admins (spec §2.7) -----------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    group: Group,
    member: Member,
    amount: Any,
    payment_type: str,
    label: str = "",
    date: date_type | None = None,
    reference: str = "",
    acting_user: Any,
) -> Operation:
    """Record money received from a member, confirmed at once.

    ``amount`` is positive. ``payment_type`` is one of ``providers.manual_entry_choices()``:
    the money pot is the balance itself and online payments are never entered by hand.
    """
    amount = _amount(amount, group)
    if amount <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in dict(providers.manual_entry_choices()):
        raise PaymentError({"payment_type": _("This payment type cannot be entered by hand.")})
    member = _lock_member(group, member)
    operation = _write(
        group=group,
        member=member,
        kind=Kind.PAYMENT,
        amount=amount,
        currency=group.currency,
        date=date or _today(group),
        label=(label or _("Payment")).strip()[:128],
        state=State.CONFIRMED,
        is_money=True,
        payment_type=payment_type,
        reference=reference,
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    _log(
        "payment.recorded",
        acting_user=acting_user,
        group=group,
        operation=operation,
        reason=operation.label,
    )
    return operation


@transaction.atomic
def refund_record(
    *,
    group: Group,
    member: Member,
    amount: Any,
    payment_type: str,
    label: str = "",
    reason: str = "",
    date: date_type | None = None,
    reference: str = "",
    acting_user: Any,
) -> Operation:
    """Record money given back to a member (a negative payment, spec §2.1).

    ``amount`` is positive and cannot exceed the member's credit, read under the member's lock.
    """
    amount = _amount(amount, group)
    if amount <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in dict(providers.manual_entry_choices()):
        raise PaymentError({"payment_type": _("This payment type cannot be entered by hand.")})
    member = _lock_member(group, member)
    credit = selectors.balance_for_member(group=group, member=member)
    if amount > credit:
        raise PaymentError(
            {
                "amount": _("A refund cannot exceed the member's credit (%(credit)s).")
                % {"credit": credit}
            }
        )
    operation = _write(
        group=group,
        member=member,
        kind=Kind.REFUND,
        amount=-amount,
        currency=group.currency,
        date=date or _today(group),
        label=(label or _("Refund")).strip()[:128],
        state=State.CONFIRMED,
        is_money=True,
        payment_type=payment_type,
        reference=reference,
        reason=reason.strip()[:255],
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    _log(
        "payment.refunded",
        acting_user=acting_user,
        group=group,
        operation=operation,
        reason=operation.reason or operation.label,
    )
    return operation


@transaction.atomic
def correction_record(
    *,
    group: Group,
    member: Member,
    amount: Any,
    reason: str,
    reverses: Operation | None = None,
    label: str = "",
    date: date_type | None = None,
    acting_user: Any,
) -> Operation:
    """Fix a mistake with a new signed row; history is never edited.

    With ``reverses``, the correction adjusts that row (a correction of a correction adjusts the
    original): it takes the row's reference, payment type and state, so the correction of a
    pending cheque waits with it and is confirmed with it. The corrected total keeps the row's
    sign (a payment cannot become negative, a debt positive); ``-row total`` cancels it.
    Without ``reverses``, it is a confirmed adjustment of the balance. ``reason`` is required.
    """
    amount = _amount(amount, group)
    if amount == 0:
        raise PaymentError({"amount": _("A correction cannot be zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError({"reason": _("Give the reason for this correction.")})
    member = _lock_member(group, member)
    fields: dict[str, Any] = {
        "group": group,
        "member": member,
        "kind": Kind.CORRECTION,
        "amount": amount,
        "currency": group.currency,
        "date": date or _today(group),
        "reason": reason[:255],
        "recorded_by": acting_user,
        "state": State.CONFIRMED,
    }
    if reverses is not None:
        root = _root(Operation.objects.get(pk=reverses.pk))
        if root.member_id != member.pk or root.group_id != group.pk:
            raise PaymentError(_("A correction must concern the same member's operation."))
        new_total = _corrected_total(root) + amount
        if (root.amount > 0 and new_total < 0) or (root.amount < 0 and new_total > 0):
            raise PaymentError(
                {
                    "amount": _(
                        "This correction would reverse the operation's sign; its amount can go down to %(limit)s."
                    )
                    % {"limit": -_corrected_total(root)}
                }
            )
        fields.update(
            reverses=root,
            is_money=root.is_money,
            state=root.state,
            payment_type=root.payment_type if root.is_money else "",
            reference=root.reference,
            label=(label or _("Correction: %(label)s") % {"label": root.label}).strip()[:128],
        )
        if root.state == State.CONFIRMED:
            fields["confirmed_by"] = acting_user
    else:
        fields["label"] = (label or _("Balance correction")).strip()[:128]
        fields["confirmed_by"] = acting_user
    operation = _write(**fields)
    _log(
        "payment.corrected",
        acting_user=acting_user,
        group=group,
        operation=operation,
        reason=reason,
        reverses=operation.reverses_id,
    )
    return operation


# --- confirmation (spec §2.7, §2.8) ---------------------------------------------------------


def _confirmable(group: Group, ids: Iterable[int]) -> list[Operation]:
    """Pending payments or refunds (roots, not corrections) among ``ids``."""
    return list(
        Operation.objects.filter(
            group=group,
            pk__in=list(ids),
            state=State.PENDING,
            kind__in=Operation.MONEY_KINDS,
        ).order_by("pk")
    )


def _confirm_rows(qs: Any, *, acting_user: Any, batch: uuid.UUID | None = None) -> list[int]:
    ids = list(qs.filter(state=State.PENDING).order_by("pk").values_list("pk", flat=True))
    if ids:
        Operation.objects.filter(pk__in=ids).update(
            state=State.CONFIRMED,
            confirmed_at=timezone.now(),
            confirmed_by=acting_user if getattr(acting_user, "pk", None) else None,
            confirmation_batch=batch,
        )
    return ids


@transaction.atomic
def payments_confirm(
    *,
    group: Group,
    operation_ids: Iterable[int],
    acting_user: Any,
    onspot_type: str = "",
) -> list[int]:
    """Mark pending payments as received ("I have received this payment"), one or many.

    Their pending corrections are confirmed with them. An on-the-spot intention needs its actual
    type: ``onspot_type`` gives it to every such row selected; without it they are refused.
    Returns the ids of the rows confirmed.
    """
    rows = _confirmable(group, operation_ids)
    if not rows:
        raise PaymentError(_("Select at least one pending payment."))
    _lock_members(group, {r.member_id for r in rows})
    rows = _confirmable(group, [r.pk for r in rows])  # re-read under the lock
    untyped = [r for r in rows if r.payment_type == ONTHESPOT]
    if untyped:
        if onspot_type not in ON_THE_SPOT_TYPES:
            raise PaymentError(
                {
                    "onspot_type": _(
                        "Say how the on-the-spot payments were paid (cash, cheque or card)."
                    )
                }
            )
        untyped_ids = [r.pk for r in untyped]
        Operation.objects.filter(
            Q(pk__in=untyped_ids) | Q(reverses_id__in=untyped_ids), state=State.PENDING
        ).update(payment_type=onspot_type)
    root_ids = [r.pk for r in rows]
    changed = _confirm_rows(
        Operation.objects.filter(Q(pk__in=root_ids) | Q(reverses_id__in=root_ids), group=group),
        acting_user=acting_user,
    )
    log_action(
        action="payment.confirmed",
        acting_user=acting_user,
        group=group,
        operation_ids=changed,
        onspot_type=onspot_type if untyped else "",
        reason=_("Payment received"),
    )
    return changed


@transaction.atomic
def onspot_assign_type(
    *,
    group: Group,
    operation: Operation,
    payment_type: str,
    acting_user: Any,
    confirm: bool = False,
) -> Operation:
    """Give an "on the spot" intention its actual type: cash, cheque or card terminal (§2.8).

    The intention must still be pending. Its pending corrections take the same type. With
    ``confirm``, the payment is also marked received. Returns the refreshed row.
    """
    if payment_type not in ON_THE_SPOT_TYPES:
        raise PaymentError({"payment_type": _("Choose cash, cheque or card on the spot.")})
    _lock_members(group, [operation.member_id])
    target = Operation.objects.filter(group=group, pk=operation.pk).first()
    if target is None or target.payment_type != ONTHESPOT or target.state != State.PENDING:
        raise PaymentError(_("This payment is not an on-the-spot payment waiting for its type."))
    Operation.objects.filter(
        Q(pk=target.pk) | Q(reverses_id=target.pk), state=State.PENDING
    ).update(payment_type=payment_type)
    target.refresh_from_db()
    log_action(
        action="payment.onspot_typed",
        acting_user=acting_user,
        group=group,
        obj=target,
        member_id=target.member_id,
        payment_type=payment_type,
        reason=_("On-the-spot payment type chosen"),
    )
    if confirm:
        payments_confirm(group=group, operation_ids=[target.pk], acting_user=acting_user)
        target.refresh_from_db()
    return target


@transaction.atomic
def payments_confirm_for_references(
    *, group: Group, references: Iterable[str], acting_user: Any
) -> ConfirmationResult:
    """Confirm everything pending for these references: distribution validation (spec §2.8).

    Order debts become final and pending payments (cheques, transfers, cash) are taken as
    received. Refused, with nothing changed, while an on-the-spot payment of these references
    has no actual type (decision 5). Returns the batch id and the rows changed, which
    ``payments_confirm_reverse`` puts back.
    """
    refs = sorted({r for r in references if r})
    if not refs:
        return ConfirmationResult(batch=None)
    member_ids = set(
        Operation.objects.filter(group=group, reference__in=refs, state=State.PENDING)
        .values_list("member_id", flat=True)
        .distinct()
    )
    if not member_ids:
        return ConfirmationResult(batch=None)
    _lock_members(group, member_ids)
    waiting = [
        op
        for op in selectors.onspot_awaiting_type(group=group, references=refs)
        if _corrected_total(op) != 0
    ]
    if waiting:
        names = ", ".join(sorted({op.member.user.display_name for op in waiting}))
        raise PaymentError(
            _("Choose how these on-the-spot payments were paid first: %(names)s.")
            % {"names": names}
        )
    batch = uuid.uuid4()
    changed = _confirm_rows(
        Operation.objects.filter(group=group, reference__in=refs),
        acting_user=acting_user,
        batch=batch,
    )
    log_action(
        action="payment.bulk_confirmed",
        acting_user=acting_user,
        group=group,
        batch=str(batch),
        references=refs,
        operation_ids=changed,
        reason=_("Distribution validated"),
    )
    return ConfirmationResult(batch=batch if changed else None, operation_ids=changed)


@transaction.atomic
def payments_confirm_reverse(
    *, group: Group, batch: uuid.UUID | str, acting_user: Any, reason: str = ""
) -> list[int]:
    """Put back to pending exactly the rows a bulk confirmation changed (decision 5).

    The reversal is a documented state change (confirmed → pending), audited with its rows.
    Refused when a payment of the batch was corrected since its confirmation: fix it with
    another correction instead. Returns the ids put back to pending (empty if already done).
    """
    batch = uuid.UUID(str(batch))
    rows = list(
        Operation.objects.filter(group=group, confirmation_batch=batch, state=State.CONFIRMED)
    )
    if not rows:
        return []
    _lock_members(group, {r.member_id for r in rows})
    ids = [r.pk for r in rows]
    corrected_since = (
        Operation.objects.filter(reverses_id__in=ids, is_money=True)
        .exclude(confirmation_batch=batch)
        .exists()
    )
    if corrected_since:
        raise PaymentError(
            _("Some of these payments were corrected since; record a correction instead.")
        )
    Operation.objects.filter(pk__in=ids).update(
        state=State.PENDING, confirmed_at=None, confirmed_by=None, confirmation_batch=None
    )
    log_action(
        action="payment.bulk_confirmation_reversed",
        acting_user=acting_user,
        group=group,
        batch=str(batch),
        operation_ids=ids,
        reason=reason or _("Distribution validation reversed"),
    )
    return ids


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
        return _write(
            group=group,
            member=member,
            kind=Kind.ORDER,
            amount=-amount,
            currency=group.currency,
            date=date or _today(group),
            label=label.strip()[:128],
            state=State.PENDING,
            payment_type=payment_type,
            reference=reference,
            recorded_by=acting_user,
        )
    return _write(
        group=group,
        member=member,
        kind=Kind.CORRECTION,
        amount=-diff,
        currency=group.currency,
        date=date or _today(group),
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
    value = _amount(amount, group)
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
    member = _lock_member(group, member)
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
        _log(
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
    member = _lock_member(group, member)
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
        _log(
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
    target = _amount(amount, group)
    if target < 0:
        raise PaymentError({"amount": _("The amount cannot be negative.")})
    ptype = intention_type(group, payment_type)
    member = _lock_member(group, member)
    money = Operation.objects.filter(group=group, member=member, reference=reference, is_money=True)
    announced = quantize(money.aggregate(s=Sum("amount"))["s"] or ZERO, group.currency)
    diff = target - announced
    written: list[Operation] = []
    today = date or _today(group)
    if diff > 0:
        root = (
            money.filter(kind=Kind.PAYMENT, state=State.PENDING, payment_type=ptype)
            .order_by("-pk")
            .first()
        )
        if root is not None:
            written.append(
                _write(
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
                _write(
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
            available = _corrected_total(root)
            cut = min(available, remaining)
            if cut <= 0:
                continue
            written.append(
                _write(
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
        _log(
            "payment.intention",
            acting_user=acting_user,
            group=group,
            operation=operation,
            total=str(target),
            reason=operation.reason or operation.label,
        )
    return written


# --- membership fees (spec §5) --------------------------------------------------------------

MEMBERSHIP_PAYMENT_TYPES = (
    PaymentType.CASH,
    PaymentType.CHEQUE,
    PaymentType.TRANSFER,
    PaymentType.CARD_TERMINAL,
)


@transaction.atomic
def membership_fee_record(
    *,
    group: Group,
    member: Member,
    amount: Any,
    label: str,
    reference: str,
    payment_type: str,
    date: date_type | None = None,
    acting_user: Any,
) -> tuple[Operation, Operation]:
    """Write a membership fee paid at once: a debt and its payment, net zero (spec §5).

    ``reference`` names the period (e.g. ``membership-2024``); a second fee for the same
    reference is refused. ``payment_type`` is cash, cheque, transfer or card terminal.
    """
    value = _amount(amount, group)
    if value <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in MEMBERSHIP_PAYMENT_TYPES:
        raise PaymentError({"payment_type": _("Choose cash, cheque, transfer or card.")})
    if not reference:
        raise PaymentError(_("A membership fee needs a reference."))
    member = _lock_member(group, member)
    if Operation.objects.filter(
        group=group, member=member, reference=reference, kind=Kind.MEMBERSHIP
    ).exists():
        raise PaymentError(_("This membership fee is already recorded."))
    day = date or _today(group)
    debt = _write(
        group=group,
        member=member,
        kind=Kind.MEMBERSHIP,
        amount=-value,
        currency=group.currency,
        date=day,
        label=label.strip()[:128],
        state=State.CONFIRMED,
        reference=reference,
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    payment = _write(
        group=group,
        member=member,
        kind=Kind.PAYMENT,
        amount=value,
        currency=group.currency,
        date=day,
        label=(_("Payment: %(label)s") % {"label": label.strip()})[:128],
        state=State.CONFIRMED,
        is_money=True,
        payment_type=payment_type,
        reference=reference,
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    _log(
        "payment.membership_fee",
        acting_user=acting_user,
        group=group,
        operation=debt,
        reason=debt.label,
    )
    return debt, payment
