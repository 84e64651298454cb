"""Product export to CSV or XLSX, through the project's list exporter."""

from django.utils.text import slugify

from catalogs.models import Catalog
from kernel.exporters import CONTENT_TYPES, DatasetExporter


def product_export(*, catalog: Catalog, file_format: str, language: str) -> tuple[bytes, str, str]:
    """The catalog's products as CSV (``;`` and decimal comma in French, ``,`` in English,
    UTF-8 with BOM, every value quoted) or XLSX; returns (content, content type, file name)."""
    from catalogs.resources import ProductResource

    native = file_format == "xlsx"
    separator = "," if language.startswith("fr") else "."
    resource = ProductResource(catalog=catalog, decimal_separator=separator, native=native)
    dataset = resource.export(resource.get_queryset())
    base = slugify(f"{catalog.group.name} {catalog.name}") or "catalogue"
    fmt = "xlsx" if native else "csv"
    # Formulas neutralised; the importer takes the apostrophe back off (``resources.TextWidget``).
    exporter = DatasetExporter(dataset, language=language, quote_all=True)
    return exporter.content(fmt), CONTENT_TYPES[fmt], f"{base}.{fmt}"
