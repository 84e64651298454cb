"""Issue 13's journey in a browser: an admin changes a price, marks a product not delivered,
weighs a product sold by the 1.5 kg piece, records a refund, opens the cash report, confirms and
validates, reverses; a coordinator prints their catalog's summary; a weekly cycle's date is
postponed onto the next week where the catalog already takes part (merge).

Hand-computed figures:

* DUPONT Anne (transfer): roast 1 piece x 15.00 (per 1.5 kg), salad 2 x 1.20, strawberries
  1 x 4.00, tomme 1 x 4.20 = 25.60, the transfer announced 25.60.
  Salad at 1.00: 25.20. Strawberries not delivered: 21.20. Roast weighed 1.8 kg:
  15 x 1.8 / 1.5 = 18.00 (not 27.00): 24.20. Transfer received 25.60: credit 1.40, refunded.
* LEROY Paul (cheque): roast 2 pieces = 30.00, salad 1 x 1.20 = 31.20. Salad at 1.00: 31.00.
  Roast weighed 2.7 kg: 15 x 2.7 / 1.5 = 27.00: 28.00.
"""

import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from distributions import services as planning
from distributions.cycles import CycleTimes
from distributions.models import Distribution, MultiDistrib
from orders.models import Basket
from payments import selectors as payment_selectors
from payments.models import Operation
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_orders_journey import _login
from tests.day.factories import make_basket, make_catalog, make_md, make_product
from tests.factories import MemberFactory, PlaceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def _euros(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",") + " €"


@pytest.fixture
def data():
    place = PlaceFactory(group__name="Les Glycines", group__slug="glycines", name="La Grange")
    group = place.group
    group.main_place = place
    group.payment_types = ["cash", "cheque", "transfer"]
    group.save(update_fields=["main_place", "payment_types"])
    admin = UserFactory(email="admin@glycines.example", first_name="Alice", last_name="Martin")
    MemberFactory(group=group, user=admin, is_admin=True)
    coord = UserFactory(email="fromages@glycines.example", first_name="Claire", last_name="Caillé")
    coord_member = MemberFactory(group=group, user=coord)
    people = {}
    for first, last in [("Anne", "Dupont"), ("Paul", "Leroy")]:
        user = UserFactory(
            email=f"{first.lower()}@glycines.example", first_name=first, last_name=last
        )
        people[last.upper()] = MemberFactory(group=group, user=user)
    butcher = make_catalog(group, name="Boucherie", vendor_name="Ferme des Prés")
    vegetables = make_catalog(group, name="Légumes", vendor_name="Jardin du Val")
    cheese = make_catalog(group, name="Fromages", vendor_name="Chèvrerie du Puy")
    cheese.coordinators.add(coord_member)
    vegetables.stock_tracked = True
    vegetables.save(update_fields=["stock_tracked"])
    roast = make_product(
        butcher,
        name="Rôti",
        price="15.00",
        unit_type="kg",
        unit_quantity=D("1.5"),
        variable_weight=True,
    )
    salad = make_product(vegetables, name="Salade", price="1.20", stock=D("10"))
    strawberries = make_product(
        vegetables,
        name="Fraises",
        price="4.00",
        unit_type="g",
        unit_quantity=D("500"),
        stock=D("5"),
    )
    tomme = make_product(cheese, name="Tomme", price="4.20")
    md = make_md(group, days=-1, catalogs=[butcher, vegetables, cheese])
    baskets = {
        "DUPONT": make_basket(
            md,
            people["DUPONT"],
            [(roast, 1), (salad, 2), (strawberries, 1), (tomme, 1)],
            payment_type="transfer",
        ),
        "LEROY": make_basket(md, people["LEROY"], [(roast, 2), (salad, 1)], payment_type="cheque"),
    }
    # A weekly cycle of two dates to come, the vegetables at both; Paul ordered at both.
    start = timezone.localdate() + timedelta(days=3)
    cycle = planning.cycle_create(
        group=group,
        place=place,
        cycle_type="weekly",
        start_date=start,
        end_date=start + timedelta(weeks=1),
        times=CycleTimes(time(18, 0), time(20, 0), 7, time(8, 0), 1, time(23, 0)),
        catalogs=[vegetables],
        acting_user=admin,
    )
    week1, week2 = list(cycle.multidistribs.order_by("start_at"))
    early = make_basket(week1, people["LEROY"], [(salad, 1)], payment_type="transfer")
    later = make_basket(week2, people["LEROY"], [(salad, 2)], payment_type="transfer")
    return {
        "group": group,
        "md": md,
        "baskets": baskets,
        "roast": roast,
        "salad": salad,
        "strawberries": strawberries,
        "week1": week1,
        "week2": week2,
        "early": early,
        "later": later,
        "people": people,
    }


