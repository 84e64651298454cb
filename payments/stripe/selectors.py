"""Reads for online payment: the group's account, what can be refunded, and the card figures
per distribution (the wallet page, the proof, the payouts to request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from distributions.hooks import CancelSection
from distributions.models import MultiDistrib
from groups.models import Group, PaymentType
from kernel.money import format_money
from payments.models import COUNTED, Operation
from payments.stripe import client
from payments.stripe.models import (
    CardCheckout,
    CardMoneyMove,
    CardRefund,
    DistributionPayout,
    GroupStripeAccount,
    StripeAccount,
)

ZERO = Decimal("0.00")


def group_account(group: Group) -> StripeAccount | None:
    link = GroupStripeAccount.objects.select_related("account").filter(group=group).first()
    return link.account if link else None


def card_available(group: Group, account: StripeAccount | None = None) -> bool:
    """Whether the group can offer card payment: Stripe configured and charges enabled."""
    if not client.configured():
        return False
    account = account or group_account(group)
    return account is not None and account.charges_enabled


def card_offered(group: Group) -> bool:
    return PaymentType.ONLINE in (group.payment_types or []) and card_available(group)


@dataclass
class CardPart:
    """One card payment's money on an order: ``paid`` (its own order's payment, plus what
    moved in, less what moved out) and ``left`` (``paid`` less the refunds made from that order,
    failed ones aside)."""

    checkout: CardCheckout
    paid: Decimal
    left: Decimal


def card_parts(
    *, group: Group, member: Any, reference: str, for_update: bool = False
) -> list[CardPart]:
    """The card payments whose money sits on the order ``reference`` (its own, and those whose
    money followed postponed lines onto it, ``CardMoneyMove``), largest left first. Three
    queries; ``for_update`` locks the payments' rows."""
    moves = list(
        CardMoneyMove.objects.filter(group=group, checkout__member=member).filter(
            Q(from_reference=reference) | Q(to_reference=reference)
        )
    )
    checkouts = CardCheckout.objects.filter(
        group=group, member=member, state=CardCheckout.State.FULFILLED
    ).filter(Q(basket_code=reference) | Q(pk__in={m.checkout_id for m in moves}))
    if for_update:
        checkouts = checkouts.select_for_update()
    refunded: dict[int, Decimal] = {}
    for checkout_id, amount in (
        CardRefund.objects.filter(group=group, checkout__member=member, reference=reference)
        .exclude(status=CardRefund.Status.FAILED)
        .values_list("checkout_id", "amount")
    ):
        refunded[checkout_id] = refunded.get(checkout_id, ZERO) + amount
    parts = []
    for checkout in checkouts.select_related("account", "multidistrib").order_by("pk"):
        paid = checkout.amount if checkout.basket_code == reference else ZERO
        for move in moves:
            if move.checkout_id == checkout.pk:
                paid += move.amount if move.to_reference == reference else ZERO
                paid -= move.amount if move.from_reference == reference else ZERO
        parts.append(CardPart(checkout, paid, paid - refunded.get(checkout.pk, ZERO)))
    parts.sort(key=lambda part: (-part.left, part.checkout.pk))
    return parts


def refundable_by_card(*, group: Group, member: Any, reference: str) -> Decimal:
    """What is left to refund by card on an order: its card payments and the card money that
    moved onto it, less what moved away and what was refunded (failed refunds do not count)."""
    parts = card_parts(group=group, member=member, reference=reference)
    return sum((max(ZERO, part.left) for part in parts), ZERO)


def refunds_for(*, group: Group, member: Any, reference: str = "") -> list[CardRefund]:
    queryset = CardRefund.objects.filter(group=group, checkout__member=member)
    if reference:
        queryset = queryset.filter(reference=reference)
    return list(queryset.select_related("checkout")[:50])


def refunds_of_distribution(*, group: Group, md: MultiDistrib) -> list[CardRefund]:
    """The card refunds of a distribution's orders, newest first (the day's validation page):
    those of the card payments taken for it, and those of card money moved to its orders with
    postponed lines (a refund of moved money is listed where its order is, not where it was
    paid)."""
    moved_here = CardMoneyMove.objects.filter(group=group, multidistrib=md).values("to_reference")
    return list(
        CardRefund.objects.filter(group=group)
        .filter(
            Q(checkout__multidistrib=md, reference=F("checkout__basket_code"))
            | Q(reference__in=moved_here)
        )
        .select_related("checkout__member__user")
        .order_by("-created_at", "-pk")[:200]
    )


