import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kernel.models import LogEntry
from members.models import Member
from payments import services
from payments.models import ONTHESPOT, Operation
from tests.factories import MemberFactory, UserFactory
from tests.payments.factories import ordered, paid

D = Decimal


def url(name, world, **kw):
    return reverse(f"payments:{name}", kwargs={"group_slug": world.group.slug, **kw})


# --- permissions ---------------------------------------------------------------------------


def test_member_sees_own_account(world, client_for, member_row):
    ordered(world.group, member_row, "B1", "12.50")
    services.payment_intention_record(
        group=world.group,
        member=member_row,
        reference="B1",
        payment_type="cheque",
        amount="12.50",
        acting_user=world.member,
    )
    response = client_for(world.member).get(url("account", world))
    assert response.status_code == 200
    assert response.context["summary"]["balance"] == D("-12.50")
    assert response.context["summary"]["pending"] == D("12.50")
    assert len(response.context["pending"]) == 1
    assert response.context["pending"][0].instructions  # the cheque's payee and amount
    assert [op.amount for op in response.context["page"]] == [D("12.50"), D("-12.50")]


def test_account_shows_only_own_rows(world, client_for, member_row, admin_row):
    paid(world, admin_row, "99.00")
    response = client_for(world.member).get(url("account", world))
    assert list(response.context["page"]) == []


@pytest.mark.parametrize(
    "name", ["balances", "pending", "export", "member", "member_payment", "member_confirm"]
)
def test_member_without_payments_right_gets_403(world, client_for, member_row, name):
    kwargs = {"member_id": member_row.pk} if name.startswith("member") else {}
    client = client_for(world.member)
    method = client.post if name in ("member_payment", "member_confirm") else client.get
    assert method(url(name, world, **kwargs)).status_code == 403
    coordinator = client_for(world.coordinator)  # manages catalogs, not payments
    assert method(url(name, world, **kwargs)).status_code == 403
    assert coordinator.get(url("balances", world)).status_code == 403


def test_outsider_gets_404(world, client_for, member_row):
    client = client_for(world.outsider)
    assert client.get(url("account", world)).status_code == 404
    assert client.get(url("balances", world)).status_code == 404
    assert client.get(url("member", world, member_id=member_row.pk)).status_code == 404


def test_member_of_another_group_is_404_from_our_pages(world, client_for):
    foreign = Member.objects.get(user=world.outsider)
    client = client_for(world.admin)
    assert client.get(url("member", world, member_id=foreign.pk)).status_code == 404
    response = client.post(
        url("member_payment", world, member_id=foreign.pk),
        {"payment-payment_type": "cash", "payment-amount": "5", "payment-date": "2024-01-01"},
    )
    assert response.status_code == 404
    assert not Operation.objects.exists()


def test_payments_right_is_enough(world, client_for, member_row):
    treasurer = UserFactory()
    MemberFactory(group=world.group, user=treasurer, can_manage_payments=True)
    client = client_for(treasurer)
    assert client.get(url("balances", world)).status_code == 200
    assert client.get(url("member", world, member_id=member_row.pk)).status_code == 200
    manage = client.get(reverse("groups:manage", args=[world.group.slug]))
    assert url("balances", world).encode() in manage.content


def test_group_page_links_to_the_account(world, client_for):
    response = client_for(world.member).get(reverse("groups:detail", args=[world.group.slug]))
    assert url("account", world).encode() in response.content


# --- manual entry ---------------------------------------------------------------------------


def _payment_data(**overrides):
    data = {
        "payment-payment_type": "cheque",
        "payment-amount": "12,50",
        "payment-date": timezone.localdate().isoformat(),
        "payment-label": "Chèque n°123",
    }
    data.update(overrides)
    return data


def test_admin_records_a_payment(world, client_for, member_row):
    response = client_for(world.admin).post(
        url("member_payment", world, member_id=member_row.pk), _payment_data()
    )
    assert response.status_code == 302
    op = Operation.objects.get()
    assert op.amount == D("12.50") and op.payment_type == "cheque"
    assert op.label == "Chèque n°123" and op.recorded_by == world.admin
    entry = LogEntry.objects.get(action="payment.recorded")
    assert entry.actor == world.admin and entry.data["reason"] == "Chèque n°123"


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.234", "12,345", "", "1e3", "NaN"])
def test_bad_payment_amounts_show_an_error_next_to_the_field(world, client_for, member_row, amount):
    response = client_for(world.admin).post(
        url("member_payment", world, member_id=member_row.pk),
        _payment_data(**{"payment-amount": amount}),
    )
    assert response.status_code == 200
    form = response.context["payment_form"]
    assert list(form.errors) == ["amount"]
    content = response.content.decode()
    field_html = content[content.index('id="payment"') :]
    assert 'aria-invalid="true"' in field_html and "errorlist" in field_html
    assert not Operation.objects.exists()


