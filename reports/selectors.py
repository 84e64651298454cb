"""Reads for the period reports and the statistics page (issue 19).

Order lines are read as tuples in one query (``values_list``), then summed in Python: line
totals are rounded per line (decision 1), which a SQL ``SUM`` of products would not do. The
query count does not depend on the number of lines, distributions or months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, Round, TruncMonth

from distributions.models import Duty, DutyNeed, MultiDistrib
from groups.models import Group
from kernel import money
from members.models import Member, active_member_q
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors
from payments.models import PAYMENT_TYPE_CHOICES

ZERO = Decimal("0.00")
QTY_ZERO = Decimal("0.000")


def excluding_vat(amount: Decimal, vat_rate: Decimal, currency: str) -> Decimal:
    return money.quantize(amount * Decimal(100) / (Decimal(100) + vat_rate), currency)


@dataclass
class Totals:
    """Goods (what producers are paid, incl. VAT), their part without VAT, the fees, the sum."""

    goods: Decimal = ZERO
    goods_ht: Decimal = ZERO
    fees: Decimal = ZERO
    total: Decimal = ZERO
    quantity: Decimal = QTY_ZERO
    lines: int = 0

    @property
    def vat(self) -> Decimal:
        return self.goods - self.goods_ht

    def add(self, goods: Decimal, goods_ht: Decimal, total: Decimal, quantity: Decimal) -> None:
        self.goods += goods
        self.goods_ht += goods_ht
        self.fees += total - goods
        self.total += total
        self.quantity += quantity
        self.lines += 1


@dataclass
class ProducerTotals:
    name: str
    totals: Totals = field(default_factory=Totals)
    # VAT rate → totals at that rate: the producers' invoice basis.
    by_rate: dict[Decimal, Totals] = field(default_factory=dict)


@dataclass
class DistributionPoint:
    md_id: int
    date: date
    baskets: int
    total: Decimal


@dataclass
class PeriodReport:
    start: date
    end: date
    currency: str
    totals: Totals
    producers: list[ProducerTotals]
    catalogs: list[tuple[str, str, Totals]]  # catalog, producer, totals
    products: list[tuple[str, str, str, Decimal, Totals]]  # catalog, product, ref, price, totals
    payment_types: list[tuple[str, Decimal, int]]  # label, amount, rows
    distributions: list[DistributionPoint]
    baskets: int


LINE_FIELDS = (
    "basket_id",
    "basket__multidistrib_id",
    "basket__multidistrib__date",
    "distribution__catalog_id",
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


def period_lines(
    *, group: Group, start: date, end: date, catalog_id: int | None = None
) -> QuerySet[OrderLine]:
    """Lines of confirmed baskets whose distribution falls from ``start`` to ``end`` included
    (of one catalog with ``catalog_id``)."""
    lines = OrderLine.objects.filter(
        group=group,
        basket__state=Basket.State.CONFIRMED,
        basket__multidistrib__date__gte=start,
        basket__multidistrib__date__lte=end,
    )
    if catalog_id is not None:
        lines = lines.filter(distribution__catalog_id=catalog_id)
    return lines


def payment_type_labels() -> dict[str, str]:
    return {code: str(label) for code, label in PAYMENT_TYPE_CHOICES}


def period_report(
    *, group: Group, start: date, end: date, catalog_id: int | None = None
) -> PeriodReport:
    """Totals per producer (and VAT rate), catalog, product, payment type and distribution.

    Four queries whatever the period: the lines, the baskets per distribution, the distributions
    without orders, the money per payment type."""
    currency = group.currency
    totals = Totals()
    producers: dict[str, ProducerTotals] = {}
    catalogs: dict[int, tuple[str, str, Totals]] = {}
    products: dict[tuple, tuple[str, str, str, Decimal, Totals]] = {}
    per_md: dict[int, Decimal] = defaultdict(lambda: ZERO)
    lines = period_lines(group=group, start=start, end=end, catalog_id=catalog_id).order_by(
        "distribution__catalog__vendor__name", "distribution__catalog__name", "product_name", "pk"
    )
    for (
        _basket_id,
        md_id,
        _md_date,
        catalog_id,
        catalog_name,
        vendor_name,
        product_name,
        ref,
        ordered,
        actual,
        unit_price,
        vat_rate,
        fee_percent,
    ) in lines.values_list(*LINE_FIELDS).iterator(chunk_size=5000):
        quantity = actual if actual is not None else ordered
        goods = money.line_total(unit_price, quantity, currency)
        total = money.line_total(unit_price, quantity, currency, fee_percent=fee_percent)
        goods_ht = excluding_vat(goods, vat_rate, currency)
        totals.add(goods, goods_ht, total, quantity)
        producer = producers.get(vendor_name)
        if producer is None:
            producer = producers[vendor_name] = ProducerTotals(vendor_name)
        producer.totals.add(goods, goods_ht, total, quantity)
        rate = producer.by_rate.get(vat_rate)
        if rate is None:
            rate = producer.by_rate[vat_rate] = Totals()
        rate.add(goods, goods_ht, total, quantity)
        if catalog_id not in catalogs:
            catalogs[catalog_id] = (catalog_name, vendor_name, Totals())
        catalogs[catalog_id][2].add(goods, goods_ht, total, quantity)
        key = (catalog_id, product_name, ref, unit_price)
        if key not in products:
            products[key] = (catalog_name, product_name, ref, unit_price, Totals())
        products[key][4].add(goods, goods_ht, total, quantity)
        per_md[md_id] += total
    baskets = Basket.objects.filter(
        group=group,
        state=Basket.State.CONFIRMED,
        multidistrib__date__gte=start,
        multidistrib__date__lte=end,
    )
    if catalog_id is not None:
        baskets = baskets.filter(lines__distribution__catalog_id=catalog_id)
    baskets_per_md = dict(
        baskets.values("multidistrib_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("multidistrib_id", "n")
    )
    mds = MultiDistrib.objects.filter(group=group, date__gte=start, date__lte=end).order_by(
        "start_at"
    )
    points = [
        DistributionPoint(md_id, md_date, baskets_per_md.get(md_id, 0), per_md.get(md_id, ZERO))
        for md_id, md_date in mds.values_list("pk", "date")
    ]
    labels = payment_type_labels()
    payment_types = [
        (labels.get(code, code) or "—", amount, rows)
        for code, amount, rows in payment_selectors.money_totals_by_type(
            group=group, start=start, end=end
        )
    ]
    return PeriodReport(
        start=start,
        end=end,
        currency=currency,
        totals=totals,
        producers=sorted(producers.values(), key=lambda p: p.name.casefold()),
        catalogs=sorted(catalogs.values(), key=lambda c: (c[0].casefold(), c[1])),
        products=sorted(products.values(), key=lambda p: (p[0].casefold(), p[1].casefold())),
        payment_types=payment_types,
        distributions=points,
        baskets=sum(baskets_per_md.values()),
    )


def period_duties(*, group: Group, start: date, end: date) -> list[tuple[DutyNeed, list[Duty]]]:
    """Each role needed at the distributions of the period, with who holds it (two queries)."""
    needs = list(
        DutyNeed.objects.filter(
            group=group, multidistrib__date__gte=start, multidistrib__date__lte=end
        )
        .select_related("multidistrib", "role__catalog")
        .prefetch_related(Prefetch("duties", Duty.objects.select_related("user").order_by("pk")))
        .order_by("multidistrib__start_at", "role__name", "pk")
    )
    return [(need, list(need.duties.all())) for need in needs]


# Statistics ----------------------------------------------------------------------------------


@dataclass
class Statistics:
    members: int
    active_members: int
    members_ordering: int  # members with a confirmed basket in the last 12 months
    months: list[tuple[date, int, Decimal]]  # month, baskets, amount
    producers: list[tuple[str, int, Decimal]]  # producer, baskets, amount
    distributions: list[DistributionPoint]  # the last ones
    volunteers: list[tuple[str, int]]  # volunteer, duties
    duties: int


def statistics(*, group: Group, today: date, recent: int = 24) -> Statistics:
    """The statistics page: a fixed number of queries whatever the group's history.

    Amounts per month, producer and distribution are summed in SQL, each line rounded first
    (decision 1), so that the page's cost does not grow with the history."""
    since = today - timedelta(days=365)
    members = Member.objects.filter(group=group)
    counts = members.aggregate(
        all=Count("pk"),
        active=Count("pk", filter=active_member_q()),
    )
    confirmed = Basket.objects.filter(group=group, state=Basket.State.CONFIRMED)
    ordering = (
        confirmed.filter(multidistrib__date__gte=since).values("member_id").distinct().count()
    )
    month_rows = (
        confirmed.annotate(month=TruncMonth("multidistrib__date"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    month_amounts = _amounts(
        OrderLine.objects.filter(group=group, basket__state=Basket.State.CONFIRMED)
        .annotate(month=TruncMonth("basket__multidistrib__date"))
        .values("month"),
        group.currency,
    )
    months = [
        (r["month"], r["n"], month_amounts.get(r["month"], ZERO))
        for r in month_rows
        if r["month"] is not None
    ]
    vendor_lines = OrderLine.objects.filter(
        group=group, basket__state=Basket.State.CONFIRMED
    ).values("distribution__catalog__vendor__name")
    vendor_baskets = dict(
        vendor_lines.annotate(n=Count("basket_id", distinct=True)).values_list(
            "distribution__catalog__vendor__name", "n"
        )
    )
    vendor_amounts = _amounts(vendor_lines, group.currency)
    producers = sorted(
        ((name, n, vendor_amounts.get(name, ZERO)) for name, n in vendor_baskets.items()),
        key=lambda r: (-r[2], r[0]),
    )
    # The distributions held, and the coming ones that already have orders.
    md_ids = list(
        MultiDistrib.objects.filter(group=group)
        .filter(Q(date__lte=today) | Q(baskets__state=Basket.State.CONFIRMED))
        .distinct()
        .order_by("-start_at")
        .values_list("pk", "date")[:recent]
    )
    md_baskets = dict(
        confirmed.filter(multidistrib_id__in=[m[0] for m in md_ids])
        .values("multidistrib_id")
        .annotate(n=Count("pk"))
        .values_list("multidistrib_id", "n")
    )
    md_amounts = _amounts(
        OrderLine.objects.filter(
            group=group,
            basket__state=Basket.State.CONFIRMED,
            basket__multidistrib_id__in=[m[0] for m in md_ids],
        ).values(key=F("basket__multidistrib_id")),
        group.currency,
        key="key",
    )
    points = [
        DistributionPoint(pk, d, md_baskets.get(pk, 0), md_amounts.get(pk, ZERO))
        for pk, d in reversed(md_ids)
    ]
    duty_rows = (
        Duty.objects.filter(group=group)
        .values("user__first_name", "user__last_name", "user__email")
        .annotate(n=Count("pk"))
        .order_by("-n", "user__last_name", "user__first_name")
    )
    volunteers = [
        (
            f"{r['user__first_name']} {r['user__last_name']}".strip() or r["user__email"],
            r["n"],
        )
        for r in duty_rows[:50]
    ]
    return Statistics(
        members=counts["all"],
        active_members=counts["active"],
        members_ordering=ordering,
        months=months,
        producers=producers,
        distributions=points,
        volunteers=volunteers,
        duties=Duty.objects.filter(group=group).count(),
    )


def _amounts(values_qs, currency: str, key: str | None = None) -> dict:
    """``{group key: amount}`` for order lines grouped by ``values_qs``'s ``values()``."""
    billed = Coalesce(F("actual_quantity"), F("quantity"))
    # Each line rounded before the sum, as everywhere (decision 1).
    expr = Round(
        ExpressionWrapper(
            F("unit_price") * billed * (100 + F("fee_percent")) / 100,
            output_field=DecimalField(max_digits=20, decimal_places=6),
        ),
        money.precision(currency),
    )
    rows = values_qs.annotate(amount=Sum(expr)).order_by()
    result = {}
    for row in rows:
        name = key or next(k for k in row if k != "amount")
        result[row[name]] = money.quantize(row["amount"] or 0, currency)
    return result


def basket_codes(multidistrib: MultiDistrib) -> QuerySet:
    """The references of a distribution's orders in the ledger (registered in ``reports.apps``
    for the ledger's distribution filter)."""
    return Basket.objects.filter(multidistrib=multidistrib).values("code")


@dataclass
class ProductStatistics:
    product_id: int | None
    name: str
    ref: str
    totals: Totals = field(default_factory=Totals)
    buyers: set[int] = field(default_factory=set)
    share: Decimal | None = None  # percent of the catalog's goods (incl. VAT)

    @property
    def buyer_count(self) -> int:
        return len(self.buyers)


@dataclass
class CatalogStatistics:
    start: date
    end: date
    products: list[ProductStatistics]
    totals: Totals
    buyers: int


def catalog_statistics(*, catalog, start: date, end: date) -> CatalogStatistics:
    """Per product of one catalog, over the distributions held from ``start`` to ``end``: the
    quantity, the amounts excl. and incl. VAT (each line rounded first, decision 1; fees left
    out: they are the group's, not the producer's), the share of the catalog's total and the
    number of members who bought it. One query whatever the number of lines (spec §8 "catalog
    stats"); the products are sorted by amount, the largest first."""
    currency = catalog.group.currency
    products: dict[int | None, ProductStatistics] = {}
    totals = Totals()
    buyers: set[int] = set()
    lines = period_lines(group=catalog.group, start=start, end=end, catalog_id=catalog.pk)
    rows = lines.order_by("basket__multidistrib__start_at", "pk").values_list(
        "product_id",
        "product_name",
        "product__ref",
        "quantity",
        "actual_quantity",
        "unit_price",
        "vat_rate",
        "basket__member_id",
    )
    for product_id, name, ref, ordered, actual, price, vat_rate, member_id in rows.iterator(
        chunk_size=5000
    ):
        quantity = actual if actual is not None else ordered
        goods = money.line_total(price, quantity, currency)
        goods_ht = excluding_vat(goods, vat_rate, currency)
        stats = products.get(product_id)
        if stats is None:
            stats = products[product_id] = ProductStatistics(product_id, name, ref or "")
        stats.name = name  # the latest name the product was ordered under
        stats.totals.add(goods, goods_ht, goods, quantity)
        stats.buyers.add(member_id)
        totals.add(goods, goods_ht, goods, quantity)
        buyers.add(member_id)
    ordered_products = sorted(products.values(), key=lambda p: (-p.totals.goods, p.name))
    for stats in ordered_products:
        if totals.goods:
            stats.share = (stats.totals.goods * 100 / totals.goods).quantize(Decimal("0.01"))
    return CatalogStatistics(start, end, ordered_products, totals, len(buyers))
