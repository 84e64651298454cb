"""Lists as files: every CSV and XLSX the project writes goes through ``ListExporter``.

The idea is pretix's ``ListExporter``: an exporter declares its columns and yields rows of native
values (``str``, ``int``, ``Decimal``, ``date``, ``None``); this module owns how they are written
(decision 12):

- the dialect follows the reader's language — French: cells separated by ``;``, decimal comma,
  dates as ``31/12/2026``; English: ``,``, decimal point, ISO dates;
- CSV is UTF-8 with a BOM (so spreadsheets read accents right) and CRLF line ends;
- XLSX keeps numbers and dates as numbers and dates, with a bold, frozen header row;
- text a spreadsheet would run as a formula is neutralised (``text_cell``);
- both formats are produced as chunks while the rows are read, for a ``StreamingHttpResponse``:
  the CSV leaves row by row, the XLSX is written by openpyxl in write-only mode (rows go to a
  temporary file, memory stays flat) and sent once the workbook is closed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"
# Rows are gathered into chunks of about this many characters: one chunk per row would make
# thousands of tiny writes to the client.
CHUNK_SIZE = 64 * 1024

# A spreadsheet reads a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
# return) as a formula: a member named ``=HYPERLINK(…)`` would run it on the admin's machine ("CSV
# injection"). Such text gets a leading apostrophe, which spreadsheets show as a plain-text
# marker. Numbers are written as numbers and are not touched.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    decimal: str
    date_format: str  # strftime pattern


FRENCH = Dialect(delimiter=";", decimal=",", date_format="%d/%m/%Y")
ENGLISH = Dialect(delimiter=",", decimal=".", date_format="%Y-%m-%d")


def dialect_for(language: str) -> Dialect:
    return FRENCH if language.startswith("fr") else ENGLISH


def decimal_text(value: Decimal, decimal_separator: str) -> str:
    """``12.50`` stays ``12,50``/``12.50``; quantities (3 places) lose their trailing zeros.

    Called for every number of every exported row: string work only (no ``normalize``)."""
    text = format(value, "f")
    whole, _dot, fraction = text.partition(".")
    if len(fraction) > 2:
        fraction = fraction.rstrip("0")
        text = f"{whole}.{fraction}" if fraction else whole
    return text.replace(".", decimal_separator) if decimal_separator != "." else text


class _Echo:
    """A file-like object for ``csv.writer`` that hands each written row back."""

    def write(self, value: str) -> str:
        return value


class ListExporter:
    """One list of rows, written as CSV or XLSX in the dialect of ``language``.

    A subclass sets ``columns`` (header labels, lazily translated) — or overrides ``headers()``
    when they depend on the data — and yields its rows from ``rows()``. Both are called while the
    file is written, inside ``translation.override(language)``: a streamed response is written
    after the view returned, when the request's language is no longer active.
    """

    columns: Sequence[str] = ()
    sheet_title: str = "Sheet"
    column_widths: Sequence[float] = ()
    # Every CSV cell quoted: files meant to be re-imported keep a fixed shape.
    quote_all: bool = False
    # Off only for files meant to be re-imported unchanged (a product named "-20 %" would come
    # back with an apostrophe); the importer is then the one reading them.
    neutralise: bool = True

    def __init__(self, *, language: str) -> None:
        self.language = language
        self.dialect = dialect_for(language)

    def headers(self) -> Sequence[str]:
        return [str(label) for label in self.columns]

    def rows(self) -> Iterable[Sequence]:
        raise NotImplementedError

    # Cells ---------------------------------------------------------------------------------------

    def csv_cell(self, value):
        kind = type(value)
        if kind is str:
            return text_cell(value) if self.neutralise else value
        if kind is Decimal:
            return decimal_text(value, self.dialect.decimal)
        if value is None:
            return ""
        if isinstance(value, str):
            return text_cell(value) if self.neutralise else value
        if isinstance(value, Decimal):
            return decimal_text(value, self.dialect.decimal)
        if isinstance(value, date):
            return value.strftime(self.dialect.date_format)
        return value

    def xlsx_cell(self, sheet, value):
        if isinstance(value, str):
            return text_cell(value) if self.neutralise else value
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "0.00"
            return cell
        return value

    # Files ---------------------------------------------------------------------------------------

    def csv_chunks(self) -> Iterator[bytes]:
        """The CSV file in UTF-8 chunks; the first (BOM and header) leaves before any row is read."""
        writer = csv.writer(
            _Echo(),
            delimiter=self.dialect.delimiter,
            quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )
        cell = self.csv_cell
        with translation.override(self.language):
            yield (BOM + writer.writerow([cell(h) for h in self.headers()])).encode("utf-8")
            lines: list[str] = []
            size = 0
            for row in self.rows():
                line = writer.writerow([cell(v) for v in row])
                lines.append(line)
                size += len(line)
                if size >= CHUNK_SIZE:
                    yield "".join(lines).encode("utf-8")
                    lines, size = [], 0
            if lines:
                yield "".join(lines).encode("utf-8")

    def xlsx_chunks(self) -> Iterator[bytes]:
        with translation.override(self.language):
            workbook = Workbook(write_only=True)
            # Excel refuses sheet names longer than 31 characters.
            sheet = workbook.create_sheet(title=str(self.sheet_title)[:31])
            for index, width in enumerate(self.column_widths, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.freeze_panes = "A2"
            bold = Font(bold=True)
            header = []
            for label in self.headers():
                cell = WriteOnlyCell(sheet, value=self.xlsx_cell(sheet, label))
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            for row in self.rows():
                sheet.append([self.xlsx_cell(sheet, v) for v in row])
            with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_SIZE) as out:
                workbook.save(out)
                out.seek(0)
                while chunk := out.read(CHUNK_SIZE):
                    yield chunk

    def chunks(self, file_format: str) -> Iterator[bytes]:
        return self.xlsx_chunks() if file_format == "xlsx" else self.csv_chunks()

    def content(self, file_format: str) -> bytes:
        return b"".join(self.chunks(file_format))

    def response(
        self, file_format: str, filename: str, *, streaming: bool = True
    ) -> HttpResponseBase:
        """The file as an attachment; ``streaming=False`` builds it whole first."""
        content_type = CONTENT_TYPES[file_format]
        if streaming:
            response = StreamingHttpResponse(self.chunks(file_format), content_type=content_type)
        else:
            response = HttpResponse(self.content(file_format), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class DatasetExporter(ListExporter):
    """A ``tablib.Dataset`` already built by an import-export resource (admin, product files)."""

    def __init__(
        self, dataset, *, language: str, quote_all: bool = False, neutralise: bool = True
    ) -> None:
        super().__init__(language=language)
        self.dataset = dataset
        self.quote_all = quote_all
        self.neutralise = neutralise

    def headers(self) -> Sequence[str]:
        return self.dataset.headers

    def rows(self) -> Iterable[Sequence]:
        return iter(self.dataset)