def refunded_by_card(*, group: Group, references: list[str]) -> bool:
    """Whether any of these orders was refunded by card (failed refunds aside)."""
    return (
        CardRefund.objects.filter(group=group, reference__in=references)
        .exclude(status=CardRefund.Status.FAILED)
        .exists()
    )


@dataclass
class Figures:
    """A distribution's card takings (spec §3.2): net = takings - fees - (refunds - fees back)."""

    md: Any
    payments: int = 0
    takings: Decimal = ZERO
    fees: Decimal = ZERO
    refunds: Decimal = ZERO
    fees_back: Decimal = ZERO
    failed_refunds: int = 0
    payouts: list[DistributionPayout] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.takings - self.fees - (self.refunds - self.fees_back)

    @property
    def payout(self) -> DistributionPayout | None:
        """The live payout (pending or paid), else the last failed one."""
        live = [p for p in self.payouts if p.status in ("pending", "paid")]
        return live[0] if live else (self.payouts[0] if self.payouts else None)

    def can_request_payout(self, account: StripeAccount | None) -> bool:
        payout = self.payout
        return (
            account is not None
            and account.manual_payouts
            and self.md.is_validated
            and self.net > 0
            and (payout is None or payout.status in ("failed", "canceled"))
        )


def distribution_figures(*, group: Group, mds: list[MultiDistrib]) -> list[Figures]:
    """The card figures of these distributions, in two queries whatever their number."""
    ids = [md.pk for md in mds]
    figures = {md.pk: Figures(md=md) for md in mds}
    paid = (
        CardCheckout.objects.filter(
            group=group, multidistrib_id__in=ids, state=CardCheckout.State.FULFILLED
        )
        .values("multidistrib_id")
        .annotate(takings=Sum("amount"), fees=Sum("fee"), payments=Count("pk"))
    )
    for row in paid:
        fig = figures[row["multidistrib_id"]]
        fig.takings, fig.fees, fig.payments = row["takings"], row["fees"], row["payments"]
    refunds = (
        CardRefund.objects.filter(group=group, checkout__multidistrib_id__in=ids)
        .values("checkout__multidistrib_id", "status")
        .annotate(amount=Sum("amount"), fee=Sum("fee"))
    )
    for row in refunds:
        fig = figures[row["checkout__multidistrib_id"]]
        if row["status"] == CardRefund.Status.FAILED:
            fig.failed_refunds += 1
            continue
        fig.refunds += row["amount"]
        fig.fees_back += row["fee"]
    for payout in DistributionPayout.objects.filter(group=group, multidistrib_id__in=ids):
        figures[payout.multidistrib_id].payouts.append(payout)
    return [figures[md.pk] for md in mds]


def wallet(*, group: Group, today: date) -> list[Figures]:
    """Distributions from a month before to a month after today (spec §3.2 wallet page)."""
    mds = list(
        MultiDistrib.objects.filter(
            group=group,
            start_at__date__gte=today - timedelta(days=31),
            start_at__date__lte=today + timedelta(days=31),
        ).order_by("start_at")
    )
    return distribution_figures(group=group, mds=mds)


def payouts_to_request(*, group: Group) -> list[Figures]:
    """Validated distributions whose net card takings wait for a payout request (for the
    management home): none when the account pays out automatically."""
    account = group_account(group)
    if account is None or not account.manual_payouts:
        return []
    md_ids = (
        CardCheckout.objects.filter(group=group, state=CardCheckout.State.FULFILLED)
        .exclude(
            multidistrib_id__in=DistributionPayout.objects.filter(
                group=group, status__in=["pending", "paid"]
            ).values("multidistrib_id")
        )
        .values_list("multidistrib_id", flat=True)
        .distinct()
    )
    mds = list(
        MultiDistrib.objects.filter(pk__in=md_ids, validated_at__isnull=False).order_by("start_at")
    )
    return [f for f in distribution_figures(group=group, mds=mds) if f.can_request_payout(account)]


