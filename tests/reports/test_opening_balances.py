"""Opening balances from a file (issue 19, item 3): preview, all or nothing, line-numbered
errors, both separators and XLSX, written as confirmed adjustments through the payments
services."""

import io
import re

import pytest
from openpyxl import Workbook

from kernel.models import LogEntry
from members.models import Member
from payments import selectors as ledger
from payments.models import Operation

URL = "/g/la-cagette/manage/payments/opening/"


def _file(text: str, name: str = "soldes.csv"):
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return upload


def _payload(html: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', html).group(1)


def _submission(html: str) -> str:
    return re.search(r'name="submission" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize(
    "content",
    [
        "email;montant;libellé;date\nmember@example.org;-12,50;Reprise Excel;31/10/2026\n"
        "COORD@example.org;20;;\n",
        "e-mail,amount,label\nmember@example.org,-12.50,Reprise Excel\ncoord@example.org,20,\n",
    ],
)
def test_preview_then_confirm_records_each_balance(world, client_for, content):
    client = client_for(world.admin)
    preview = client.post(URL + "preview/", {"file": _file(content)})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Maëlle" in html and "7,50" in html  # the total
    assert not Operation.objects.filter(group=world.group).exists()
    response = client.post(
        URL + "confirm/", {"payload": _payload(html), "submission": _submission(html)}
    )
    assert response.status_code == 302
    member = Member.objects.get(group=world.group, user=world.member)
    coord = Member.objects.get(group=world.group, user=world.coordinator)
    assert str(ledger.balance_for_member(group=world.group, member=member)) == "-12.50"
    assert str(ledger.balance_for_member(group=world.group, member=coord)) == "20.00"
    labels = set(Operation.objects.filter(group=world.group).values_list("label", flat=True))
    assert labels == {"Reprise Excel", "Solde d\u2019ouverture"}
    assert LogEntry.objects.filter(action="payments.opening_balances_imported").count() == 1
    # The same confirmation again writes nothing.
    client.post(URL + "confirm/", {"payload": _payload(html), "submission": _submission(html)})
    assert Operation.objects.filter(group=world.group).count() == 2


def test_xlsx_is_read_too(world, client_for):
    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Amount"])
    sheet.append(["member@example.org", -3.2])
    out = io.BytesIO()
    book.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "soldes.xlsx"
    preview = client_for(world.admin).post(URL + "preview/", {"file": upload})
    assert preview.status_code == 200
    assert "-3,20" in preview.content.decode()


def test_every_bad_line_is_reported_and_nothing_is_recorded(world, client_for):
    content = (
        "email;montant\n"
        "member@example.org;abc\n"
        "inconnu@example.org;5\n"
        "coord@example.org;0\n"
        "admin@example.org;3\n"
        "admin@example.org;4\n"
        "outsider@example.org;1\n"
    )
    response = client_for(world.admin).post(URL + "preview/", {"file": _file(content)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ligne 2" in html and "Ligne 3" in html and "Ligne 4" in html
    assert "Ligne 6" in html and "Ligne 7" in html  # twice; a member of another group
    assert "Ligne 5" not in html
    assert 'name="payload"' not in html
    assert not Operation.objects.exists()


def test_bad_headers_files_and_tampered_previews(world, client_for):
    client = client_for(world.admin)
    response = client.post(URL + "preview/", {"file": _file("nom;valeur\nx;1\n")})
    assert response.status_code == 400
    assert "email" in response.content.decode()
    response = client.post(URL + "preview/", {"file": _file("x", name="soldes.pdf")})
    assert response.status_code == 400
    response = client.post(URL + "confirm/", {"payload": "forged", "submission": "t"})
    assert response.status_code == 302
    assert not Operation.objects.exists()


def test_rights(world, client_for):
    assert client_for(world.member).get(URL).status_code == 403
    assert client_for(world.outsider).get(URL).status_code == 404
    assert client_for(world.admin).get(URL).status_code == 200
