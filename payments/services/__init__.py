"""Writes to the ledger. Every function is atomic, locks the member rows it touches, validates,
appends rows (never edits them, see ``models``) and leaves an audit entry.

Concurrency: a service first locks the ``Member`` rows concerned (``SELECT … FOR UPDATE``, in id
order so two services never wait on each other in opposite orders), then reads the balance and
writes, all in the same transaction. Two writers on one member are therefore serialised, and a
check such as the money-pot floor cannot be passed by two debits at once (design §5).

The orders app uses ``order_ledger_set`` (a debt and its announced payment at once),
``order_debt_record``, ``moneypot_debit`` and ``payment_intention_record``; the day app
``onspot_assign_type``, ``payments_confirm_for_references`` and ``payments_confirm_reverse``.
They pass their own reference (a basket code) and this app never looks behind it.
"""

from payments.services.base import (
    ConfirmationResult,
    MoneyPotInsufficientError,
    PaymentError,
)
from payments.services.confirmation import (
    onspot_assign_type,
    payments_confirm,
    payments_confirm_for_references,
    payments_confirm_reverse,
)
from payments.services.ledger import (
    MEMBERSHIP_PAYMENT_TYPES,
    correction_record,
    membership_fee_record,
    membership_fee_reverse,
    membership_ledger_record,
    membership_ledger_reverse,
    payment_record,
    refund_record,
)
from payments.services.opening import opening_balances_record
from payments.services.orders import (
    intention_type,
    moneypot_debit,
    order_debt_record,
    order_ledger_set,
    payment_intention_record,
)

__all__ = [
    "MEMBERSHIP_PAYMENT_TYPES",
    "ConfirmationResult",
    "MoneyPotInsufficientError",
    "PaymentError",
    "correction_record",
    "intention_type",
    "membership_fee_record",
    "membership_fee_reverse",
    "membership_ledger_record",
    "membership_ledger_reverse",
    "moneypot_debit",
    "onspot_assign_type",
    "opening_balances_record",
    "order_debt_record",
    "order_ledger_set",
    "payment_intention_record",
    "payment_record",
    "payments_confirm",
    "payments_confirm_for_references",
    "payments_confirm_reverse",
    "refund_record",
]
