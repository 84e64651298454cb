"""The secret link of a member's personal calendar feed."""

from typing import Any

from django.db import transaction

from distributions.models import CalendarToken, new_calendar_token
from kernel.audit import log_action


def calendar_token_get(*, user: Any) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_reset(*, user: Any, acting_user: Any) -> CalendarToken:
    """A new secret: calendars subscribed with the old link stop receiving updates."""
    token, _created = CalendarToken.objects.select_for_update().get_or_create(user=user)
    token.token = new_calendar_token()
    token.save(update_fields=["token"])
    log_action(action="calendar.link_reset", acting_user=acting_user, obj=token)
    return token
