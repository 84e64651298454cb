import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import tablib
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from kernel.exporters import DatasetExporter, ListExporter, text_cell


class FruitExporter(ListExporter):
    columns = (gettext_lazy("Product"), gettext_lazy("Quantity"), gettext_lazy("Date"), "Total")
    sheet_title = "Fruits"

    def __init__(self, rows, *, language):
        super().__init__(language=language)
        self._rows = rows

    def rows(self):
        yield from self._rows


ROWS = [
    ["Pommes; bio", Decimal("1.500"), date(2026, 3, 31), Decimal("12.50")],
    ['=HYPERLINK("http://x","y")', Decimal("2.000"), None, Decimal("-3.00")],
    ["Poires", 3, date(2026, 1, 2), Decimal("0.00")],
]


def read_csv(content: bytes, delimiter: str) -> list[list[str]]:
    return list(
        csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    )


def test_french_csv_uses_semicolons_decimal_commas_and_french_dates():
    content = FruitExporter(ROWS, language="fr").content("csv")
    rows = read_csv(content, ";")
    assert rows[0] == ["Produit", "Quantité", "Date", "Total"]
    assert rows[1] == ["Pommes; bio", "1,5", "31/03/2026", "12,50"]
    assert rows[3] == ["Poires", "3", "02/01/2026", "0,00"]


def test_english_csv_uses_commas_decimal_points_and_iso_dates():
    content = FruitExporter(ROWS, language="en").content("csv")
    rows = read_csv(content, ",")
    assert rows[0] == ["Product", "Quantity", "Date", "Total"]
    assert rows[1] == ["Pommes; bio", "1.5", "2026-03-31", "12.50"]
    assert rows[2][1:] == ["2", "", "-3.00"]


def test_csv_is_utf8_with_bom_and_crlf_line_ends():
    content = FruitExporter(ROWS, language="fr").content("csv")
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.count("\r\n") == 4 and "\n" not in text.replace("\r\n", "")


def test_text_a_spreadsheet_would_run_is_neutralised_and_numbers_are_not():
    assert text_cell("=1+1") == "'=1+1"
    assert text_cell("-x") == "'-x"
    assert text_cell("@SUM(A1)") == "'@SUM(A1)"
    assert text_cell("Pommes") == "Pommes"
    rows = read_csv(FruitExporter(ROWS, language="fr").content("csv"), ";")
    assert rows[2][0] == '\'=HYPERLINK("http://x","y")'
    assert rows[2][3] == "-3,00"  # a negative amount stays a number


def test_files_meant_for_reimport_keep_text_as_is_and_quote_every_cell():
    dataset = tablib.Dataset(["-20 % promo", "2,40"], headers=["productName", "price"])
    exporter = DatasetExporter(dataset, language="fr", quote_all=True, neutralise=False)
    text = exporter.content("csv").decode("utf-8-sig")
    assert text.splitlines()[0] == '"productName";"price"'
    assert text.splitlines()[1] == '"-20 % promo";"2,40"'


def test_headers_and_rows_are_translated_in_the_files_language_while_streaming():
    with translation.override("en"):
        chunks = FruitExporter(ROWS, language="fr").csv_chunks()
    # The generator runs after the override ended, as a streamed response does.
    first = next(chunks).decode("utf-8-sig")
    assert first.startswith("Produit;Quantité")


def test_csv_streams_the_header_before_the_rows_are_read():
    read = []

    def rows():
        for row in ROWS:
            read.append(row)
            yield row

    exporter = FruitExporter(rows(), language="en")
    chunks = exporter.csv_chunks()
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbfProduct,Quantity") and read == []
    rest = b"".join(chunks)
    assert len(read) == 3 and b"Poires" in rest


def test_long_csv_leaves_in_several_chunks():
    many = [[f"Produit {i}", Decimal("1.25"), None, Decimal(i)] for i in range(10_000)]
    chunks = list(FruitExporter(many, language="fr").csv_chunks())
    assert len(chunks) > 2
    rows = read_csv(b"".join(chunks), ";")
    assert len(rows) == 10_001 and rows[-1][0] == "Produit 9999"


def test_xlsx_is_readable_with_numbers_dates_and_neutralised_text():
    content = FruitExporter(ROWS, language="fr").content("xlsx")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet.title == "Fruits"
    assert [c.value for c in sheet[1]] == ["Produit", "Quantité", "Date", "Total"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet["B2"].data_type == "n" and sheet["B2"].value == 1.5
    assert sheet["C2"].is_date and sheet["C2"].value.date() == date(2026, 3, 31)
    assert sheet["D2"].value == 12.5 and sheet["D2"].number_format == "0.00"
    assert sheet["A3"].data_type == "s" and sheet["A3"].value.startswith("'=")


def test_long_xlsx_leaves_in_several_chunks():
    many = [[f"Produit {i}", Decimal("1.25"), None, Decimal(i)] for i in range(20_000)]
    chunks = list(FruitExporter(many, language="en").xlsx_chunks())
    assert len(chunks) > 1 and chunks[0].startswith(b"PK")
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 20_001 and rows[-1] == ("Produit 19999", 1.25, None, 19999)


def test_xlsx_streams_its_first_bytes_before_the_rows_are_read():
    read = []

    def rows():
        for row in ROWS:
            read.append(row)
            yield row

    chunks = FruitExporter(rows(), language="fr").xlsx_chunks()
    assert next(chunks).startswith(b"PK") and read == []
    rest = b"".join(chunks)
    assert len(read) == 3 and rest


def test_xlsx_cells_of_every_kind_and_a_valid_package():
    aware = datetime(2026, 6, 1, 16, 30, tzinfo=UTC)  # 18:30 in Paris (settings' zone)

    def naive(*parts):  # a spreadsheet's date and time: no zone
        return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)

    rows = [
        ["Tab\tand a bell\x07 <b>&amp;", True, aware, 7, 2.25, Decimal("3.125")],
        [None, False, naive(2026, 1, 2, 8, 0), -1, None, Decimal("-0.50")],
    ]

    class Kinds(FruitExporter):
        columns = ("a", "b", "c", "d", "e", "f")
        sheet_title = "Bad [title]: a/b?"
        column_widths = (30, 8)

    content = Kinds(rows, language="en").content("xlsx")
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert names[0] == "[Content_Types].xml" and "xl/styles.xml" in names
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Bad  title   a b "
    assert sheet.column_dimensions["A"].width == 30
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == [
        "Tab\tand a bell <b>&amp;",
        True,
        naive(2026, 6, 1, 18, 30),
        7,
        2.25,
        3.125,
    ]
    assert values[1] == [None, False, naive(2026, 1, 2, 8, 0), -1, None, -0.5]
    assert sheet["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["F3"].number_format == "0.00"


@pytest.mark.parametrize(
    ("streaming", "response_class"), [(True, StreamingHttpResponse), (False, HttpResponse)]
)
def test_response_is_an_attachment_with_the_formats_content_type(streaming, response_class):
    response = FruitExporter(ROWS, language="fr").response("csv", "fruits.csv", streaming=streaming)
    assert isinstance(response, response_class)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="fruits.csv"'
    xlsx = FruitExporter(ROWS, language="fr").response("xlsx", "fruits.xlsx")
    assert xlsx["Content-Type"].endswith("spreadsheetml.sheet")
