"""django-import-export in Django admin, in the operator's language.

The library labels the export form's checkboxes from the resource's attribute names, title-cased
in English ("Name (productName)"): ``TranslatedExportForm`` uses the model field's translated
verbose name instead, followed by the file's column name when it differs ("Nom (productName)").
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from kernel.exporters import DatasetExporter
from kernel.tables import read_table


def field_label(resource, field_name: str) -> str:
    field = resource.fields.get(field_name)
    attribute = (getattr(field, "attribute", None) or field_name).split("__")[0]
    title = ""
    try:
        title = str(capfirst(resource._meta.model._meta.get_field(attribute).verbose_name))
    except (FieldDoesNotExist, AttributeError):
        title = field_name.replace("_", " ")
    column = str(field.column_name) if field is not None and field.column_name else ""
    if column and column.casefold() != title.casefold() and column != field_name:
        return f"{title} ({column})"
    return title


class TranslatedExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        return field_label(resource, field_name)


def _dataset(table):
    import tablib

    headers = [str(h or "").strip().lstrip("\ufeff") for h in table.headers]
    dataset = tablib.Dataset(headers=headers)
    for row in table.rows:
        cells = [("" if c is None else str(c).strip()) for c in row[: len(headers)]]
        dataset.append(cells + [""] * (len(headers) - len(cells)))
    return dataset


class TableCSV(base_formats.CSV):
    """CSV in Django admin: either separator, with or without a BOM, UTF-8 or Windows-1252, read
    within ``kernel.tables`` bounds; written by ``kernel.exporters`` (commas, every cell quoted,
    formulas neutralised)."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream if isinstance(in_stream, bytes) else str(in_stream).encode("utf-8")
        return _dataset(read_table(data, "import.csv"))

    def export_data(self, dataset, **kwargs):
        return DatasetExporter(dataset, language="en", quote_all=True).content("csv")


class TableXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs):
        return _dataset(read_table(in_stream, "import.xlsx"))


FORMATS = [TableCSV, TableXLSX]


class TranslatedExportFormMixin:
    """For an import-export ``ModelAdmin``: the translated export form and the bounded formats."""

    export_form_class = TranslatedExportForm
    formats = FORMATS
