"""Product exports neutralise formulas, and the importer takes the neutralising apostrophe
back off, so an export re-imports exactly (issue 12, Medium)."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from catalogs.models import Product
from catalogs.resources import SmartCSV
from catalogs.services import product_export, product_import
from tests.catalogs.factories import CatalogFactory, ProductFactory

FORMULA = '=HYPERLINK("http://evil.example";"x")'


def _cells(content: bytes, file_format: str) -> list[str]:
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        return [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    return content.decode("utf-8-sig").replace('"', " ").split()


@pytest.mark.parametrize(
    ("file_format", "language"), [("csv", "fr"), ("csv", "en"), ("xlsx", "fr")]
)
def test_the_product_export_neutralises_formulas_and_round_trips(world, file_format, language):
    catalog = CatalogFactory(group=world.group)
    ProductFactory(catalog=catalog, name=FORMULA, ref="F1", description="@SUM(A1)")
    ProductFactory(catalog=catalog, name="-20 %", ref="+R2", price=Decimal("3.00"))
    content, _type, filename = product_export(
        catalog=catalog, file_format=file_format, language=language
    )
    if file_format == "xlsx":
        values = _cells(content, "xlsx")
        assert f"'{FORMULA}" in values and "'-20 %" in values and "'@SUM(A1)" in values
        assert FORMULA not in values
    else:
        text = content.decode("utf-8-sig")
        assert "\"'=HYPERLINK(" in text and '"\'-20 %"' in text
        assert '"=HYPERLINK(' not in text
    before = sorted(
        Product.objects.filter(catalog=catalog).values_list("name", "ref", "description")
    )
    report = product_import(
        catalog=catalog, data=content, filename=filename, acting_user=world.admin
    )
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    other = CatalogFactory(group=world.group)
    product_import(catalog=other, data=content, filename=filename, acting_user=world.admin)
    after = sorted(Product.objects.filter(catalog=other).values_list("name", "ref", "description"))
    assert after == before


def test_only_the_apostrophe_before_a_formula_character_comes_off(world):
    catalog = CatalogFactory(group=world.group)
    data = "productName;price\n'Pain d'épices;2\n'=1+1;1\n''=x;1\n".encode()
    product_import(catalog=catalog, data=data, filename="p.csv", acting_user=world.admin)
    names = set(Product.objects.filter(catalog=catalog).values_list("name", flat=True))
    assert names == {"'Pain d'épices", "=1+1", "''=x"}


def test_the_admin_csv_export_neutralises_formulas(world):
    import tablib

    dataset = tablib.Dataset(headers=["productName", "price"])
    dataset.append([FORMULA, "2"])
    assert "\"'=HYPERLINK(" in SmartCSV().export_data(dataset).decode("utf-8-sig")
