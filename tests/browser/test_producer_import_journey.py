"""Issue 19 item 3 in a browser: a producer imports their catalog file, is told about the one
bad line, fixes it, previews, applies; the linked group's catalog shows the new price."""

import re
from decimal import Decimal

import pytest

from catalogs.models import Product
from catalogs.services import catalog_link_create
from tests.browser.test_orders_journey import _login
from tests.catalogs.factories import ProducerCatalogFactory, ProducerProductFactory, VendorFactory
from tests.catalogs.test_producer_import import GOOD, _png, _zip, csv_file
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(locator) -> str:
    return re.sub(r"[\s\u202f\xa0]+", " ", locator.inner_text()).strip()


def test_producer_imports_a_file_fixes_a_line_and_the_group_price_follows(
    live_server, page, screens, world, tmp_path
):
    base = live_server.url
    farmer = UserFactory(email="julie@ferme.example", first_name="Julie")
    vendor = VendorFactory(name="Ferme de Julie", email="ferme@ferme.example")
    vendor.managers.add(farmer)
    pc = ProducerCatalogFactory(vendor=vendor, name="Légumes de Julie")
    ProducerProductFactory(producer_catalog=pc, ref="CAR", name="Carottes", price=Decimal("2.40"))
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    other = catalog_link_create(
        producer_catalog=pc, group=world.other_group, acting_user=world.outsider
    )

    bad_row = ["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "", "5.5", "1"]
    bad = tmp_path / "catalogue.csv"
    bad.write_bytes(csv_file([*GOOD, bad_row]))
    fixed = tmp_path / "catalogue-corrige.csv"
    # The fixed file names pictures: a web address (a warning) and a file of the ZIP.
    rows = [
        [*GOOD[0], "https://example.org/jus.jpg", ""],
        GOOD[1],
        [*GOOD[2], "carottes.png", ""],
        GOOD[3],
        [*bad_row[:10], "2,50", *bad_row[11:]],
    ]
    fixed.write_bytes(csv_file(rows))
    pictures = tmp_path / "photos.zip"
    pictures.write_bytes(_zip({"carottes.png": _png()}))

    _login(page, base, farmer.email)
    page.goto(base + f"/producer/catalogs/{pc.pk}/")
    page.click(f"main a[href='/producer/catalogs/{pc.pk}/import/']")
    page.set_input_files("input[name=file]", str(bad))
    page.click("main form button[type=submit]")
    errors = _text(page.locator("#import-errors"))
    assert "Ligne 7" in errors and "Le prix manque." in errors
    page.screenshot(path=screens / "catimport-bad-line.png", full_page=True)
    assert Product.objects.get(catalog=catalog, ref="CAR").price == Decimal("2.40")

    page.set_input_files("input[name=file]", str(fixed))
    page.set_input_files("input[name=images]", str(pictures))
    page.click("main form button[type=submit]")
    preview = _text(page.locator("#import-preview"))
    assert "4 nouvelle(s) offre(s), 1 à modifier" in preview
    assert "Carottes 2,40 € → 2,11 €" in preview and "La Cagette" in preview
    assert "1 offre reçoit une nouvelle photo" in preview
    warnings = _text(page.locator("#import-warnings"))
    assert "Ligne 3" in warnings and "https://example.org/jus.jpg" in warnings
    # The other group keeps its prices this time.
    page.uncheck(f"input[name=links][value='{other.source_link.pk}']")
    page.screenshot(path=screens / "catimport-preview.png", full_page=True)

    page.click("#import-preview button[type=submit]")
    page.wait_for_url(base + f"/producer/catalogs/{pc.pk}/")
    assert "Import terminé" in _text(page.locator("main"))
    page.screenshot(path=screens / "catimport-applied.png", full_page=True)
    assert Product.objects.get(catalog=other, ref="CAR").price == Decimal("2.40")
    assert Product.objects.get(catalog=other, ref="CAR").image

    # The group's side: the linked catalog carries the new prices.
    page.context.clear_cookies()
    _login(page, base, world.admin.email)
    page.goto(base + f"/g/la-cagette/manage/catalogs/{catalog.pk}/")
    main = _text(page.locator("main"))
    assert "2,11 €" in main and "Pommes" in main
    page.screenshot(path=screens / "catimport-group-catalog.png", full_page=True)
