"""Issue 7's journey in a browser: an admin prints the signature sheet, validates a distribution
with two weighed (variable-weight) products and an absent member, and reverses it.

Hand-computed figures (per line: quantity x unit price x (1 + fee), rounded half up to cents):

* #1 VIDAL Zoé, on the spot (paid in cash): carrots 1.5 kg x 2.35 = 3.525 → 3.53, weighed
  1.1 kg → 2.585 → 2.59; wholemeal loaf 3.33 x 1.02 = 3.3966 → 3.40. 6.93, then 5.99.
* #2 ARNAUD Bernard, cheque: chicken 1.8 kg x 12.90 x 1.02 = 23.6844 → 23.68, weighed 1.634 kg
  → 21.500172 → 21.50; tomatoes 0.7 x 3.10 = 2.17. 25.85, then 23.67.
* #3 FERRAND Lucie, on the spot, absent: carrots 2 kg x 2.35 = 4.70 (not weighed);
  2 loaves x 3.3966 = 6.7932 → 6.79. 11.49.
* #4 BONNET Marc, transfer: tomatoes 1.25 x 3.10 = 3.875 → 3.88; loaf 3.40. 7.28.

Total 51.55 on the signature sheet, 48.43 once weighed.
"""

import re
from decimal import Decimal

import pytest
from django.utils.translation import gettext, ngettext

from day.models import BasketAbsence, DistributionValidation
from orders.models import Basket
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.day.factories import make_basket, make_catalog, make_md, make_product
from tests.factories import MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal

BEFORE = {"VIDAL": D("6.93"), "ARNAUD": D("25.85"), "FERRAND": D("11.49"), "BONNET": D("7.28")}
WEIGHED = {**BEFORE, "VIDAL": D("5.99"), "ARNAUD": D("23.67")}


def _euros(amount: Decimal) -> str:
    """An amount as the French pages show it, spaces normalised: 25,85 €."""
    return f"{amount:.2f}".replace(".", ",") + " €"


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


@pytest.fixture
def day_data():
    place = PlaceFactory(group__name="AMAP des Tilleuls", group__slug="tilleuls", name="La Halle")
    group = place.group
    group.main_place = place
    # Several on-the-spot types: an on-the-spot intention waits for its actual type.
    group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    group.save(update_fields=["main_place", "payment_types"])
    admin = UserFactory(email="admin@tilleuls.example", first_name="Alice", last_name="Martin")
    MemberFactory(group=group, user=admin, is_admin=True)
    people = {}
    # Created in an order that is not the alphabetical one: the sheet sorts by surname.
    names = [("Zoé", "Vidal"), ("Bernard", "Arnaud"), ("Lucie", "Ferrand"), ("Marc", "Bonnet")]
    for first, last in names:
        user = UserFactory(
            email=f"{first.lower()}@tilleuls.example", first_name=first, last_name=last
        )
        people[last.upper()] = MemberFactory(group=group, user=user)
    vegetables = make_catalog(group, name="Légumes", vendor_name="Ferme du Mas")
    poultry = make_catalog(
        group, name="Volailles", vendor_name="Élevage des Crins", fee_percent=D("2")
    )
    bread = make_catalog(group, name="Pain", vendor_name="Fournil", fee_percent=D("2"))
    carrots = make_product(
        vegetables, name="Carottes", price="2.35", unit_type="kg", variable_weight=True
    )
    chicken = make_product(
        poultry, name="Poulet fermier", price="12.90", unit_type="kg", variable_weight=True
    )
    tomatoes = make_product(vegetables, name="Tomates", price="3.10", unit_type="kg", bulk=True)
    loaf = make_product(bread, name="Pain complet", price="3.33")
    # Yesterday from 18:00 to 20:00, orders closed the day before: over, not validated yet.
    md = make_md(group, days=-1, catalogs=[vegetables, poultry, bread])
    baskets = {
        "VIDAL": make_basket(
            md, people["VIDAL"], [(carrots, "1.5"), (loaf, 1)], payment_type="onthespot"
        ),
        "ARNAUD": make_basket(
            md, people["ARNAUD"], [(chicken, "1.8"), (tomatoes, "0.7")], payment_type="cheque"
        ),
        "FERRAND": make_basket(
            md, people["FERRAND"], [(carrots, 2), (loaf, 2)], payment_type="onthespot"
        ),
        "BONNET": make_basket(
            md, people["BONNET"], [(tomatoes, "1.25"), (loaf, 1)], payment_type="transfer"
        ),
    }
    return {
        "group": group,
        "md": md,
        "baskets": baskets,
        "carrots": baskets["VIDAL"].lines.get(product=carrots),
        "chicken": baskets["ARNAUD"].lines.get(product=chicken),
        "absent_carrots": baskets["FERRAND"].lines.get(product=carrots),
    }


def _ledger(group) -> dict[int, tuple]:
    return {
        op.pk: (op.reference, op.kind, op.amount, op.state, op.payment_type)
        for op in Operation.objects.filter(group=group)
    }


