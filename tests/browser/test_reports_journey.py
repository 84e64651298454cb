"""Issue 19's journey in a browser: an admin reads and downloads the period report and the
group archive; the group leaves the instance; an operator imports the archive in Django admin
and the group's pages show the same balances.

Figures (tests/day/conftest.py, per line rounded half up): 28.51 in all, 14.28 for Ferme du Mas
(13.54 excl. VAT), 14.23 for Fournil with its 2 % fee.
"""

import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from groups.models import Group
from payments import services as payments
from tests.browser.test_orders_journey import _login
from tests.day.conftest import build_day
from tests.factories import UserFactory
from tests.reports.samples import wipe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def _balances(page) -> list[str]:
    return [_text(row) for row in page.locator("main table tbody tr").all()]


def test_period_report_archive_and_import_on_another_instance(
    live_server, page, screens, world, tmp_path
):
    base = live_server.url
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    day = build_day(world)
    payments.payment_record(
        group=world.group,
        member=day.members["admin"],
        amount="5.71",
        payment_type="cheque",
        acting_user=world.admin,
    )
    operator = UserFactory(email="operateur@example.org", is_staff=True, is_superuser=True)
    today = timezone.localdate()

    # The admin finds the period report in the management menu and picks the dates.
    _login(page, base, world.admin.email)
    page.goto(base + "/g/la-cagette/manage/")
    page.click("nav a[href='/g/la-cagette/manage/reports/period/']")
    page.fill("input[name=start]", (today - timedelta(days=1)).isoformat())
    page.fill("input[name=end]", (today + timedelta(days=30)).isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_selector("svg.chart")
    main = _text(page.locator("main"))
    assert "28,51 €" in main and "Ferme du Mas \u2013 Total" in main and "13,54 €" in main
    assert page.locator("svg.chart rect").count() == 1
    page.screenshot(path=screens / "reports-period.png", full_page=True)

    with page.expect_download() as download:
        page.click("#downloads li:first-child a:text('Excel (XLSX)')")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "Producteur"
    assert rows[-1][0] == "Total" and float(rows[-1][4]) == 28.23

    # The balances before the move, then the whole group as one archive.
    page.goto(base + "/g/la-cagette/manage/payments/")
    before = _balances(page)
    assert len(before) == 3
    page.goto(base + "/g/la-cagette/manage/reports/statistics/")
    page.click("a[href='/g/la-cagette/manage/reports/archive/']")
    page.screenshot(path=screens / "reports-archive.png", full_page=True)
    with page.expect_download() as download:
        page.click("a[href='/g/la-cagette/manage/reports/archive/download/']")
    archive_path = tmp_path / download.value.suggested_filename
    download.value.save_as(archive_path)
    manifest = json.loads(zipfile.ZipFile(archive_path).read("manifest.json"))
    assert manifest["group"] == "la-cagette" and manifest["tables"]["order_lines"] == 8

    # The group leaves this instance (as if it had never been here); an operator imports it.
    wipe(world.group)
    assert not Group.objects.filter(slug="la-cagette").exists()
    page.goto(base + "/accounts/logout/")
    page.click("main form button[type=submit]")
    _login(page, base, operator.email)
    page.goto(base + "/admin/groups/group/")
    page.click("a:text('Importer une archive de groupe')")
    page.set_input_files("input[name=archive]", str(archive_path))
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/groups/group/\d+/change/"))
    assert "importé" in _text(page.locator(".messagelist"))
    page.screenshot(path=screens / "reports-admin-imported.png", full_page=True)

    # The admin's account was matched by e-mail: the same balances on the imported group.
    page.goto(base + "/accounts/logout/")
    page.click("main form button[type=submit]")
    _login(page, base, world.admin.email)
    page.goto(base + "/g/la-cagette/manage/payments/")
    assert _balances(page) == before
    page.screenshot(path=screens / "reports-balances-after-import.png", full_page=True)


def test_catalog_statistics_for_its_coordinator_and_the_filtered_ledger(
    live_server, page, screens, world, tmp_path
):
    """A member who coordinates one catalog reads its statistics and downloads them; the admin
    filters the ledger by distribution and member and downloads what the page shows."""
    import csv

    from members.models import Member

    base = live_server.url
    world.group.payment_types = ["cash", "cheque", "transfer", "card_terminal"]
    world.group.save()
    day = build_day(world)
    day.vegetables.coordinators.add(Member.objects.get(group=world.group, user=world.member))
    today = timezone.localdate()
    start, end = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=30)).isoformat()

    _login(page, base, world.member.email)
    page.goto(f"{base}/g/la-cagette/manage/catalogs/{day.vegetables.pk}/")
    page.click("a:text('Statistiques du catalogue')")
    page.fill("input[name=start]", start)
    page.fill("input[name=end]", end)
    page.click("main form button[type=submit]")
    page.wait_for_selector("main table tfoot")
    rows = [_text(row) for row in page.locator("main table tbody tr").all()]
    assert rows[0].startswith("Carottes") and "8,23 €" in rows[0] and "57,63" in rows[0]
    assert "14,28 €" in _text(page.locator("main table tfoot"))
    page.screenshot(path=screens / "reports-catalog-statistics.png", full_page=True)
    with page.expect_download() as download:
        page.click("main a:text('Télécharger Excel (XLSX)')")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sheet = list(load_workbook(path).active.iter_rows(values_only=True))
    assert sheet[0][-1] == "Acheteurs" and sheet[-1][4] == 14.28
    # Not the other catalog: it is not theirs.
    response = page.goto(f"{base}/g/la-cagette/manage/reports/catalogs/{day.bread.pk}/statistics/")
    assert response.status == 403

    page.goto(base + "/accounts/logout/")
    page.click("main form button[type=submit]")
    _login(page, base, world.admin.email)
    page.goto(base + "/g/la-cagette/manage/payments/")
    page.click("main a:text('Le journal des opérations')")
    page.fill("input[name=start]", (today - timedelta(days=1)).isoformat())
    page.fill("input[name=end]", today.isoformat())
    page.select_option("select[name=distribution]", str(day.md.pk))
    page.select_option("select[name=member]", str(day.members["admin"].pk))
    page.click("main form button[type=submit]")
    page.wait_for_selector("main table tbody tr")
    shown = [_text(row) for row in page.locator("main table tbody tr").all()]
    assert len(shown) == 2 and all("ADMIN Alice" in row for row in shown)  # debt, cheque intention
    page.screenshot(path=screens / "reports-ledger-filtered.png", full_page=True)
    with page.expect_download() as download:
        page.click("main a:text('Télécharger (CSV)')")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    lines = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert len(lines) == 3 and sorted(line[6] for line in lines[1:]) == ["-5,71", "5,71"]
