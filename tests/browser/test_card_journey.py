"""Issue 17's journey in a browser, on the fake Stripe: an admin sets up online payment (the
account is enabled by a webhook) and offers card payment; a member pays by card on the
payment page and sees the order; the admin refunds a line by card and requests the payout."""

import re
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Basket
from payments.fake_stripe import FakeStripe
from payments.models import Operation
from payments.stripe.models import CardRefund, DistributionPayout, StripeAccount
from tests.browser.test_accessibility import axe_violations
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import PASSWORD, MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "whsec_browser_fake"


def _login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.fixture
def fake(live_server, settings):
    fake = FakeStripe(webhook_secret=SECRET, webhook_url=live_server.url + "/stripe/webhook/")
    # Webhooks a little late, as in life: the return page must not wait for them.
    fake.webhook_delay = 0.5
    fake.start()
    settings.STRIPE_SECRET_KEY = "sk_test_browser"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = fake.base_url
    settings.STRIPE_PAGE_HOSTS = [fake.base_url]
    yield fake
    fake.stop()


@pytest.fixture
def shop():
    place = PlaceFactory(group__name="Les Paniers du Lavoir", group__slug="lavoir", name="Lavoir")
    group = place.group
    group.main_place = place
    group.payment_types = ["cash"]
    group.save(update_fields=["main_place", "payment_types"])
    admin = UserFactory(email="admin@lavoir.example", first_name="Alice")
    member = UserFactory(email="lucie@lavoir.example", first_name="Lucie", last_name="Ferrand")
    MemberFactory(group=group, user=admin, is_admin=True)
    MemberFactory(group=group, user=member)
    farm = CatalogFactory(
        group=group, vendor=VendorFactory(name="Ferme du Pré"), name="Légumes", stock_tracked=True
    )
    tomatoes = ProductFactory(
        catalog=farm,
        name="Tomates",
        unit_type="kg",
        unit_quantity=Decimal("1"),
        price=Decimal("4.80"),
        stock=Decimal("20"),
    )
    bread = ProductFactory(catalog=farm, name="Pain de campagne", price=Decimal("3.50"))
    md = make_md(group, catalogs=[farm], acting_user=admin)
    return {"group": group, "md": md, "tomatoes": tomatoes, "bread": bread}


