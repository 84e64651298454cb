"""Confirming payments received, one by one or at distribution validation (spec §2.7, §2.8)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from kernel.audit import log_action
from kernel.idempotency import submission_claim
from payments import selectors
from payments.models import ON_THE_SPOT_TYPES, ONTHESPOT, Operation
from payments.services.base import (
    ConfirmationResult,
    PaymentError,
    State,
    lock_members,
)

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
    submission: str = "",
) -> list[int]:
    """Mark pending payments as received ("I have received this payment"), one or many.

    Their pending corrections are confirmed with them. An on-the-spot intention needs its actual
    type: ``onspot_type`` gives it to every such row selected; without it they are refused.
    Returns the ids of the rows confirmed.
    """
    submission_claim(submission)  # a double click or a replay confirms once
    rows = _confirmable(group, operation_ids)
    if not rows:
        raise PaymentError(_("Select at least one pending payment."))
    lock_members(group, {r.member_id for r in rows})
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
    lock_members(group, [operation.member_id])
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
    lock_members(group, member_ids)
    waiting = list(selectors.onspot_untyped_list(group=group, references=refs))
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
    lock_members(group, {r.member_id for r in rows})
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
