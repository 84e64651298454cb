"""Import of a producer's catalog from the spec's product + offers file (spec payments-members §8,
"Producer product import"; issue 19 item 3).

The file (CSV with ``;`` or ``,``, or XLSX) has two header lines: a warning line, then the labels
of 15 columns, read by position::

    productName ; ref ; desc ; unit ; organic ; bulk ; txp ; offerName ; offerRef ; qt ;
    price ; vat ; active ; imageUrl ; imageDate

A line with a product name starts a product (its reference is required) and holds its first
offer; each following line without a product name adds another offer of that product. An offer
is one ``ProducerProduct`` of the catalog, matched by its reference (``offerRef``, else
``<product ref>-<n>``): it is updated when it exists, created otherwise. Prices are excl. VAT
unless the producer says the file's prices include it. Cells are read with the same widgets as
the group's product import (``catalogs.resources``): units, decimals with a comma or a dot,
yes/no, categories.

Pictures (``imageUrl``): the spec downloads the URL, and a failed download is only a warning.
This server does not reach the web, so a URL is never fetched: it gives a warning on its line
and the offer keeps its picture. Instead, the column may hold a file name found in a ZIP of
pictures sent with the file (JPEG, PNG, GIF or WebP, 2 MB each): that picture becomes the
offer's when it differs from the one it has. A file name missing from the ZIP (or without a
ZIP), or a file that is not a picture, is an error of its line. ``imageDate`` is not needed.

All or nothing: every bad line is reported with its number and reason and nothing is written.
The preview (``dry_run``) lists the offers created, updated and disabled and, for each linked
group catalog, the prices that will change; applying queues the sync of the linked catalogs.
"""

import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from catalogs.exceptions import ProductImportError
from catalogs.models import CatalogLink, ProducerCatalog, ProducerProduct, Product
from catalogs.services.producer_catalogs import _queue_sync
from kernel import money
from kernel.audit import log_action
from kernel.images import EXTENSIONS, FORMATS, REFUSAL
from kernel.tables import TableError, read_table

# Position → (key, label of the spec's sample file).
COLUMNS = [
    ("productName", "Nom du produit"),
    ("ref", "Réf"),
    ("desc", "Description"),
    ("unit", "Unité"),
    ("organic", "Bio"),
    ("bulk", "qt a virgule"),
    ("txp", "Catégorisation"),
    ("offerName", "Nom offre"),
    ("offerRef", "Référence unique"),
    ("qt", "Quantité"),
    ("price", "Prix H.T"),
    ("vat", "taux de TVA"),
    ("active", "actif"),
    ("imageUrl", "URL Image"),
    ("imageDate", "Date Image"),
]
KEYS = [key for key, _label in COLUMNS]
REQUIRED_COLUMNS = KEYS.index("active")  # columns up to "vat" must be there
BULK_SMALL_QUANTITY = Decimal("0.1")
# Fields an import writes; what a preview compares.
FIELDS = [
    "name",
    "description",
    "unit_type",
    "organic",
    "bulk",
    "small_quantity",
    "taxonomy",
    "unit_quantity",
    "price",
    "vat_rate",
    "active",
]
FIELD_COLUMNS = {
    "name": "productName",
    "ref": "offerRef",
    "description": "desc",
    "unit_type": "unit",
    "organic": "organic",
    "bulk": "bulk",
    "small_quantity": "bulk",
    "taxonomy": "txp",
    "unit_quantity": "qt",
    "price": "price",
    "vat_rate": "vat",
    "active": "active",
}


@dataclass
class PriceChange:
    name: str
    ref: str
    old: Decimal
    new: Decimal


@dataclass
class LinkedCatalogChange:
    link: CatalogLink
    prices: list[PriceChange] = field(default_factory=list)
    # Left unticked at the import: the group keeps its current prices (``CatalogLink.held_prices``).
    kept: bool = False


@dataclass
class ProducerImportReport:
    # (line, message): pictures not taken (URLs), the import goes on.
    warnings: list[tuple[int, str]] = field(default_factory=list)
    pictures: int = 0  # offers whose picture comes from the ZIP
    created: list[ProducerProduct] = field(default_factory=list)
    updated: list[ProducerProduct] = field(default_factory=list)
    unchanged: int = 0
    disabled: list[ProducerProduct] = field(default_factory=list)
    products: int = 0
    linked: list[LinkedCatalogChange] = field(default_factory=list)


