"""Product import and export (spec §8, decision 12): all or nothing, every bad line named."""

import io
import time
from decimal import Decimal

import pytest
from openpyxl import Workbook

from catalogs.exceptions import LinkedCatalogError, ProductImportError
from catalogs.models import Product
from catalogs.services import product_export, product_import
from tests.catalogs.factories import CatalogFactory, ProductFactory

HEADER = "productName;price;ref;desc;qt;unit;organic;variableWeight;vat;stock;category"


@pytest.fixture
def catalog(world):
    return CatalogFactory(group=world.group)


def run(catalog, text, user, *, filename="products.csv", encoding="utf-8", dry_run=False):
    data = text.encode(encoding) if isinstance(text, str) else text
    return product_import(
        catalog=catalog, data=data, filename=filename, acting_user=user, dry_run=dry_run
    )


def snapshot(catalog):
    fields = [
        "name",
        "ref",
        "description",
        "price",
        "vat_rate",
        "unit_type",
        "unit_quantity",
        "organic",
        "variable_weight",
        "multi_weight",
        "bulk",
        "small_quantity",
        "wholesale",
        "stock",
        "active",
        "taxonomy",
    ]
    return sorted(
        tuple(getattr(p, f) for f in fields) for p in Product.objects.filter(catalog=catalog)
    )


def test_import_semicolon_csv_with_bom_creates_products(world, catalog):
    text = (
        "\ufeff"
        + HEADER
        + "\n"
        + "\n".join(
            [
                "Carottes;2,40;CAR-1;Des carottes;1;kg;1;0;5,5;12;carottes",
                "Œufs;3.20;OEU-6;;6;pièce;0;0;5.5;;Œufs",
                "",
                "Jus de pomme;4,50;JUS-1;;75;cl;oui;non;5,5;;",
            ]
        )
    )
    report = run(catalog, text, world.admin)
    assert (report.created, report.updated) == (3, 0)
    carrots = Product.objects.get(catalog=catalog, ref="CAR-1")
    assert carrots.price == Decimal("2.40") and carrots.unit_type == "kg" and carrots.organic
    assert carrots.stock == Decimal("12") and carrots.group_id == world.group.pk
    assert carrots.category_kind.sub_category == "Légumes"
    juice = Product.objects.get(catalog=catalog, ref="JUS-1")
    assert juice.reference_price == (Decimal("6.00"), "L")


def test_import_comma_csv_without_bom_and_windows_encoding(world, catalog):
    text = 'productName,price,vat,unit,qt\r\nPâté de campagne,"5,90",5.5,g,200\r\n'
    run(catalog, text, world.admin, encoding="cp1252")
    product = Product.objects.get(catalog=catalog)
    assert product.name == "Pâté de campagne" and product.price == Decimal("5.90")


def test_import_refuses_the_whole_file_and_names_every_bad_line(world, catalog):
    existing = ProductFactory(catalog=catalog, ref="OLD", name="Ancien", price=Decimal("1.00"))
    before = snapshot(catalog)
    text = (
        HEADER
        + "\n"
        + "\n".join(
            [
                "Bon produit;2,00;OK-1;;;;;;5,5;;",  # line 2: fine
                ";2,00;NO-NAME;;;;;;5,5;;",  # line 3: no name
                "Prix faux;abc;BAD-PRICE;;;;;;5,5;;",  # line 4: price not a number
                "Unité;2;BAD-UNIT;;1;boisseau;;;5,5;;",  # line 5: unknown unit
                "TVA;2;BAD-VAT;;;;;;7;;",  # line 6: not a group rate
                "Doublon;2;OK-1;;;;;;5,5;;",  # line 7: ref repeated in the file
                "Stock;2;BAD-STOCK;;;;;;5,5;-3;",  # line 8: negative stock
                "Catégorie;2;BAD-CAT;;;;;;5,5;;Fenouil",  # line 9: ambiguous category
                "Bio;2;BAD-BOOL;;;;peut-être;;5,5;;",  # line 10: not yes/no
                "Négatif;-1;BAD-NEG;;;;;;5,5;;",  # line 11: negative price
            ]
        )
    )
    with pytest.raises(ProductImportError) as exc:
        run(catalog, text, world.admin)
    lines = {line for line, _message in exc.value.errors}
    assert lines == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert all(message for _line, message in exc.value.errors)
    assert snapshot(catalog) == before
    existing.refresh_from_db()
    assert existing.name == "Ancien"


def test_import_refuses_unknown_columns_and_empty_files(world, catalog):
    with pytest.raises(ProductImportError) as exc:
        run(catalog, "productName;prix\nCarottes;2\n", world.admin)
    assert exc.value.errors[0][0] == 0 and "prix" in exc.value.errors[0][1]
    with pytest.raises(ProductImportError):
        run(catalog, HEADER + "\n", world.admin)
    with pytest.raises(ProductImportError):
        run(catalog, b"PK\x03\x04not really a spreadsheet", world.admin, filename="x.xlsx")
    assert not Product.objects.filter(catalog=catalog).exists()


