"""Django admin for operators (issue 19, item 6): every model registered with search and
filters, French labels on the import-export pages, the group archive from the admin."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib import admin

from groups.models import Group
from reports import archive
from tests.factories import UserFactory

# Technical tables an operator has nothing to do with.
NOT_IN_ADMIN = {
    "admin.LogEntry",
    "auth.Permission",
    "contenttypes.ContentType",
    "sessions.Session",
    "account.EmailConfirmation",
    "kernel.SubmissionToken",
}
# Registered by libraries, left as they come.
LIBRARY_ADMINS = {"auth.Group", "account.EmailAddress"}


def test_every_model_is_in_admin_with_search_and_filters():
    missing, bare = [], []
    for model in apps.get_models():
        label = model._meta.label
        if label in NOT_IN_ADMIN:
            continue
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            missing.append(label)
        elif label not in LIBRARY_ADMINS and not (
            model_admin.search_fields and model_admin.list_filter
        ):
            bare.append(label)
    assert missing == []
    assert bare == []


@pytest.fixture
def operator(db):
    return UserFactory(email="operateur@example.org", is_staff=True, is_superuser=True)


def test_import_export_pages_are_in_french(operator, client_for):
    client = client_for(operator)
    page = client.get("/admin/catalogs/product/export/").content.decode()
    assert "Tout sélectionner" in page
    assert "Select all" not in page
    assert "Nom (productName)" in page
    page = client.get("/admin/payments/operation/export/").content.decode()
    assert "Tout sélectionner" in page


def test_group_list_shows_health_and_exports(world, day, operator, client_for):
    from kernel.models import OutboxMail

    OutboxMail.objects.create(
        group=world.group,
        kind="message",
        to=["x@example.org"],
        subject="s",
        text="t",
        status=OutboxMail.Status.FAILED,
    )
    client = client_for(operator)
    response = client.get("/admin/groups/group/")
    page = response.content.decode()
    assert "membres actifs" in page.lower()
    assert "e-mails en échec" in page.lower()
    rows = {g.slug: g for g in response.context["cl"].result_list}
    assert rows["la-cagette"].failed_mails == 1 and rows["autre"].failed_mails == 0
    assert "Importer une archive de groupe" in page
    response = client.post(
        "/admin/groups/group/export/",
        {"format": "0", "resource": "0", "groupresource_name": "on", "groupresource_slug": "on"},
    )
    assert response.status_code == 200
    assert b"la-cagette" in response.content


def test_operator_downloads_and_imports_an_archive(world, day, operator, client_for):
    client = client_for(operator)
    response = client.post(
        "/admin/groups/group/",
        {"action": "download_archive", "_selected_action": [world.group.pk]},
    )
    assert response["Content-Type"] == "application/zip"
    content = response.content
    assert json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))["group"] == (
        "la-cagette"
    )
    upload = io.BytesIO(content)
    upload.name = "la-cagette.cagette.zip"
    response = client.post(
        "/admin/group-archive/import/", {"archive": upload, "slug": "la-cagette-2"}
    )
    assert response.status_code == 302
    copy = Group.objects.get(slug="la-cagette-2")
    assert response["Location"] == f"/admin/groups/group/{copy.pk}/change/"


def test_archive_import_page_refuses_bad_files_and_non_operators(world, operator, client_for):
    staff = UserFactory(email="staff@example.org", is_staff=True)
    assert client_for(staff).get("/admin/group-archive/import/").status_code == 403
    upload = io.BytesIO(b"not a zip")
    upload.name = "x.zip"
    response = client_for(operator).post("/admin/group-archive/import/", {"archive": upload})
    assert response.status_code == 200
    assert "Not a group archive" in response.content.decode()
    assert not Group.objects.exclude(pk__in=[world.group.pk, world.other_group.pk]).exists()
    assert archive.IMPORT_ACTION == "group.imported"
