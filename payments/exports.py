"""Operations as a file (decision 12), written by ``kernel.exporters``: CSV in the reader's
dialect or XLSX with real numbers and dates. The file name carries the group and the period."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cached_property

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.text import slugify
from django.utils.translation import gettext_lazy

from groups.models import Group
from kernel.exporters import ListExporter
from payments.models import Operation
from payments.resources import OperationResource


class OperationExporter(ListExporter):
    """The columns are the ledger's import-export resource's, shared with Django admin."""

    sheet_title = gettext_lazy("Operations")
    column_widths = (7, 12, 28, 30, 16, 40, 12, 8, 12, 18, 20, 10, 30, 24)

    def __init__(self, operations: QuerySet[Operation], *, language: str) -> None:
        super().__init__(language=language)
        self.operations = operations

    @cached_property
    def resource(self) -> OperationResource:
        # First read while the file is written, in its language: the resource translates its
        # headers when created.
        return OperationResource()

    def headers(self) -> Sequence[str]:
        return self.resource.get_export_headers()

    def rows(self) -> Iterable[Sequence]:
        resource = self.resource
        for operation in resource.iter_queryset(self.operations):
            yield resource.export_resource(operation)


def file_name(group: Group, start: date, end: date, extension: str) -> str:
    return f"operations-{slugify(group.slug)}-{start.isoformat()}-{end.isoformat()}.{extension}"


def export_response(
    *, group: Group, start: date, end: date, fmt: str, language: str, operations
) -> HttpResponseBase:
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    # Built whole, as before the exporter: a period of one group's ledger fits in memory, and
    # the response then carries its length.
    return OperationExporter(operations, language=language).response(
        fmt, file_name(group, start, end, fmt), streaming=False
    )
