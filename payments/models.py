"""The ledger (spec §2.1-2.2, design §5).

One row per money event of a member in a group. Sign convention (spec §2.1): what the member owes
is **negative** (order debts, membership fees), what they pay is **positive**; a refund is money
given back, so it is negative too. A member's balance is the sum of the rows that count
(``COUNTED``): every row except the money movements (payments, refunds and corrections of them)
that are still pending. So an order counts at once, while a cheque counts only once received.

The ledger is append-only. Once written, a row's member, kind, amount, date, label, reference,
type and links never change: a mistake is fixed by a new ``correction`` row that points to the row
it corrects. The only changes allowed on a row are its state (pending → confirmed, and back to
pending only to reverse a bulk confirmation, see ``services.payments_confirm_reverse``), the
assignment of an actual type to an "on the spot" intention (spec §2.8), and clearing the
``recorded_by``/``confirmed_by`` users when an account is erased. ``save()`` and the queryset
enforce this; rows cannot be deleted except with their whole group.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.models import PaymentType

# The checkout choice standing for every on-the-spot type (spec §2.3); an admin assigns the
# actual type (cash, cheque, card terminal) before the distribution is validated (spec §2.8).
ONTHESPOT = "onthespot"

ON_THE_SPOT_TYPES = (PaymentType.CASH, PaymentType.CHEQUE, PaymentType.CARD_TERMINAL)

PAYMENT_TYPE_CHOICES = [*PaymentType.choices, (ONTHESPOT, _("On the spot (type to choose)"))]


class ImmutableOperationError(Exception):
    """Raised on any attempt to rewrite or delete the ledger's history."""


class OperationQuerySet(models.QuerySet["Operation"]):
    # Fields a bulk UPDATE may touch; anything else would rewrite history.
    UPDATABLE = frozenset(
        ("state", "confirmed_at", "confirmed_by", "confirmation_batch", "payment_type")
    )
    # Users may be erased: their name disappears from the rows, the rows stay.
    NULLABLE_ON_ERASE = frozenset(("recorded_by", "confirmed_by"))

    def update(self, **kwargs: Any) -> int:
        for name, value in kwargs.items():
            if name in self.UPDATABLE:
                continue
            if name in self.NULLABLE_ON_ERASE and value is None:
                continue
            raise ImmutableOperationError(f"The ledger's {name!r} cannot be updated.")
        return super().update(**kwargs)

    def delete(self) -> Any:
        raise ImmutableOperationError("Ledger rows cannot be deleted; record a correction.")

    delete.queryset_only = True  # type: ignore[attr-defined]

    def counted(self) -> OperationQuerySet:
        return self.filter(COUNTED)

    def pending_money(self) -> OperationQuerySet:
        return self.filter(is_money=True, state=Operation.State.PENDING)


