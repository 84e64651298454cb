"""Producers' catalog import: the spec's product + offers file (issue 19 item 3)."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from catalogs.exceptions import ProductImportError
from catalogs.models import CatalogLink, ProducerProduct, Product
from catalogs.services import catalog_link_create, producer_catalog_import
from tests.catalogs.factories import ProducerCatalogFactory, ProducerProductFactory, VendorFactory
from tests.factories import UserFactory

WARNING = "ATTENTION : ne modifiez pas l'ordre des colonnes"
LABELS = [
    "Nom du produit",
    "Réf",
    "Description",
    "Unité",
    "Bio",
    "qt a virgule",
    "Catégorisation",
    "Nom offre",
    "Référence unique",
    "Quantité",
    "Prix H.T",
    "taux de TVA",
    "actif",
    "URL Image",
    "Date Image",
]
# productName, ref, desc, unit, organic, bulk, txp, offerName, offerRef, qt, price, vat, active
GOOD = [
    ["Jus de pomme", "AA-0026", "Pur jus", "cl", "1", "0", "", "", "", "25", "1,15", "5,5", "1"],
    ["", "", "", "", "", "", "", "Bidon", "", "1000", "4", "5.5", "1"],
    ["Carottes", "CAR", "", "kg", "1", "", "", "", "CAR", "1", "2", "5.5", ""],
    ["Poireaux", "POI", "", "kg", "", "", "", "", "POI", "1", "3", "5.5", "1"],
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def csv_file(rows, sep=";", warning=WARNING) -> bytes:
    lines = [warning, sep.join(LABELS)] + [sep.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([WARNING])
    sheet.append(LABELS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def farm(db):
    user = UserFactory(email="farmer@example.org")
    vendor = VendorFactory(email="ferme@example.org")
    vendor.managers.add(user)
    pc = ProducerCatalogFactory(vendor=vendor, name="Légumes")
    ProducerProductFactory(producer_catalog=pc, ref="CAR", name="Carottes", price=Decimal("2.40"))
    ProducerProductFactory(producer_catalog=pc, ref="OLD", name="Navets", price=Decimal("1.00"))
    return user, pc


def run(pc, user, data, filename="offers.csv", **options):
    return producer_catalog_import(
        producer_catalog=pc, data=data, filename=filename, acting_user=user, **options
    )


def errors_of(pc, user, data, **options) -> list[tuple[int, str]]:
    with pytest.raises(ProductImportError) as info:
        run(pc, user, data, **options)
    return info.value.errors


@pytest.mark.parametrize("sep", [";", ","])
def test_both_separators_upsert_by_reference_with_offers(farm, sep):
    user, pc = farm
    rows = [[c.replace(",", ".") for c in row] for row in GOOD] if sep == "," else GOOD
    report = run(pc, user, csv_file(rows, sep=sep, warning=WARNING.replace(",", "")))
    assert report.products == 3
    assert sorted(p.ref for p in report.created) == ["AA-0026-1", "AA-0026-2", "POI"]
    assert [p.ref for p in report.updated] == ["CAR"]
    products = {p.ref: p for p in pc.products.all()}
    juice = products["AA-0026-1"]
    # Prices are excl. VAT in the file: stored incl. VAT (spec sample: 1.15 x 1.055).
    assert juice.price == Decimal("1.21") and juice.vat_rate == Decimal("5.5")
    assert juice.unit_type == "cl" and juice.unit_quantity == Decimal("25") and juice.organic
    assert products["AA-0026-2"].name == "Jus de pomme \u2013 Bidon"
    assert products["AA-0026-2"].price == Decimal("4.22")
    assert products["CAR"].price == Decimal("2.11")
    assert products["OLD"].active  # not disabled without the option


def test_xlsx_with_prices_including_vat_and_disable_missing(farm):
    user, pc = farm
    report = run(
        pc,
        user,
        xlsx_file(GOOD),
        filename="offers.xlsx",
        prices_include_vat=True,
        disable_missing=True,
    )
    assert [p.ref for p in report.disabled] == ["OLD"]
    assert pc.products.get(ref="CAR").price == Decimal("2.00")
    assert not pc.products.get(ref="OLD").active
    assert pc.products.count() == 5


def test_preview_writes_nothing_and_lists_linked_price_changes(world, farm):
    user, pc = farm
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    before = list(ProducerProduct.objects.order_by("pk").values_list("ref", "price", "active"))
    report = run(pc, user, csv_file(GOOD), dry_run=True, disable_missing=True)
    assert len(report.created) == 3 and [p.ref for p in report.disabled] == ["OLD"]
    assert list(ProducerProduct.objects.order_by("pk").values_list("ref", "price", "active")) == (
        before
    )
    [change] = report.linked
    assert change.link.catalog == catalog
    assert [(c.ref, c.old, c.new) for c in change.prices] == [
        ("CAR", Decimal("2.40"), Decimal("2.11"))
    ]


def test_apply_updates_the_linked_group_catalog_prices(
    world, farm, django_capture_on_commit_callbacks
):
    user, pc = farm
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        run(pc, user, csv_file(GOOD), disable_missing=True)
    group_products = {p.ref: p for p in Product.objects.filter(catalog=catalog)}
    assert group_products["CAR"].price == Decimal("2.11")
    assert group_products["AA-0026-1"].price == Decimal("1.21")
    assert not group_products["OLD"].active
    assert not CatalogLink.objects.filter(needs_sync=True).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["Pommes", "", "", "kg", "", "", "", "", "", "1", "2", "5.5", "1"], "empty reference"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "", "5.5", "1"], "price is missing"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "2", "", "1"], "VAT rate is missing"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "deux", "5.5", "1"], "Prix H.T"),
        (["Pommes", "POM", "", "tonne", "", "", "", "", "", "1", "2", "5.5", "1"], "Unknown unit"),
        (["Pommes", "POM", "", "kg", "peut-être", "", "", "", "", "1", "2", "5.5", ""], "Bio"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "2", "150", "1"], "taux de TVA"),
        (["Pommes", "POM", "", "kg", "", "", "999999", "", "", "1", "2", "5.5", ""], "category"),
        (["Pommes", "POM", "", "kg", "", "1", "", "", "", "", "2", "5.5", ""], "per unit"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "X" * 40, "1", "2", "5.5", ""], "32"),
        (["Pommes", "POM", "", "kg", "", "", "", "", "CAR", "1", "2", "5.5", ""], "line 5"),
    ],
)
def test_each_bad_line_is_named_and_nothing_is_written(farm, row, message):
    user, pc = farm
    before = list(ProducerProduct.objects.order_by("pk").values_list("ref", "price", "active"))
    errors = errors_of(pc, user, csv_file([*GOOD, row]))
    assert [line for line, _m in errors] == [7], errors
    assert message.casefold() in errors[0][1].casefold(), errors
    after = list(ProducerProduct.objects.order_by("pk").values_list("ref", "price", "active"))
    assert after == before


def test_an_offer_line_before_any_product_and_several_errors_all_listed(farm):
    user, pc = farm
    offer_first = ["", "", "", "", "", "", "", "Bidon", "", "1", "4", "5.5", "1"]
    no_price = ["Pommes", "POM", "", "kg", "", "", "", "", "", "1", "", "5.5", "1"]
    errors = errors_of(pc, user, csv_file([offer_first, *GOOD, no_price]))
    assert [line for line, _m in errors] == [3, 8]
    assert "before any product" in errors[0][1]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "offers.csv", "empty"),
        (csv_file([]), "offers.csv", "no product line"),
        (b"warning\nNom;Ref\nA;B\n", "offers.csv", "second line"),
        (b"PK\x03\x04broken", "offers.xlsx", "XLSX"),
        (b"whatever", "offers.pdf", "CSV or an XLSX"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(farm, data, filename, message):
    user, pc = farm
    errors = errors_of(pc, user, data, filename=filename) if filename else None
    assert errors and errors[0][0] == 0 and message.casefold() in errors[0][1].casefold()


# Pages -----------------------------------------------------------------------------------------


def upload(client, pc, data, name="offers.csv", **options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("catalogs:producer_catalog_import", args=[pc.pk]),
        {"file": SimpleUploadedFile(name, data), **options},
    )


def test_pages_preview_then_apply_once(world, farm, client_for, django_capture_on_commit_callbacks):
    user, pc = farm
    catalog = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    client = client_for(user)
    assert client.get(reverse("catalogs:producer_catalog_import", args=[pc.pk])).status_code == 200
    bad = upload(client, pc, csv_file([*GOOD, ["Pommes", "", "", "kg"] + [""] * 9]))
    assert bad.status_code == 400 and bad.context["errors"][0][0] == 7
    preview = upload(client, pc, csv_file(GOOD), disable_missing="on")
    assert preview.status_code == 200 and len(preview.context["report"].created) == 3
    assert "2,40" in preview.content.decode() and pc.products.count() == 2
    token = preview.context["apply_form"].initial["token"]
    apply_url = reverse("catalogs:producer_catalog_import_apply", args=[pc.pk])
    link = CatalogLink.objects.get(catalog=catalog)
    assert f'name="links" value="{link.pk}" checked' in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(apply_url, {"token": token, "links": [link.pk]})
    assert done.status_code == 302 and pc.products.count() == 5
    assert not pc.products.get(ref="OLD").active
    assert Product.objects.get(catalog=catalog, ref="CAR").price == Decimal("2.11")
    again = client.post(apply_url, {"token": token})  # a second click imports nothing
    assert again.status_code == 302 and again["Location"].endswith("/import/")


def test_a_producer_cannot_import_into_another_producers_catalog(farm, client_for):
    user, pc = farm
    rival = UserFactory(email="rival@example.org")
    client = client_for(rival)
    assert client.get(reverse("catalogs:producer_catalog_import", args=[pc.pk])).status_code == 404
    assert upload(client, pc, csv_file(GOOD)).status_code == 404
    # A preview token of the owner does not work for another producer's user either.
    preview = upload(client_for(user), pc, csv_file(GOOD))
    token = preview.context["apply_form"].initial["token"]
    apply_url = reverse("catalogs:producer_catalog_import_apply", args=[pc.pk])
    assert client.post(apply_url, {"token": token}).status_code == 404
    assert pc.products.count() == 2


def test_a_large_file_imports_in_a_bounded_number_of_queries(
    world, farm, django_assert_max_num_queries
):
    user, pc = farm
    catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    rows = [
        [f"Légume {n}", f"L{n}", "", "kg", "", "", "", "", "", "1", "2", "5.5", ""]
        for n in range(2000)
    ]
    with django_assert_max_num_queries(30):
        report = run(pc, user, csv_file(rows), dry_run=True, disable_missing=True)
    assert len(report.created) == 2000 and len(report.disabled) == 2


def test_the_documented_example_file_previews_on_the_demo_references(farm):
    from pathlib import Path

    from django.conf import settings

    user, pc = farm
    ProducerProductFactory(producer_catalog=pc, ref="JC-TOM", name="Tomates anciennes")
    data = (Path(settings.BASE_DIR) / "docs" / "producer-catalog-import-example.csv").read_bytes()
    report = run(pc, user, data, dry_run=True)
    assert report.products == 3
    assert sorted(p.ref for p in report.created) == ["JC-CAR", "JC-JUS-1", "JC-JUS-2"]
    assert [(p.ref, p.price) for p in report.updated] == [("JC-TOM", Decimal("5.00"))]


def test_the_preview_page_lists_at_most_200_offers_per_kind(farm, client_for):
    user, pc = farm
    rows = [
        [f"Légume {n}", f"L{n}", "", "kg", "", "", "", "", "", "1", "2", "5.5", ""]
        for n in range(250)
    ]
    response = upload(client_for(user), pc, csv_file(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert "L199-1 —" in html and "L200-1 —" not in html and "… et 50 de plus" in html
    assert html.count("<li>L") == 200


def test_an_unticked_linked_catalog_keeps_its_prices_until_an_import_ticks_it(
    world, farm, client_for, django_capture_on_commit_callbacks
):
    user, pc = farm
    ours = catalog_link_create(producer_catalog=pc, group=world.group, acting_user=world.admin)
    theirs = catalog_link_create(
        producer_catalog=pc, group=world.other_group, acting_user=world.outsider
    )
    ours_link, theirs_link = (CatalogLink.objects.get(catalog=c) for c in (ours, theirs))
    client = client_for(user)
    apply_url = reverse("catalogs:producer_catalog_import_apply", args=[pc.pk])

    def apply(rows, links):
        preview = upload(client, pc, csv_file(rows))
        assert {c.link.pk for c in preview.context["report"].linked} == {
            ours_link.pk,
            theirs_link.pk,
        }
        token = preview.context["apply_form"].initial["token"]
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(apply_url, {"token": token, "links": links}).status_code == 302

    def price(catalog, ref="CAR"):
        return Product.objects.get(catalog=catalog, ref=ref).price

    apply(GOOD, [ours_link.pk])  # the other group's catalog left unticked
    assert (price(ours), price(theirs)) == (Decimal("2.11"), Decimal("2.40"))
    # New products and other changes reach both; only the changed price is held.
    assert price(theirs, "AA-0026-1") == Decimal("1.21")
    theirs_link.refresh_from_db()
    assert theirs_link.held_prices == {"CAR": "2.40"} and not theirs_link.needs_sync
    # The producer's catalog page says so, next to that group.
    detail = client.get(reverse("catalogs:producer_catalog", args=[pc.pk])).content.decode()
    assert "garde son ancien prix pour 1 produit" in detail
    # A later edit by the producer syncs again: the hold stays.
    from catalogs.services import producer_product_save

    carrots = pc.products.get(ref="CAR")
    carrots.name = "Carottes nouvelles"
    with django_capture_on_commit_callbacks(execute=True):
        producer_product_save(product=carrots, acting_user=user)
    assert price(theirs) == Decimal("2.40")
    assert Product.objects.get(catalog=theirs, ref="CAR").name == "Carottes nouvelles"
    # A new import ticking it gives it the file's prices and drops the hold.
    cheaper = [
        GOOD[0],
        GOOD[1],
        ["Carottes", "CAR", "", "kg", "1", "", "", "", "CAR", "1", "1.9", "5.5", ""],
    ]
    apply(cheaper, [ours_link.pk, theirs_link.pk])
    assert (price(ours), price(theirs)) == (Decimal("2.00"), Decimal("2.00"))
    theirs_link.refresh_from_db()
    assert theirs_link.held_prices == {}
    # Nothing ticked: both keep their prices.
    apply(GOOD, [])
    assert (price(ours), price(theirs)) == (Decimal("2.00"), Decimal("2.00"))
    assert pc.products.get(ref="CAR").price == Decimal("2.11")  # the producer's own price
    # A price the producer then sets by hand reaches everyone, holds or not.
    apply([*GOOD[:2], cheaper[2]], [ours_link.pk])  # 2.00 for ours, theirs keeps 2.00 too
    apply(GOOD, [ours_link.pk])
    assert (price(ours), price(theirs)) == (Decimal("2.11"), Decimal("2.00"))
    carrots = pc.products.get(ref="CAR")
    carrots.price = Decimal("2.30")
    with django_capture_on_commit_callbacks(execute=True):
        producer_product_save(product=carrots, acting_user=user)
    assert (price(ours), price(theirs)) == (Decimal("2.30"), Decimal("2.30"))
    theirs_link.refresh_from_db()
    assert theirs_link.held_prices == {}


# Pictures --------------------------------------------------------------------------------------


def _png(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(out, "PNG")
    return out.getvalue()


def _zip(files: dict) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _with_image(row, cell):
    return [*row, cell, ""]


def test_a_picture_url_is_only_a_warning_and_a_zip_gives_the_pictures(farm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user, pc = farm
    rows = [
        _with_image(GOOD[0], "https://www.example.org/jus.jpg"),
        GOOD[1],
        _with_image(GOOD[2], "photos/Carottes.PNG"),
        _with_image(GOOD[3], "poireaux.png"),
    ]
    images = _zip({"photos/carottes.png": _png(), "poireaux.png": _png((0, 120, 0))})
    preview = run(pc, user, csv_file(rows), images=images, dry_run=True)
    assert preview.pictures == 2 and not pc.products.get(ref="CAR").image
    [(line, warning)] = preview.warnings
    assert line == 3 and "https://www.example.org/jus.jpg" in warning
    assert "does not reach the web" in warning
    report = run(pc, user, csv_file(rows), images=images)
    carrots = pc.products.get(ref="CAR")
    assert carrots.image and carrots.image.read() == _png()
    assert pc.products.get(ref="POI").image
    assert not pc.products.get(ref="AA-0026-1").image
    assert report.pictures == 2
    # The same pictures again: nothing to change.
    again = run(pc, user, csv_file(rows), images=images)
    assert again.pictures == 0 and again.updated == [] and again.created == []
    # Another picture replaces it.
    run(
        pc,
        user,
        csv_file(rows),
        images=_zip({"carottes.png": _png((0, 0, 0)), "poireaux.png": _png((0, 120, 0))}),
    )
    assert pc.products.get(ref="CAR").image.read() == _png((0, 0, 0))


def test_pictures_missing_or_not_pictures_are_errors_of_their_lines(farm):
    user, pc = farm
    rows = [GOOD[0], GOOD[1], _with_image(GOOD[2], "carottes.png"), _with_image(GOOD[3], "x.png")]
    errors = errors_of(pc, user, csv_file(rows))
    assert [line for line, _m in errors] == [5, 6]
    assert "no ZIP file of pictures was sent" in errors[0][1]
    errors = errors_of(
        pc, user, csv_file(rows), images=_zip({"carottes.png": b"%PDF-1.4", "x.png": _png()})
    )
    assert [(line, "JPEG, PNG, GIF or WebP" in m) for line, m in errors] == [(5, True)]
    errors = errors_of(pc, user, csv_file(rows), images=_zip({"x.png": _png()}))
    assert errors == [(5, "The picture “carottes.png” is not in the ZIP file.")]
    errors = errors_of(pc, user, csv_file(rows), images=b"not a zip")
    assert errors[0] == (0, "The pictures file is not a ZIP file.")
    assert not pc.products.filter(ref="POI").exists()


def test_the_pages_carry_the_zip_to_the_apply(
    world, farm, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    user, pc = farm
    client = client_for(user)
    rows = [GOOD[0], GOOD[1], _with_image(GOOD[2], "carottes.png"), GOOD[3]]
    url = reverse("catalogs:producer_catalog_import", args=[pc.pk])
    refused = client.post(
        url,
        {
            "file": SimpleUploadedFile("offers.csv", csv_file(rows)),
            "images": SimpleUploadedFile("photos.rar", b"x"),
        },
    )
    assert refused.status_code == 200 and "images" in refused.context["form"].errors
    preview = client.post(
        url,
        {
            "file": SimpleUploadedFile("offers.csv", csv_file(rows)),
            "images": SimpleUploadedFile("photos.zip", _zip({"carottes.png": _png()})),
        },
    )
    assert preview.context["report"].pictures == 1
    assert "1 offre reçoit une nouvelle photo" in preview.content.decode()
    token = preview.context["apply_form"].initial["token"]
    apply_url = reverse("catalogs:producer_catalog_import_apply", args=[pc.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(apply_url, {"token": token}).status_code == 302
    assert pc.products.get(ref="CAR").image.read() == _png()
