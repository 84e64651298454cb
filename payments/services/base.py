"""Errors and helpers shared by the payment services."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as date_type
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups.models import Group
from kernel.audit import audit_entry, log_action, log_actions
from kernel.money import format_money, quantize, to_decimal
from members.models import Member
from payments.models import Operation

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


def group_today(group: Group) -> date_type:
    return timezone.localdate(timezone=group.tzinfo)


# The largest amount a ledger row holds (``Operation.amount``: 12 digits, 2 decimal places).
MAX_LEDGER_AMOUNT = Decimal("9999999999.99")


def _money(amount: Decimal, group: Group) -> str:
    return format_money(amount, group.currency, translation.get_language() or "fr")


def parse_amount(value: Any, group: Group, *, field_name: str = "amount") -> Decimal:
    """An amount for the ledger, or ``PaymentError`` on the field: never a crash, whatever was
    typed or passed ("1e30", "NaN", 10**20, control characters…). "-0" is 0."""
    if isinstance(value, str) and (len(value) > 40 or not value.strip().isprintable()):
        raise PaymentError({field_name: _("Enter an amount.")})
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise PaymentError({field_name: _("Enter an amount.")}) from exc
    if not amount.is_finite():
        raise PaymentError({field_name: _("Enter an amount.")})
    if amount > MAX_LEDGER_AMOUNT:
        raise PaymentError(
            {
                field_name: _("Enter a number of at most %(maximum)s.")
                % {"maximum": _money(MAX_LEDGER_AMOUNT, group)}
            }
        )
    if amount < -MAX_LEDGER_AMOUNT:
        raise PaymentError(
            {
                field_name: _("Enter a number of at least %(minimum)s.")
                % {"minimum": _money(-MAX_LEDGER_AMOUNT, group)}
            }
        )
    try:
        rounded = quantize(amount, group.currency)
    except InvalidOperation as exc:  # bounded above: kept so that no input ever crashes here
        raise PaymentError({field_name: _("Enter an amount.")}) from exc
    if rounded != amount:
        raise PaymentError({field_name: _("Use at most two decimal places.")})
    return rounded + 0  # "-0.00" becomes "0.00"


def lock_members(group: Group, members: Iterable[Member | int]) -> dict[int, Member]:
    """Lock the members' rows in id order and return them; refuse members of other groups."""
    ids = sorted({m if isinstance(m, int) else m.pk for m in members})
    locked = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for member_id in ids:
        member = locked.get(member_id)
        if member is None or member.group_id != group.pk:
            raise PaymentError(_("This person is not a member of this group."))
    return locked


def lock_member(group: Group, member: Member) -> Member:
    return lock_members(group, [member])[member.pk]


# Foreign keys are not validated in Python (Django would query each one): the services pass
# the rows themselves, ``Operation.clean`` checks that they belong together, and the database's
# foreign keys guard the rest.
FOREIGN_KEYS = ("group", "member", "reverses", "recorded_by", "confirmed_by")


def new_operation(**fields: Any) -> Operation:
    """A validated, unsaved ledger row: its fields, ``clean`` and the check constraints (see
    ``Operation.RULES``), without a query. ValidationError with a message per field."""
    operation = Operation(**fields)
    if operation.state == State.CONFIRMED and operation.confirmed_at is None:
        operation.confirmed_at = timezone.now()
    operation.full_clean(exclude=FOREIGN_KEYS)
    return operation


def write_operation(**fields: Any) -> Operation:
    operation = new_operation(**fields)
    operation.save()
    return operation


def write_operations(operations: list[Operation]) -> list[Operation]:
    """Append rows made by ``new_operation`` in one INSERT (ids set on them)."""
    if len(operations) > 1 and connection.features.can_return_rows_from_bulk_insert:
        Operation.objects.bulk_create(operations)
    else:  # one row, or a database that would not give the ids back
        for operation in operations:
            operation.save()
    return operations


def _operation_data(operation: Operation, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "member_id": operation.member_id,
        "kind": operation.kind,
        "amount": str(operation.amount),
        "payment_type": operation.payment_type,
        "reference": operation.reference,
        **data,
    }


def log_operation(
    action: str, *, acting_user: Any, group: Group, operation: Operation, **data: Any
):
    log_action(
        action=action,
        acting_user=acting_user,
        group=group,
        obj=operation,
        **_operation_data(operation, data),
    )


def log_operations(
    entries: list[tuple[str, Operation, dict[str, Any]]], *, acting_user: Any, group: Group
) -> None:
    """``log_operation`` for several rows, in one INSERT: (action, row, extra data) each."""
    log_actions(
        [
            audit_entry(
                action=action,
                acting_user=acting_user,
                group=group,
                obj=operation,
                **_operation_data(operation, data),
            )
            for action, operation, data in entries
        ]
    )


def root_of(operation: Operation) -> Operation:
    """Corrections always point to an original row, never to another correction."""
    return operation.reverses if operation.reverses_id else operation


def corrected_total(root: Operation) -> Decimal:
    extra = root.corrections.aggregate(s=Sum("amount"))["s"] or ZERO
    return quantize(root.amount + extra, root.currency)
