"""kernel.tables: imports read within bounds, whatever the file declares (issue 12, High)."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from kernel.tables import Bounds, TableError, read_table


def _xlsx(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _declaring(data: bytes, ref: str) -> bytes:
    """The same workbook, its sheet declaring the dimension ``ref``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                text = content.decode()
                if "<dimension" in text:
                    text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', text)
                else:
                    text = text.replace("<sheetData", f'<dimension ref="{ref}"/><sheetData', 1)
                content = text.encode()
            target.writestr(info, content)
    return out.getvalue()


def test_a_small_spreadsheet_declaring_a_huge_sheet_is_refused_in_under_a_second():
    hostile = _declaring(_xlsx([["name", "price"], ["Pain", "2"]]), "A1:XFD1048576")
    assert len(hostile) < 8 * 1024
    started = time.monotonic()
    with pytest.raises(TableError, match=r"colonnes|columns"):
        read_table(hostile, "produits.xlsx")
    assert time.monotonic() - started < 1


def test_a_spreadsheet_declaring_a_million_rows_is_refused_before_reading():
    hostile = _declaring(_xlsx([["name", "price"], ["Pain", "2"]]), "A1:B1048576")
    started = time.monotonic()
    with pytest.raises(TableError, match=r"20000 lignes|20000 rows"):
        read_table(hostile, "produits.xlsx")
    assert time.monotonic() - started < 1


def test_200000_rows_are_refused_by_the_row_cap():
    rows = "name;price\r\n" + "Pain;2\r\n" * 200_000
    started = time.monotonic()
    with pytest.raises(TableError, match="20000"):
        read_table(rows.encode(), "produits.csv")
    assert time.monotonic() - started < 2


def test_a_spreadsheet_without_a_dimension_stops_at_the_row_cap():
    data = _xlsx([["name"], *([["x"]] * 120)])
    with pytest.raises(TableError, match="100"):
        read_table(data, "x.xlsx", Bounds(max_rows=100))


def test_the_time_budget_ends_a_slow_read():
    rows = ("a;b\r\n" + "1;2\r\n" * 5000).encode()
    with pytest.raises(TableError, match=r"trop de temps|too long"):
        read_table(rows, "x.csv", Bounds(time_budget=0))


def test_a_normal_file_reads_with_its_line_numbers_in_both_formats():
    csv_table = read_table(b"name;price\r\nPain;2,5\r\n\r\nLait;1\r\n", "p.csv")
    assert csv_table.headers == ["name", "price"]
    assert csv_table.rows == [["Pain", "2,5"], ["Lait", "1"]] and csv_table.lines == [2, 4]
    xlsx_table = read_table(_xlsx([["name", "price"], ["Pain", 2.5], [None, None], ["Lait", 1]]))
    assert xlsx_table.rows == [["Pain", "2.5"], ["Lait", "1"]] and xlsx_table.lines == [2, 4]


def test_a_zip_bomb_is_refused_before_openpyxl_reads_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    with pytest.raises(TableError, match=r"décompress|unpacks|données"):
        read_table(out.getvalue(), "bomb.xlsx")


def test_two_header_lines_the_separator_is_read_from_both():
    # The producers' format: a warning line without separator above the labels.
    data = b"Ne pas modifier les colonnes\r\nname;price\r\nPain;2,5\r\n"
    table = read_table(data, "p.csv", header_lines=2)
    assert table.headers == ["name", "price"]
    assert table.rows == [["Pain", "2,5"]] and table.lines == [3]
    xlsx = read_table(_xlsx([["Attention"], ["name", "price"], ["Pain", 2.5]]), header_lines=2)
    assert xlsx.headers == ["name", "price"] and xlsx.lines == [3]
