"""Card refunds of order lines: the call point for online payments (issue 17).

``day.tools.product_not_delivered`` calls ``basket_line_refund`` for every line it brings to
zero. While no card payment exists (before Stripe, issue 17) there is nothing to refund online:
the money the member paid by hand shows as credit through the ledger (the debt went down), and
the team refunds it from the member's page. The Stripe work replaces the body: find the card
payment carrying ``reference``, refund ``amount`` of it once (idempotent per line), and record
the refund in the ledger.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from groups.models import Group
from members.models import Member
from payments.models import Operation


def basket_line_refund(
    *,
    group: Group,
    member: Member,
    reference: str,
    line_id: int,
    amount: Decimal,
    acting_user: Any,
) -> Operation | None:
    """Refund by card what a line not delivered cost; None: nothing was paid by card."""
    return None
