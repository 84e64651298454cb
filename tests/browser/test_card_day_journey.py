"""Card payments at the distribution day in a browser (issue 13 x issue 17), on the fake
Stripe: a member paid 9.10 by card (eggs 2.10 + 2 loaves 3.50); the admin marks the bread not
delivered (7.00 back by card once the correction is committed), sees it on the validation page,
refunds 1.00 more from the member's page, and reads the card lines of the cash report.

Fees (0.00 + 3.6 %): payment 9.10 -> 0.33; refund 7.00 -> 0.25; refund 1.00 -> 0.04.
Net: 9.10 - 0.33 - (8.00 - 0.29) = 1.06."""

import re

import pytest
from django.urls import reverse

from payments.stripe.models import CardRefund
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.payments.stripe.conftest import card, deliver, fake_stripe  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def test_admin_refunds_card_orders_from_the_day_screens(live_server, page, screens, card):  # noqa: F811
    checkout = card.start({"eggs": "1", "bread": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    group, md = card.group, card.shop.md
    base = live_server.url
    _login(page, base, card.world.admin.email)
    page.goto(base + reverse("day:validate", args=[group.slug, md.pk]))
    page.select_option("#nd-product", str(card.shop["bread"].pk))
    page.click("#nd-submit")
    page.wait_for_selector("#card-refunds")
    table = _text(page.locator("#card-refunds"))
    assert "7,00 €" in table and "Produit non livré : Pain de campagne" in table
    assert "Fait" in table
    page.locator("#card-refunds").scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "cardday-validate-refunds.png"), full_page=True)
    assert CardRefund.objects.get().amount.to_eng_string() == "7.00"

    page.goto(base + reverse("day:member", args=[group.slug, md.pk, checkout.basket_code]))
    assert "2,10 €" in _text(page.locator("#member-card-refund"))  # 9.10 - 7.00 left
    page.fill("#card-refund-amount", "1,00")
    page.fill("#card-refund-reason", "Œufs fêlés")
    page.click("#card-refund-submit")
    page.wait_for_selector("#member-card-refunds")
    refunds = _text(page.locator("#member-card-refunds"))
    assert "1,00 €" in refunds and "Œufs fêlés" in refunds
    assert "Remboursé par carte" in _text(page.locator("body"))
    page.screenshot(path=str(screens / "cardday-member-refund.png"), full_page=True)
    assert axe_violations(page) == []

    page.goto(base + reverse("day:cash", args=[group.slug, md.pk]))
    cash = _text(page.locator("#cash-card"))
    assert (
        "9,10 €" in cash and "\u22120,33 €" in cash and "\u22128,00 €" in cash and "0,29 €" in cash
    )
    assert _text(page.locator("#cash-card-net")) == "1,06 €"
    page.locator("#cash-card").scroll_into_view_if_needed()
    page.screenshot(path=str(screens / "cardday-cash-report.png"), full_page=True)
    assert axe_violations(page) == []
