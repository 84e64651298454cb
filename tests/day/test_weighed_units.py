"""Weighed lines billed by weight for every unit (issue 13, Build 1; spec §6 "stored as weight/qt").

A weight is typed in the product's unit (kg, g, L, cl…) and the line bills
unit price x weight / quantity per unit, rounded once, half up. Hand-computed amounts below.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from day import summaries, validation
from day.summary_html import member_table
from members.models import Member
from payments import selectors as payment_selectors
from tests.day.factories import make_basket, make_catalog, make_md, make_product

pytestmark = pytest.mark.django_db
D = Decimal


def _setup(world, unit_type, unit_quantity, price, ordered="1"):
    world.group.payment_types = ["cash", "cheque", "transfer"]
    world.group.save()
    catalog = make_catalog(world.group, name="Ferme", vendor_name="Ferme du Mas")
    product = make_product(
        catalog,
        name="Pièce",
        price=price,
        unit_type=unit_type,
        unit_quantity=D(unit_quantity),
        variable_weight=True,
    )
    md = make_md(world.group, days=-1, catalogs=[catalog])
    member = Member.objects.get(group=world.group, user=world.member)
    basket = make_basket(md, member, [(product, ordered)], payment_type="cheque")
    return md, basket, basket.lines.get()


def _debt(world, basket):
    return payment_selectors.debt_for_reference(
        group=world.group, member=basket.member, reference=basket.code
    )


@pytest.mark.parametrize(
    ("unit_type", "unit_quantity", "price", "weight", "expected"),
    [
        # The issue's case: 15.00 per 1.5 kg piece weighed at 1.8 kg: 15 x 1.8 / 1.5 = 18.00
        # (27.00 before: the weight was taken as a number of pieces).
        ("kg", "1.5", "15.00", "1.8", "18.00"),
        # 1 kg of the same piece: 15 x 1 / 1.5 = 10.00 exactly (0.667 piece would bill 10.01).
        ("kg", "1.5", "15.00", "1", "10.00"),
        # A cheese sold per 250 g, weighed at 310 g: 4.20 x 310 / 250 = 5.208 → 5.21.
        ("g", "250", "4.20", "310", "5.21"),
        # Milk per 75 cl, measured 80 cl: 1.50 x 80 / 75 = 1.60.
        ("cl", "75", "1.50", "80", "1.60"),
        # Honey per 0.5 L, measured 0.45 L: 7.00 x 0.45 / 0.5 = 6.30.
        ("l", "0.5", "7.00", "0.45", "6.30"),
        # Beef per kg, weighed 1.437 kg: 2.35 x 1.437 = 3.37695 → 3.38.
        ("kg", "1", "2.35", "1.437", "3.38"),
    ],
)
def test_a_weighed_line_bills_its_weight_over_the_unit_size(
    world, unit_type, unit_quantity, price, weight, expected
):
    md, basket, line = _setup(world, unit_type, unit_quantity, price)
    validation.weights_set(
        group=world.group, md=md, weights={line.pk: weight}, acting_user=world.admin
    )
    line.refresh_from_db()
    assert line.actual_weight == D(weight)
    assert line.total == D(expected)
    assert _debt(world, basket) == D(expected)
    summary = summaries.member_summary(group=world.group, md=md)
    shown = summary.blocks[0].lines[0]
    assert shown.total == D(expected)
    # Shown in the unit the member ordered: one piece is its size in that unit.
    assert shown.ordered == D(unit_quantity)
    assert shown.quantity == D(weight)
    assert summary.total == D(expected)
    products = summaries.product_summary(group=world.group, md=md)
    assert products.goods == D(expected)


def test_the_issue_piece_is_shown_as_ordered_in_kilograms(world, client):
    md, _basket, line = _setup(world, "kg", "1.5", "15.00", ordered="2")
    summary = summaries.member_summary(group=world.group, md=md)
    shown = summary.blocks[0].lines[0]
    assert shown.ordered == D("3") and shown.unit == "kg"  # two 1.5 kg pieces, not "2 kg"
    assert shown.total == D("30.00")
    validation.weights_set(
        group=world.group, md=md, weights={line.pk: "3,3"}, acting_user=world.admin
    )
    summary = summaries.member_summary(group=world.group, md=md)
    assert summary.blocks[0].lines[0].total == D("33.00")  # 15 x 3.3 / 1.5
    with translation.override("en"):
        html = member_table(summary.blocks, language="en", currency="EUR")
    assert "3.3 kg" in html and "ordered 3" in html
    client.force_login(world.admin)
    page = client.get(f"/g/{world.group.slug}/manage/distributions/{md.pk}/day/validate/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="3,300"' in text  # the weight field in kilograms (French page)
    assert "<td>3 kg</td>" in text  # ordered: two 1.5 kg pieces


def test_a_weight_ten_times_the_ordered_measure_is_refused(world):
    md, _basket, line = _setup(world, "g", "250", "4.20")
    # 2,400 g for one 250 g piece is fine (under ten times); 2,600 g is a typing mistake.
    validation.weights_set(
        group=world.group, md=md, weights={line.pk: "2400"}, acting_user=world.admin
    )
    with pytest.raises(validation.DayError):
        validation.weights_set(
            group=world.group, md=md, weights={line.pk: "2600"}, acting_user=world.admin
        )


def test_clearing_a_weight_bills_the_ordered_quantity_again(world):
    md, basket, line = _setup(world, "kg", "1.5", "15.00")
    validation.weights_set(
        group=world.group, md=md, weights={line.pk: "1.8"}, acting_user=world.admin
    )
    validation.weights_set(
        group=world.group,
        md=md,
        weights={line.pk: ""},
        shown={line.pk: "1.8"},
        acting_user=world.admin,
    )
    line.refresh_from_db()
    assert line.actual_weight is None and line.actual_quantity is None
    assert _debt(world, basket) == D("15.00")
