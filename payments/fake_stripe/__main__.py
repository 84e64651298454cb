"""``python -m payments.fake_stripe``: the demo's fake Stripe (see ``server.main``)."""

from payments.fake_stripe.server import main

main()
