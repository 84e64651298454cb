"""Summaries as CSV (decision 12, user-requests item 9): UTF-8 with a BOM; semicolons and
decimal commas in French, commas and decimal points in English; numbers as plain numbers (no
currency sign), the distribution's date in the file name. Rows are streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from day import summaries
from distributions.models import MultiDistrib
from groups.models import Group
from kernel.spreadsheets import text_cell

CSV_TYPE = "text/csv; charset=utf-8"
KINDS = ("members", "signature", "products", "producers", "matrix")


class _Echo:
    def write(self, value: str) -> str:
        return value


def cell(value, language: str):
    if isinstance(value, Decimal):
        # Quantities (3 places) lose their trailing zeros; amounts keep their 2 places.
        if value.as_tuple().exponent < -2:
            value = value.normalize()
        text = format(value, "f")
        return text.replace(".", ",") if language == "fr" else text
    if isinstance(value, str):
        return text_cell(value)
    return "" if value is None else value


def _rows(kind: str, group: Group, md: MultiDistrib) -> Iterator[list]:
    if kind in ("members", "signature"):
        s = summaries.member_summary(group=group, md=md)
        yield [
            _("Number"),
            _("Member"),
            _("E-mail"),
            _("Phone"),
            _("Catalog"),
            _("Producer"),
            _("Product"),
            _("Reference"),
            _("Quantity"),
            _("Unit"),
            _("Unit price incl. VAT"),
            _("Fee"),
            _("Total"),
            _("Basket total"),
            _("Paid"),
            _("Absent"),
        ]
        for block in s.blocks:
            for line in block.lines:
                yield [
                    block.number,
                    block.name,
                    block.email,
                    block.phone,
                    line.catalog_name,
                    line.vendor_name,
                    line.product_name,
                    line.ref,
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    line.fee,
                    line.total,
                    block.total,
                    block.paid,
                    _("yes") if block.absent else "",
                ]
        return
    if kind in ("products", "producers"):
        s = summaries.product_summary(group=group, md=md)
        yield [
            _("Catalog"),
            _("Producer"),
            _("Product"),
            _("Reference"),
            _("Quantity"),
            _("Unit"),
            _("Unit price incl. VAT"),
            _("VAT rate (%)"),
            _("Total excl. VAT"),
            _("Total incl. VAT"),
            _("Fees"),
        ]
        for block in s.catalogs:
            for p in block.products:
                yield [
                    block.catalog_name,
                    block.vendor_name,
                    p.product_name,
                    p.ref,
                    p.quantity,
                    p.unit,
                    p.unit_price,
                    p.vat_rate,
                    p.goods_ht,
                    p.goods,
                    p.fees,
                ]
            if kind == "producers":
                yield [
                    block.catalog_name,
                    block.vendor_name,
                    _("Total"),
                    "",
                    None,
                    "",
                    None,
                    None,
                    block.goods_ht,
                    block.goods,
                    block.fees,
                ]
        return
    m = summaries.matrix(group=group, md=md)
    yield [_("Number"), _("Member"), *[c[1] for c in m.columns], _("Total")]
    for block, cells in m.rows:
        yield [block.number, block.name, *cells, block.total]
    yield ["", _("Total"), *m.column_totals, m.total]


def stream(kind: str, group: Group, md: MultiDistrib, language: str) -> Iterable[str]:
    writer = csv.writer(_Echo(), delimiter=";" if language == "fr" else ",", lineterminator="\r\n")
    yield "\ufeff"
    # Rows are made while the response streams, after the view returned: keep its language.
    with translation.override(language):
        for row in _rows(kind, group, md):
            yield writer.writerow([cell(v, language) for v in row])


def file_name(kind: str, group: Group, md: MultiDistrib, extension: str) -> str:
    day = timezone.localtime(md.start_at, md.tz).date().isoformat()
    return f"{kind}-{slugify(group.slug)}-{day}.{extension}"


def csv_response(kind: str, group: Group, md: MultiDistrib, language: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream(kind, group, md, language), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name(kind, group, md, "csv")}"'
    return response
