"""Product import and export with django-import-export (spec payments-members §8, decision 12).

Files: CSV with ``;`` or ``,`` (whichever the header line uses most), UTF-8 with or without a
BOM (Windows-1252 is accepted too), or XLSX. The first line holds the column names below, in any
order and any case. A row is matched to an existing product of the catalog by ``id`` (the export
writes it), else by ``ref``; otherwise it creates a product.

Every bad row is reported with its line in the file and the reason, and nothing is imported when
any row is bad: ``catalogs.services.product_import`` runs the whole file in one transaction.
Exports write the same columns, so an export re-imports unchanged.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader

from catalogs.models import MAX_PRICE, Catalog, Product, Unit, Vendor
from catalogs.reference import taxonomy
from kernel.exporters import FORMULA_STARTS, DatasetExporter
from kernel.numbers import NumberError, parse_decimal
from kernel.tables import Table, TableError, read_table

# Column name → model attribute, in the order of the export. The first ten are the columns of
# the original product import (spec §8); ``floatQt`` is read as ``variableWeight``.
COLUMNS = [
    ("productName", "name"),
    ("price", "price"),
    ("ref", "ref"),
    ("desc", "description"),
    ("qt", "unit_quantity"),
    ("unit", "unit_type"),
    ("organic", "organic"),
    ("variableWeight", "variable_weight"),
    ("vat", "vat_rate"),
    ("stock", "stock"),
    ("category", "taxonomy"),
    ("multiWeight", "multi_weight"),
    ("bulk", "bulk"),
    ("smallQt", "small_quantity"),
    ("wholesale", "wholesale"),
    ("active", "active"),
    ("id", "id"),
]
ALIASES = {"floatqt": "variableWeight", "name": "productName", "description": "desc"}
COLUMN_BY_ATTRIBUTE = {attribute: column for column, attribute in COLUMNS}


# Reading files: ``kernel.tables.read_table`` (bounded); a bad header is a ``TableError`` too.


def normalize_headers(headers: list[str]) -> tuple[list[str], list[str]]:
    """Map the file's headers to our column names; return (headers, unknown ones)."""
    known = {column.casefold(): column for column, _attr in COLUMNS}
    known.update(ALIASES)
    result, unknown = [], []
    for header in headers:
        text = str(header or "").strip().lstrip("\ufeff")
        column = known.get(text.casefold())
        if column is None:
            if text:
                unknown.append(text)
            result.append(text or f"_empty_{len(result)}")
        else:
            result.append(column)
    return result, unknown


def table_to_dataset(table: Table):
    import tablib

    headers, unknown = normalize_headers(table.headers)
    errors = []
    if unknown:
        errors.append(
            _("Unknown columns: %(unknown)s. Accepted columns: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(c for c, _a in COLUMNS)}
        )
    duplicates = sorted(
        {h for h in headers if headers.count(h) > 1 and not h.startswith("_empty_")}
    )
    if duplicates:
        errors.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(duplicates)})
    if errors:
        raise TableError(" ".join(errors))
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for row in table.rows:
        cells = [("" if c is None else str(c).strip()) for c in row[:width]]
        cells += [""] * (width - len(cells))
        dataset.append(cells)
    return dataset


# Widgets -----------------------------------------------------------------------------------------


def _empty(value) -> bool:
    return value is None or str(value).strip() == ""


class FlexibleDecimalWidget(widgets.Widget):
    """``12,50`` or ``12.50`` (``kernel.numbers.parse_decimal``): finite, at most ``places``
    decimals, within [0, ``maximum``]."""

    def __init__(
        self,
        places: int,
        decimal_separator: str = ".",
        native: bool = False,
        *,
        maximum: Decimal,
    ) -> None:
        super().__init__(coerce_to_string=not native)
        self.places = places
        self.maximum = maximum
        self.decimal_separator = decimal_separator

    def clean(self, value, row=None, **kwargs):
        try:
            return parse_decimal(value, places=self.places, maximum=self.maximum)
        except NumberError as exc:
            raise ValueError(str(exc)) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return "" if self.coerce_to_string else None
        if not self.coerce_to_string:
            return value
        text = (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        )
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", self.decimal_separator)