class Operation(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order", pgettext_lazy("operation type", "Order")
        PAYMENT = "payment", _("Payment")
        MEMBERSHIP = "membership", _("Membership fee")
        REFUND = "refund", _("Refund")
        CORRECTION = "correction", _("Correction")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")

    DEBT_KINDS: ClassVar[tuple[str, ...]] = (Kind.ORDER, Kind.MEMBERSHIP)
    MONEY_KINDS: ClassVar[tuple[str, ...]] = (Kind.PAYMENT, Kind.REFUND)

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    # RESTRICT, not PROTECT: purging a group deletes its members and their rows together.
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.RESTRICT,
        related_name="operations",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    # Signed, in the group's currency: negative = owed by the member, positive = paid by them.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    date = models.DateField(_("date"), default=timezone.localdate)
    label = models.CharField(_("label"), max_length=128)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.CONFIRMED
    )
    # True for payments, refunds and corrections of them: such rows count only once confirmed.
    is_money = models.BooleanField(_("money movement"), default=False, editable=False)
    payment_type = models.CharField(
        _("payment type"), max_length=16, choices=PAYMENT_TYPE_CHOICES, blank=True
    )
    # Chosen by the caller: a basket code for an order debt and its payments, "membership-2024"…
    # The payments app never looks behind it (design §3: payments does not import orders).
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    # Set when a bulk confirmation (distribution validation) confirmed the row, so that exactly
    # what it changed can be put back (decision 5).
    confirmation_batch = models.UUIDField(_("confirmation batch"), null=True, blank=True)
    # The Stripe object a card payment or refund stands for (PaymentIntent or Refund id): unique,
    # so a payment can never be written twice however often its webhook arrives (decision 8).
    remote_id = models.CharField(
        _("online payment id"), max_length=128, null=True, blank=True, unique=True, editable=False
    )

    objects = OperationQuerySet.as_manager()

    # Fields that never change once the row exists.
    IMMUTABLE: ClassVar[tuple[str, ...]] = (
        "group_id",
        "member_id",
        "kind",
        "amount",
        "currency",
        "date",
        "label",
        "is_money",
        "reference",
        "reverses_id",
        "reason",
        "created_at",
        "remote_id",
    )

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        ordering = ["-date", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["group", "member", "state"]),
            models.Index(fields=["group", "date"]),
            models.Index(fields=["group", "reference"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="payment") | Q(amount__gt=0),
                name="operation_payment_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["order", "membership", "refund"]) | Q(amount__lt=0),
                name="operation_debt_and_refund_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="correction") | (~Q(amount=0) & ~Q(reason="")),
                name="operation_correction_nonzero_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["payment", "refund"]) | ~Q(payment_type=""),
                name="operation_payment_has_type",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(confirmed_at__isnull=False),
                name="operation_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.amount} ({self.label})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            self._guard_update()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableOperationError("Ledger rows cannot be deleted; record a correction.")

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def counts(self) -> bool:
        """Whether the row is in the balance now (spec §2.2)."""
        return not (self.is_money and self.is_pending)

    @property
    def awaits_type(self) -> bool:
        return self.payment_type == ONTHESPOT and self.is_pending

    # The Python mirror of ``Meta.constraints``: constraint name -> (fields it reads, whether a
    # row keeps it, the field an error belongs to, the message). ``validate_constraints`` uses
    # it instead of Django's default (one query and two savepoints per constraint), so writing a
    # row costs no query before its INSERT; the database constraints stay the guard, and
    # tests/payments/test_ledger_rules.py checks that both agree on every combination.
    RULES: ClassVar[dict[str, tuple[tuple[str, ...], Any, str, Any]]] = {
        "operation_payment_positive": (
            ("kind", "amount"),
            lambda op: op.kind != "payment" or op.amount > 0,
            "amount",
            _("The amount must be greater than zero."),
        ),
        "operation_debt_and_refund_negative": (
            ("kind", "amount"),
            lambda op: op.kind not in ("order", "membership", "refund") or op.amount < 0,
            "amount",
            _("An order, a membership fee or a refund is recorded as a negative amount."),
        ),
        "operation_correction_nonzero_with_reason": (
            ("kind", "amount"),
            lambda op: op.kind != "correction" or op.amount != 0,
            "amount",
            _("A correction cannot be zero."),
        ),
        # Same constraint, second half: reported on its own field.
        "operation_correction_nonzero_with_reason:reason": (
            ("kind", "reason"),
            lambda op: op.kind != "correction" or op.reason != "",
            "reason",
            _("Give the reason for this correction."),
        ),
        "operation_payment_has_type": (
            ("kind", "payment_type"),
            lambda op: op.kind not in ("payment", "refund") or op.payment_type != "",
            "payment_type",
            _("Choose a payment type."),
        ),
        "operation_confirmed_has_date": (
            ("state", "confirmed_at"),
            lambda op: op.state == "pending" or op.confirmed_at is not None,
            "confirmed_at",
            _("A confirmed operation needs the date it was confirmed."),
        ),
    }

    def validate_constraints(self, exclude: Any = None) -> None:
        """The check constraints, evaluated in Python (no query); see ``RULES``."""
        exclude = set(exclude or ())
        errors: dict[str, list[Any]] = {}
        for fields, holds, field_name, message in self.RULES.values():
            if exclude.intersection(fields) or holds(self):
                continue
            errors.setdefault(field_name, []).append(message)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.member_id and self.group_id and self.member.group_id != self.group_id:
            errors["member"] = _("This person is not a member of this group.")
        # A missing payment type or an empty reason are ``RULES``; a blank reason is refused too.
        if self.kind == self.Kind.CORRECTION and self.reason and not self.reason.strip():
            errors["reason"] = _("Give the reason for this correction.")
        if self.reverses_id:
            target = self.reverses
            if target.member_id != self.member_id or target.group_id != self.group_id:
                errors["reverses"] = _("A correction must concern the same member's operation.")
        if errors:
            raise ValidationError(errors)

    def _guard_update(self) -> None:
        old = (
            Operation.objects.filter(pk=self.pk)
            .values(*self.IMMUTABLE, "state", "payment_type", "recorded_by_id")
            .first()
        )
        if old is None:
            raise ImmutableOperationError("This ledger row no longer exists.")
        for name in self.IMMUTABLE:
            if getattr(self, name) != old[name]:
                raise ImmutableOperationError(f"The ledger's {name!r} cannot be changed.")
        # Back to pending happens only in ``services.payments_confirm_reverse``, by a bulk
        # update limited to the rows of one confirmation batch.
        if old["state"] != self.state and not (
            old["state"] == self.State.PENDING and self.state == self.State.CONFIRMED
        ):
            raise ImmutableOperationError("A confirmed operation cannot become pending.")
        if old["payment_type"] != self.payment_type and not (
            old["payment_type"] == ONTHESPOT
            and old["state"] == self.State.PENDING
            and self.payment_type in ON_THE_SPOT_TYPES
        ):
            raise ImmutableOperationError("Only an on-the-spot payment gets its type later.")
        if old["recorded_by_id"] != self.recorded_by_id and self.recorded_by_id is not None:
            raise ImmutableOperationError("Who recorded an operation cannot change.")


# The rows in a balance (spec §2.2): everything but pending movements of money.
COUNTED = Q(is_money=False) | Q(state=Operation.State.CONFIRMED)


# Online payment (issue 17): its models live in ``payments.stripe.models``.
from payments.stripe.models import (  # noqa: E402, F401
    CardCheckout,
    CardMoneyMove,
    CardRefund,
    DistributionPayout,
    GroupStripeAccount,
    StripeAccount,
    StripeEvent,
)
