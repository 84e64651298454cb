"""Summaries as CSV or XLSX (decision 12, user-requests item 9), written by
``kernel.exporters``: the reader's dialect, numbers as plain numbers (no currency sign), the
distribution's date in the file name. Rows are streamed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from day import summaries
from distributions.models import MultiDistrib
from groups.models import Group
from kernel.exporters import ListExporter

KINDS = ("members", "signature", "products", "producers", "matrix")


class SummaryExporter(ListExporter):
    def __init__(self, group: Group, md: MultiDistrib, *, language: str) -> None:
        super().__init__(language=language)
        self.group = group
        self.md = md
        self.catalog_ids: list[int] | None = None  # a coordinator's catalogs only


class MemberSummaryExporter(SummaryExporter):
    columns = (
        gettext_lazy("Number"),
        gettext_lazy("Member"),
        gettext_lazy("E-mail"),
        gettext_lazy("Phone"),
        gettext_lazy("Catalog"),
        gettext_lazy("Producer"),
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Quantity"),
        gettext_lazy("Unit"),
        gettext_lazy("Unit price incl. VAT"),
        gettext_lazy("Fee"),
        gettext_lazy("Total"),
        gettext_lazy("Basket total"),
        gettext_lazy("Paid"),
        gettext_lazy("Absent"),
    )

    def rows(self) -> Iterable[Sequence]:
        s = summaries.member_summary(group=self.group, md=self.md, catalog_ids=self.catalog_ids)
        yes = _("yes")
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
                    yes if block.absent else "",
                ]


class ProductSummaryExporter(SummaryExporter):
    """Products per catalog; ``per_producer`` adds each producer's total row."""

    columns = (
        gettext_lazy("Catalog"),
        gettext_lazy("Producer"),
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Quantity"),
        gettext_lazy("Unit"),
        gettext_lazy("Unit price incl. VAT"),
        gettext_lazy("VAT rate (%)"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Fees"),
    )

    def __init__(self, group: Group, md: MultiDistrib, *, language: str, per_producer: bool):
        super().__init__(group, md, language=language)
        self.per_producer = per_producer

    def rows(self) -> Iterable[Sequence]:
        s = summaries.product_summary(group=self.group, md=self.md, catalog_ids=self.catalog_ids)
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
            if self.per_producer:
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


class MatrixExporter(SummaryExporter):
    """A column per product: the headers depend on the orders, so the matrix is read first."""

    @cached_property
    def matrix(self) -> summaries.Matrix:
        summary = (
            summaries.member_summary(group=self.group, md=self.md, catalog_ids=self.catalog_ids)
            if self.catalog_ids is not None
            else None
        )
        return summaries.matrix(group=self.group, md=self.md, summary=summary)

    def headers(self) -> Sequence[str]:
        return [_("Number"), _("Member"), *[c[1] for c in self.matrix.columns], _("Total")]

    def rows(self) -> Iterable[Sequence]:
        m = self.matrix
        for block, cells in m.rows:
            yield [block.number, block.name, *cells, block.total]
        yield ["", _("Total"), *m.column_totals, m.total]


def exporter(
    kind: str,
    group: Group,
    md: MultiDistrib,
    language: str,
    *,
    catalog_ids: list[int] | None = None,
) -> SummaryExporter:
    """``catalog_ids``: only these catalogs (a coordinator's); None: every catalog."""
    if kind in ("members", "signature"):
        result: SummaryExporter = MemberSummaryExporter(group, md, language=language)
    elif kind in ("products", "producers"):
        result = ProductSummaryExporter(
            group, md, language=language, per_producer=kind == "producers"
        )
    else:
        result = MatrixExporter(group, md, language=language)
    result.catalog_ids = catalog_ids
    return result


def file_name(kind: str, group: Group, md: MultiDistrib, extension: str) -> str:
    day = timezone.localtime(md.start_at, md.tz).date().isoformat()
    return f"{kind}-{slugify(group.slug)}-{day}.{extension}"


def csv_response(
    kind: str,
    group: Group,
    md: MultiDistrib,
    language: str,
    *,
    catalog_ids: list[int] | None = None,
) -> StreamingHttpResponse:
    return exporter(kind, group, md, language, catalog_ids=catalog_ids).response(
        "csv", file_name(kind, group, md, "csv")
    )


def xlsx_response(
    kind: str,
    group: Group,
    md: MultiDistrib,
    language: str,
    *,
    catalog_ids: list[int] | None = None,
) -> HttpResponseBase:
    return exporter(kind, group, md, language, catalog_ids=catalog_ids).response(
        "xlsx", file_name(kind, group, md, "xlsx")
    )
