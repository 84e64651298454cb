"""Period reports and their files (issue 19, items 1 and 2) on the distribution day fixture
(tests/day/conftest.py: three baskets, two catalogs, one with a 2 % fee, totals by hand)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from payments import services as payments
from reports import selectors
from reports.exports import OrderLinesExporter, ProducerExporter
from tests.day.factories import make_basket, make_md

D = Decimal


def _period():
    today = timezone.localdate()
    return today - timedelta(days=1), today + timedelta(days=30)


def _csv(content: bytes, delimiter: str) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_period_report_totals_per_producer_vat_rate_catalog_and_payment_type(world, day):
    payments.payment_record(
        group=world.group,
        member=day.members["admin"],
        amount="5.71",
        payment_type="cheque",
        acting_user=world.admin,
    )
    start, end = _period()
    report = selectors.period_report(group=world.group, start=start, end=end)
    assert report.baskets == 3
    assert report.totals.total == D("28.51")
    assert report.totals.goods == D("28.23")
    assert report.totals.fees == D("0.28")
    by_name = {p.name: p for p in report.producers}
    mas, fournil = by_name["Ferme du Mas"], by_name["Fournil"]
    # Per line, half up: 3.53/1.055 → 3.35, 2.17 → 2.06, 4.70 → 4.45, 3.88 → 3.68.
    assert (mas.totals.goods, mas.totals.goods_ht, mas.totals.vat) == (
        D("14.28"),
        D("13.54"),
        D("0.74"),
    )
    assert set(fournil.by_rate) == {D("5.50"), D("20.00")}
    assert (fournil.by_rate[D("5.50")].goods, fournil.by_rate[D("5.50")].goods_ht) == (
        D("9.99"),
        D("9.47"),
    )
    assert (fournil.by_rate[D("20.00")].goods, fournil.by_rate[D("20.00")].goods_ht) == (
        D("3.96"),
        D("3.31"),
    )
    assert fournil.totals.fees == D("0.28")
    assert [(c[0], c[2].total) for c in report.catalogs] == [
        ("Légumes", D("14.28")),
        ("Pain", D("14.23")),
    ]
    # Pending payment intentions do not count; the confirmed cheque does.
    assert report.payment_types == [("Chèque", D("5.71"), 1)]
    assert [(p.baskets, p.total) for p in report.distributions] == [(3, D("28.51"))]


def test_period_outside_the_dates_is_empty(world, day):
    today = timezone.localdate()
    report = selectors.period_report(group=world.group, start=today - timedelta(days=30), end=today)
    assert report.totals.total == 0
    assert report.producers == []
    assert report.distributions == []


@pytest.mark.parametrize(
    ("language", "delimiter", "total_ht", "rate"),
    [("fr", ";", "13,54", "5,50"), ("en", ",", "13.54", "5.50")],
)
def test_producer_file_in_each_dialect(world, day, language, delimiter, total_ht, rate):
    start, end = _period()
    content = ProducerExporter(world.group, start, end, language=language).content("csv")
    rows = _csv(content, delimiter)
    assert rows[0][0] == ("Producteur" if language == "fr" else "Producer")
    assert rows[1][:3] == ["Ferme du Mas", rate, total_ht]
    last = rows[-1]
    assert last[0] == ("Total")
    assert last[4] == ("28,23" if language == "fr" else "28.23")


def test_xlsx_keeps_numbers_as_numbers(world, day):
    start, end = _period()
    content = ProducerExporter(world.group, start, end, language="fr").content("xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "Ferme du Mas"
    assert rows[1][2] == pytest.approx(13.54)


def test_order_lines_file_neutralises_formulas_and_keeps_one_catalog(world, day):
    day.carrots.name = "=HYPERLINK(1)"
    day.carrots.save()
    from orders.models import OrderLine

    OrderLine.objects.filter(product=day.carrots).update(product_name="=HYPERLINK(1)")
    start, end = _period()
    rows = _csv(
        OrderLinesExporter(
            world.group, start, end, language="en", catalog_id=day.vegetables.pk
        ).content("csv"),
        ",",
    )
    products = [r[7] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in products
    assert {r[5] for r in rows[1:]} == {"Légumes"}
    assert sum(D(r[15]) for r in rows[1:]) == D("14.28")


def test_order_lines_query_count_does_not_grow_with_rows(world, day):
    start, end = _period()

    def queries() -> int:
        exporter = OrderLinesExporter(world.group, start, end, language="fr")
        with CaptureQueriesContext(connection) as ctx:
            exporter.content("csv")
        return len(ctx.captured_queries)

    before = queries()
    md = make_md(world.group, days=12, catalogs=[day.vegetables, day.bread])
    make_basket(md, day.members["member"], [(day.carrots, 1), (day.loaf, 2), (day.cookie, 1)])
    make_basket(md, day.members["admin"], [(day.tomatoes, 1)])
    assert queries() == before


def test_period_page_and_files_for_admins_only(world, day, client_for):
    start, end = _period()
    url = f"/g/{world.group.slug}/manage/reports/period/"
    query = {"start": start.isoformat(), "end": end.isoformat()}
    assert client_for(world.coordinator).get(url, query).status_code == 403
    admin = client_for(world.admin)
    page = admin.get(url, query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Ferme du Mas" in html
    assert "28,51" in html
    assert "Taux de TVA (%)" in html and "VAT rate" not in html
    response = admin.get(url + "producers/", {**query, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = admin.get(url + "lines/", {**query, "format": "csv"})
    assert b"".join(response.streaming_content).decode().count("\r\n") == 1 + 8


def test_bad_dates_say_so_without_a_file(world, day, client_for):
    url = f"/g/{world.group.slug}/manage/reports/period/producers/"
    response = client_for(world.admin).get(url, {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert "La fin doit" in response.content.decode()
    response = client_for(world.admin).get(url, {"start": "n'importe", "end": ""})
    assert response.status_code == 400


def test_duties_file_lists_volunteers_and_free_places(world, day):
    from distributions.models import Duty, DutyNeed, VolunteerRole
    from reports.exports import DutyExporter

    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    need = DutyNeed.objects.create(group=world.group, multidistrib=day.md, role=role, people=2)
    Duty.objects.create(group=world.group, need=need, user=world.member)
    start, end = _period()
    rows = _csv(DutyExporter(world.group, start, end, language="fr").content("csv"), ";")
    assert rows[0] == ["Date", "Rôle", "Catalogue", "Bénévole", "E-mail", "Téléphone"]
    assert [r[1:4] for r in rows[1:]] == [
        ["Accueil", "", "Maëlle Membre"],
        ["Accueil", "", "(libre)"],
    ]


def test_products_file_gives_each_product_its_share_of_the_catalog(world, day):
    from reports.exports import ProductExporter

    start, end = _period()
    rows = _csv(ProductExporter(world.group, start, end, language="en").content("csv"), ",")
    assert rows[0][-1] == "Share of the catalog (%)"
    shares = {(r[0], r[1]): D(r[-1]) for r in rows[1:]}
    # Légumes: carrots 3.53 + 4.70 = 8.23 of 14.28 → 57.63 %; tomatoes 6.05 → 42.37 %.
    assert shares[("Légumes", "Carottes")] == D("57.63")
    assert shares[("Légumes", "Tomates")] == D("42.37")


def test_a_catalog_page_leads_admins_to_its_orders(world, day, client_for):
    detail = f"/g/{world.group.slug}/manage/catalogs/{day.vegetables.pk}/"
    html = client_for(world.admin).get(detail).content.decode()
    link = f"/g/{world.group.slug}/manage/reports/period/?catalog={day.vegetables.pk}"
    assert link in html
    page = client_for(world.admin).get(link).content.decode()
    assert f'<option value="{day.vegetables.pk}" selected>' in page
    assert "Ce champ est obligatoire" not in page
    assert link not in client_for(world.coordinator).get(detail).content.decode()