def _debt(group, basket) -> Decimal:
    return payment_selectors.debt_for_reference(
        group=group, member=basket.member, reference=basket.code
    )


def test_admin_corrects_weighs_refunds_reports_validates_reverses_then_postpones(
    live_server, page, screens, data
):
    base = live_server.url
    group, md, baskets = data["group"], data["md"], data["baskets"]
    dupont, leroy = baskets["DUPONT"], baskets["LEROY"]
    day_url = f"/g/glycines/manage/distributions/{md.pk}/day/"
    assert (_debt(group, dupont), _debt(group, leroy)) == (D("25.60"), D("31.20"))
    problems = {}
    _login(page, base, "admin@glycines.example")

    # Two clicks from the distributions list: the day page, then the validation.
    page.goto(base + "/g/glycines/manage/distributions/?when=past")
    badge = _text(page.locator("main"))
    assert "À valider" in badge
    page.goto(base + day_url + "validate/")

    # Price change: the salad at 1.00 for everyone at this distribution.
    page.select_option("#price-product", str(data["salad"].pk))
    page.fill("#price-value", "1,00")
    with page.expect_navigation():
        page.click("#price-submit")
    assert (_debt(group, dupont), _debt(group, leroy)) == (D("25.20"), D("31.00"))
    assert "Salade" in _text(page.locator("#corrections"))

    # Anne's transfer arrives: validated on her page.
    page.click(f"#basket-{dupont.pk} h2 a")
    page.wait_for_url(re.compile(r".*/validate/baskets/\w+/$"))
    transfer = Operation.objects.get(reference=dupont.code, kind="payment")
    with page.expect_navigation():
        page.click(f"#confirm-{transfer.pk}")
    transfer.refresh_from_db()
    assert transfer.state == "confirmed"

    # The strawberries did not come: off every order, stock back.
    page.goto(base + day_url + "validate/")
    page.select_option("#nd-product", str(data["strawberries"].pk))
    with page.expect_navigation():
        page.click("#nd-submit")
    assert _debt(group, dupont) == D("21.20")
    data["strawberries"].refresh_from_db()
    assert data["strawberries"].stock == D("6")

    # The roasts are weighed in kilograms: 1.8 kg of a 1.5 kg piece is 18.00, not 27.00.
    roast_d = dupont.lines.get(product=data["roast"])
    roast_l = leroy.lines.get(product=data["roast"])
    ordered = _text(page.locator(f"#basket-{dupont.pk} tbody tr").filter(has_text="Rôti"))
    assert "1,5 kg" in ordered  # one piece, shown in the unit ordered
    page.fill(f"#w{roast_d.pk}", "1,8")
    page.fill(f"#w{roast_l.pk}", "2,7")
    with page.expect_navigation():
        page.click("#save-weights")
    assert (_debt(group, dupont), _debt(group, leroy)) == (D("24.20"), D("28.00"))
    row = _text(page.locator(f"#basket-{dupont.pk} tbody tr").filter(has_text="Rôti"))
    assert _euros(D("18.00")) in row
    page.screenshot(path=screens / "tools-validation-page.png", full_page=True)
    problems["validation"] = axe_violations(page)

    # Anne paid 25.60 for 24.20: 1.40 given back in cash, from her page.
    page.click(f"#basket-{dupont.pk} h2 a")
    page.wait_for_url(re.compile(r".*/validate/baskets/\w+/$"))
    page.fill("#refund-amount", "1,40")
    page.select_option("#refund-type", "cash")
    with page.expect_navigation():
        page.click("#refund-submit")
    member = dupont.member
    assert payment_selectors.balance_for_member(group=group, member=member) == 0
    assert _text(page.locator("#member-total")) == _euros(D("24.20"))
    assert _text(page.locator("#member-paid")) == _euros(D("24.20"))  # 25.60 - 1.40 back
    assert "1,40" in _text(page.locator("#member-payments"))  # the refund, listed
    page.screenshot(path=screens / "tools-member-page.png", full_page=True)
    problems["member"] = axe_violations(page)

    # The cash report.
    page.goto(base + day_url + "validate/")
    page.click(f"a[href='{day_url}cash/']")
    page.wait_for_url(base + day_url + "cash/")
    takings = _text(page.locator("#cash-takings"))
    # The transfer received (25.60) and the cheque to cash, which followed the weights (28.00).
    assert _euros(D("25.60")) in takings and _euros(D("28.00")) in takings
    assert _euros(D("1.40")) in _text(page.locator("#cash-refunds"))
    page.screenshot(path=screens / "tools-cash-report.png", full_page=True)
    problems["cash"] = axe_violations(page)

    # Confirm, validate, read the result, reverse.
    page.goto(base + day_url + "validate/")
    page.click("#validate")
    page.wait_for_url(base + day_url + "validate/confirm/")
    assert _euros(D("52.20")) in _text(page.locator("#confirm-validation"))  # 24.20 + 28.00
    page.click("#confirm-validate")
    page.wait_for_selector("#validation-result")
    assert _text(page.locator("#result-baskets")) == "2"
    page.screenshot(path=screens / "tools-validation-result.png", full_page=True)
    md.refresh_from_db()
    assert md.validated_at is not None
    page.goto(base + day_url + "validate/")
    page.fill("#id_reason", "Erreur de pesée")
    with page.expect_navigation():
        page.click("#unvalidate")
    md.refresh_from_db()
    assert md.validated_at is None
    assert (_debt(group, dupont), _debt(group, leroy)) == (D("24.20"), D("28.00"))

    # The weekly cycle: the vegetables of week 1 go to week 2, where they already are.
    week1, week2 = data["week1"], data["week2"]
    veg1 = week1.distributions.get(catalog__name="Légumes")
    # The members were told of the price change (both) and of the strawberries (Anne).
    sent = list(mail.outbox)
    subjects = sorted(m.subject for m in sent)
    assert sum("Salade" in s for s in subjects) == 2 and sum("Fraises" in s for s in subjects) == 1
    mail.outbox.clear()
    page.goto(base + f"/g/glycines/manage/distributions/{week1.pk}/day/postpone/")
    page.select_option("select[name=distribution]", str(veg1.pk))
    page.select_option("select[name=target]", str(week2.pk))
    with page.expect_navigation():
        page.click("#postpone-preview")
    assert "Légumes" in _text(page.locator("li.joined"))
    page.screenshot(path=screens / "tools-postpone-preview.png", full_page=True)
    with page.expect_navigation():
        page.click("#postpone-confirm")
    later = data["later"]
    assert _debt(group, later) == D("3.60")  # 2 + 1 salads at 1.20
    assert not Distribution.objects.filter(multidistrib=week1, catalog__name="Légumes").exists()
    assert Basket.objects.get(pk=data["early"].pk).state == "cancelled"
    assert [m.to[0] for m in mail.outbox] == ["paul@glycines.example"]
    assert MultiDistrib.objects.filter(pk=week1.pk).exists()
    outbox = Path(screens) / "tools-outbox.txt"
    outbox.write_text(
        "\n\n".join(f"To: {m.to[0]}\nSubject: {m.subject}\n\n{m.body}" for m in sent + mail.outbox)
    )
    assert all(not v for v in problems.values()), problems


def test_a_coordinator_prints_their_catalog_summary(live_server, page, screens, data):
    base = live_server.url
    md = data["md"]
    _login(page, base, "fromages@glycines.example")
    page.goto(base + f"/g/glycines/manage/distributions/{md.pk}/day/")
    assert "Fromages" in _text(page.locator("main"))
    page.click(f"a[href='/g/glycines/manage/distributions/{md.pk}/day/print/products/']")
    page.wait_for_load_state()
    text = _text(page.locator("body"))
    assert "Tomme" in text and "Salade" not in text and "Rôti" not in text
    page.screenshot(path=screens / "tools-coordinator-summary.png", full_page=True)
    assert not axe_violations(page)