def _widgets() -> dict:
    from catalogs.resources import (
        CategoryWidget,
        FlexibleBooleanWidget,
        TextWidget,
        UnitWidget,
        decimal_widget,
    )

    text = TextWidget()
    return {
        "productName": text,
        "ref": text,
        "desc": text,
        "unit": UnitWidget(),
        "organic": FlexibleBooleanWidget(),
        "bulk": FlexibleBooleanWidget(),
        "txp": CategoryWidget(),
        "offerName": text,
        "offerRef": text,
        "qt": decimal_widget("unit_quantity"),
        "price": decimal_widget("price"),
        "vat": decimal_widget("vat_rate"),
        "active": FlexibleBooleanWidget(default=True),
    }


def _label(key: str) -> str:
    return dict(COLUMNS)[key]


def _read(data: bytes, filename: str):
    try:
        table = read_table(data, filename, header_lines=2)
    except TableError as exc:
        raise ProductImportError([(0, str(exc))]) from exc
    if len([h for h in table.headers if str(h or "").strip()]) < REQUIRED_COLUMNS:
        raise ProductImportError(
            [
                (
                    0,
                    _("The second line must hold the labels of the %(count)d columns: %(labels)s.")
                    % {"count": len(COLUMNS), "labels": " ; ".join(lab for _k, lab in COLUMNS)},
                )
            ]
        )
    if not table.rows:
        raise ProductImportError([(0, _("The file has no product line."))])
    return table


def _parse(table, prices_include_vat: bool) -> tuple[list[tuple[int, dict]], list, int]:
    """(line, offer values) for every offer of the file, the errors found, the product count."""
    widgets = _widgets()
    products = 0
    offers: list[tuple[int, dict]] = []
    errors: list[tuple[int, str]] = []
    product: dict | None = None
    seen: dict[str, int] = {}
    for line, row in zip(table.lines, table.rows, strict=True):
        cells = {key: (str(row[i]).strip() if i < len(row) else "") for i, key in enumerate(KEYS)}
        values: dict[str, Any] = {}
        line_errors = []
        for key, widget in widgets.items():
            try:
                values[key] = widget.clean(cells[key])
            except ValueError as exc:
                line_errors.append(f"{_label(key)} : {exc}")
        if cells["productName"]:
            if not cells["ref"]:
                line_errors.append(_("A product cannot have an empty reference."))
            if product is None or cells["ref"] != product["ref"] or not cells["ref"]:
                product = {**values, "count": 0, "bad": bool(line_errors)}
                products += 1
        elif product is None:
            line_errors.append(_("An offer line comes before any product line."))
        if product is not None:
            product["count"] += 1
        if not cells["price"]:
            line_errors.append(_("The price is missing."))
        if not cells["vat"]:
            line_errors.append(_("The VAT rate is missing."))
        if line_errors or product is None or product["bad"]:
            errors.extend((line, e) for e in line_errors)
            continue
        ref = values["offerRef"] or f"{product['ref']}-{product['count']}"
        if ref in seen:
            errors.append(
                (
                    line,
                    _("The reference “%(ref)s” is already used on line %(line)d.")
                    % {"ref": ref, "line": seen[ref]},
                )
            )
            continue
        seen[ref] = line
        price, vat = values["price"], values["vat"]
        if price is not None and vat is not None and not prices_include_vat:
            price = money.quantize(price * (1 + vat / 100))
        name = product["productName"]
        if values["offerName"] and values["offerName"] != name:
            name = f"{name} \u2013 {values['offerName']}"
        bulk = product["bulk"]
        offers.append(
            (
                line,
                {
                    "ref": ref,
                    "name": name[:128],
                    "description": product["desc"],
                    "unit_type": product["unit"],
                    "organic": product["organic"],
                    "bulk": bulk,
                    "small_quantity": BULK_SMALL_QUANTITY if bulk else None,
                    "taxonomy": product["txp"],
                    "unit_quantity": values["qt"] or None,
                    "price": price,
                    "vat_rate": vat,
                    "active": product["active"] and values["active"],
                    "image": cells["imageUrl"],
                },
            )
        )
    return offers, errors, products


