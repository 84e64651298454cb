"""Online payment with Stripe Connect (spec §3, decision 8): the models.

Imported by ``payments.models`` so that Django finds them in the ``payments`` app.

* ``StripeAccount``: a Connect (Express) connected account, the legal entity that collects the
  money, with the platform fee an operator sets per account (spec §3.1 defaults: 0.00 € + 3.6 %).
* ``GroupStripeAccount``: which account a group collects with; several groups may share one.
* ``CardCheckout``: one Checkout Session for a member's cart, the stock it holds, and its fate.
* ``CardRefund``: one Stripe refund of a card payment, with its ledger row.
* ``StripeEvent``: every webhook event received, once (its id is unique).
* ``DistributionPayout``: a payout requested for a distribution's net card takings.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_FEE_FIXED = Decimal("0.00")
DEFAULT_FEE_RATE = Decimal("0.036")
CENT = Decimal("0.01")


def fee_for(amount: Decimal, fixed: Decimal, rate: Decimal) -> Decimal:
    """The platform fee on an amount (spec §3.5): round2(fixed + |amount| x rate), half up."""
    return (fixed + abs(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


class StripeAccount(models.Model):
    class State(models.TextChoices):
        DETAILS_MISSING = "details_missing", _("Details missing")
        PENDING = "pending", _("Pending verification")
        ENABLED = "enabled", _("Charges and payouts enabled")
        RESTRICTED = "restricted", _("Restricted")

    account_id = models.CharField(_("Stripe account id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128, blank=True)
    fee_fixed = models.DecimalField(
        _("platform fee, fixed part"), max_digits=8, decimal_places=2, default=DEFAULT_FEE_FIXED
    )
    fee_rate = models.DecimalField(
        _("platform fee, rate"),
        max_digits=6,
        decimal_places=5,
        default=DEFAULT_FEE_RATE,
        help_text=_("0.036 for 3.6 %."),
    )
    charges_enabled = models.BooleanField(_("charges enabled"), default=False)
    payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    details_submitted = models.BooleanField(_("details submitted"), default=False)
    requirements_due = models.JSONField(_("requirements due"), default=list, blank=True)
    disabled_reason = models.CharField(_("disabled reason"), max_length=128, blank=True)
    # Manual payouts: an admin requests one per validated distribution (spec §3.2); otherwise
    # Stripe pays out automatically and the per-distribution proof is only a report.
    manual_payouts = models.BooleanField(_("manual payouts"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("Stripe account")
        verbose_name_plural = _("Stripe accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_fixed__gte=0) & Q(fee_rate__gte=0) & Q(fee_rate__lt=1),
                name="stripeaccount_fee_sane",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.account_id

    @property
    def state(self) -> str:
        if self.charges_enabled and self.payouts_enabled:
            return self.State.ENABLED
        if not self.details_submitted:
            return self.State.DETAILS_MISSING
        if self.disabled_reason and "pending" not in self.disabled_reason:
            return self.State.RESTRICTED
        return self.State.PENDING

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    @property
    def enabled(self) -> bool:
        return self.charges_enabled

    def fee(self, amount: Decimal) -> Decimal:
        return fee_for(amount, self.fee_fixed, self.fee_rate)


class GroupStripeAccount(models.Model):
    group = models.OneToOneField(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    account = models.ForeignKey(
        StripeAccount, on_delete=models.PROTECT, related_name="links", verbose_name=_("account")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("group's Stripe account")
        verbose_name_plural = _("groups' Stripe accounts")

    def __str__(self) -> str:
        return f"{self.group_id} → {self.account}"


class CardCheckout(models.Model):
    class State(models.TextChoices):
        CREATING = "creating", _("Being created")
        OPEN = "open", _("Waiting for the payment")
        FULFILLED = "fulfilled", _("Paid, order placed")
        EXPIRED = "expired", _("Abandoned")
        FAILED = "failed", _("Could not start")

    class Purpose(models.TextChoices):
        # A cart paid for: the order is placed when the payment is settled.
        ORDER = "order", pgettext_lazy("card checkout purpose", "Order")
        # The rest of an order already placed (raised after a card payment): settling it only
        # writes the card payment for ``basket_code``.
        REST = "rest", pgettext_lazy("card checkout purpose", "Rest of an order")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    purpose = models.CharField(
        _("purpose"), max_length=8, choices=Purpose.choices, default=Purpose.ORDER
    )
    # CASCADE: an unpaid checkout goes with its distribution; a paid one forbids deleting
    # the distribution (``selectors.deletion_refusal``), and its refunds protect it.
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("distribution"),
    )
    account = models.ForeignKey(
        StripeAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    session_id = models.CharField(
        _("Checkout Session"), max_length=128, unique=True, null=True, blank=True
    )
    payment_intent = models.CharField(_("payment"), max_length=128, blank=True, db_index=True)
    # The cart as it was paid for: product id → [quantity, amount], and the delivery.
    cart_reference = models.CharField(_("cart"), max_length=64, blank=True)
    items = models.JSONField(_("items"), default=dict)
    delivery = models.BooleanField(_("home delivery"), default=False)
    stock_held = models.BooleanField(_("stock held"), default=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("platform fee"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.CREATING
    )
    # The order's code once placed: the reference of its ledger rows.
    basket_code = models.CharField(_("order"), max_length=64, blank=True, db_index=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("card payment")
        verbose_name_plural = _("card payments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["group", "multidistrib", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(fee__gte=0), name="cardcheckout_amounts"
            )
        ]

    def __str__(self) -> str:
        return self.session_id or f"checkout {self.pk}"

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


class CardRefund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    checkout = models.ForeignKey(
        CardCheckout, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    refund_id = models.CharField(
        _("Stripe refund"), max_length=128, unique=True, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("platform fee refunded"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The order whose ledger the refund is written to: the payment's own order, or the one
    # its money moved to when lines were postponed (``CardMoneyMove``).
    reference = models.CharField(_("order"), max_length=64, blank=True, db_index=True)
    failure = models.TextField(_("failure"), blank=True)
    # A refund Stripe refused is tried again (``services.refunds_retry``) with a back-off,
    # a bounded number of times; each attempt has its own idempotency key.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    next_retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    operation = models.OneToOneField(
        "payments.Operation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger row"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("card refund")
        verbose_name_plural = _("card refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(fee__gte=0), name="cardrefund_amounts"
            )
        ]

    def __str__(self) -> str:
        return self.refund_id or f"refund {self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.reference and self.checkout_id:  # by default, the payment's own order
            self.reference = self.checkout.basket_code
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


class CardMoneyMove(models.Model):
    """Part of a card payment that now pays another order: lines postponed and merged into the
    member's order at another date took their card money along (``payments.services.moves``).
    The payment itself (its order, its PaymentIntent) is unchanged; what can be refunded by
    card from each order is read through these rows."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    checkout = models.ForeignKey(
        CardCheckout, on_delete=models.PROTECT, related_name="moves", verbose_name=_("payment")
    )
    from_reference = models.CharField(_("from order"), max_length=64, db_index=True)
    to_reference = models.CharField(_("to order"), max_length=64, db_index=True)
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("distribution"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("card money moved")
        verbose_name_plural = _("card money moved")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cardmove_amount")]

    def __str__(self) -> str:
        return f"{self.from_reference} → {self.to_reference}: {self.amount}"


class StripeEvent(models.Model):
    event_id = models.CharField(_("event id"), max_length=128, unique=True)
    type = models.CharField(_("type"), max_length=64, db_index=True)
    account = models.CharField(_("account"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DistributionPayout(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Cancelled")

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("distribution"),
    )
    account = models.ForeignKey(
        StripeAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    payout_id = models.CharField(
        _("Stripe payout"), max_length=128, unique=True, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    failure = models.TextField(_("failure"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # One payout at a time per distribution: a failed one may be retried.
            models.UniqueConstraint(
                fields=["group", "multidistrib"],
                condition=Q(status__in=["pending", "paid"]),
                name="payout_one_live_per_distribution",
            ),
        ]

    def __str__(self) -> str:
        return self.payout_id or f"payout {self.pk}"
