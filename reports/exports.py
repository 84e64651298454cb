"""The period's files (spec payments-members §8, decision 12), written by ``kernel.exporters``.

``ReportExporter`` writes one table of the period report (per producer and VAT rate — the
producers' invoice basis —, per catalog, per product, per payment type); ``OrderLinesExporter``
streams every order line of the period, read from the database in chunks while the file leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import Group
from kernel import money
from kernel.exporters import ListExporter
from reports import selectors

REPORT_KINDS = ("producers", "catalogs", "products", "payments", "lines", "duties")


class ReportExporter(ListExporter):
    def __init__(
        self,
        group: Group,
        start: date,
        end: date,
        *,
        language: str,
        catalog_id: int | None = None,
    ) -> None:
        super().__init__(language=language)
        self.group, self.start, self.end = group, start, end
        self.catalog_id = catalog_id

    def report(self) -> selectors.PeriodReport:
        return selectors.period_report(
            group=self.group, start=self.start, end=self.end, catalog_id=self.catalog_id
        )


class ProducerExporter(ReportExporter):
    """One row per producer and VAT rate, then the producer's total: what to invoice."""

    sheet_title = gettext_lazy("Producers")
    columns = (
        gettext_lazy("Producer"),
        gettext_lazy("VAT rate (%)"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Fees"),
        gettext_lazy("Lines"),
    )

    def rows(self) -> Iterable[Sequence]:
        report = self.report()
        for producer in report.producers:
            for rate, t in sorted(producer.by_rate.items()):
                yield [producer.name, rate, t.goods_ht, t.vat, t.goods, t.fees, t.lines]
            t = producer.totals
            yield [producer.name, _("Total"), t.goods_ht, t.vat, t.goods, t.fees, t.lines]
        t = report.totals
        yield [_("Total"), "", t.goods_ht, t.vat, t.goods, t.fees, t.lines]


class CatalogExporter(ReportExporter):
    sheet_title = gettext_lazy("Catalogs")
    columns = (
        gettext_lazy("Catalog"),
        gettext_lazy("Producer"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Fees"),
        gettext_lazy("Total"),
    )

    def rows(self) -> Iterable[Sequence]:
        report = self.report()
        for name, vendor, t in report.catalogs:
            yield [name, vendor, t.goods_ht, t.goods, t.fees, t.total]
        t = report.totals
        yield [_("Total"), "", t.goods_ht, t.goods, t.fees, t.total]


class ProductExporter(ReportExporter):
    """Per product and unit price, with each row's share of its catalog's goods (the catalog
    statistics of spec §8)."""

    sheet_title = gettext_lazy("Products")
    columns = (
        gettext_lazy("Catalog"),
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Unit price incl. VAT"),
        gettext_lazy("Quantity"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Fees"),
        gettext_lazy("Share of the catalog (%)"),
    )

    def rows(self) -> Iterable[Sequence]:
        report = self.report()
        goods = {name: t.goods for name, _vendor, t in report.catalogs}
        for catalog, product, ref, price, t in report.products:
            whole = goods.get(catalog) or 0
            share = (t.goods * 100 / whole).quantize(Decimal("0.01")) if whole else None
            yield [catalog, product, ref, price, t.quantity, t.goods_ht, t.goods, t.fees, share]


class PaymentTypeExporter(ReportExporter):
    sheet_title = gettext_lazy("Payments")
    columns = (gettext_lazy("Payment type"), gettext_lazy("Amount"), gettext_lazy("Operations"))

    def rows(self) -> Iterable[Sequence]:
        yield from ([label, amount, n] for label, amount, n in self.report().payment_types)


class OrderLinesExporter(ReportExporter):
    """Every order line of the period, oldest distribution first, streamed: the database is
    read in chunks while the file is written, so the first bytes leave before any row is read
    and memory stays flat whatever the number of lines. ``catalog_id`` keeps one catalog."""

    sheet_title = gettext_lazy("Orders")
    columns = (
        gettext_lazy("Date"),
        gettext_lazy("Basket"),
        gettext_lazy("Number"),
        gettext_lazy("Member"),
        gettext_lazy("E-mail"),
        gettext_lazy("Catalog"),
        gettext_lazy("Producer"),
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Quantity"),
        gettext_lazy("Unit price incl. VAT"),
        gettext_lazy("VAT rate (%)"),
        gettext_lazy("Fee (%)"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Total"),
    )
    FIELDS = (
        "basket__multidistrib__date",
        "basket__code",
        "basket__number",
        "basket__member__user__first_name",
        "basket__member__user__last_name",
        "basket__member__user__email",
        "distribution__catalog__name",
        "distribution__catalog__vendor__name",
        "product_name",
        "product__ref",
        "quantity",
        "actual_quantity",
        "unit_price",
        "vat_rate",
        "fee_percent",
    )

    def rows(self) -> Iterable[Sequence]:
        currency = self.group.currency
        lines = selectors.period_lines(
            group=self.group, start=self.start, end=self.end, catalog_id=self.catalog_id
        ).order_by("basket__multidistrib__start_at", "basket__number", "pk")
        for (
            day,
            code,
            number,
            first_name,
            last_name,
            email,
            catalog,
            vendor,
            product,
            ref,
            ordered,
            actual,
            price,
            vat,
            fee,
        ) in lines.values_list(*self.FIELDS).iterator(chunk_size=2000):
            quantity = actual if actual is not None else ordered
            goods = money.line_total(price, quantity, currency)
            yield [
                day,
                code,
                number,
                f"{first_name} {last_name}".strip(),
                email,
                catalog,
                vendor,
                product,
                ref,
                quantity,
                price,
                vat,
                fee,
                selectors.excluding_vat(goods, vat, currency),
                goods,
                money.line_total(price, quantity, currency, fee_percent=fee),
            ]


class DutyExporter(ReportExporter):
    """Who held which role at each distribution of the period, and the places left empty."""

    sheet_title = gettext_lazy("Duties")
    columns = (
        gettext_lazy("Date"),
        gettext_lazy("Role"),
        gettext_lazy("Catalog"),
        gettext_lazy("Volunteer"),
        gettext_lazy("E-mail"),
        gettext_lazy("Phone"),
    )

    def rows(self) -> Iterable[Sequence]:
        for need, duties in selectors.period_duties(
            group=self.group, start=self.start, end=self.end
        ):
            catalog = need.role.catalog.name if need.role.catalog_id else ""
            for duty in duties:
                user = duty.user
                yield [
                    need.multidistrib.date,
                    need.role.name,
                    catalog,
                    f"{user.first_name} {user.last_name}".strip(),
                    user.email,
                    user.phone,
                ]
            for _free in range(max(0, need.people - len(duties))):
                yield [need.multidistrib.date, need.role.name, catalog, _("(free)"), "", ""]


EXPORTERS: dict[str, type[ReportExporter]] = {
    "producers": ProducerExporter,
    "catalogs": CatalogExporter,
    "products": ProductExporter,
    "payments": PaymentTypeExporter,
    "lines": OrderLinesExporter,
    "duties": DutyExporter,
}


class CatalogStatisticsExporter(ListExporter):
    """One catalog's statistics over a period (``selectors.catalog_statistics``), then its total."""

    sheet_title = gettext_lazy("Statistics")
    columns = (
        gettext_lazy("Product"),
        gettext_lazy("Reference"),
        gettext_lazy("Quantity"),
        gettext_lazy("Total excl. VAT"),
        gettext_lazy("Total incl. VAT"),
        gettext_lazy("Share of the catalog (%)"),
        gettext_lazy("Buyers"),
    )
    column_widths = (36, 14, 10, 16, 16, 12, 10)

    def __init__(self, catalog, start: date, end: date, *, language: str) -> None:
        super().__init__(language=language)
        self.catalog, self.start, self.end = catalog, start, end

    def rows(self) -> Iterable[Sequence]:
        stats = selectors.catalog_statistics(catalog=self.catalog, start=self.start, end=self.end)
        for p in stats.products:
            t = p.totals
            yield [p.name, p.ref, t.quantity, t.goods_ht, t.goods, p.share, p.buyer_count]
        t = stats.totals
        share = Decimal("100.00") if stats.products else None
        # No total quantity: the products' units differ.
        yield [_("Total"), "", None, t.goods_ht, t.goods, share, stats.buyers]


def file_name(kind: str, group: Group, start: date, end: date, extension: str) -> str:
    return f"{kind}-{slugify(group.slug)}-{start.isoformat()}-{end.isoformat()}.{extension}"