def _debts(group, baskets) -> dict[str, Decimal]:
    return {
        name: payment_selectors.debt_for_reference(
            group=group, member=basket.member, reference=basket.code
        )
        for name, basket in baskets.items()
    }


def _announced(basket) -> Decimal:
    """The payments announced for the basket (pending or received), corrections included."""
    rows = Operation.objects.filter(reference=basket.code, is_money=True)
    return sum((op.amount for op in rows), D("0"))


def _rows(basket) -> list[tuple[str, Decimal]]:
    return [
        (op.kind, op.amount)
        for op in Operation.objects.filter(reference=basket.code).order_by("pk")
    ]


def _states(basket) -> set[str]:
    return set(Operation.objects.filter(reference=basket.code).values_list("state", flat=True))


def test_admin_prints_the_sheet_validates_with_weights_and_an_absence_then_reverses(
    live_server, page, screens, day_data
):
    base = live_server.url
    group, md, baskets = day_data["group"], day_data["md"], day_data["baskets"]
    day_url = f"/g/tilleuls/manage/distributions/{md.pk}/day/"
    # The ledger as the checkouts left it: debts and payment intentions, all pending.
    assert _debts(group, baskets) == BEFORE
    assert {name: _announced(b) for name, b in baskets.items()} == BEFORE
    assert set(Operation.objects.values_list("state", flat=True)) == {"pending"}

    # From the distribution's page to its day page.
    _login(page, base, "admin@tilleuls.example")
    page.goto(base + f"/g/tilleuls/manage/distributions/{md.pk}/")
    page.click(f"a[href='{day_url}']")
    page.wait_for_url(base + day_url)
    assert ngettext("%(n)s basket.", "%(n)s baskets.", 4) % {"n": 4} in _text(page.locator("main"))
    problems = {"day": axe_violations(page)}

    # The printable signature sheet: members by surname, each with the total to sign for.
    page.click(f"a[href='{day_url}print/signature/']")
    page.wait_for_url(base + day_url + "print/signature/")
    headings = [_text(h) for h in page.locator(".member tr.member-head th").all()]
    assert headings == [
        "#2 · ARNAUD Bernard",
        "#4 · BONNET Marc",
        "#3 · FERRAND Lucie",
        "#1 · VIDAL Zoé",
    ]
    totals = [_text(t) for t in page.locator(".member tr.total td.num").all()]
    # Each total row has the item count then the amount.
    assert totals[1::2] == [_euros(BEFORE[n]) for n in ("ARNAUD", "BONNET", "FERRAND", "VIDAL")]
    assert page.locator(".member td.signature-cell").count() == 4
    assert _euros(D("51.55")) in _text(page.locator("body"))
    page.screenshot(path=screens / "day-signature-sheet.png", full_page=True)
    problems["signature sheet"] = axe_violations(page)

    # The validation page: blocked until the on-the-spot payments have a type.
    page.goto(base + day_url)
    page.click(f".actions a[href='{day_url}validate/']")
    page.wait_for_url(base + day_url + "validate/")
    assert page.is_disabled("#validate")
    refusal = _text(page.locator(".errorlist"))
    assert "VIDAL Zoé" in refusal and "FERRAND Lucie" in refusal

    # Two weighed lines (French decimal comma); the absent member's carrots stay as ordered.
    carrots, chicken = day_data["carrots"], day_data["chicken"]
    assert page.input_value(f"#w{day_data['absent_carrots'].pk}") == ""
    page.fill(f"#w{carrots.pk}", "1,1")
    page.fill(f"#w{chicken.pk}", "1,634")
    with page.expect_navigation():
        page.click("#save-weights")
    assert gettext("Weights saved; totals and debts updated.") in page.inner_text("body")
    vidal, arnaud, ferrand = baskets["VIDAL"], baskets["ARNAUD"], baskets["FERRAND"]
    assert _euros(WEIGHED["VIDAL"]) in _text(page.locator(f"#basket-{vidal.pk} h2"))
    assert _euros(WEIGHED["ARNAUD"]) in _text(page.locator(f"#basket-{arnaud.pk} h2"))
    assert page.input_value(f"#w{carrots.pk}") == "1,100"
    assert page.input_value(f"#w{chicken.pk}") == "1,634"

    # Lucie did not come; Zoé paid in cash.
    page.click(f"#absent-{ferrand.pk}")
    page.wait_for_selector(f"#present-{ferrand.pk}")
    assert "VIDAL Zoé" in _text(page.locator(".errorlist"))
    assert "FERRAND" not in _text(page.locator(".errorlist"))
    page.select_option(f"#basket-{vidal.pk} select[name=payment_type]", "cash")
    with page.expect_navigation():
        page.click(f"#basket-{vidal.pk} form:has(select) button[type=submit]")
    assert page.locator(".errorlist").count() == 0
    assert page.is_enabled("#validate")
    page.screenshot(path=screens / "day-validation-ready.png", full_page=True)
    problems["validation"] = axe_violations(page)

    # What the validation must leave untouched, and what its reversal must restore.
    assert _debts(group, baskets) == WEIGHED
    assert _announced(vidal) == WEIGHED["VIDAL"] and _announced(arnaud) == WEIGHED["ARNAUD"]
    # The ledger is append-only: the weighed amounts are corrections of the differences, on the
    # debt and on the payment the member brings on the spot (6.93 - 5.99, 25.85 - 23.67).
    assert _rows(vidal) == [
        ("order", D("-6.93")),
        ("payment", D("6.93")),
        ("correction", D("0.94")),
        ("correction", D("-0.94")),
    ]
    assert _rows(arnaud) == [
        ("order", D("-25.85")),
        ("payment", D("25.85")),
        ("correction", D("2.18")),
        ("correction", D("-2.18")),
    ]
    assert _rows(ferrand) == [("order", D("-11.49")), ("payment", D("11.49"))]
    ledger_before = _ledger(group)
    assert {row[3] for row in ledger_before.values()} == {"pending"}

    # Validate: the task runs eagerly, the progress page polls until it is done.
    # The confirmation page says what validating does, with the baskets and amounts.
    page.click("#validate")
    page.wait_for_url(base + day_url + "validate/confirm/")
    confirm = _text(page.locator("#confirm-validation"))
    present = WEIGHED["VIDAL"] + WEIGHED["ARNAUD"] + WEIGHED["BONNET"]  # FERRAND is absent
    assert _euros(present) in confirm
    page.screenshot(path=screens / "day-validation-confirm.png", full_page=True)
    problems["confirm"] = axe_violations(page)
    page.click("#confirm-validate")
    page.wait_for_url(re.compile(rf"{day_url}validations/\d+/$"))
    # Eager task: the validation is done when the page loads, which shows its figures.
    page.wait_for_selector("#validation-result")
    assert _text(page.locator("#result-baskets")) == "3"
    page.screenshot(path=screens / "day-validation-result.png", full_page=True)
    problems["result"] = axe_violations(page)
    page.goto(base + day_url + "validate/")
    assert page.locator("#unvalidate").is_visible()
    assert page.locator("#validate").count() == 0 and page.locator(f"#w{carrots.pk}").count() == 0
    row = _text(page.locator(f"#basket-{vidal.pk} tbody tr").filter(has_text="Carottes"))
    assert "1,100" in row and _euros(D("2.59")) in row
    row = _text(page.locator(f"#basket-{arnaud.pk} tbody tr").filter(has_text="Poulet"))
    assert "1,634" in row and _euros(D("21.50")) in row
    assert gettext("absent") in _text(page.locator(f"#basket-{ferrand.pk} h2"))
    page.screenshot(path=screens / "day-validated.png", full_page=True)
    problems["validated"] = axe_violations(page)

    md.refresh_from_db()
    assert md.validated_at is not None
    done = DistributionValidation.objects.get(multidistrib=md)
    assert done.status == "done" and done.baskets == 3
    carrots.refresh_from_db()
    chicken.refresh_from_db()
    day_data["absent_carrots"].refresh_from_db()
    assert carrots.actual_quantity == D("1.100") and chicken.actual_quantity == D("1.634")
    assert day_data["absent_carrots"].actual_quantity is None
    assert _debts(group, baskets) == WEIGHED
    absence = BasketAbsence.objects.get()
    assert absence.basket_id == ferrand.pk and absence.marked_by.email == "admin@tilleuls.example"
    for name in ("VIDAL", "ARNAUD", "BONNET"):
        assert _states(baskets[name]) == {"confirmed"}, name
        member = baskets[name].member
        assert payment_selectors.balance_for_member(group=group, member=member) == 0
    # The absent member's debt and on-the-spot payment stay pending, untyped.
    assert _states(ferrand) == {"pending"}
    assert Operation.objects.get(reference=ferrand.code, kind="payment").payment_type == "onthespot"
    assert payment_selectors.balance_for_member(group=group, member=ferrand.member) == -D("11.49")
    assert set(
        Operation.objects.filter(reference=vidal.code, is_money=True).values_list(
            "payment_type", flat=True
        )
    ) == {"cash"}

    # A group admin reverses the validation.
    page.fill("#id_reason", "Erreur de pesée")
    page.click("#unvalidate")
    page.wait_for_selector("#validate")
    assert gettext("The validation was reversed.") in page.inner_text("body")
    assert page.is_enabled("#validate")
    assert page.input_value(f"#w{carrots.pk}") == "1,100"
    page.screenshot(path=screens / "day-validation-reversed.png", full_page=True)
    md.refresh_from_db()
    assert md.validated_at is None
    done.refresh_from_db()
    assert done.status == "reversed" and done.reversal_reason == "Erreur de pesée"
    assert set(Operation.objects.values_list("state", flat=True)) == {"pending"}
    assert _ledger(group) == ledger_before
    assert _debts(group, baskets) == WEIGHED
    assert {name: _announced(b) for name, b in baskets.items()} == WEIGHED
    assert Basket.objects.filter(multidistrib=md, state="confirmed").count() == 4
    assert BasketAbsence.objects.filter(basket=ferrand).exists()
    assert {k: v for k, v in problems.items() if v} == {}