def test_payment_in_future_or_of_unknown_type_is_refused(world, client_for, member_row):
    client = client_for(world.admin)
    future = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    response = client.post(
        url("member_payment", world, member_id=member_row.pk),
        _payment_data(**{"payment-date": future, "payment-payment_type": "moneypot"}),
    )
    assert set(response.context["payment_form"].errors) == {"date", "payment_type"}
    assert not Operation.objects.exists()


def test_refund_above_credit_is_refused_on_the_amount_field(world, client_for, member_row):
    paid(world, member_row, "5.00")
    response = client_for(world.admin).post(
        url("member_refund", world, member_id=member_row.pk),
        {
            "refund-payment_type": "cash",
            "refund-amount": "6",
            "refund-date": timezone.localdate().isoformat(),
            "refund-reason": "trop perçu",
        },
    )
    assert response.status_code == 200
    assert list(response.context["refund_form"].errors) == ["amount"]
    assert Operation.objects.count() == 1


def test_correction_needs_a_reason_and_a_nonzero_amount(world, client_for, member_row):
    client = client_for(world.admin)
    response = client.post(
        url("member_correction", world, member_id=member_row.pk),
        {"correction-amount": "0", "correction-reason": "  "},
    )
    assert set(response.context["correction_form"].errors) == {"amount", "reason"}
    response = client.post(
        url("member_correction", world, member_id=member_row.pk),
        {"correction-amount": "-2,5", "correction-reason": "oubli"},
    )
    assert response.status_code == 302
    op = Operation.objects.get()
    assert op.kind == Operation.Kind.CORRECTION and op.amount == D("-2.50")
    assert LogEntry.objects.get(action="payment.corrected").data["reason"] == "oubli"


def test_correct_link_prefills_the_cancelling_amount(world, client_for, member_row):
    op = paid(world, member_row, "50.00")
    client = client_for(world.admin)
    response = client.get(url("member", world, member_id=member_row.pk) + f"?correct={op.pk}")
    form = response.context["correction_form"]
    assert form.initial == {"reverses": op.pk, "amount": D("-50.00")}
    response = client.post(
        url("member_correction", world, member_id=member_row.pk),
        {
            "correction-reverses": op.pk,
            "correction-amount": "-10",
            "correction-reason": "le chèque était de 40",
        },
    )
    assert response.status_code == 302
    fix = Operation.objects.get(kind=Operation.Kind.CORRECTION)
    assert fix.reverses == op and fix.amount == D("-10.00")
    # Over-correcting is refused on the amount field.
    response = client.post(
        url("member_correction", world, member_id=member_row.pk),
        {"correction-reverses": op.pk, "correction-amount": "-41", "correction-reason": "x"},
    )
    assert list(response.context["correction_form"].errors) == ["amount"]


def test_correction_cannot_target_another_members_operation(world, client_for, member_row):
    other = Member.objects.get(user=world.admin)
    op = paid(world, other, "10.00")
    response = client_for(world.admin).post(
        url("member_correction", world, member_id=member_row.pk),
        {"correction-reverses": op.pk, "correction-amount": "-10", "correction-reason": "x"},
    )
    assert list(response.context["correction_form"].errors) == ["reverses"]
    assert Operation.objects.count() == 1


# --- confirmation ---------------------------------------------------------------------------


def _intention(world, member, reference="B1", ptype="cheque", amount="10"):
    [op] = services.payment_intention_record(
        group=world.group,
        member=member,
        reference=reference,
        payment_type=ptype,
        amount=amount,
        acting_user=None,
    )
    return op


def test_confirm_one_pending_payment(world, client_for, member_row):
    op = _intention(world, member_row)
    response = client_for(world.admin).post(
        url("member_confirm", world, member_id=member_row.pk), {"operations": [op.pk]}
    )
    assert response.status_code == 302
    op.refresh_from_db()
    assert op.state == Operation.State.CONFIRMED and op.confirmed_by == world.admin


