"""Product import from a CSV or XLSX file (decision 12)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from catalogs.exceptions import ProductImportError
from catalogs.models import Catalog
from catalogs.services.products import _ensure_local
from kernel.audit import log_action
from kernel.tables import TableError, read_table


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int


def product_import(
    *, catalog: Catalog, data: bytes, filename: str, acting_user: Any, dry_run: bool = False
) -> ImportReport:
    """Import a CSV or XLSX file of products into a local catalog (decision 12).

    All or nothing: any bad row (or an unreadable file) raises ``ProductImportError`` listing
    every bad line with its reason, and the database is left untouched.
    """
    from catalogs.resources import ProductResource, column_label, table_to_dataset

    _ensure_local(catalog)
    try:
        table = read_table(data, filename)
        dataset = table_to_dataset(table)
    except TableError as exc:
        raise ProductImportError([(0, str(exc))]) from exc
    if not table.rows:
        raise ProductImportError([(0, _("The file has no product line."))])
    resource = ProductResource(catalog=catalog)
    resource.lines = table.lines
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        errors: list[tuple[int, str]] = []
        for invalid in result.invalid_rows:
            line = resource.file_line(invalid.number)
            for attribute, messages in invalid.error_dict.items():
                for message in messages:
                    if attribute == "__all__":
                        errors.append((line, message))
                    else:
                        errors.append((line, f"{column_label(attribute)} : {message}"))
        for number, row_errors in result.row_errors():
            for error in row_errors:
                errors.append((resource.file_line(number), str(error.error)))
        for error in result.base_errors:
            errors.append((0, str(error.error)))
        if errors:
            errors.sort(key=lambda e: e[0])
            raise ProductImportError(errors)  # leaving the atomic block rolls everything back
        report = ImportReport(
            created=result.totals["new"],
            updated=result.totals["update"],
            unchanged=result.totals["skip"],
        )
        if not dry_run:
            log_action(
                action="product.imported",
                acting_user=acting_user,
                group=catalog.group,
                obj=catalog,
                file=filename,
                created=report.created,
                updated=report.updated,
            )
    return report
