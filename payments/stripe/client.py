"""The one place that talks to Stripe: the official library, configured from the settings.

``STRIPE_API_BASE`` points it at another server (the project's fake Stripe in tests and in the
demo). Every call that creates something carries an idempotency key chosen by the caller from
our own row ids, so a retried call never makes a second charge, refund or payout.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from payments.services.base import PaymentError

log = logging.getLogger(__name__)


def configured() -> bool:
    """Online payment exists on this platform only with Stripe keys (design §7)."""
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    if not configured():
        raise PaymentError(_("Online payment is not available on this platform."))
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=2,
    )


class StripeCallError(PaymentError):
    """Stripe refused or could not be reached; the message is for the admin or the member."""


def call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one library call; its errors become a translated ``StripeCallError``."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as exc:
        raise StripeCallError(
            _("The card was refused: %(reason)s") % {"reason": exc.user_message or exc.code}
        ) from exc
    except stripe.StripeError as exc:
        log.warning("Stripe call %s failed: %s", what, exc)
        detail = getattr(exc, "user_message", None) or str(getattr(exc, "code", "") or "")
        raise StripeCallError(
            _("Stripe could not do this (%(what)s): %(detail)s")
            % {"what": what, "detail": detail or _("no detail")}
        ) from exc


def to_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as plain data (the webhook's payload and an API answer alike)."""
    if isinstance(obj, dict) and not isinstance(obj, stripe.StripeObject):
        return obj
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
