"""The ledger page and its file (issue 19, item 1 of the last pieces): filters by period, member,
type, payment type and distribution; the file holds the page's rows (one selector)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from payments import services as payments
from payments.models import Operation
from tests.day.factories import make_basket, make_md

D = Decimal


def _url(name, world):
    return reverse(f"payments:{name}", kwargs={"group_slug": world.group.slug})


def _params(**filters):
    today = timezone.localdate()
    return {"start": (today - timedelta(days=5)).isoformat(), "end": today.isoformat(), **filters}


def _csv_rows(response, delimiter=";"):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=delimiter))


def _ledger(world, day):
    """The day's three baskets' debts, a second distribution's basket, two payments."""
    other_md = make_md(world.group, days=3, catalogs=[day.vegetables])
    other = make_basket(other_md, day.members["member"], [(day.carrots, 1)])
    payments.payment_record(
        group=world.group,
        member=day.members["admin"],
        amount=D("5.71"),
        payment_type="cheque",
        reference=day.admin_basket.code,
        acting_user=world.admin,
    )
    payments.payment_record(
        group=world.group,
        member=day.members["member"],
        amount=D("20.00"),
        payment_type="cash",
        acting_user=world.admin,
    )
    return other


def _numbers(rows):
    return sorted(int(row[0]) for row in rows[1:])


def _page_numbers(response):
    return sorted(op.pk for op in response.context["page"])


def test_each_filter_and_the_file_holds_the_pages_rows(world, day, client_for):
    other = _ledger(world, day)
    client = client_for(world.admin)
    member = day.members["member"]
    ops = Operation.objects.filter(group=world.group)
    cases = {
        "member": ({"member": member.pk}, ops.filter(member=member)),
        "kind": ({"kind": "payment"}, ops.filter(kind="payment")),
        "payment type": ({"payment_type": "cheque"}, ops.filter(payment_type="cheque")),
        "distribution": (
            {"distribution": day.md.pk},
            ops.filter(
                reference__in=[
                    b.code for b in (day.member_basket, day.admin_basket, day.coord_basket)
                ]
            ),
        ),
        "two filters": (
            {"member": member.pk, "distribution": other.multidistrib_id},
            ops.filter(reference=other.code),
        ),
    }
    for name, (filters, expected) in cases.items():
        expected_ids = sorted(expected.values_list("pk", flat=True))
        assert expected_ids, name
        page = client.get(_url("ledger", world), _params(**filters))
        assert page.status_code == 200 and _page_numbers(page) == expected_ids, name
        rows = _csv_rows(client.get(_url("export", world), _params(**filters, format="csv")))
        assert _numbers(rows) == expected_ids, name
    # The distribution filter takes the payment of a basket too, not only its debt.
    rows = _csv_rows(
        client.get(_url("export", world), _params(distribution=day.md.pk, format="csv"))
    )
    assert {row[4] for row in rows[1:]} == {"Commande", "Paiement"}
    # The download links carry the page's filters.
    page = client.get(_url("ledger", world), _params(member=member.pk, kind="order"))
    assert f"member={member.pk}&amp;kind=order" in page.content.decode()
    assert "format=xlsx" in page.content.decode()


def test_a_period_out_of_the_rows_gives_an_empty_file(world, day, client_for):
    _ledger(world, day)
    rows = _csv_rows(
        client_for(world.admin).get(
            _url("export", world), {"start": "2000-01-01", "end": "2000-01-31", "format": "csv"}
        )
    )
    assert len(rows) == 1


def test_french_and_english_columns(world, day, client_for):
    _ledger(world, day)
    client = client_for(world.admin)
    rows = _csv_rows(
        client.get(
            _url("export", world), _params(kind="payment", payment_type="cash", format="csv")
        )
    )
    assert rows[0][:7] == ["N°", "Date", "Membre", "E-mail", "Type", "Libellé", "Montant"]
    assert sorted(row[6] for row in rows[1:]) == ["20,00"]
    assert all("/" in row[1] for row in rows[1:])
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    rows = _csv_rows(
        client.get(
            _url("export", world), _params(kind="payment", payment_type="cash", format="csv")
        ),
        ",",
    )
    assert rows[0][:7] == ["No.", "Date", "Member", "E-mail", "Type", "Label", "Amount"]
    assert sorted(row[6] for row in rows[1:]) == ["20.00"]
    response = client.get(_url("export", world), _params(payment_type="cheque", format="xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet["G"][1:]] == [5.71, 5.71]  # intention and payment


def test_bad_filters_come_back_with_their_messages(world, day, client_for):
    other_group_md = make_md(world.other_group, days=2)
    client = client_for(world.admin)
    response = client.get(
        _url("ledger", world),
        _params(distribution=other_group_md.pk, member="999999", kind="gift", payment_type="x"),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "distribution",
        "member",
        "kind",
        "payment_type",
    }
    response = client.get(_url("ledger", world), {"start": "hier", "end": "2024-01-01"})
    assert response.status_code == 400 and "start" in response.context["form"].errors
    # Without any filter, the page shows the current month.
    response = client.get(_url("ledger", world))
    assert response.status_code == 200 and response.context["form"].is_valid()


def test_page_and_file_query_counts_do_not_grow_with_rows(
    world, day, client_for, django_assert_max_num_queries
):
    _ledger(world, day)
    client = client_for(world.admin)

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as page:
            assert client.get(_url("ledger", world), _params()).status_code == 200
        with CaptureQueriesContext(connection) as file:
            response = client.get(_url("export", world), _params(format="csv"))
            assert len(_csv_rows(response)) > 1
        return len(page), len(file)

    before = counts()
    for i in range(30):
        payments.payment_record(
            group=world.group,
            member=day.members["coord"],
            amount=D("1.00") + i,
            payment_type="transfer",
            acting_user=world.admin,
        )
    assert counts() == before
