"""A small Stripe the project owns, for tests and the offline demo (issue 17, design §8).

``FakeStripe`` answers the endpoints Cagette calls, the way Stripe does (form-encoded requests,
JSON objects, errors, idempotency keys, ``Stripe-Account`` for calls on a connected account),
so the official ``stripe`` library is driven against it unchanged (``STRIPE_API_BASE``). It
also plays the parts Stripe plays around those calls: the hosted payment and onboarding pages
(plain local pages), and the webhooks, signed with the endpoint's secret like Stripe signs them.
Tests take the events from ``events`` and post them themselves (replayed, reordered, forged);
the demo lets the server deliver them to ``webhook_url``.
"""

from payments.fake_stripe.server import FakeStripe, sign_payload

__all__ = ["FakeStripe", "sign_payload"]
