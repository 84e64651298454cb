"""Decision 3 in a browser: a group requires a membership fee; the member is told in the shop
before filling a cart and cannot confirm; an admin records the fee from the member's fee page;
the member then orders. The renewal reminder is read in the outbox."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from members import memberships
from members.models import Member, Membership
from messaging.notifications.memberships import membership_reminders_send
from orders.models import Basket
from payments.models import Operation
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.catalogs.factories import CatalogFactory, ProductFactory, VendorFactory
from tests.distributions.factories import make_md
from tests.factories import MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fee_group():
    place = PlaceFactory(group__name="Les Paniers du Lavoir", group__slug="lavoir")
    group = place.group
    group.main_place = place
    group.has_membership = True
    group.membership_required_to_order = True
    group.membership_fee = Decimal("15.00")
    group.membership_renewal_month, group.membership_renewal_day = 9, 1
    group.membership_payment_info = "Chèque de 15 € à l'ordre des Paniers du Lavoir, à l'accueil."
    group.payment_types = ["cash", "cheque"]
    group.save()
    admin = UserFactory(email="admin@lavoir.example", first_name="Alice", last_name="Admin")
    member = UserFactory(email="lucie@lavoir.example", first_name="Lucie", last_name="Ferrand")
    MemberFactory(group=group, user=admin, is_admin=True)
    MemberFactory(group=group, user=member)
    bakery = CatalogFactory(group=group, vendor=VendorFactory(name="Fournil du Lavoir"))
    bread = ProductFactory(catalog=bakery, name="Pain de campagne", price=Decimal("3.50"))
    md = make_md(group, catalogs=[bakery], acting_user=admin)
    return {"group": group, "md": md, "bread": bread}


def test_member_told_admin_records_the_fee_member_orders(live_server, page, screens, fee_group):
    base, md, bread = live_server.url, fee_group["md"], fee_group["bread"]
    group = fee_group["group"]
    period = memberships.current_period(group)
    problems = {}

    # The member is told in the shop, before filling a cart, with how to pay.
    _login(page, base, "lucie@lavoir.example")
    page.goto(base + f"/g/lavoir/shop/{md.pk}/")
    notice = page.inner_text("#membership-notice")
    assert period.name in notice and "Chèque de 15 €" in notice
    page.screenshot(path=screens / "fees-shop-notice.png", full_page=False)
    problems["shop"] = axe_violations(page)
    page.fill(f"#q{bread.pk}", "2")
    page.click(f"button[name=add][value='{bread.pk}']")
    page.wait_for_selector(".cart-bar")
    page.click(f".cart-bar a[href='/g/lavoir/shop/{md.pk}/checkout/']")
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.check("input[name=payment_type][value=onthespot]")
    page.click("form.steps button[type=submit]")
    page.wait_for_load_state()
    assert "pas encore enregistrée" in page.content()
    page.screenshot(path=screens / "fees-checkout-refused.png", full_page=True)
    assert not Basket.objects.exclude(state="cart").exists()

    # The admin finds the member in the "to renew" list and records the fee from their page.
    context = page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )
    admin = context.new_page()
    _login(admin, base, "admin@lavoir.example")
    admin.goto(base + "/g/lavoir/manage/")
    admin.click("nav a[href='/g/lavoir/manage/members/fees/']")
    admin.wait_for_url(re.compile(r"/manage/members/fees/$"))
    assert "FERRAND Lucie" in admin.inner_text("#to-renew")
    admin.screenshot(path=screens / "fees-to-renew.png", full_page=True)
    problems["to renew"] = axe_violations(admin)
    lucie = Member.objects.get(user__email="lucie@lavoir.example")
    admin.click(f"#to-renew a[href='/g/lavoir/manage/members/{lucie.pk}/fees/']")
    admin.wait_for_url(re.compile(rf"/members/{lucie.pk}/fees/$"))
    assert admin.input_value("#id_amount") in ("15.00", "15,00")
    admin.select_option("#id_payment_type", "cheque")
    admin.screenshot(path=screens / "fees-member-form.png", full_page=True)
    problems["member fees"] = axe_violations(admin)
    admin.click("#record-fee button[type=submit]")
    admin.wait_for_selector("#fee-status .badge:not(.warn)")
    admin.screenshot(path=screens / "fees-member-recorded.png", full_page=True)
    fee = Membership.objects.get(member=lucie)
    assert fee.year == period.year and fee.payment_type == "cheque"
    assert sorted(Operation.objects.filter(member=lucie).values_list("amount", flat=True)) == [
        Decimal("-15.00"),
        Decimal("15.00"),
    ]

    # The member now orders.
    page.goto(base + f"/g/lavoir/shop/{md.pk}/")
    assert page.query_selector("#membership-notice") is None
    page.goto(base + f"/g/lavoir/shop/{md.pk}/checkout/")
    page.check("input[name=payment_type][value=onthespot]")
    page.click("form.steps button[type=submit]")
    page.wait_for_url(re.compile(r"/g/lavoir/orders/[A-Z0-9]+/$"))
    page.screenshot(path=screens / "fees-ordered.png", full_page=True)
    assert Basket.objects.filter(member=lucie, state="confirmed").exists()

    # The other fee pages: several members at once, the distribution day.
    admin.goto(base + "/g/lavoir/manage/members/fees/batch/")
    admin.screenshot(path=screens / "fees-batch.png", full_page=True)
    problems["batch"] = axe_violations(admin)
    admin.goto(base + f"/g/lavoir/manage/distributions/{md.pk}/day/fees/")
    assert "FERRAND Lucie" in admin.content()
    admin.screenshot(path=screens / "fees-day.png", full_page=True)
    problems["day"] = axe_violations(admin)
    assert {k: v for k, v in problems.items() if v} == {}
    context.close()

    # The reminder, three weeks before the period ends, read in the outbox.
    mail.outbox.clear()
    assert membership_reminders_send(today=period.end - timedelta(days=20)) >= 1
    reminder = next(m for m in mail.outbox if m.to == ["lucie@lavoir.example"])
    assert str(period.year + 1) in reminder.subject
    assert "Chèque de 15 €" in reminder.body and "/account/profile/" in reminder.body
    (screens / "fees-reminder.txt").write_text(
        f"Subject: {reminder.subject}\nTo: {reminder.to}\nReply-To: {reminder.reply_to}\n\n"
        f"{reminder.body}\n\n--- HTML ---\n{reminder.alternatives[0][0]}"
    )
    assert membership_reminders_send(today=period.end - timedelta(days=19)) == 0
