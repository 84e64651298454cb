"""Opening balances (issue 19, item 3): one confirmed row per member, all or nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from groups.models import Group
from kernel.audit import log_action
from kernel.idempotency import submission_claim
from members.models import Member
from payments.imports import OpeningRow
from payments.services.base import PaymentError
from payments.services.ledger import correction_record


@transaction.atomic
def opening_balances_record(
    *, group: Group, rows: list[OpeningRow], acting_user: Any, submission: str = ""
) -> int:
    """Write each member's opening balance as a confirmed balance adjustment (a correction
    without a corrected row: positive, money in advance; negative, a debt), labelled as in the
    file or "Opening balance". A refused line refuses the whole file."""
    submission_claim(submission)
    members = {
        m.pk: m for m in Member.objects.filter(group=group, pk__in=[r.member_id for r in rows])
    }
    reason = _("Opening balance imported")
    for row in rows:
        member = members.get(row.member_id)
        if member is None:
            raise PaymentError(
                _("Line %(line)s: this member is no longer in the group.") % {"line": row.line}
            )
        try:
            correction_record(
                group=group,
                member=member,
                amount=row.amount,
                reason=reason,
                label=row.label or _("Opening balance"),
                date=row.date,
                acting_user=acting_user,
            )
        except PaymentError as error:
            raise PaymentError(
                _("Line %(line)s: %(problem)s")
                % {"line": row.line, "problem": " ".join(error.messages)}
            ) from error
    log_action(
        action="payments.opening_balances_imported",
        acting_user=acting_user,
        group=group,
        rows=len(rows),
    )
    return len(rows)
