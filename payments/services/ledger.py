"""Manual entry by admins (spec §2.7) and membership fees (spec §5)."""

from __future__ import annotations

from datetime import date as date_type
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from groups.models import Group, PaymentType
from kernel.idempotency import submission_claim
from members.models import Member
from payments import providers, selectors
from payments.models import Operation
from payments.services.base import (
    Kind,
    PaymentError,
    State,
    corrected_total,
    group_today,
    lock_member,
    log_operation,
    parse_amount,
    root_of,
    write_operation,
)

# --- manual entry by admins (spec §2.7) -----------------------------------------------------


def _refuse_own_account(group: Group, member: Member, acting_user: Any) -> None:
    """A payments manager does not write on their own account; an admin may (audited)."""
    if member.user_id != getattr(acting_user, "pk", None):
        return
    if not Member.objects.of_user(group=group, user=acting_user).filter(is_admin=True).exists():
        raise PaymentError(
            _("You cannot record an entry on your own account: ask another manager or an admin.")
        )


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
    submission: str = "",
) -> Operation:
    """Record money received from a member, confirmed at once.

    ``amount`` is positive. ``payment_type`` is one of ``providers.manual_entry_choices()``:
    the money pot is the balance itself and online payments are never entered by hand.
    """
    submission_claim(submission)  # a double click or a replay writes once
    amount = parse_amount(amount, group)
    if amount <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in dict(providers.manual_entry_choices()):
        raise PaymentError({"payment_type": _("This payment type cannot be entered by hand.")})
    _refuse_own_account(group, member, acting_user)
    member = lock_member(group, member)
    operation = write_operation(
        group=group,
        member=member,
        kind=Kind.PAYMENT,
        amount=amount,
        currency=group.currency,
        date=date or group_today(group),
        label=(label or _("Payment")).strip()[:128],
        state=State.CONFIRMED,
        is_money=True,
        payment_type=payment_type,
        reference=reference,
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    log_operation(
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
    submission: str = "",
) -> Operation:
    """Record money given back to a member (a negative payment, spec §2.1).

    ``amount`` is positive and cannot exceed the member's credit, read under the member's lock.
    """
    submission_claim(submission)  # a double click or a replay writes once
    amount = parse_amount(amount, group)
    if amount <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in dict(providers.manual_entry_choices()):
        raise PaymentError({"payment_type": _("This payment type cannot be entered by hand.")})
    _refuse_own_account(group, member, acting_user)
    member = lock_member(group, member)
    credit = selectors.balance_for_member(group=group, member=member)
    if amount > credit:
        raise PaymentError(
            {
                "amount": _("A refund cannot exceed the member's credit (%(credit)s).")
                % {"credit": credit}
            }
        )
    operation = write_operation(
        group=group,
        member=member,
        kind=Kind.REFUND,
        amount=-amount,
        currency=group.currency,
        date=date or group_today(group),
        label=(label or _("Refund")).strip()[:128],
        state=State.CONFIRMED,
        is_money=True,
        payment_type=payment_type,
        reference=reference,
        reason=reason.strip()[:255],
        recorded_by=acting_user,
        confirmed_by=acting_user,
    )
    log_operation(
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
    submission: str = "",
) -> Operation:
    """Fix a mistake with a new signed row; history is never edited.

    With ``reverses``, the correction adjusts that row (a correction of a correction adjusts the
    original): it takes the row's reference, payment type and state, so the correction of a
    pending cheque waits with it and is confirmed with it. The corrected total keeps the row's
    sign (a payment cannot become negative, a debt positive); ``-row total`` cancels it.
    Without ``reverses``, it is a confirmed adjustment of the balance. ``reason`` is required.
    """
    submission_claim(submission)  # a double click or a replay writes once
    amount = parse_amount(amount, group)
    if amount == 0:
        raise PaymentError({"amount": _("A correction cannot be zero.")})
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError({"reason": _("Give the reason for this correction.")})
    _refuse_own_account(group, member, acting_user)
    member = lock_member(group, member)
    fields: dict[str, Any] = {
        "group": group,
        "member": member,
        "kind": Kind.CORRECTION,
        "amount": amount,
        "currency": group.currency,
        "date": date or group_today(group),
        "reason": reason[:255],
        "recorded_by": acting_user,
        "state": State.CONFIRMED,
    }
    if reverses is not None:
        root = root_of(Operation.objects.get(pk=reverses.pk))
        if root.member_id != member.pk or root.group_id != group.pk:
            raise PaymentError(_("A correction must concern the same member's operation."))
        if root.remote_id:
            # A card payment or refund is what Stripe did: it is changed by a card refund.
            raise PaymentError(
                _("A card payment or refund cannot be corrected: refund by card instead.")
            )
        new_total = corrected_total(root) + amount
        if (root.amount > 0 and new_total < 0) or (root.amount < 0 and new_total > 0):
            raise PaymentError(
                {
                    "amount": _(
                        "This correction would reverse the operation's sign; its amount can go down to %(limit)s."
                    )
                    % {"limit": -corrected_total(root)}
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
    operation = write_operation(**fields)
    log_operation(
        "payment.corrected",
        acting_user=acting_user,
        group=group,
        operation=operation,
        reason=reason,
        reverses=operation.reverses_id,
    )
    return operation


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
    value = parse_amount(amount, group)
    if value <= 0:
        raise PaymentError({"amount": _("The amount must be greater than zero.")})
    if payment_type not in MEMBERSHIP_PAYMENT_TYPES:
        raise PaymentError({"payment_type": _("Choose cash, cheque, transfer or card.")})
    if not reference:
        raise PaymentError(_("A membership fee needs a reference."))
    member = lock_member(group, member)
    if any(
        corrected_total(debt) != 0
        for debt in Operation.objects.filter(
            group=group, member=member, reference=reference, kind=Kind.MEMBERSHIP
        )
    ):  # a fee deleted before (its rows reversed) may be recorded again
        raise PaymentError(_("This membership fee is already recorded."))
    day = date or group_today(group)
    debt = write_operation(
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
    payment = write_operation(
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
    log_operation(
        "payment.membership_fee",
        acting_user=acting_user,
        group=group,
        operation=debt,
        reason=debt.label,
    )
    return debt, payment


@transaction.atomic
def membership_fee_reverse(
    *, group: Group, member: Member, reference: str, reason: str, acting_user: Any
) -> list[Operation]:
    """Cancel the fee rows of ``reference`` (its debt and payment, spec §5 deletion) with
    corrections that bring each one to zero; history stays. Returns the corrections."""
    member = lock_member(group, member)
    roots = list(
        Operation.objects.filter(
            group=group,
            member=member,
            reference=reference,
            kind__in=(Kind.MEMBERSHIP, Kind.PAYMENT),
            reverses__isnull=True,
        ).order_by("pk")
    )
    written = []
    for root in roots:
        remaining = corrected_total(root)
        if remaining == 0:
            continue
        correction = write_operation(
            group=group,
            member=member,
            kind=Kind.CORRECTION,
            amount=-remaining,
            currency=root.currency,
            date=group_today(group),
            label=(_("Cancelled: %(label)s") % {"label": root.label})[:128],
            reason=reason.strip()[:255],
            reverses=root,
            is_money=root.is_money,
            state=root.state,
            payment_type=root.payment_type if root.is_money else "",
            reference=root.reference,
            recorded_by=acting_user,
            confirmed_by=acting_user if root.state == State.CONFIRMED else None,
        )
        log_operation(
            "payment.membership_fee_cancelled",
            acting_user=acting_user,
            group=group,
            operation=correction,
            reason=correction.reason,
            reverses=root.pk,
        )
        written.append(correction)
    return written


def membership_ledger_record(*, fee: Any, period_name: str, acting_user: Any) -> str:
    """The ledger writer ``members.memberships`` calls when a fee is recorded."""
    reference = f"membership-{fee.year}"
    membership_fee_record(
        group=fee.group,
        member=fee.member,
        amount=fee.amount,
        label=_("Membership fee %(period)s") % {"period": period_name},
        reference=reference,
        payment_type=fee.payment_type,
        date=fee.paid_on,
        acting_user=acting_user,
    )
    return reference


def membership_ledger_reverse(*, fee: Any, acting_user: Any) -> None:
    """The ledger writer ``members.memberships`` calls when a fee is deleted."""
    membership_fee_reverse(
        group=fee.group,
        member=fee.member,
        reference=fee.ledger_reference,
        reason=_("Membership fee deleted"),
        acting_user=acting_user,
    )