def _validation_errors(line: int, exc: ValidationError) -> list[tuple[int, str]]:
    if not hasattr(exc, "error_dict"):
        return [(line, m) for m in exc.messages]
    errors: list[tuple[int, str]] = []
    for name, messages in exc.message_dict.items():
        column = FIELD_COLUMNS.get(name)
        prefix = f"{_label(column)} : " if column else ""
        errors.extend((line, f"{prefix}{m}") for m in messages)
    return errors


def _linked_changes(producer_catalog: ProducerCatalog, new_prices: dict) -> list:
    links = list(
        CatalogLink.objects.filter(producer_catalog=producer_catalog, ended_at__isnull=True)
        .select_related("group", "catalog")
        .order_by("group__name")
    )
    changes = [LinkedCatalogChange(link=link) for link in links]
    by_catalog = {c.link.catalog_id: c for c in changes}
    products = Product.objects.filter(catalog_id__in=by_catalog, ref__in=new_prices).only(
        "catalog_id", "name", "ref", "price"
    )
    for product in products:
        new = new_prices[product.ref]
        if product.price != new:
            by_catalog[product.catalog_id].prices.append(
                PriceChange(name=product.name, ref=product.ref, old=product.price, new=new)
            )
    return changes


MAX_PICTURE_BYTES = 2 * 1024 * 1024  # as a picture sent through the product form
MAX_PICTURES_BYTES = 50 * 1024 * 1024  # what a ZIP may unpack to, all pictures together


class Pictures:
    """The pictures of an import: the ZIP sent with the file, read only for the names the file
    gives; URLs only give a warning (no network here)."""

    def __init__(self, data: bytes | None, warnings: list, errors: list) -> None:
        self.warnings, self.errors = warnings, errors
        self.files: dict[str, zipfile.ZipInfo] = {}
        self.archive: zipfile.ZipFile | None = None
        self.unpacked = 0
        if data:
            try:
                self.archive = zipfile.ZipFile(io.BytesIO(data))
            except zipfile.BadZipFile:
                errors.append((0, _("The pictures file is not a ZIP file.")))
                return
            for info in self.archive.infolist():
                if not info.is_dir():
                    self.files.setdefault(info.filename.rsplit("/", 1)[-1].casefold(), info)

    def read(self, line: int, cell: str) -> tuple[str, bytes] | None:
        if not cell:
            return None
        if "://" in cell or cell.lower().startswith("www."):
            self.warnings.append(
                (
                    line,
                    _(
                        "The picture %(url)s was not downloaded: this server does not reach the "
                        "web. Send the pictures in a ZIP file and write their file names in the "
                        "column."
                    )
                    % {"url": cell},
                )
            )
            return None
        name = cell.replace("\\", "/").rsplit("/", 1)[-1]
        info = self.files.get(name.casefold())
        if info is None or self.archive is None:
            message = (
                _("The picture “%(name)s” is not in the ZIP file.")
                if self.archive is not None
                else _("The picture “%(name)s” is named, but no ZIP file of pictures was sent.")
            )
            self.errors.append((line, message % {"name": name}))
            return None
        self.unpacked += info.file_size
        if info.file_size > MAX_PICTURE_BYTES or self.unpacked > MAX_PICTURES_BYTES:
            self.errors.append(
                (line, _("The picture “%(name)s” is too big (2 MB at most).") % {"name": name})
            )
            return None
        content = self.archive.read(info)
        if not _is_picture(name, content):
            self.errors.append((line, f"{name} : {REFUSAL}"))
            return None
        return name, content


def _is_picture(name: str, content: bytes) -> bool:
    if name.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
        return False
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return image.format in FORMATS
    except Exception:  # Pillow raises many kinds of errors on a broken file
        return False


def _same_picture(product: ProducerProduct, content: bytes) -> bool:
    if not product.image:
        return False
    try:
        if product.image.size != len(content):
            return False
        with product.image.open("rb") as stored:
            return stored.read() == content
    except OSError:  # the stored file is gone
        return False


