"""One catalog's statistics over a period (issue 19, spec §8 "catalog stats"): per product the
quantity, the amounts excl. and incl. VAT, the share of the catalog and the buyers, as a page and
as CSV/XLSX, for the catalog's managers (its coordinators too). Totals by hand on the distribution
day fixture (tests/day/conftest.py)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Member
from reports import selectors
from tests.day.factories import make_basket, make_md

D = Decimal


def _period(**extra):
    today = timezone.localdate()
    return {
        "start": (today - timedelta(days=1)).isoformat(),
        "end": (today + timedelta(days=30)).isoformat(),
        **extra,
    }


def _url(name, world, catalog):
    return reverse(f"reports:{name}", args=[world.group.slug, catalog.pk])


def test_per_product_quantities_amounts_shares_and_buyers(world, day):
    today = timezone.localdate()
    stats = selectors.catalog_statistics(
        catalog=day.vegetables, start=today, end=today + timedelta(days=30)
    )
    rows = [
        (p.name, p.totals.quantity, p.totals.goods_ht, p.totals.goods, p.share, p.buyer_count)
        for p in stats.products
    ]
    # Carrots: 1.5 x 2.35 = 3.53 (HT 3.35) and 2 x 2.35 = 4.70 (HT 4.45); tomatoes: 0.7 x 3.10 =
    # 2.17 (HT 2.06) and 1.25 x 3.10 = 3.88 (HT 3.68). Shares of 14.28: 57.63 % and 42.37 %.
    assert rows == [
        ("Carottes", D("3.5"), D("7.80"), D("8.23"), D("57.63"), 2),
        ("Tomates", D("1.95"), D("5.74"), D("6.05"), D("42.37"), 2),
    ]
    assert (stats.totals.goods_ht, stats.totals.goods, stats.buyers) == (
        D("13.54"),
        D("14.28"),
        3,
    )
    # Another period: nothing.
    empty = selectors.catalog_statistics(
        catalog=day.vegetables, start=today - timedelta(days=60), end=today - timedelta(days=30)
    )
    assert empty.products == [] and empty.buyers == 0


def test_the_page_and_its_files_in_both_dialects(world, day, client_for):
    client = client_for(world.admin)
    params = _period()
    page = client.get(_url("catalog_statistics", world, day.vegetables), params)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Carottes" in html and "57,63" in html and "14,28" in html
    assert f"start={params['start']}&amp;end={params['end']}&amp;format=xlsx" in html
    response = client.get(_url("catalog_statistics_file", world, day.vegetables), _period())
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Produit",
        "Référence",
        "Quantité",
        "Total HT",
        "Total TTC",
        "Part du catalogue (%)",
        "Acheteurs",
    ]
    assert rows[1][0] == "Carottes" and rows[1][2:] == ["3,5", "7,80", "8,23", "57,63", "2"]
    assert rows[-1] == ["Total", "", "", "13,54", "14,28", "100,00", "3"]
    assert "statistics-legumes" in response["Content-Disposition"]
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    response = client.get(
        _url("catalog_statistics_file", world, day.vegetables), _period(format="csv")
    )
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=","
        )
    )
    assert rows[0][3:] == [
        "Total excl. VAT",
        "Total incl. VAT",
        "Share of the catalog (%)",
        "Buyers",
    ]
    assert rows[2][2:] == ["1.95", "5.74", "6.05", "42.37", "2"]
    response = client.get(
        _url("catalog_statistics_file", world, day.vegetables), _period(format="xlsx")
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[2]] == ["Carottes", day.carrots.ref, 3.5, 7.8, 8.23, 57.63, 2]


def test_the_catalogs_coordinator_sees_it_other_members_do_not(world, day, client_for):
    member = Member.objects.get(group=world.group, user=world.member)
    client = client_for(world.member)
    assert client.get(_url("catalog_statistics", world, day.vegetables)).status_code == 403
    assert (
        client.get(_url("catalog_statistics_file", world, day.vegetables), _period()).status_code
        == 403
    )
    day.vegetables.coordinators.add(member)
    assert client.get(_url("catalog_statistics", world, day.vegetables)).status_code == 200
    response = client.get(_url("catalog_statistics_file", world, day.vegetables), _period())
    assert response.status_code == 200
    assert client.get(_url("catalog_statistics", world, day.bread)).status_code == 403
    # The catalog coordinator right of the group (every catalog).
    assert (
        client_for(world.coordinator).get(_url("catalog_statistics", world, day.bread)).status_code
        == 200
    )


def test_bad_dates_come_back_as_the_form(world, day, client_for):
    client = client_for(world.admin)
    response = client.get(
        _url("catalog_statistics", world, day.vegetables), {"start": "hier", "end": "2026-01-01"}
    )
    assert response.status_code == 400 and "start" in response.context["form"].errors
    response = client.get(
        _url("catalog_statistics_file", world, day.vegetables),
        {"start": "2020-01-01", "end": "2026-01-01", "format": "pdf"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"end", "format"}


def test_query_count_does_not_grow_with_orders(world, day, client_for):
    client = client_for(world.admin)

    def counts():
        with CaptureQueriesContext(connection) as page:
            client.get(_url("catalog_statistics", world, day.vegetables), _period())
        with CaptureQueriesContext(connection) as file:
            response = client.get(
                _url("catalog_statistics_file", world, day.vegetables), _period(format="xlsx")
            )
            b"".join(response.streaming_content)
        return len(page), len(file)

    before = counts()
    md = make_md(world.group, days=12, catalogs=[day.vegetables])
    for member in Member.objects.filter(group=world.group):
        make_basket(md, member, [(day.carrots, 3), (day.tomatoes, "0.5")])
    assert counts() == before
