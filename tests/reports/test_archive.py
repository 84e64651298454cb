"""The whole group as one archive and back (issue 19, item 4)."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from groups.models import Group
from members.models import Member, User
from payments import selectors as ledger
from payments import services as payments
from payments.models import Operation
from reports import archive
from tests.reports.samples import wipe


def _normalised(data: dict) -> dict:
    """The archive's content with every id replaced by the row's position in its table (users
    by e-mail): two archives of the same group on two instances compare equal."""
    tables = {t.model: t.name for t in archive.TABLES}
    position = {
        name: {row["id"]: index for index, row in enumerate(rows)} for name, rows in data.items()
    }
    position["users"] = {row["id"]: row["email"] for row in data["users"]}
    result = {
        "users": sorted(
            ({k: v for k, v in r.items() if k != "id"} for r in data["users"]),
            key=lambda r: r["email"],
        )
    }
    for table in archive.TABLES:
        relations = {
            f.attname: ("users" if f.related_model is User else tables.get(f.related_model))
            for f in table.model._meta.concrete_fields
            if f.is_relation
        }
        m2m = {f.name: tables[f.related_model] for f in archive._m2m(table.model)}
        rows = []
        for row in data[table.name]:
            out = {}
            for key, value in row.items():
                if key == "id":
                    continue
                if key in relations and value is not None:
                    target = relations[key]
                    value = position[target].get(value, "outside") if target else "outside"
                elif key in m2m:
                    value = sorted(position[m2m[key]][v] for v in value)
                out[key] = value
            rows.append(out)
        result[table.name] = rows
    return result


def _data(content: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(content)).read("data.json"))


@pytest.fixture
def paid_day(world, day):
    payments.payment_record(
        group=world.group,
        member=day.members["admin"],
        amount="5.71",
        payment_type="cheque",
        acting_user=world.admin,
    )
    day.vegetables.coordinators.add(day.members["coord"])
    return day


def _balances(group) -> dict[str, object]:
    return {
        m.user.email: ledger.balance_for_member(group=group, member=m)
        for m in Member.objects.filter(group=group).select_related("user")
    }


def test_round_trip_of_a_whole_group(world, paid_day, django_assert_max_num_queries):
    group = world.group
    first = archive.build_archive(group)
    balances = _balances(group)
    operations = Operation.objects.filter(group=group).count()
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(first)).read("manifest.json"))
    assert manifest["version"] == archive.VERSION
    assert manifest["tables"]["order_lines"] == 8
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "csv/operations.csv" in names and "csv/users.csv" in names

    # The group leaves this instance; its users stay (they may belong to other groups).
    wipe(group)
    assert not Operation.objects.filter(group_id=group.pk).exists()

    result = archive.load_archive(first)
    assert result.created
    imported = result.group
    assert imported.slug == "la-cagette" and imported.pk != group.pk
    assert Operation.objects.filter(group=imported).count() == operations
    assert _balances(imported) == balances
    again = archive.build_archive(imported)
    assert _normalised(_data(again)) == _normalised(_data(first))
    assert list(imported.catalogs.get(name="Légumes").coordinators.all()) == [
        Member.objects.get(group=imported, user=world.coordinator)
    ]

    # Twice: nothing changes.
    second = archive.load_archive(first)
    assert not second.created and second.group == imported
    assert Group.objects.filter(slug="la-cagette").count() == 1


def test_import_next_to_the_original_gets_new_ids_and_basket_codes(world, paid_day):
    content = archive.build_archive(world.group)
    copy = archive.load_archive(content, slug="copie").group
    assert _balances(copy) == _balances(world.group)
    original = set(Operation.objects.filter(group=world.group).values_list("reference", flat=True))
    copied = set(Operation.objects.filter(group=copy).values_list("reference", flat=True))
    assert not (original - {""}) & copied  # basket codes are unique per instance
    assert (
        _normalised(_data(archive.build_archive(copy)))["order_lines"]
        == _normalised(_data(content))["order_lines"]
    )


def test_users_are_matched_by_email_or_created_without_password(world, paid_day):
    content = archive.build_archive(world.group)
    wipe(world.group)
    User.objects.filter(email="member@example.org").delete()
    archive.load_archive(content)
    recreated = User.objects.get(email="member@example.org")
    assert not recreated.has_usable_password()
    assert User.objects.get(email="admin@example.org").pk == world.admin.pk


def test_bad_archives_are_refused(world, paid_day, tmp_path):
    with pytest.raises(archive.ArchiveError):
        archive.load_archive(b"not a zip")
    content = archive.build_archive(world.group)
    with pytest.raises(archive.ArchiveError, match="exists"):
        archive.load_archive(content)  # the slug is taken
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("manifest.json", json.dumps({"format": archive.FORMAT, "version": 99}))
        z.writestr("data.json", "{}")
    with pytest.raises(archive.ArchiveError, match="version"):
        archive.load_archive(buffer.getvalue())
    path = tmp_path / "bad.zip"
    path.write_bytes(b"nothing")
    with pytest.raises(CommandError):
        call_command("group_import", str(path))


def test_commands_export_and_import(world, paid_day, tmp_path):
    path = tmp_path / "group.zip"
    out = io.StringIO()
    call_command("group_export", world.group.slug, "-o", str(path), stdout=out)
    assert path.exists()
    call_command("group_import", str(path), "--slug", "ailleurs", stdout=out)
    assert Group.objects.filter(slug="ailleurs").exists()
    call_command("group_import", str(path), "--slug", "ailleurs2", stdout=out)
    assert "Already imported" in out.getvalue()
    assert not Group.objects.filter(slug="ailleurs2").exists()


def test_archive_download_for_admins(world, paid_day, client_for):
    url = f"/g/{world.group.slug}/manage/reports/archive/download/"
    assert client_for(world.coordinator).get(url).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404
    response = client_for(world.admin).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "la-cagette" in response["Content-Disposition"]
    assert _data(response.content)["group"][0]["name"] == world.group.name


def test_every_group_table_is_in_the_archive_or_left_out_on_purpose():
    """A new model with a group foreign key must be added to the archive (or to this list)."""
    from django.apps import apps

    left_out = {
        "day.SummaryDocument",  # generated files, rebuilt on demand
        "day.DistributionMove",  # postponing history
        "day.DayMailSent",  # which day mail was sent
        "catalogs.CatalogLink",  # links to a producer account's catalog on this instance
        "catalogs.VendorInvitation",
        "kernel.LogEntry",
        "kernel.OutboxMail",  # the delivery log of this instance's e-mails
        "messaging.Message",  # messages already reached their recipients' mailboxes
        "members.JoinRequest",  # pending requests and invitations: links signed by this
        "members.Invitation",  # instance; the new host invites again
        "day.DayCorrection",  # undo records of validation tools, naming this instance's lines
        # Online payment is tied to this platform's Stripe account; the ledger rows it wrote
        # (card payments, refunds) are in the archive with the operations.
        "payments.GroupStripeAccount",
        "payments.CardCheckout",
        "payments.CardRefund",
        "payments.CardMoneyMove",  # which order a card payment's money now pays (the ledger rows
        # of the move are in the archive with the operations)
        "payments.DistributionPayout",
    }
    archived = {t.model._meta.label for t in archive.TABLES}
    missing = []
    for model in apps.get_models():
        if model._meta.app_label in ("admin", "auth", "contenttypes", "sessions", "account"):
            continue
        has_group = any(
            isinstance(f, models.ForeignKey) and f.related_model is Group
            for f in model._meta.concrete_fields
        )
        label = model._meta.label
        if has_group and label not in archived and label not in left_out:
            missing.append(label)
    assert missing == []
