"""The one rule the day-to-day admin services share: a validated or a cancelled distribution
no longer changes (its volunteers, time slots, home delivery, planning)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from distributions.models import MultiDistrib


def refuse_if_cancelled(md: MultiDistrib) -> None:
    if md.cancelled_at is not None:
        raise ValidationError(_("This distribution is cancelled: it can no longer be changed."))


def refuse_if_closed(md: MultiDistrib) -> None:
    """Raise a ValidationError with the page's message when ``md`` is validated or cancelled."""
    if md.validated_at is not None:
        raise ValidationError(_("This distribution is validated: it can no longer be changed."))
    refuse_if_cancelled(md)
