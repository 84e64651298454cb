"""Product export to CSV or XLSX."""

from catalogs.models import Catalog


def product_export(*, catalog: Catalog, file_format: str, language: str) -> tuple[bytes, str, str]:
    """The catalog's products as CSV (``;`` and decimal comma in French, ``,`` in English,
    UTF-8 with BOM, every value quoted) or XLSX; returns (content, content type, file name)."""
    import csv
    import io

    from django.utils.text import slugify

    from catalogs.resources import ProductResource

    native = file_format == "xlsx"
    separator = "," if language.startswith("fr") else "."
    resource = ProductResource(catalog=catalog, decimal_separator=separator, native=native)
    dataset = resource.export(resource.get_queryset())
    base = slugify(f"{catalog.group.name} {catalog.name}") or "catalogue"
    if native:
        return (
            dataset.export("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{base}.xlsx",
        )
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=";" if language.startswith("fr") else ",",
        quoting=csv.QUOTE_ALL,
        lineterminator="\r\n",
    )
    writer.writerow(dataset.headers)
    writer.writerows(dataset)
    return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{base}.csv"
