"""Card refunds at the distribution (issues 13 and 17): the call points the validation tools
and the per-member page use.

* ``order_refund_on_commit``: a correction (product not delivered, a lower price) lowered an
  order's debt; once the correction is committed, what the order's card payments then paid too
  much is given back by card (``payments.stripe.services.refund_overpaid``). The amount is read
  again under the member's lock at that moment, so a second call (another line, a second
  correction, a replay) refunds nothing more: the refund happens once. No card payment: nothing.
  A Stripe refusal stays visible as a failed ``CardRefund`` (the day page and the member page
  list them); nothing raises after the commit.
* ``card_refund_at_distribution``: the team's "refund by card" on the per-member page, audited.

Undoing a correction does not charge the card again: the order's debt comes back in the ledger
and the member owes it (paid on the spot or by another means, like any debt).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation

from groups.models import Group
from kernel.audit import log_action
from members.models import Member

log = logging.getLogger(__name__)


def order_refund_on_commit(
    *, group: Group, member: Member, reference: str, reason: str, acting_user: Any
) -> None:
    """After the caller's transaction commits, refund by card what the order ``reference``
    paid too much (see the module's docstring)."""

    def refund() -> None:
        from payments.stripe import services as stripe_services

        try:
            stripe_services.refund_overpaid(
                group=group,
                member=member,
                reference=reference,
                acting_user=acting_user,
                reason=reason[:255],
            )
        except Exception:  # one order's failure does not stop the others; it is logged
            log.exception("Card refund of order %s after a correction failed", reference)

    transaction.on_commit(refund)


def platform_reason(message: str, **values: Any) -> str:
    """A refund's reason in the platform's language (it reaches the ledger like the labels)."""
    from django.utils.translation import gettext

    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % values


def card_refund_at_distribution(
    *,
    group: Group,
    member: Member,
    reference: str,
    amount: Decimal,
    reason: str,
    acting_user: Any,
) -> Any:
    """The team refunds ``amount`` of an order's card payments from the distribution's
    per-member page; the request and its outcome are audited (each refund's ledger row is
    audited by the ledger too). Raises PaymentError (amount field) when more than what is left
    on the card payments is asked. Returns the ``RefundResult``."""
    from payments.stripe import services as stripe_services

    result = stripe_services.refund_amount(
        group=group,
        member=member,
        reference=reference,
        amount=amount,
        acting_user=acting_user,
        reason=reason[:255],
    )
    log_action(
        action="payment.card_refund_at_distribution",
        acting_user=acting_user,
        group=group,
        obj=member,
        reference=reference,
        amount=str(amount),
        refunded=str(result.amount),
        failed=[r.failure for r in result.failed],
    )
    return result
