"""Reading an uploaded table (CSV or XLSX) within bounds, for every import (design §10).

A spreadsheet is a zip of XML that can declare a sheet of a million rows and sixteen thousand
columns in a few bytes, and a CSV can hold hundreds of thousands of lines: an import reads at
most ``max_rows`` rows of ``max_columns`` cells, checks the sizes an XLSX declares (its zip
members, its sheet's dimension) before reading a cell, streams the sheet (openpyxl's read-only
mode) and stops when its time budget is spent. Each refusal is a translated ``TableError`` that
names the limit, so a person knows what to change.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_BYTES = 4 * 1024 * 1024
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 64
TIME_BUDGET = 20.0  # seconds spent reading, whatever the file


class TableError(ValueError):
    """A file that cannot be imported; ``str(error)`` is translated, for the person."""


@dataclass
class Table:
    """Rows of an uploaded file, with the file line of each row for error messages."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Bounds:
    max_bytes: int = MAX_BYTES
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    time_budget: float = TIME_BUDGET


def read_table(
    data: bytes, filename: str = "", bounds: Bounds | None = None, *, header_lines: int = 1
) -> Table:
    """The file's first sheet (or the CSV, either separator) as a Table, within ``bounds``.

    ``header_lines``: how many lines come before the rows; the last of them gives the headers
    (the producers' format has a warning line above the labels). The CSV separator is the one
    these lines use most.
    """
    bounds = bounds or Bounds()
    if len(data) > bounds.max_bytes:
        raise TableError(
            _("The file is too big (%(size)s MB at most).")
            % {"size": f"{bounds.max_bytes / 1024 / 1024:g}"}
        )
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return read_xlsx(data, bounds, header_lines=header_lines)
    if name and not name.endswith((".csv", ".txt")):
        raise TableError(_("Send a CSV or an XLSX file."))
    return read_csv(data, bounds, header_lines=header_lines)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The file's text encoding is not recognised: save it as UTF-8."))


def is_blank(row: list) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


class _Limits:
    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.deadline = time.monotonic() + bounds.time_budget

    def row(self, table: Table, cells: list) -> None:
        if len(table.rows) >= self.bounds.max_rows:
            raise TableError(
                _("The file has more than %(rows)s rows: split it into several files.")
                % {"rows": self.bounds.max_rows}
            )
        if time.monotonic() > self.deadline:
            raise TableError(_("The file takes too long to read: split it into several files."))

    def columns(self, count: int) -> None:
        if count > self.bounds.max_columns:
            raise TableError(
                _("The file has more than %(columns)s columns.")
                % {"columns": self.bounds.max_columns}
            )


def read_csv(data: bytes, bounds: Bounds | None = None, *, header_lines: int = 1) -> Table:
    limits = _Limits(bounds or Bounds())
    text = _decode(data)
    first_line = "\n".join(text.split("\n", header_lines)[:header_lines])
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: Table | None = None
    skipped = 0
    last_line = 0
    try:
        for row in reader:
            line = last_line + 1
            last_line = reader.line_num
            limits.columns(len(row))
            if table is None:
                if skipped < header_lines - 1:
                    skipped += 1
                    continue
                table = Table(headers=row)
                continue
            if is_blank(row):
                continue
            limits.row(table, row)
            table.rows.append(row)
            table.lines.append(line)
    except csv.Error as exc:
        raise TableError(
            _("Line %(line)d of the file cannot be read: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    if table is None:
        raise TableError(_("The file is empty."))
    return table


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError(_("This file is not a readable XLSX spreadsheet.")) from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise TableError(_("This spreadsheet unpacks to too much data to be imported."))


def read_xlsx(data: bytes, bounds: Bounds | None = None, *, header_lines: int = 1) -> Table:
    from openpyxl import load_workbook

    bounds = bounds or Bounds()
    limits = _Limits(bounds)
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError(_("This file is not a readable XLSX spreadsheet.")) from exc
    try:
        sheet = workbook.worksheets[0]
        # The dimension the sheet declares: refused before a cell is read when it is beyond
        # the bounds (a few bytes can declare a sheet of 16,384 by 1,048,576 cells).
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        limits.columns(declared_columns)
        if declared_rows > bounds.max_rows + header_lines:
            raise TableError(
                _("The file has more than %(rows)s rows: split it into several files.")
                % {"rows": bounds.max_rows}
            )
        table: Table | None = None
        skipped = 0
        rows = sheet.iter_rows(
            values_only=True,
            max_row=bounds.max_rows + 1 + header_lines,
            max_col=bounds.max_columns,
        )
        for line, row in enumerate(rows, start=1):
            cells = [cell_text(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()  # read-only sheets pad rows up to max_col
            if table is None:
                if is_blank(cells):
                    continue
                if skipped < header_lines - 1:
                    skipped += 1
                    continue
                table = Table(headers=cells)
                continue
            if is_blank(cells):
                continue
            limits.row(table, cells)
            table.rows.append(cells)
            table.lines.append(line)
    finally:
        workbook.close()
    if table is None:
        raise TableError(_("The file is empty."))
    return table