def test_import_updates_by_ref_and_dry_run_writes_nothing(world, catalog):
    product = ProductFactory(catalog=catalog, ref="CAR-1", name="Carottes", price=Decimal("2.00"))
    text = "ref;productName;price\nCAR-1;Carottes nouvelles;2,20\nNEW-1;Navets;1,80\n"
    report = run(catalog, text, world.admin, dry_run=True)
    assert (report.created, report.updated) == (1, 1)
    product.refresh_from_db()
    assert product.price == Decimal("2.00")
    assert Product.objects.filter(catalog=catalog).count() == 1
    run(catalog, text, world.admin)
    product.refresh_from_db()
    assert product.price == Decimal("2.20") and product.name == "Carottes nouvelles"
    assert Product.objects.filter(catalog=catalog).count() == 2


def test_import_xlsx(world, catalog):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["productName", "price", "unit", "qt", "vat", "organic"])
    sheet.append(["Miel de lavande", 8.5, "g", 500, 5.5, 1])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["Fromage", "", "piece", 1, 5.5, 0])  # line 4: no price
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ProductImportError) as exc:
        run(catalog, buffer.getvalue(), world.admin, filename="produits.xlsx")
    assert [line for line, _m in exc.value.errors] == [4]
    sheet.delete_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    run(catalog, buffer.getvalue(), world.admin, filename="produits.xlsx")
    honey = Product.objects.get(catalog=catalog)
    assert (
        honey.price == Decimal("8.50") and honey.unit_quantity == Decimal("500") and honey.organic
    )


def _rich_catalog(catalog):
    ProductFactory(
        catalog=catalog,
        name="Carottes",
        ref="C1",
        price=Decimal("2.40"),
        unit_type="kg",
        unit_quantity=Decimal("1"),
        organic=True,
        stock=Decimal("12.5"),
        taxonomy=571,
    )
    ProductFactory(
        catalog=catalog,
        name="Comté",
        ref="",
        price=Decimal("6.80"),
        unit_type="g",
        unit_quantity=Decimal("250"),
        variable_weight=True,
        multi_weight=True,
        description='Affiné 18 mois ; "fruité"',
    )
    ProductFactory(
        catalog=catalog,
        name="Lentilles",
        ref="L1",
        price=Decimal("4.00"),
        unit_type="kg",
        unit_quantity=Decimal("1"),
        bulk=True,
        small_quantity=Decimal("0.1"),
        active=False,
        vat_rate=Decimal("20"),
    )
    ProductFactory(
        catalog=catalog,
        name="Cagette de pommes",
        ref="W1",
        price=Decimal("25"),
        wholesale=True,
        unit_type="kg",
        unit_quantity=Decimal("10"),
    )


@pytest.mark.parametrize(
    ("file_format", "language"), [("csv", "fr"), ("csv", "en"), ("xlsx", "fr")]
)
def test_export_reimports_unchanged(world, catalog, file_format, language):
    _rich_catalog(catalog)
    before = snapshot(catalog)
    content, _content_type, filename = product_export(
        catalog=catalog, file_format=file_format, language=language
    )
    assert filename.endswith(f".{file_format}")
    if file_format == "csv":
        text = content.decode("utf-8")
        assert text.startswith("\ufeff")
        assert text.splitlines()[0].count(";" if language == "fr" else ",") >= 10
    report = run(catalog, content, world.admin, filename=filename)
    assert report.created == 0 and report.updated == 0 and report.unchanged == 4
    assert snapshot(catalog) == before
    # Into an empty catalog of the same group, the same products are created.
    other = CatalogFactory(group=world.group)
    report = run(other, content, world.admin, filename=filename)
    assert report.created == 4
    assert snapshot(other) == before


def test_import_refused_on_a_linked_catalog(world):
    from tests.catalogs.test_links import linked_catalog

    catalog, _link = linked_catalog(world.group, world.admin)
    with pytest.raises(LinkedCatalogError):
        run(catalog, "productName;price\nX;1\n", world.admin)


def test_import_of_5000_products_takes_less_than_15_seconds(world, catalog):
    lines = [HEADER]
    for i in range(5000):
        lines.append(
            f"Produit {i};{i % 50 + 1},{i % 100:02d};REF-{i};Description {i};1;kg;{i % 2};0;5,5;{i % 30};carottes"
        )
    data = "\n".join(lines).encode("utf-8")
    start = time.monotonic()
    report = run(catalog, data, world.admin)
    elapsed = time.monotonic() - start
    assert report.created == 5000
    assert Product.objects.filter(catalog=catalog).count() == 5000
    assert elapsed < 15, f"import took {elapsed:.1f} s"
    # Updating them all is within the budget too.
    start = time.monotonic()
    report = run(catalog, data.replace(b";5,5;", b";20;"), world.admin)
    assert report.updated == 5000
    assert time.monotonic() - start < 15
