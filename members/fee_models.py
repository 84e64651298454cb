"""Membership fees (spec §5, decision 3): one fee per member per period, and the reminders sent.

Imported by ``members.models`` so that Django registers the models with the members app. The
period rule and the reads are in ``members.memberships``; the ledger rows of a fee are written by
the payments app through the hooks of that module.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import PaymentType


class Membership(models.Model):
    """A membership fee a member paid for one period (year ``year``, named by the group's rule)."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="membership_fees",
        verbose_name=_("group"),
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("member"),
    )
    # The period's first calendar year: "2026-2027" and "2026" are both stored as 2026.
    year = models.PositiveSmallIntegerField(_("period"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("payment date"))
    payment_type = models.CharField(
        _("payment type"), max_length=16, choices=PaymentType.choices, blank=True
    )
    # The distribution where the fee was collected, if any (a link only: members does not read
    # the distributions app).
    multidistrib = models.ForeignKey(
        "distributions.MultiDistrib",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("distribution"),
    )
    # The reference of the fee's ledger rows; empty in a group without accounts.
    ledger_reference = models.CharField(_("ledger reference"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership fee")
        verbose_name_plural = _("membership fees")
        ordering = ["-year", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="membership_one_per_period"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="membership_amount_positive"),
        ]
        indexes = [models.Index(fields=["group", "year"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.amount}"


class MembershipReminder(models.Model):
    """A renewal reminder sent to a member for a period: at most one per member and period."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="membership_reminders",
        verbose_name=_("member"),
    )
    year = models.PositiveSmallIntegerField(_("period"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("membership reminder")
        verbose_name_plural = _("membership reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"], name="membership_reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}"
