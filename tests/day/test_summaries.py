"""Summary figures pinned against hand-computed numbers (see ``conftest.build_day``)."""

from decimal import Decimal

import pytest

from day import summaries
from tests.day.factories import make_basket

pytestmark = pytest.mark.django_db

D = Decimal


def test_member_summary_totals_round_per_line_and_sort_by_surname(world, day):
    s = summaries.member_summary(group=world.group, md=day.md)
    assert [b.last_name for b in s.blocks] == ["Admin", "Coord", "Membre"]
    admin, coord, member = s.blocks
    by_name = {line.product_name: line for line in member.lines}
    assert by_name["Carottes"].total == D("3.53")
    assert by_name["Tomates"].total == D("2.17")
    assert by_name["Pain complet"].total == D("3.40")
    assert by_name["Pain complet"].goods == D("3.33")
    assert by_name["Cookie"].total == D("3.03")
    assert member.total == D("12.13")
    assert admin.total == D("5.71")
    assert coord.total == D("10.67")
    assert s.total == D("28.51")
    # Carrots and tomatoes (by the kg) count once each, the loaf once, the three cookies 3.
    assert member.items == D("6")
    assert s.sheet_text == "Merci d'apporter vos sacs."


def test_member_summary_payment_state(world, day):
    s = summaries.member_summary(group=world.group, md=day.md)
    admin, _coord, member = s.blocks
    assert member.awaiting_type
    assert member.paid == 0 and member.announced == D("12.13")
    assert member.due == D("12.13")
    assert not member.settled
    assert admin.payments[0].payment_type == "cheque"


def test_member_summary_uses_weighed_quantity_and_frozen_price(world, day):
    line = day.member_basket.lines.get(product=day.carrots)
    line.actual_quantity = D("1.437")
    line.save()
    day.carrots.price = D("9.99")
    day.carrots.save()
    s = summaries.member_summary(group=world.group, md=day.md)
    member = s.blocks[2]
    carrots = next(line for line in member.lines if line.product_name == "Carottes")
    assert carrots.quantity == D("1.437") and carrots.ordered == D("1.5")
    assert carrots.total == D("3.38")  # 1.437 x 2.35 = 3.37695
    assert member.total == D("11.98")
    assert s.total == D("28.36")


def test_product_summary_by_catalog_with_vat_and_fees(world, day):
    s = summaries.product_summary(group=world.group, md=day.md)
    vegetables, bread = s.catalogs
    assert vegetables.catalog_name == "Légumes" and vegetables.vendor_name == "Ferme du Mas"
    rows = {p.product_name: p for p in vegetables.products}
    assert rows["Carottes"].quantity == D("3.5") and rows["Carottes"].goods == D("8.23")
    assert rows["Carottes"].goods_ht == D("7.80")  # 3.35 + 4.45
    assert rows["Tomates"].quantity == D("1.95") and rows["Tomates"].goods == D("6.05")
    assert vegetables.goods == D("14.28") and vegetables.goods_ht == D("13.54")
    assert vegetables.fees == 0
    rows = {p.product_name: p for p in bread.products}
    assert rows["Pain complet"].goods == D("9.99") and rows["Pain complet"].fees == D("0.20")
    assert rows["Cookie"].quantity == 4 and rows["Cookie"].goods == D("3.96")
    assert rows["Cookie"].goods_ht == D("3.31")
    assert bread.goods == D("13.95") and bread.goods_ht == D("12.78") and bread.fees == D("0.28")
    # Producers' goods + fees = what members pay.
    assert s.goods + s.fees == D("28.51")


def test_product_summary_splits_a_product_sold_at_two_prices(world, day):
    from members.models import Member

    outsider = Member.objects.create(group=world.group, user=world.outsider)
    make_basket(day.md, outsider, [(day.tomatoes, 1, "2.90")])
    s = summaries.product_summary(group=world.group, md=day.md)
    tomatoes = [p for p in s.catalogs[0].products if p.product_name == "Tomates"]
    assert [(p.unit_price, p.quantity, p.goods) for p in tomatoes] == [
        (D("2.90"), D("1.000"), D("2.90")),
        (D("3.10"), D("1.950"), D("6.05")),
    ]


def test_matrix_has_a_column_per_product_and_totals(world, day):
    m = summaries.matrix(group=world.group, md=day.md)
    assert [c[1] for c in m.columns] == ["Carottes", "Tomates", "Cookie", "Pain complet"]
    assert m.column_totals == [D("3.5"), D("1.95"), D("4"), D("3")]
    admin_row = m.rows[0][1]
    assert admin_row == [D("2"), None, D("1"), None]
    assert m.total == D("28.51")


def test_other_groups_baskets_never_show(world, day):
    s = summaries.member_summary(group=world.other_group, md=day.md)
    assert s.blocks == []


def test_fingerprint_changes_with_the_orders(world, day):
    from day import pdf

    def fingerprint(kind="signature"):
        return pdf.document_fingerprint(group=world.group, md=day.md, kind=kind, language="fr")

    before = fingerprint()
    assert before == fingerprint() and fingerprint("products") != before
    line = day.member_basket.lines.first()
    line.actual_quantity = D("0.5")
    line.save()
    assert fingerprint() != before


@pytest.mark.parametrize("extra", [0, 29])
def test_member_summary_queries_do_not_grow_with_baskets(
    world, day, extra, django_assert_max_num_queries
):
    from tests.factories import MemberFactory

    for _ in range(extra):
        m = MemberFactory(group=world.group)
        make_basket(day.md, m, [(day.carrots, 1), (day.loaf, 2)], payment_type="cash")
    group = type(world.group).objects.get(pk=world.group.pk)
    with django_assert_max_num_queries(9):
        s = summaries.member_summary(group=group, md=day.md)
        summaries.product_summary(group=group, md=day.md)
    assert len(s.blocks) == 3 + extra
