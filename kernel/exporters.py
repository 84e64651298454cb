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
  the first bytes leave before any row is read, memory stays flat.

The XLSX is written here (``_xlsx_parts``), not by openpyxl: openpyxl spends about 17 µs of CPU
per cell (a cell object, its style, its coordinates) — 27 s for the 1.6 million cells of a
year's order lines — and ``lxml`` only saved a tenth of it (measured, docs/reports.md). The
sheet is one XML part of ``<c>`` elements formatted as text (inline strings, five fixed styles),
zipped on the fly (``zipfile`` writes to a stream that cannot seek with data descriptors).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone, translation

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


# XLSX -------------------------------------------------------------------------------------------

# The styles of ``_STYLES``'s cellXfs, as the attribute a ``<c>`` element carries.
_S_PLAIN, _S_BOLD, _S_MONEY, _S_DATE, _S_DATETIME = "", ' s="1"', ' s="2"', ' s="3"', ' s="4"'
_EPOCH = date(1899, 12, 30)  # day 0 of spreadsheets' dates (1900 system, after its leap bug)
# Characters XML 1.0 cannot hold; a spreadsheet would refuse the whole file.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xlsx_text(value: str) -> str:
    """A text cell's attributes and content (an inline string: no shared-strings table)."""
    text = escape(_XML_BAD.sub("", value))
    return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is>'


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _xlsx_fixed_parts(title: str) -> list[tuple[str, str]]:
    return [
        (
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
        ),
        (
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        ),
        (
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name={quoteattr(title)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        ),
        (
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
    ]


def _sheet_head(widths: Sequence[float]) -> str:
    """The sheet up to its rows: the header row frozen, the declared column widths."""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    return (
        f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>'
        '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
        ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>'
        '</sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


class _Drain:
    """A write-only, unseekable file for ``zipfile``: what was written is taken as chunks."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


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

    def xlsx_cell(self, value) -> str:
        """The value of one ``<c>`` element, without its ``r`` attribute (see ``_XLSX_CELL``)."""
        kind = type(value)
        if kind is str:
            return _xlsx_text(text_cell(value) if self.neutralise else value)
        if kind is Decimal:
            text = format(value, "f")
            style = _S_MONEY if value.as_tuple().exponent == -2 else _S_PLAIN
            return f"{style}><v>{text}</v>"
        if kind is int:
            return f"><v>{value}</v>"
        if value is None:
            return ""
        if isinstance(value, bool):
            return f' t="b"><v>{int(value)}</v>'
        if isinstance(value, str):
            return _xlsx_text(text_cell(value) if self.neutralise else value)
        if isinstance(value, Decimal):
            return f"><v>{format(value, 'f')}</v>"
        if isinstance(value, int):
            return f"><v>{int(value)}</v>"
        if isinstance(value, float):
            return f"><v>{value!r}</v>"
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            seconds = value.hour * 3600 + value.minute * 60 + value.second
            serial = (value.date() - _EPOCH).days + (seconds + value.microsecond / 1e6) / 86400
            return f"{_S_DATETIME}><v>{serial!r}</v>"
        if isinstance(value, date):
            return f"{_S_DATE}><v>{(value - _EPOCH).days}</v>"
        return _xlsx_text(str(value))

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
        """The XLSX file as zipped chunks; the first leaves before any row is read."""
        with translation.override(self.language):
            out = _Drain()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                title = _SHEET_TITLE_BAD.sub(" ", str(self.sheet_title))[:31] or "Sheet"
                for name, content in _xlsx_fixed_parts(title):
                    archive.writestr(name, content)
                headers = self.headers()
                letters = _column_letters(len(headers))
                with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
                    sheet.write(_sheet_head(self.column_widths).encode())
                    cells = "".join(
                        f'<c r="{letters[i]}1"{_S_BOLD}{_xlsx_text(str(label))}</c>'
                        for i, label in enumerate(headers)
                    )
                    sheet.write(f'<row r="1">{cells}</row>'.encode())
                    yield out.take()
                    lines: list[str] = []
                    size = 0
                    cell = self.xlsx_cell
                    for number, row in enumerate(self.rows(), start=2):
                        if len(row) > len(letters):
                            letters = _column_letters(len(row))
                        line = "".join(
                            f'<c r="{letters[i]}{number}"{xml}</c>'
                            for i, value in enumerate(row)
                            if (xml := cell(value))
                        )
                        line = f'<row r="{number}">{line}</row>'
                        lines.append(line)
                        size += len(line)
                        if size >= 4 * CHUNK_SIZE:
                            sheet.write("".join(lines).encode())
                            lines, size = [], 0
                            if chunk := out.take():
                                yield chunk
                    sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())
            yield out.take()

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
