"""Issue 17's last pieces in a browser, on the fake Stripe: a member who paid 2 eggs (4.20)
by card raises the order to 3 and pays the rest (2.10) by card from the order page; then the
admin cancels the whole distribution: the confirmation page lists the order, the card
payments to refund and the member to tell; confirming refunds both card payments and mails
the member, and the distribution reads "cancelled"."""

import re

import pytest
from django.urls import reverse

from kernel.models import OutboxMail
from orders.models import Basket
from payments.models import Operation
from payments.stripe.models import CardCheckout, CardRefund
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.payments.stripe.conftest import card, deliver, fake_stripe  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def test_pay_the_rest_then_cancel_the_distribution(
    live_server,
    page,
    screens,
    card,  # noqa: F811
    settings,
):
    settings.STRIPE_PAGE_HOSTS = [card.fake.base_url]  # the fake's pages as form targets (CSP)
    checkout = card.start({"eggs": "2"})
    deliver(card.fake, card.pay(checkout))
    checkout.refresh_from_db()
    code, group, md = checkout.basket_code, card.group, card.shop.md
    eggs = card.shop["eggs"]
    base = live_server.url

    # The member raises the order on the order page: the rest is offered.
    context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR"
    )
    member_page = context.new_page()
    _login(member_page, base, card.member.user.email)
    member_page.goto(base + reverse("orders:basket", args=[group.slug, code]))
    member_page.fill(f"#oq{eggs.pk}", "3")
    member_page.click("form[action$='/save/'] button[type=submit]")
    member_page.wait_for_selector("#pay-rest")
    assert "2,10 €" in _text(member_page.locator("#pay-rest"))
    member_page.screenshot(path=str(screens / "rest-offered-mobile.png"), full_page=True)
    assert axe_violations(member_page) == []
    member_page.click("#pay-rest button")
    member_page.wait_for_url(re.compile(re.escape(card.fake.base_url) + r"/_fake/pay/cs_"))
    assert "2.10 EUR" in member_page.content()
    member_page.fill("#card", "4242 4242 4242 4242")
    member_page.click("button[type=submit]:not([name])")
    # The webhook is not delivered here: the return page reads the session and settles it.
    member_page.wait_for_url(re.compile(rf"/g/{group.slug}/orders/{code}/$"))
    assert "Votre paiement par carte de 2,10 € est bien reçu." in _text(member_page.locator("body"))
    assert member_page.locator("#pay-rest").count() == 0
    member_page.screenshot(path=str(screens / "rest-paid-mobile.png"), full_page=True)
    payments = list(
        Operation.objects.filter(kind="payment", reference=code)
        .order_by("pk")
        .values_list("amount", flat=True)
    )
    assert [str(p) for p in payments] == ["4.20", "2.10"]
    # The completed event arriving afterwards changes nothing.
    deliver(card.fake, card.fake.events_of("checkout.session.completed")[-1])
    assert Operation.objects.filter(kind="payment", reference=code).count() == 2

    # The admin cancels the whole distribution.
    _login(page, base, card.world.admin.email)
    page.goto(base + reverse("distributions:manage_detail", args=[group.slug, md.pk]))
    page.click(f"a[href$='/distributions/{md.pk}/cancel/']")
    page.wait_for_url(re.compile(rf"/distributions/{md.pk}/cancel/$"))
    summary = _text(page.locator("main"))
    assert code in summary and checkout.payment_intent in summary
    assert "Paiements par carte à rembourser en totalité (6,30 €)" in summary
    assert card.member.user.email in summary
    page.screenshot(path=str(screens / "cancel-confirm.png"), full_page=True)
    assert axe_violations(page) == []
    page.fill("#id_reason", "Le local est inondé.")
    page.click("main form button.btn-danger")
    page.wait_for_url(re.compile(rf"/distributions/{md.pk}/$"))
    assert "La distribution est annulée ; les membres sont prévenus." in _text(page.locator("body"))
    assert "Annulée" in _text(page.locator("main"))
    page.screenshot(path=str(screens / "cancel-done.png"), full_page=True)
    assert axe_violations(page) == []

    # Both card payments refunded in full, the order cancelled, the stock back.
    refunds = sorted(CardRefund.objects.values_list("amount", "status"))
    assert [(str(a), s) for a, s in refunds] == [("2.10", "succeeded"), ("4.20", "succeeded")]
    assert Basket.objects.get(code=code).state == "cancelled"
    eggs.refresh_from_db()
    assert eggs.stock == 3
    assert not CardCheckout.objects.filter(state="open").exists()
    # The member's mail, read from the outbox (kept next to the screenshots).
    mail = OutboxMail.objects.get(kind="distribution_cancelled")
    (screens / "cancel-mail.txt").write_text(f"{mail.subject}\n\n{mail.text}", encoding="utf-8")
    assert "Le local est inondé." in mail.text and "remboursé sur votre carte" in mail.text
    # The member's order page says it.
    member_page.goto(base + reverse("orders:basket", args=[group.slug, code]))
    assert "annulée" in _text(member_page.locator("main"))
    member_page.screenshot(path=str(screens / "cancel-member-order-mobile.png"), full_page=True)
    context.close()
