"""Writes for distributions, split by topic; import them from here."""

from distributions.services.calendars import calendar_token_get, calendar_token_reset
from distributions.services.cancellation import AlreadyCancelledError, md_cancel
from distributions.services.delivery import (
    delivery_configure,
    delivery_request_cancel,
    delivery_request_save,
)
from distributions.services.duties import (
    duty_mail_send,
    duty_needs_set,
    duty_remove,
    duty_signup,
    duty_withdraw,
    role_delete,
    role_save,
)
from distributions.services.imports import md_import
from distributions.services.planning import (
    ConfirmationRequired,
    cycle_create,
    cycle_delete,
    cycle_preview,
    cycle_set_catalog,
    distribution_update_window,
    md_create,
    md_delete,
    md_open_orders,
    md_set_catalogs,
    md_update,
)
from distributions.services.timeslots import (
    slot_assign,
    slot_request_save,
    slots_configure,
    slots_disable,
    slots_resolve,
    slots_resolve_due,
    slots_unresolve,
)

__all__ = [
    "AlreadyCancelledError",
    "ConfirmationRequired",
    "calendar_token_get",
    "calendar_token_reset",
    "cycle_create",
    "cycle_delete",
    "cycle_preview",
    "cycle_set_catalog",
    "delivery_configure",
    "delivery_request_cancel",
    "delivery_request_save",
    "distribution_update_window",
    "duty_mail_send",
    "duty_needs_set",
    "duty_remove",
    "duty_signup",
    "duty_withdraw",
    "md_cancel",
    "md_create",
    "md_delete",
    "md_import",
    "md_open_orders",
    "md_set_catalogs",
    "md_update",
    "role_delete",
    "role_save",
    "slot_assign",
    "slot_request_save",
    "slots_configure",
    "slots_disable",
    "slots_resolve",
    "slots_resolve_due",
    "slots_unresolve",
]
