"""Cancelling a whole distribution (issue 17): its orders cancelled, the card payments refunded,
the members told, the distribution kept and shown as cancelled (no longer orderable).

``distributions`` knows neither orders nor payments: the apps on the right do their part
through ``distributions.hooks`` (``register_md_canceller``). The distribution's row is locked
first and its ``cancelled_at`` read under the lock, so a double click or a replayed form runs
the cancellation, and its refunds, once: the second request waits, then is refused."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distributions import hooks
from distributions.models import MultiDistrib
from kernel.audit import log_action

REASON_MAX = 1000


class AlreadyCancelledError(ValidationError):
    pass


@transaction.atomic
def md_cancel(*, md: MultiDistrib, acting_user: Any, reason: str = "") -> MultiDistrib:
    """Cancel ``md``: every order cancelled (stock back, ledger corrected), card payments
    refunded after the commit, members e-mailed. Refused once validated or already cancelled."""
    md = MultiDistrib.objects.select_for_update().select_related("group", "place").get(pk=md.pk)
    if md.cancelled_at is not None:
        raise AlreadyCancelledError(_("This distribution is already cancelled."))
    if md.validated_at is not None:
        raise ValidationError(_("This distribution is validated: it can no longer be cancelled."))
    reason = (reason or "").strip()[:REASON_MAX]
    notices = hooks.cancel_multidistrib(md, acting_user, reason)
    md.cancelled_at = timezone.now()
    md.cancel_reason = reason
    md.save(update_fields=["cancelled_at", "cancel_reason"])
    log_action(
        action="distribution.cancelled",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        date=md.date.isoformat(),
        place=md.place.name,
        reason=reason,
    )
    md.cancel_notices = notices  # type: ignore[attr-defined]  # for the result page
    return md