def distribution_has_card_payments(md_ids: list[int]) -> set[int]:
    """The distributions among these that took card payments (they cannot be deleted)."""
    return set(
        CardCheckout.objects.filter(
            multidistrib_id__in=md_ids, state=CardCheckout.State.FULFILLED
        ).values_list("multidistrib_id", flat=True)
    )


def deletion_refusal(md: MultiDistrib) -> str | None:
    """A distribution that took card payments keeps them: it cannot be deleted."""

    if (
        distribution_has_card_payments([md.pk])
        or DistributionPayout.objects.filter(multidistrib=md).exists()
    ):
        return _("Card payments were taken for this distribution: it cannot be deleted.")
    return None


def proof_rows(*, group: Group, md: MultiDistrib) -> list[dict[str, Any]]:
    """The per-distribution proof: each card payment and refund with its fee."""
    rows: list[dict[str, Any]] = []
    for checkout in CardCheckout.objects.filter(
        group=group, multidistrib=md, state=CardCheckout.State.FULFILLED
    ).select_related("member__user"):
        rows.append(
            {
                "date": checkout.fulfilled_at,
                "kind": "payment",
                "member": checkout.member.user.get_full_name(),
                "reference": checkout.basket_code,
                "stripe": checkout.payment_intent,
                "amount": checkout.amount,
                "fee": checkout.fee,
                "net": checkout.net,
                "status": "",
            }
        )
    for refund in CardRefund.objects.filter(
        Q(group=group) & Q(checkout__multidistrib=md)
    ).select_related("checkout__member__user"):
        rows.append(
            {
                "date": refund.created_at,
                "kind": "refund",
                "member": refund.checkout.member.user.get_full_name(),
                "reference": refund.reference,
                "stripe": refund.refund_id or "",
                "amount": -refund.amount,
                "fee": -refund.fee,
                "net": -refund.net,
                "status": refund.status,
            }
        )
    return rows


def cancel_summary(md: MultiDistrib) -> list[Any]:
    """``distributions.hooks`` summary: the card payments a cancellation of ``md`` refunds
    (what is left to refund on each, failed refunds not counted), in two queries."""

    language = translation.get_language() or "fr"

    checkouts = list(
        CardCheckout.objects.filter(multidistrib=md, state=CardCheckout.State.FULFILLED)
        .select_related("member__user")
        .order_by("member__user__last_name", "member__user__first_name", "pk")
    )
    if not checkouts:
        return []
    refunded: dict[int, Decimal] = {}
    for row in (
        CardRefund.objects.filter(checkout__in=checkouts)
        .exclude(status=CardRefund.Status.FAILED)
        .values("checkout_id")
        .annotate(total=Sum("amount"))
    ):
        refunded[row["checkout_id"]] = row["total"]
    currency = md.group.currency
    lines = []
    total = ZERO
    for checkout in checkouts:
        left = checkout.amount - refunded.get(checkout.pk, ZERO)
        if left <= 0:
            continue
        total += left
        lines.append(
            f"{checkout.member.user.get_full_name()} · {checkout.basket_code} · "
            f"{format_money(left, currency, language)} ({checkout.payment_intent})"
        )
    if not lines:
        return []
    return [
        CancelSection(
            title=_("Card payments to refund in full (%(total)s)")
            % {"total": format_money(total, currency, language)},
            lines=lines,
            note=_("Each is refunded on the member's card, the platform fee with it."),
            rank=20,
        )
    ]


def card_rest_due(*, group: Group, member: Any, reference: str) -> Decimal:
    """What an order paid by card (at least one card payment settled for it) still owes: the
    opposite of the sum of its ledger rows that count (debt, payments, refunds), 0 when it
    owes nothing or was never paid by card ("pay the rest by card", two queries)."""

    paid_by_card = CardCheckout.objects.filter(
        group=group, member=member, basket_code=reference, state=CardCheckout.State.FULFILLED
    ).exists()
    if not paid_by_card:
        return ZERO
    total = (
        Operation.objects.filter(group=group, member=member, reference=reference)
        .filter(COUNTED)
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return max(ZERO, -total)
