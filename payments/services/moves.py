"""Card money following order lines to another order (postponing, issue 13).

When a postponement merges lines paid by card into the member's order at another date, the card
payment stays what Stripe did (its row, reference and remote id never change), but the money it
brought for those lines belongs to the new order. ``card_money_follow`` moves that part with two
confirmed money rows (``correction``, append-only): minus on the old order's reference, plus on
the new one's, with the card payment's type. The member's balance does not change; each order's
figures (paid, due, credit) are exact, and nothing is counted twice.

The amount is what the old order's card payments paid beyond its debt now
(``payments.stripe.services.overpaid_by_card``), at most what the new order still owes; read
under the member's lock. Calling it again moves nothing more. Each card payment's share is
recorded (``CardMoneyMove``, with the new order's distribution ``multidistrib``): the amount
refundable by card from each order follows, and a refund from the new order goes back to the
original PaymentIntent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from groups.models import Group, PaymentType
from members.models import Member
from payments.models import COUNTED, Operation
from payments.services.base import (
    ZERO,
    group_today,
    lock_member,
    log_operations,
    new_operation,
    write_operations,
)

Kind, State = Operation.Kind, Operation.State


def _counted(group: Group, member: Member, reference: str) -> Decimal:
    total = (
        Operation.objects.filter(group=group, member=member, reference=reference)
        .filter(COUNTED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return total or ZERO


@transaction.atomic
def card_money_follow(
    *,
    group: Group,
    member: Member,
    from_reference: str,
    to_reference: str,
    reason: str,
    acting_user: Any,
    multidistrib: Any = None,
) -> Decimal:
    """Move to ``to_reference`` the card money of ``from_reference`` its debt no longer needs
    (see the module's docstring). Returns the amount moved (0: nothing to move)."""
    from payments.stripe.models import CardMoneyMove
    from payments.stripe.selectors import card_parts
    from payments.stripe.services import overpaid_by_card

    if from_reference == to_reference:
        return ZERO
    member = lock_member(group, member)
    surplus = overpaid_by_card(group=group, member=member, reference=from_reference)
    owed = -_counted(group, member, to_reference)
    amount = min(surplus, owed)
    if amount <= 0:
        return ZERO
    # Which card payments the money comes from (largest left first): a later refund from the
    # new order goes back to them (``payments.stripe.selectors.card_parts``).
    parts = card_parts(group=group, member=member, reference=from_reference, for_update=True)
    if not parts:
        return ZERO
    remaining = amount
    for part in parts:
        share = min(remaining, part.left)
        if share <= 0:
            break
        CardMoneyMove.objects.create(
            group=group,
            checkout=part.checkout,
            from_reference=from_reference,
            to_reference=to_reference,
            multidistrib=multidistrib,
            amount=share,
        )
        remaining -= share
    common = {
        "group": group,
        "member": member,
        "kind": Kind.CORRECTION,
        "currency": group.currency,
        "date": group_today(group),
        "is_money": True,
        "payment_type": PaymentType.ONLINE,
        "state": State.CONFIRMED,
        "reason": reason[:255],
        "recorded_by": acting_user if getattr(acting_user, "pk", None) else None,
        "confirmed_by": acting_user if getattr(acting_user, "pk", None) else None,
    }
    with translation.override(settings.LANGUAGE_CODE):  # the ledger's labels read alike
        labels = (
            _("Card payment moved to order %(code)s") % {"code": to_reference},
            _("Card payment moved from order %(code)s") % {"code": from_reference},
        )
    rows = write_operations(
        [
            new_operation(
                **common,
                amount=-amount,
                reference=from_reference,
                label=labels[0][:128],
            ),
            new_operation(
                **common,
                amount=amount,
                reference=to_reference,
                label=labels[1][:128],
            ),
        ]
    )
    log_operations(
        [("payment.card_money_moved", row, {"reason": reason}) for row in rows],
        acting_user=acting_user,
        group=group,
    )
    return amount
