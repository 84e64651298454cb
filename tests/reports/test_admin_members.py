"""Django admin: members' import through the members' import service (all or nothing, numbered
errors, then accounts or invitations) and export with the members export's columns; the
ledger is exported only, and the admin says why (issue 19, item 6)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from kernel.models import LogEntry
from members.models import Member, User
from tests.factories import UserFactory

HEADER = "firstName;lastName;email;phone;firstName2;lastName2;email2;phone2;address1;address2;zipCode;city\n"
IMPORT_URL = "/admin/members/member/import/"
CONFIRM_URL = "/admin/members/member/import/confirm/"


@pytest.fixture
def operator(db):
    return UserFactory(email="operateur@example.org", is_staff=True, is_superuser=True)


def _file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("membres.csv", text.encode("utf-8"), content_type="text/csv")


def test_import_previews_then_creates_through_the_service(
    world, operator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(operator)
    assert (
        "Importer des membres dans un groupe"
        in client.get("/admin/members/member/").content.decode()
    )
    text = (
        HEADER
        + "anne;DUPONT;Anne@Example.org;612345678;;;;;;;;\n"
        + "Maëlle;Membre;member@example.org;;;;;;;;;\n"  # already a member: left as she is
        + "Oscar;Outsider;outsider@example.org;;;;;;;;;\n"  # an account, not a member yet
    )
    page = client.post(IMPORT_URL, {"group": world.group.pk, "file": _file(text)})
    assert page.status_code == 200
    preview = page.context["preview"]
    assert (len(preview.new), len(preview.existing), len(preview.members)) == (1, 1, 1)
    assert not User.objects.filter(email="anne@example.org").exists()  # nothing written yet
    assert "Importer 2 personne(s)" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONFIRM_URL, {"mode": "accounts"})
    assert response.status_code == 302 and f"q={world.group.slug}" in response["Location"]
    anne = User.objects.get(email="anne@example.org")
    assert (anne.first_name, anne.last_name, anne.phone) == ("Anne", "Dupont", "0612345678")
    assert not anne.has_usable_password()
    assert (
        Member.objects.active().filter(group=world.group, user__in=[anne, world.outsider]).count()
        == 2
    )
    assert LogEntry.objects.filter(action="member.import", group=world.group).exists()
    # The preview is used once.
    response = client.post(CONFIRM_URL, {"mode": "accounts"})
    assert response.status_code == 302 and response["Location"].endswith(IMPORT_URL)


def test_a_bad_file_is_refused_whole_with_numbered_lines(world, operator, client_for):
    client = client_for(operator)
    text = (
        HEADER
        + "Anne;Dupont;anne@example.org;;;;;;;;;\n"
        + "Bob;;pas-un-mail;;;;;;;;;\n"
        + "Chloé;Durand;chloe@example.org;12;;;;;1 rue;;;\n"
    )
    page = client.post(IMPORT_URL, {"group": world.group.pk, "file": _file(text)})
    errors = page.context["preview"].errors
    assert [line for line, _message in errors] == [3, 4]
    html = page.content.decode()
    assert "refusé à cause de 2 erreurs" in html and "Ligne 3" in html
    assert "adresse e-mail" in html
    assert not User.objects.filter(email="anne@example.org").exists()
    # Without a previewed file, confirming does nothing.
    response = client.post(CONFIRM_URL, {"mode": "accounts"})
    assert response.status_code == 302
    assert not User.objects.filter(email="anne@example.org").exists()
    # No group chosen: the form says so.
    page = client.post(IMPORT_URL, {"file": _file(text)})
    assert "group" in page.context["form"].errors


def test_only_superusers_import(world, client_for):
    staff = UserFactory(email="staff@example.org", is_staff=True)
    assert client_for(staff).get(IMPORT_URL).status_code == 403
    assert client_for(staff).post(CONFIRM_URL, {"mode": "accounts"}).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_action_has_the_members_export_columns_and_the_group(
    world, operator, client_for, fmt
):
    world.member.first_name = "=HYPERLINK(1)"
    world.member.save()
    ids = Member.objects.filter(group=world.group).values_list("pk", flat=True)
    response = client_for(operator).post(
        "/admin/members/member/",
        {"action": f"export_{fmt}", "_selected_action": [str(pk) for pk in ids]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'members.{fmt}"')
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Groupe", "Prénom", "Nom", "E-mail"]
    assert len(rows[0]) == 15 and len(rows) == 4
    assert {row[0] for row in rows[1:]} == {"La Cagette"}
    assert "'=HYPERLINK(1)" in {row[1] for row in rows[1:]}


def test_the_ledger_is_exported_only_and_says_why(operator, client_for):
    client = client_for(operator)
    page = client.get("/admin/payments/operation/").content.decode()
    assert "exporté, jamais importé" in page
    assert "/admin/payments/operation/export/" in page
    with pytest.raises(NoReverseMatch):
        reverse("admin:payments_operation_import")
    assert "Importer" not in page.split('class="object-tools"')[1].split("</ul>")[0]