# Decimal columns: (decimal places, largest value), within the model field's precision.
DECIMAL_BOUNDS = {
    "price": (2, MAX_PRICE),
    "unit_quantity": (3, Decimal("9999999.999")),
    "vat_rate": (2, Decimal(100)),
    "stock": (3, Decimal("999999999.999")),
    "small_quantity": (3, Decimal("999.999")),
}


def decimal_widget(
    name: str, decimal_separator: str = ".", native: bool = False
) -> FlexibleDecimalWidget:
    places, maximum = DECIMAL_BOUNDS[name]
    return FlexibleDecimalWidget(places, decimal_separator, native, maximum=maximum)


TRUE_WORDS = {"1", "x", "yes", "y", "oui", "o", "true", "vrai"}
FALSE_WORDS = {"0", "no", "n", "non", "false", "faux", ""}


class FlexibleBooleanWidget(widgets.Widget):
    def __init__(self, default: bool = False, native: bool = False) -> None:
        super().__init__(coerce_to_string=not native)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().casefold()
        if text == "":
            return self.default
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” is not yes or no: write 1 or 0.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        if not self.coerce_to_string:
            return 1 if value else 0
        return "1" if value else "0"


UNIT_WORDS = {
    "": Unit.PIECE,
    "piece": Unit.PIECE,
    "pièce": Unit.PIECE,
    "pieces": Unit.PIECE,
    "pièces": Unit.PIECE,
    "p": Unit.PIECE,
    "u": Unit.PIECE,
    "unit": Unit.PIECE,
    "unité": Unit.PIECE,
    "g": Unit.GRAM,
    "gr": Unit.GRAM,
    "gramme": Unit.GRAM,
    "grammes": Unit.GRAM,
    "kg": Unit.KILOGRAM,
    "kilo": Unit.KILOGRAM,
    "kilogramme": Unit.KILOGRAM,
    "ml": Unit.MILLILITRE,
    "cl": Unit.CENTILITRE,
    "l": Unit.LITRE,
    "litre": Unit.LITRE,
    "litres": Unit.LITRE,
    "liter": Unit.LITRE,
}


class UnitWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().casefold()
        if text in UNIT_WORDS:
            return UNIT_WORDS[text]
        raise ValueError(
            _("Unknown unit “%(value)s”: use piece, g, kg, ml, cl or L.") % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CategoryWidget(widgets.Widget):
    """A product kind of the taxonomy, by name (any case), ``sub-category > name`` or id."""

    def clean(self, value, row=None, **kwargs):
        if _empty(value):
            return None
        kind_id, candidates = taxonomy().find(str(value))
        if kind_id is not None:
            return kind_id
        if candidates:
            raise ValueError(
                _("The category “%(value)s” is ambiguous: write one of %(choices)s.")
                % {
                    "value": value,
                    "choices": " ; ".join(f"{k.sub_category} > {k.name}" for k in candidates),
                }
            )
        raise ValueError(_("Unknown category “%(value)s”.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return taxonomy().label(value)


def unneutralise(text: str) -> str:
    """Text as it was before the export's formula neutralising (``kernel.exporters.text_cell``):
    one leading apostrophe before a formula character comes off, any other stays."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else unneutralise(str(value).strip())


# Resource ----------------------------------------------------------------------------------------


class CatalogProductLoader(BaseInstanceLoader):
    """Loads the catalog's products once: rows match by ``id`` (in this catalog), then ``ref``."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        catalog = resource.catalog
        products = list(Product.objects.filter(catalog=catalog)) if catalog is not None else []
        self.by_id = {p.pk: p for p in products}
        self.by_ref = {p.ref: p for p in products if p.ref}
        resource.existing_refs = {ref: p.pk for ref, p in self.by_ref.items()}

    def get_instance(self, row):
        raw_id = str(row.get("id") or "").strip()
        if raw_id.isdigit() and int(raw_id) in self.by_id:
            return self.by_id[int(raw_id)]
        ref = str(row.get("ref") or "").strip()
        return self.by_ref.get(ref) if ref else None


class ProductResource(resources.ModelResource):
    """Products of one catalog. ``catalog`` is required to import, optional to export."""

    name = Field(attribute="name", column_name="productName", widget=TextWidget())
    price = Field(attribute="price", column_name="price", widget=decimal_widget("price"))
    ref = Field(attribute="ref", column_name="ref", widget=TextWidget())
    description = Field(attribute="description", column_name="desc", widget=TextWidget())
    unit_quantity = Field(
        attribute="unit_quantity", column_name="qt", widget=decimal_widget("unit_quantity")
    )
    unit_type = Field(attribute="unit_type", column_name="unit", widget=UnitWidget())
    organic = Field(attribute="organic", column_name="organic", widget=FlexibleBooleanWidget())
    variable_weight = Field(
        attribute="variable_weight", column_name="variableWeight", widget=FlexibleBooleanWidget()
    )
    vat_rate = Field(attribute="vat_rate", column_name="vat", widget=decimal_widget("vat_rate"))
    stock = Field(attribute="stock", column_name="stock", widget=decimal_widget("stock"))
    taxonomy = Field(attribute="taxonomy", column_name="category", widget=CategoryWidget())
    multi_weight = Field(
        attribute="multi_weight", column_name="multiWeight", widget=FlexibleBooleanWidget()
    )
    bulk = Field(attribute="bulk", column_name="bulk", widget=FlexibleBooleanWidget())
    small_quantity = Field(
        attribute="small_quantity", column_name="smallQt", widget=decimal_widget("small_quantity")
    )
    wholesale = Field(
        attribute="wholesale", column_name="wholesale", widget=FlexibleBooleanWidget()
    )
    active = Field(
        attribute="active", column_name="active", widget=FlexibleBooleanWidget(default=True)
    )
    id = Field(attribute="id", column_name="id", readonly=True, widget=widgets.IntegerWidget())

    class Meta:
        model = Product
        fields = [attribute for _column, attribute in COLUMNS]
        export_order = fields
        import_order = fields
        instance_loader_class = CatalogProductLoader
        import_id_fields = ["id"]
        use_bulk = True
        batch_size = 1000
        # Unchanged rows are detected from a snapshot taken in after_init_instance: the library's
        # diff deep-copies every instance, which costs seconds on a 5,000-row file.
        skip_unchanged = True
        skip_diff = True
        report_skipped = False
        clean_model_instances = True
        use_transactions = True

    def __init__(self, catalog=None, decimal_separator: str = ".", native: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.catalog = catalog
        self.existing_refs: dict[str, int] = {}
        self.refs_in_file: dict[str, int] = {}
        # File line of each data row (the importer numbers data rows from 1, after the header).
        self.lines: list[int] = []
        if catalog is not None:
            rates = [str(r.get("rate", "")) for r in (catalog.group.vat_rates or [])]
            self.vat_rates = {Decimal(r.replace(",", ".")) for r in rates if r}
        else:
            self.vat_rates = set()
        # Exports: localised decimals in CSV, native numbers in XLSX.
        for name in DECIMAL_BOUNDS:
            self.fields[name].widget = decimal_widget(name, decimal_separator, native)
        for name in ("organic", "variable_weight", "multi_weight", "bulk", "wholesale"):
            self.fields[name].widget = FlexibleBooleanWidget(native=native)
        self.fields["active"].widget = FlexibleBooleanWidget(default=True, native=native)

    def get_queryset(self):
        qs = Product.objects.all()
        if self.catalog is not None:
            qs = qs.filter(catalog=self.catalog)
        return qs.order_by("name", "pk")

    def get_instance(self, instance_loader, row):
        return instance_loader.get_instance(row)

    def init_instance(self, row=None):
        if self.catalog is None:
            raise ValidationError(_("Choose the catalog to import into."))
        product = Product(catalog_id=self.catalog.pk, group_id=self.catalog.group_id)
        if self.vat_rates and product.vat_rate not in self.vat_rates:
            product.vat_rate = sorted(self.vat_rates)[0]
        return product

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._import_before = None if new else self._values(instance)

    def _values(self, instance) -> dict:
        return {
            f.attribute: getattr(instance, f.attribute)
            for f in self.get_import_fields()
            if not f.readonly
        }

    def skip_row(self, instance, original, row, import_validation_errors=None):
        before = getattr(instance, "_import_before", None)
        if import_validation_errors or before is None:
            return False
        return before == self._values(instance)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """One parameterised UPDATE per row (executemany): Django's bulk_update builds a CASE
        per field and row, which takes tens of seconds for 5,000 rows."""
        if not self.update_instances or not (using_transactions or not dry_run):
            self.update_instances.clear()
            return
        try:
            fields = [Product._meta.get_field(name) for name in self.get_bulk_update_fields()]
            fields.append(Product._meta.get_field("updated_at"))
            now = timezone.now()
            quote = connection.ops.quote_name
            # Identifiers come from the model's metadata, quoted; every value is a parameter.
            sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
                quote(Product._meta.db_table),
                ", ".join(f"{quote(f.column)} = %s" for f in fields),
                quote(Product._meta.pk.column),
            )
            params = []
            for instance in self.update_instances:
                instance.updated_at = now
                values = [
                    f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields
                ]
                params.append([*values, instance.pk])
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
        except Exception as exc:
            self.handle_import_error(result, exc, raise_errors)
        finally:
            self.update_instances.clear()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        line = kwargs.get("row_number")
        ref = instance.ref
        if ref and "ref" not in errors:
            other = self.existing_refs.get(ref)
            if other is not None and other != instance.pk:
                errors["ref"] = ValidationError(
                    _("Another product of the catalog already has the reference “%(ref)s”.")
                    % {"ref": ref}
                )
            elif ref in self.refs_in_file:
                errors["ref"] = ValidationError(
                    _("The reference “%(ref)s” is already used on line %(line)d.")
                    % {"ref": ref, "line": self.refs_in_file[ref]}
                )
            else:
                self.refs_in_file[ref] = self.file_line(line)
        if (
            self.vat_rates
            and "vat_rate" not in errors
            and instance.vat_rate is not None
            and instance.vat_rate not in self.vat_rates
        ):
            errors["vat_rate"] = ValidationError(
                _("VAT rate %(rate)s %% is not one of the group's rates (%(rates)s).")
                % {
                    "rate": instance.vat_rate,
                    "rates": ", ".join(format(r.normalize(), "f") for r in sorted(self.vat_rates)),
                }
            )
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Constraints are checked above against the catalog loaded once: asking the database
        # for each row would cost several queries per row on a 5,000-row file.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors.keys(), "group", "catalog"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance.normalize()

    def file_line(self, row_number: int | None) -> int:
        if row_number is None:
            return 0
        if 0 < row_number <= len(self.lines):
            return self.lines[row_number - 1]
        return row_number + 1


def column_label(attribute: str) -> str:
    return COLUMN_BY_ATTRIBUTE.get(attribute, attribute)


# Admin formats -----------------------------------------------------------------------------------


class SmartCSV(base_formats.CSV):
    """CSV for the Django admin: either separator, with or without BOM, UTF-8 or Windows-1252,
    read within ``kernel.tables`` bounds."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def get_title(self):
        return "csv"

    def create_dataset(self, in_stream, **kwargs):
        data = in_stream if isinstance(in_stream, bytes) else str(in_stream).encode("utf-8")
        return table_to_dataset(read_table(data, "import.csv"))

    def export_data(self, dataset, **kwargs):
        # Commas whatever the operator's language (the importer reads either separator); every
        # cell quoted, formulas neutralised (the importer takes the apostrophe back off).
        return DatasetExporter(dataset, language="en", quote_all=True).content("csv")


class SmartXLSX(base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs):
        return table_to_dataset(read_table(in_stream, "import.xlsx"))


ADMIN_FORMATS = [SmartCSV, SmartXLSX]

FORMAT_LABELS = {"csv": gettext_lazy("CSV"), "xlsx": gettext_lazy("Excel (XLSX)")}


class VendorResource(resources.ModelResource):
    """Producers in Django admin (operators): a row is matched by ``id``; a producer account's
    managers are not in the file."""

    class Meta:
        model = Vendor
        fields = (
            "id",
            "name",
            "people_name",
            "email",
            "phone",
            "address1",
            "address2",
            "postcode",
            "city",
            "country",
            "legal_name",
            "siret",
            "profession",
            "owner_group",
            "listed_in_directory",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = False


class CatalogResource(resources.ModelResource):
    """Catalogs in Django admin (operators), matched by ``id``; coordinators are not in the file."""

    class Meta:
        model = Catalog
        fields = (
            "id",
            "group",
            "vendor",
            "name",
            "description",
            "catalog_type",
            "start_date",
            "end_date",
            "fee_percent",
            "users_can_order",
            "stock_tracked",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = False