def test_bulk_confirm_on_pending_page_and_onspot_needs_a_type(world, client_for):
    rows = [MemberFactory(group=world.group) for _ in range(3)]
    ops = [_intention(world, row, reference=f"B{i}") for i, row in enumerate(rows)]
    spot = _intention(world, rows[0], reference="B9", ptype=ONTHESPOT)
    client = client_for(world.admin)
    response = client.get(url("pending", world))
    assert len(response.context["rows"]) == 4
    response = client.post(url("pending", world), {"operations": [ops[0].pk, spot.pk]})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["onspot_type"]
    assert not Operation.objects.filter(state=Operation.State.CONFIRMED).exists()
    response = client.post(
        url("pending", world),
        {"operations": [o.pk for o in ops] + [spot.pk], "onspot_type": "cash"},
    )
    assert response.status_code == 302
    assert not Operation.objects.filter(state=Operation.State.PENDING).exists()
    spot.refresh_from_db()
    assert spot.payment_type == "cash"
    response = client.post(url("pending", world), {"operations": []})
    assert list(response.context["form"].errors) == ["operations"]


def test_confirm_refuses_operations_of_another_member(world, client_for, member_row):
    other = MemberFactory(group=world.group)
    op = _intention(world, other)
    response = client_for(world.admin).post(
        url("member_confirm", world, member_id=member_row.pk), {"operations": [op.pk]}
    )
    assert response.status_code == 200
    assert "operations" in response.context["confirm_form"].errors
    op.refresh_from_db()
    assert op.is_pending


# --- balances page --------------------------------------------------------------------------


def test_balances_page_filters_and_totals(world, client_for, member_row, admin_row):
    ordered(world.group, member_row, "B1", "10")
    paid(world, admin_row, "4.00")
    client = client_for(world.admin)
    response = client.get(url("balances", world))
    assert response.context["totals"]["owed"] == D("-10.00")
    assert response.context["totals"]["credit"] == D("4.00")
    response = client.get(url("balances", world), {"status": "owing"})
    assert [m.pk for m in response.context["page"]] == [member_row.pk]
    response = client.get(url("balances", world), {"status": "credit"})
    assert [m.pk for m in response.context["page"]] == [admin_row.pk]
    response = client.get(url("balances", world), {"status": "nonsense", "page": "zzz"})
    assert response.status_code == 200


# --- query budgets --------------------------------------------------------------------------


def _fill(world, count):
    for i in range(count):
        row = MemberFactory(group=world.group)
        ordered(world.group, row, f"B{i}", f"{i + 1}.00")
        _intention(world, row, reference=f"B{i}", amount="1")
        paid(world, row, "2.00")


@pytest.mark.parametrize("count", [1, 30])
def test_list_pages_have_a_constant_query_budget(
    world, client_for, member_row, django_assert_max_num_queries, count
):
    _fill(world, count)
    for i in range(count):
        ordered(world.group, member_row, f"M{i}", "1.00")
        _intention(world, member_row, reference=f"M{i}", amount="1")
    client = client_for(world.admin)
    member_client = client_for(world.member)
    pages = [
        (client, url("balances", world)),
        (client, url("pending", world)),
        (client, url("member", world, member_id=member_row.pk)),
        (member_client, url("account", world)),
    ]
    for c, page in pages:
        with django_assert_max_num_queries(10):
            assert c.get(page).status_code == 200


# --- export ---------------------------------------------------------------------------------


def _export_rows(world, member_row):
    ordered(world.group, member_row, "B1", "12.50")
    paid(world, member_row, "1234.56", "cheque", label="Chèque; avec point-virgule")


