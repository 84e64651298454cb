"""Issue 13's last pieces in a browser (same data as ``test_day_tools_journey``): an admin
enters a weighed product as a measured amount in the order entry, deletes a member's cheque and
records the cash they paid instead, validates that basket on its own, types the till's float
on the cash report and reads what the till should hold.

Hand-computed figures:

* DUPONT Anne: roast 1 piece x 15.00 (per 1.5 kg), salad 2 x 1.20, strawberries 1 x 4.00,
  tomme 1 x 4.20 = 25.60. The roast entered as 1.8 kg: 15 x 1.8 / 1.5 = 18.00, order 28.60.
* LEROY Paul: roast 2 pieces = 30.00, salad 1 x 1.20 = 31.20, a cheque announced 31.20,
  deleted; 31.20 paid in cash instead; his basket validated, settled (his balance -3.60 is
  his two orders of the weekly dates).
* The till: float 50.00 + cash 31.20 = 81.20.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from day.models import BasketValidation, CashFloat
from orders.models import OrderLine
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_day_tools_journey import data  # noqa: F401 (the journey's fixture)
from tests.browser.test_orders_journey import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def _debt(group, basket) -> Decimal:
    return payment_selectors.debt_for_reference(
        group=group, member=basket.member, reference=basket.code
    )


def test_admin_weighs_in_the_order_entry_deletes_a_payment_validates_a_basket_and_counts_the_till(
    live_server,
    page,
    screens,
    data,  # noqa: F811
):
    base = live_server.url
    group, md, baskets = data["group"], data["md"], data["baskets"]
    dupont, leroy = baskets["DUPONT"], baskets["LEROY"]
    roast = data["roast"]
    problems = {}
    _login(page, base, "admin@glycines.example")

    # The order entry: Anne's roast typed as the 1.8 kg measured.
    entry = reverse(
        "orders:manage_member",
        kwargs={"group_slug": "glycines", "md_id": md.pk, "member_id": dupont.member_id},
    )
    page.goto(base + entry)
    assert "1,5 kg par unité" in _text(page.locator(f"tr:has(#mw{roast.pk})"))
    page.fill(f"#mw{roast.pk}", "1,8")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Enregistrer la commande')")
    line = OrderLine.objects.get(basket=dupont, product=roast)
    assert (line.actual_weight, line.total) == (D("1.8"), D("18.00"))
    assert _debt(group, dupont) == D("28.60")
    page.goto(base + entry)
    assert page.input_value(f"#mw{roast.pk}") == "1,8"
    assert "28,60" in _text(page.locator("main"))
    page.screenshot(path=screens / "daytwo-order-entry-weighed.png", full_page=True)
    problems["entry"] = axe_violations(page)

    # Paul paid in cash, not by cheque: the cheque deleted, the cash recorded, his basket
    # validated before the distribution.
    member_page = f"/g/glycines/manage/distributions/{md.pk}/day/validate/baskets/{leroy.code}/"
    page.goto(base + member_page)
    page.screenshot(path=screens / "daytwo-member-before.png", full_page=True)
    cheque = Operation.objects.get(reference=leroy.code, kind="payment")
    with page.expect_navigation():
        page.click(f"#delete-{cheque.pk}")
    assert "Paiement supprimé" in _text(page.locator("main"))
    assert Operation.objects.get(reverses=cheque).amount == D("-31.20")
    page.fill("#pay-amount", "31,20")
    page.select_option("#pay-type", "cash")
    with page.expect_navigation():
        page.click("#add-payment button[type=submit]")
    with page.expect_navigation():
        page.click("#basket-validate")
    assert BasketValidation.objects.filter(basket=leroy).exists()
    # Settled here; he still owes his two orders of the weekly dates (1.20 + 2 x 1.20).
    assert payment_selectors.balance_for_member(group=group, member=leroy.member) == D("-3.60")
    assert "panier validé" in _text(page.locator("#member-validation"))
    assert page.locator("#add-payment").count() == 0  # its payments no longer change
    page.screenshot(path=screens / "daytwo-member-validated.png", full_page=True)
    problems["member"] = axe_violations(page)

    # The validation page marks his basket.
    page.goto(base + f"/g/glycines/manage/distributions/{md.pk}/day/validate/")
    assert page.locator(f"#basket-validated-{leroy.pk}").count() == 1

    # The cash report: the float typed, the till should hold 50.00 + 31.20.
    page.goto(base + f"/g/glycines/manage/distributions/{md.pk}/day/cash/")
    assert "non saisi" in _text(page.locator("#cash-till"))
    page.fill("#cash-float-amount", "50,00")
    with page.expect_navigation():
        page.click("#cash-float-save")
    assert CashFloat.objects.get(multidistrib=md).amount == D("50.00")
    assert _text(page.locator("#cash-float")) == "50,00 €"
    assert _text(page.locator("#cash-till-total")) == "81,20 €"
    page.screenshot(path=screens / "daytwo-cash-till.png", full_page=True)
    problems["cash"] = axe_violations(page)
    assert all(not v for v in problems.values()), problems