def producer_catalog_import(
    *,
    producer_catalog: ProducerCatalog,
    data: bytes,
    filename: str,
    acting_user: Any,
    disable_missing: bool = False,
    prices_include_vat: bool = False,
    update_links: Collection[int] | None = None,
    images: bytes | None = None,
    dry_run: bool = False,
) -> ProducerImportReport:
    """Upsert the offers of the file into ``producer_catalog`` by reference (all or nothing).

    ``images``: a ZIP of the pictures the ``imageUrl`` column names by file name.
    ``update_links``: the ids of the linked group catalogs that get the file's prices (``None``:
    every one); the others keep their current price for each product whose price changes (held
    on the link, see ``_hold_prices``), and get the other changes (names, new products…).
    Raises ``ProductImportError`` with every bad line; with ``dry_run`` nothing is written and
    the report is the preview.
    """
    table = _read(data, filename)
    offers, errors, products = _parse(table, prices_include_vat)
    existing = {p.ref: p for p in producer_catalog.products.all()}
    report = ProducerImportReport()
    pictures = Pictures(images, report.warnings, errors)
    new_pictures: dict[str, tuple[str, bytes]] = {}  # offer reference → (file name, content)
    for line, values in offers:
        product = existing.get(values["ref"])
        new = product is None
        if new:
            product = ProducerProduct(producer_catalog=producer_catalog, ref=values["ref"])
            before = None
        else:
            before = {f: getattr(product, f) for f in FIELDS}
        for name in FIELDS:
            setattr(product, name, values[name])
        try:
            product.full_clean(
                exclude=["producer_catalog", "image"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.extend(_validation_errors(line, exc))
            continue
        picture = pictures.read(line, values["image"])
        if picture is not None and not _same_picture(product, picture[1]):
            new_pictures[values["ref"]] = picture
        if new:
            report.created.append(product)
        elif before != {f: getattr(product, f) for f in FIELDS} or values["ref"] in new_pictures:
            report.updated.append(product)
        else:
            report.unchanged += 1
    if errors:
        errors.sort(key=lambda e: e[0])
        raise ProductImportError(errors)
    in_file = {values["ref"] for _line, values in offers}
    if disable_missing:
        report.disabled = [p for ref, p in existing.items() if ref not in in_file and p.active]
        for product in report.disabled:
            product.active = False
    report.products = products
    report.pictures = len(new_pictures)
    report.linked = _linked_changes(producer_catalog, {v["ref"]: v["price"] for _line, v in offers})
    for change in report.linked:
        change.kept = update_links is not None and change.link.pk not in update_links
    if dry_run:
        return report
    with transaction.atomic():
        for product in report.created + report.updated:
            if product.ref in new_pictures:
                name, content = new_pictures[product.ref]
                product.image.save(name, ContentFile(content), save=False)
        ProducerProduct.objects.bulk_create(report.created, batch_size=500)
        changed = report.updated + report.disabled
        fields = [*FIELDS, "image"] if new_pictures else FIELDS
        ProducerProduct.objects.bulk_update(changed, fields, batch_size=500)
        held = _hold_prices(report.linked, in_file)
        log_action(
            action="producer_catalog.imported",
            acting_user=acting_user,
            obj=producer_catalog,
            file=filename,
            created=len(report.created),
            updated=len(report.updated),
            disabled=len(report.disabled),
            pictures=len(new_pictures),
            kept_prices=[c.link.catalog_id for c in report.linked if c.kept],
        )
        if report.created or changed or held:
            _queue_sync(producer_catalog)
    return report


def _hold_prices(linked: list[LinkedCatalogChange], in_file: set[str]) -> list[CatalogLink]:
    """A catalog left unticked keeps, for each product whose price changes, the price it has
    now (an earlier hold stays); a ticked one drops its holds on the file's references and takes
    the file's prices. Returns the links whose holds changed."""
    changed = []
    for change in linked:
        link = change.link
        held = dict(link.held_prices or {})
        if change.kept:
            for price in change.prices:
                held.setdefault(price.ref, str(price.old))
        else:
            held = {ref: price for ref, price in held.items() if ref not in in_file}
        if held != (link.held_prices or {}):
            link.held_prices = held
            changed.append(link)
    CatalogLink.objects.bulk_update(changed, ["held_prices"])
    return changed