def test_csv_export_in_french_uses_semicolons_and_decimal_commas(world, client_for, member_row):
    _export_rows(world, member_row)
    today = timezone.localdate()
    response = client_for(world.admin).get(
        url("export", world),
        {"start": today.replace(day=1).isoformat(), "end": today.isoformat(), "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert today.isoformat() in disposition and disposition.endswith('.csv"')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and len(rows[0]) == 14
    amounts = {row[6] for row in rows[1:]}
    assert amounts == {"-12,50", "1234,56"}
    assert any(row[5] == "Chèque; avec point-virgule" for row in rows[1:])


def test_csv_export_in_english_uses_commas(world, client_for, member_row):
    _export_rows(world, member_row)
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    today = timezone.localdate()
    response = client_for(world.admin).get(
        url("export", world),
        {"start": today.replace(day=1).isoformat(), "end": today.isoformat(), "format": "csv"},
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=","))
    assert rows[0][0] == "No." and rows[0][6] == "Amount"
    assert {row[6] for row in rows[1:]} == {"-12.50", "1234.56"}


def test_xlsx_export_has_numeric_amounts(world, client_for, member_row):
    _export_rows(world, member_row)
    today = timezone.localdate()
    response = client_for(world.admin).get(
        url("export", world),
        {"start": today.replace(day=1).isoformat(), "end": today.isoformat(), "format": "xlsx"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [sheet.cell(row=r, column=7).value for r in range(2, sheet.max_row + 1)]
    assert sorted(values) == [-12.5, 1234.56]
    assert all(sheet.cell(row=r, column=7).data_type == "n" for r in range(2, sheet.max_row + 1))
    assert sheet.cell(row=2, column=2).is_date


def test_exports_neutralise_text_a_spreadsheet_would_run_as_a_formula(
    world, client_for, member_row
):
    ordered(world.group, member_row, "B1", "12.50")
    paid(world, member_row, "3.00", "cheque", label='=HYPERLINK("http://x","y")')
    today = timezone.localdate()
    params = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    client = client_for(world.admin)
    raw = client.get(url("export", world), {**params, "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert '\'=HYPERLINK("http://x","y")' in {row[5] for row in rows[1:]}
    assert "-12,50" in {row[6] for row in rows[1:]}  # a negative amount stays a number
    response = client.get(url("export", world), {**params, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    labels = [sheet.cell(row=r, column=6) for r in range(2, sheet.max_row + 1)]
    label = next(c for c in labels if "HYPERLINK" in str(c.value))
    assert label.data_type == "s" and label.value.startswith("'=")


def test_export_only_has_the_period_and_the_group(world, client_for, member_row):
    _export_rows(world, member_row)
    outsider_row = Member.objects.get(user=world.outsider)
    paid(world.other_group, outsider_row, "7.00")
    response = client_for(world.admin).get(
        url("export", world), {"start": "2000-01-01", "end": "2000-01-31", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1
    today = timezone.localdate()
    response = client_for(world.admin).get(
        url("export", world),
        {"start": f"{today.year - 1}-01-01", "end": today.isoformat(), "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3  # the other group's payment is not there


def test_bad_export_period_shows_errors(world, client_for):
    response = client_for(world.admin).get(
        url("export", world), {"start": "2024-02-01", "end": "2024-01-01", "format": "pdf"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"end", "format"}
    response = client_for(world.admin).get(
        url("export", world), {"start": "hier", "end": "2024-01-01", "format": "csv"}
    )
    assert list(response.context["form"].errors) == ["start"]


def test_home_shows_balances_in_a_fixed_number_of_queries(
    world, client_for, member_row, django_assert_max_num_queries
):
    client = client_for(world.member)
    assert not any("accounts" in p for p in client.get("/").context["panels"])
    ordered(world.group, member_row, "B1", "8.00")
    other_row = MemberFactory(group=world.other_group, user=world.member)
    paid(world.other_group, other_row, "3.00")
    with django_assert_max_num_queries(10):  # every app's home panel, whatever the number of groups
        response = client.get("/")
    [panel] = [p for p in response.context["panels"] if "accounts" in p]
    assert [(a["group"], a["balance"]) for a in panel["accounts"]] == [
        (world.other_group, D("3.00")),
        (world.group, D("-8.00")),
    ]
    assert url("account", world).encode() in response.content


def test_account_folds_corrections_into_what_they_correct(world, client_for, member_row):
    """Issue 18: an order changed several times is one line at its current amount, its payment
    one line too; the corrections are in the line's details, the ledger keeps every row."""
    world.group.payment_types = ["cash", "cheque"]
    world.group.save()
    for total in ("10.00", "14.50", "12.20", "13.05"):
        services.order_ledger_set(
            group=world.group,
            member=member_row,
            reference="B1",
            amount=D(total),
            label="Commande du 12/06",
            payment_type="cheque",
            acting_user=None,
        )
    assert Operation.objects.filter(member=member_row).count() == 8
    response = client_for(world.member).get(url("account", world))
    rows = list(response.context["page"])
    assert sorted((op.kind, op.effective) for op in rows) == [
        ("order", D("-13.05")),
        ("payment", D("13.05")),
    ]
    content = response.content.decode()
    assert content.count("<tr>") == 3  # the head and two lines
    assert "Détails\u00a0: 3 corrections" in content
    assert "corrige le n°" not in content
    admin = client_for(world.admin).get(url("member", world, member_id=member_row.pk))
    assert len(list(admin.context["page"])) == 2
