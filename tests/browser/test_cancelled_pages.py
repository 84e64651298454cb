"""cardfix in a browser: the admin pages of a cancelled distribution (volunteers, time slots,
home delivery) say it is cancelled and offer no change; cancelling a distribution whose card
refunds go to the worker says they are on their way."""

import re

import pytest
from django.urls import reverse

from payments.stripe.models import CardRefund
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.distributions.test_cancelled_admin_pages import SHOWN, cancelled  # noqa: F401
from tests.payments.stripe.conftest import card, deliver, fake_stripe  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def test_the_admin_pages_of_a_cancelled_distribution(
    live_server,
    page,
    screens,
    world,
    cancelled,  # noqa: F811
):
    _login(page, live_server.url, world.admin.email)
    for name in ("manage_duties", "manage_slots", "manage_delivery"):
        page.goto(
            live_server.url
            + reverse(f"distributions:{name}", args=[world.group.slug, cancelled.pk])
        )
        notice = _text(page.locator("#md-cancelled"))
        assert notice.startswith("Annulée le") and SHOWN.replace("\u00a0", " ") in notice
        assert page.locator("main form[method=post]").count() == 0
        page.screenshot(path=str(screens / f"cancelled-{name}.png"), full_page=True)
        assert axe_violations(page) == []


def test_cancelling_says_the_card_refunds_are_on_their_way(
    live_server,
    page,
    screens,
    card,  # noqa: F811
    settings,
):
    settings.STRIPE_INLINE_REFUNDS_MAX = 0  # one card-paid order already goes to the worker
    checkout = card.start({"eggs": "2"})
    deliver(card.fake, card.pay(checkout))
    group, md = card.group, card.shop.md
    _login(page, live_server.url, card.world.admin.email)
    page.goto(live_server.url + reverse("distributions:manage_cancel", args=[group.slug, md.pk]))
    page.fill("textarea[name=reason]", "Le local est inondé.")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(rf"/distributions/{md.pk}/$"))
    body = _text(page.locator("main"))
    assert "Le remboursement par carte de 1 commande est en cours" in body
    # Two messages: cancelled, refunds on their way (nothing else).
    assert page.locator("ul.messages li").count() == 2
    page.screenshot(path=str(screens / "cancel-refunds-on-their-way.png"), full_page=True)
    # The worker (eager in tests) made the refund.
    assert CardRefund.objects.get().status == "succeeded"
