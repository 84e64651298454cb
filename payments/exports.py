"""Operations as a file (decision 12): UTF-8 with a BOM; CSV separated by semicolons with
decimal commas in French, by commas with decimal points in English; XLSX with real numbers and
dates. The file name carries the group and the period."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from groups.models import Group
from kernel.spreadsheets import text_cell
from payments.models import Operation
from payments.resources import OperationResource

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dataset(operations: QuerySet[Operation]):
    return OperationResource().export(queryset=operations)


def _csv_cell(value, language: str) -> str:
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if language == "fr" else text
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()
    return "" if value is None else text_cell(str(value))


def operations_csv(operations: QuerySet[Operation], *, language: str) -> bytes:
    dataset = _dataset(operations)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in dataset:
        writer.writerow([_csv_cell(value, language) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


COLUMNS = OperationResource.Meta.fields
WIDTHS = (7, 12, 28, 30, 16, 40, 12, 8, 12, 18, 20, 10, 30, 24)


def operations_xlsx(operations: QuerySet[Operation]) -> bytes:
    dataset = _dataset(operations)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Operations"))
    sheet.append(dataset.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_col, amount_col = COLUMNS.index("date") + 1, COLUMNS.index("amount") + 1
    for row in dataset:
        sheet.append([text_cell(v) if isinstance(v, str) else v for v in row])
        last = sheet.max_row
        sheet.cell(row=last, column=date_col).number_format = "yyyy-mm-dd"
        sheet.cell(row=last, column=amount_col).number_format = "0.00"
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_name(group: Group, start: date, end: date, extension: str) -> str:
    return f"operations-{slugify(group.slug)}-{start.isoformat()}-{end.isoformat()}.{extension}"


def export_response(
    *, group: Group, start: date, end: date, fmt: str, language: str, operations
) -> HttpResponse:
    if fmt == "xlsx":
        content, content_type = operations_xlsx(operations), XLSX_TYPE
    else:
        content, content_type = operations_csv(operations, language=language), CSV_TYPE
        fmt = "csv"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name(group, start, end, fmt)}"'
    return response