def _wait_for(check, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_onboard_offer_pay_by_card_refund_and_payout(live_server, page, screens, fake, shop):
    base = live_server.url
    md, tomatoes, bread = shop["md"], shop["tomatoes"], shop["bread"]
    problems = {}

    # The admin discovers online payment in the management menu and sets it up.
    _login(page, base, "admin@lavoir.example")
    page.goto(base + "/g/lavoir/manage/payments/")
    page.click("nav a[href='/g/lavoir/manage/payments/online/']")
    page.wait_for_url(base + "/g/lavoir/manage/payments/online/")
    page.screenshot(path=screens / "card-online-start.png", full_page=True)
    problems["online"] = axe_violations(page)
    page.click("form[action$='/online/start/'] button")
    # Stripe's onboarding page (the fake's): details given, verified.
    page.wait_for_url(re.compile(re.escape(fake.base_url) + r"/_fake/onboard/acct_"))
    page.screenshot(path=screens / "card-fake-onboarding.png", full_page=True)
    page.click("button[name=verified][value='1']")
    page.wait_for_url(base + "/g/lavoir/manage/payments/online/")
    # The account is enabled when the account.updated webhook arrives.
    assert _wait_for(lambda: StripeAccount.objects.filter(charges_enabled=True).exists())
    page.reload()
    assert "Paiements et virements activés" in page.content()
    page.click("form[action$='/online/offer/'] button")
    page.wait_for_url(base + "/g/lavoir/manage/payments/online/")
    page.screenshot(path=screens / "card-online-enabled.png", full_page=True)
    problems["online enabled"] = axe_violations(page)
    shop["group"].refresh_from_db()
    assert "online" in shop["group"].payment_types

    # The member orders and pays by card.
    context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR"
    )
    member_page = context.new_page()
    _login(member_page, base, "lucie@lavoir.example")
    member_page.goto(base + f"/g/lavoir/shop/{md.pk}/")
    member_page.fill(f"#q{tomatoes.pk}", "2")
    member_page.click(f"button[name=add][value='{tomatoes.pk}']")
    member_page.wait_for_selector(".cart-bar")
    member_page.fill(f"#q{bread.pk}", "1")
    member_page.click(f"button[name=add][value='{bread.pk}']")
    member_page.wait_for_selector(f"#p{bread.pk}.in-cart")
    member_page.goto(base + f"/g/lavoir/shop/{md.pk}/checkout/")
    member_page.check("input[name=payment_type][value=online]")
    member_page.screenshot(path=screens / "card-checkout-mobile.png", full_page=True)
    problems["checkout"] = axe_violations(member_page)
    member_page.click("form.steps button[type=submit]")
    member_page.wait_for_url(re.compile(re.escape(fake.base_url) + r"/_fake/pay/cs_"))
    tomatoes.refresh_from_db()
    assert tomatoes.stock == Decimal("18")  # held while the member pays
    # A declined card first, then the test card that pays.
    member_page.fill("#card", "4000 0000 0000 0002")
    member_page.click("button[type=submit]:not([name])")
    member_page.wait_for_selector(".error")
    member_page.screenshot(path=screens / "card-fake-declined.png", full_page=True)
    member_page.fill("#card", "4242 4242 4242 4242")
    member_page.click("button[type=submit]:not([name])")
    member_page.wait_for_url(re.compile(r"/g/lavoir/orders/[A-Z0-9]+/$"))
    order = Basket.objects.get(member__user__email="lucie@lavoir.example", state="confirmed")
    assert order.code in member_page.content()
    assert "13,10" in member_page.content().replace("\xa0", " ").replace("\u202f", " ")
    member_page.screenshot(path=screens / "card-order-paid-mobile.png", full_page=True)
    problems["order"] = axe_violations(member_page)
    payment = Operation.objects.get(kind="payment", payment_type="online")
    assert payment.amount == Decimal("13.10") and payment.reference == order.code
    # The late webhook changes nothing.
    assert _wait_for(lambda: len(fake.delivered) >= 2)
    assert Operation.objects.filter(kind="payment").count() == 1
    assert Basket.objects.filter(state="confirmed").count() == 1
    context.close()

    # At validation the bread was not delivered: the admin takes it out of the order (the
    # order entry screen), and the card refund form offers what was paid too much.
    member_id = order.member_id
    page.goto(base + f"/g/lavoir/manage/orders/{md.pk}/members/{member_id}/")
    page.fill(f"#mq{bread.pk}", "0")
    page.click("form[action$='/save/'] button[type=submit]")
    page.wait_for_url(re.compile(rf"/manage/orders/{md.pk}/$"))
    page.goto(base + f"/g/lavoir/manage/payments/members/{member_id}/")
    assert page.input_value("#id_card-amount") == "3.50"
    page.fill("#id_card-reason", "Pain non livré")
    page.screenshot(path=screens / "card-refund-form.png", full_page=True)
    problems["member account"] = axe_violations(page)
    page.click("form[action$='/card-refund/'] button")
    page.wait_for_url(base + f"/g/lavoir/manage/payments/members/{member_id}/")
    refund = CardRefund.objects.get()
    assert refund.status == "succeeded" and refund.amount == Decimal("3.50")
    assert Operation.objects.get(kind="refund").amount == Decimal("-3.50")
    page.screenshot(path=screens / "card-refunded.png", full_page=True)
    # Even: the order's debt went down, the card refund matches it.
    assert sum(o.amount for o in Operation.objects.filter(reference=order.code)) == 0

    # The distribution is validated (the day's screens are issue 13's); the payout.
    md.validated_at = timezone.now()
    md.save(update_fields=["validated_at"])

    page.goto(base + "/g/lavoir/manage/payments/online/distributions/")
    page.click(f"form[action$='/distributions/{md.pk}/payout/'] button")
    page.wait_for_url(base + "/g/lavoir/manage/payments/online/distributions/")
    payout = DistributionPayout.objects.get()
    # 13.10 - fee 0.47 - (3.50 - fee back 0.13)
    assert payout.amount == Decimal("9.26") and payout.status == "pending"
    page.screenshot(path=screens / "card-wallet-payout.png", full_page=True)
    problems["wallet"] = axe_violations(page)
    assert "En attente" in page.inner_text(f"#md-{md.pk}") or "Pending" in page.inner_text(
        f"#md-{md.pk}"
    )
    assert {k: v for k, v in problems.items() if v} == {}
