"""The group's own steps of the guided start (``kernel.home.register_start_step``)."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.home import StartStep


def start_steps(request: Any, group: Any) -> list[StartStep]:
    """No query: the main place is loaded with the group by the tenancy middleware."""
    place = group.main_place
    steps = [
        StartStep(
            key="place",
            label=_("Say where distributions take place (the main place, on the map)."),
            done=bool(place and place.is_located),
            url=reverse("groups:place_list", args=[group.slug]),
            order=10,
        )
    ]
    if group.payments_enabled:
        steps.append(
            StartStep(
                key="payment_types",
                label=_("Choose how members pay."),
                done=bool(group.payment_types),
                url=reverse("groups:settings_payments", args=[group.slug]),
                order=50,
            )
        )
    return steps
