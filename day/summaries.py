"""Summaries of a general distribution (spec §7, user-requests items 1 and 9).

Every report is a query function returning plain data (dataclasses of Decimals and strings), so
the HTML pages, the CSV files and the PDFs all show the same figures, and tests pin them.

Rules:

* Figures use the **line's frozen unit price** (decision 7), never the catalog's current price,
  and the weighed quantity once it is known (variable weight, spec §6).
* Money goes through ``kernel.money``: each line is rounded half-up, then lines are summed.
* A member's line total includes the catalog's fee (what the member pays, as in the ledger).
  Producers' totals are the goods only (unit price x quantity, rounded per line); the fees are
  shown in their own column, so producers' totals + fees = members' totals - delivery fees
  (spec §14 item 10 is fixed this way: nothing is silently left out).
* Excluding VAT, each line is rounded: ``round(goods / (1 + VAT/100))``, then summed.
* Members are sorted by surname, then first name (user-requests item 1).

The number of queries does not depend on the number of baskets (design §9): baskets with their
member, lines with their product and catalog, the ledger rows of the baskets, slots, deliveries
and volunteers, each in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from catalogs.models import Catalog, Product
from distributions.models import DeliveryRequest, Duty, MultiDistrib, SlotRequest
from groups.models import Group
from kernel import money
from members.models import household_name
from orders.models import Basket, OrderLine, billed_quantity, unit_size
from payments import selectors as payment_selectors
from payments.models import ONTHESPOT, PAYMENT_TYPE_CHOICES, Operation

ZERO = Decimal("0.00")
QTY_ZERO = Decimal("0.000")


# --- plain data -----------------------------------------------------------------------------


@dataclass(slots=True)
class Line:
    product_id: int
    product_name: str
    ref: str
    catalog_id: int
    catalog_name: str
    vendor_name: str
    unit: str
    # Ordered by weight or volume (variable weight or bulk): ``quantity`` and ``ordered`` are in
    # ``unit`` (kg, g, L…), the product units times the product's quantity per unit.
    measured: bool
    quantity: Decimal  # billed: the weighed quantity once known, else the ordered one
    ordered: Decimal
    weighed: bool  # an actual weight was entered
    variable_weight: bool
    unit_price: Decimal  # incl. VAT, frozen on the line
    vat_rate: Decimal
    fee_percent: Decimal
    goods: Decimal  # round(quantity x unit price)
    fee: Decimal  # total - goods
    total: Decimal  # round(quantity x unit price x (1 + fee/100)), what the member pays
    line_id: int = 0

    @property
    def cancelled(self) -> bool:
        return self.quantity == 0


@dataclass
class Payment:
    label: str
    payment_type: str
    amount: Decimal
    confirmed: bool

    @property
    def awaits_type(self) -> bool:
        return self.payment_type == ONTHESPOT and not self.confirmed

    @property
    def type_label(self) -> str:
        """The actual type (cash, cheque…): the label was written when the payment was announced."""
        return str(dict(PAYMENT_TYPE_CHOICES).get(self.payment_type, self.payment_type))


@dataclass
class MemberBlock:
    basket_id: int
    basket_code: str
    number: int | None
    member_id: int
    user_id: int
    name: str  # LASTNAME Firstname (household)
    last_name: str
    first_name: str
    email: str
    phone: str
    lines: list[Line]
    lines_total: Decimal
    delivery_fee: Decimal
    total: Decimal
    items: Decimal  # articles to hand over (user-requests item 1): see ``articles``
    payments: list[Payment]
    paid: Decimal  # confirmed payments
    announced: Decimal  # payments announced, not received yet
    settled: bool
    slot: str
    delivery_address: str
    absent: bool
    payment_type: str  # the member's choice at checkout

    @property
    def due(self) -> Decimal:
        """What is still to be paid (negative: to pay back), counting received payments only.

        Nothing is due when the member's account already covers the order (money pot, credit
        from an earlier overpayment): ``settled``, as the ledger says.
        """
        due = self.total - self.paid
        return ZERO if due > 0 and self.settled else due

    @property
    def awaiting_type(self) -> bool:
        return any(p.awaits_type for p in self.payments)


@dataclass
class MemberSummary:
    md: MultiDistrib
    sheet_text: str
    duties: list[tuple[str, str]]  # (role, people)
    blocks: list[MemberBlock]
    total: Decimal
    lines_total: Decimal
    delivery_fees: Decimal
    baskets: int = 0

    def __post_init__(self) -> None:
        self.baskets = len(self.blocks)


@dataclass
class ProductRow:
    product_id: int
    product_name: str
    ref: str
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    quantity: Decimal
    ordered: Decimal
    lines: int
    goods: Decimal  # incl. VAT
    goods_ht: Decimal
    fees: Decimal
    measured: bool = False  # quantity in ``unit`` (weight or volume), else a number of units


@dataclass
class CatalogBlock:
    catalog_id: int
    catalog_name: str
    vendor_name: str
    vendor_email: str
    products: list[ProductRow] = field(default_factory=list)
    goods: Decimal = ZERO
    goods_ht: Decimal = ZERO
    fees: Decimal = ZERO
    distribution_id: int = 0


@dataclass
class ProductSummary:
    md: MultiDistrib
    catalogs: list[CatalogBlock]
    goods: Decimal
    goods_ht: Decimal
    fees: Decimal


@dataclass
class Matrix:
    md: MultiDistrib
    columns: list[tuple[int, str, str]]  # (product id, product name, catalog name)
    rows: list[tuple[MemberBlock, list[Decimal | None]]]
    column_totals: list[Decimal]
    total: Decimal


# --- queries --------------------------------------------------------------------------------


LINE_FIELDS = (
    "basket_id",
    "pk",
    "product_id",
    "product_name",
    "product__ref",
    "product__unit_type",
    "product__variable_weight",
    "product__bulk",
    "distribution_id",
    "distribution__catalog_id",
    "distribution__catalog__name",
    "distribution__catalog__vendor__name",
    "quantity",
    "actual_quantity",
    "unit_price",
    "vat_rate",
    "fee_percent",
    "product__unit_quantity",
    "actual_weight",
    "weight_unit_size",
)


def _unit_labels() -> dict[str, str]:
    """Unit names in the active language, translated once per report rather than per line."""
    return {value: str(label) for value, label in Product.Unit.choices}


def _lines(lines, currency: str) -> list[tuple[int, int, Line]]:
    """``(basket id, distribution id, Line)`` for the rows of an ``OrderLine`` queryset.

    The rows are read as tuples: a report of 8,000 lines would otherwise spend most of its time
    building model instances.
    """
    units = _unit_labels()
    result = []
    for (
        basket_id,
        pk,
        product_id,
        product_name,
        ref,
        unit_type,
        variable_weight,
        bulk,
        distribution_id,
        catalog_id,
        catalog_name,
        vendor_name,
        ordered,
        actual,
        unit_price,
        vat_rate,
        fee_percent,
        unit_quantity,
        weight,
        weight_unit_size,
    ) in lines.values_list(*LINE_FIELDS):
        billed = billed_quantity(ordered, actual, weight, weight_unit_size)
        goods = money.line_total(unit_price, billed, currency)
        total = money.line_total(unit_price, billed, currency, fee_percent=fee_percent)
        measured = variable_weight or bulk
        if measured:
            # In the product's unit, as the member ordered it: one piece sold per 1.5 kg is
            # "1.5 kg", weighed at 1.8 kg (issue 13).
            size = unit_size(unit_quantity)
            ordered = ordered * size
            if weight is not None:
                quantity = weight
            elif actual is not None:
                quantity = actual * size
            else:
                quantity = ordered
        else:
            quantity = billed
        line = Line(
            line_id=pk,
            product_id=product_id,
            product_name=product_name,
            ref=ref,
            catalog_id=catalog_id,
            catalog_name=catalog_name,
            vendor_name=vendor_name,
            unit=units.get(unit_type, unit_type),
            measured=measured,
            quantity=quantity,
            ordered=ordered,
            weighed=actual is not None,
            variable_weight=variable_weight,
            unit_price=unit_price,
            vat_rate=vat_rate,
            fee_percent=fee_percent,
            goods=goods,
            fee=total - goods,
            total=total,
        )
        result.append((basket_id, distribution_id, line))
    return result


def articles(lines: list[Line]) -> Decimal:
    """How many articles a member takes away: each unit counts, and a product ordered by weight
    or volume counts once (adding kilograms to loaves would mean nothing)."""
    return sum(
        (Decimal(1) if line.measured else line.quantity for line in lines if line.quantity),
        QTY_ZERO,
    )


def _confirmed_lines(group: Group, md: MultiDistrib, catalog_ids: list[int] | None):
    qs = OrderLine.objects.filter(
        group=group, basket__multidistrib=md, basket__state=Basket.State.CONFIRMED
    )
    if catalog_ids is not None:
        qs = qs.filter(distribution__catalog_id__in=catalog_ids)
    return qs


BASKET_FIELDS = (
    "pk",
    "code",
    "number",
    "member_id",
    "member__user_id",
    "member__user__last_name",
    "member__user__first_name",
    "member__user__last_name2",
    "member__user__first_name2",
    "member__user__email",
    "member__user__phone",
    "member__user__phone2",
    "delivery",
    "delivery_fee",
    "payment_type",
    "absence__pk",
)


def _payments_by_reference(group: Group, codes: list[str]) -> dict[str, list[Payment]]:
    """Money rows of the baskets (payments and refunds, corrections folded in): one query."""
    rows = payment_selectors.payments_for_references(group=group, references=codes).values_list(
        "reference", "label", "payment_type", "effective", "state"
    )
    result: dict[str, list[Payment]] = defaultdict(list)
    for reference, label, payment_type, effective, state in rows:
        result[reference].append(
            Payment(
                label=label,
                payment_type=payment_type,
                amount=money.quantize(effective, group.currency),
                confirmed=state == Operation.State.CONFIRMED,
            )
        )
    return result


def _slots(md: MultiDistrib) -> dict[int, str]:
    tz = md.tz
    result = {}
    for request in SlotRequest.objects.filter(
        multidistrib=md, assigned_slot__isnull=False
    ).select_related("assigned_slot"):
        slot = request.assigned_slot
        start = slot.start_at.astimezone(tz)
        end = slot.end_at.astimezone(tz)
        result[request.user_id] = f"{start:%H:%M} - {end:%H:%M}"
    return result


def _deliveries(md: MultiDistrib) -> dict[int, str]:
    return {d.user_id: d.full_address for d in DeliveryRequest.objects.filter(multidistrib=md)}


def duties_for(md: MultiDistrib) -> list[tuple[str, str]]:
    """Volunteers on duty, per role (the sheet's header, spec §7)."""
    people: dict[str, list[str]] = defaultdict(list)
    for duty in (
        Duty.objects.filter(need__multidistrib=md)
        .select_related("need__role", "user")
        .order_by("need__role__name", "user__last_name", "user__first_name")
    ):
        people[duty.need.role.name].append(duty.user.display_name)
    return [(role, ", ".join(names)) for role, names in people.items()]


def member_summary(
    *,
    group: Group,
    md: MultiDistrib,
    catalog_ids: list[int] | None = None,
    with_payments: bool = True,
) -> MemberSummary:
    """Every basket of the distribution with its lines, totals, payments, slot or address."""
    currency = group.currency
    lines_by_basket: dict[int, list[Line]] = defaultdict(list)
    lines = _confirmed_lines(group, md, catalog_ids).order_by(
        "distribution__catalog__name", "product_name", "pk"
    )
    for basket_id, _distribution_id, line in _lines(lines, currency):
        lines_by_basket[basket_id].append(line)
    baskets = Basket.objects.filter(group=group, multidistrib=md, state=Basket.State.CONFIRMED)
    if catalog_ids is not None:
        baskets = baskets.filter(pk__in=list(lines_by_basket))
    baskets = list(baskets.values_list(*BASKET_FIELDS))
    codes = [row[1] for row in baskets]
    payments = _payments_by_reference(group, codes) if with_payments and codes else {}
    settled = (
        payment_selectors.references_settled(group=group, references=codes)
        if with_payments and codes
        else {}
    )
    slots = _slots(md) if md.slots_enabled else {}
    deliveries = _deliveries(md) if md.delivery_enabled else {}
    blocks = []
    for (
        basket_id,
        code,
        number,
        member_id,
        user_id,
        last_name,
        first_name,
        last_name2,
        first_name2,
        email,
        phone,
        phone2,
        delivery,
        basket_delivery_fee,
        payment_type,
        absence_id,
    ) in baskets:
        basket_lines = lines_by_basket.get(basket_id, [])
        lines_total = money.total((line.total for line in basket_lines), currency)
        # A summary of some catalogs leaves the delivery fee out: it belongs to the basket.
        delivery_fee = basket_delivery_fee if catalog_ids is None else ZERO
        total = money.total([lines_total, delivery_fee], currency)
        basket_payments = payments.get(code, [])
        blocks.append(
            MemberBlock(
                basket_id=basket_id,
                basket_code=code,
                number=number,
                member_id=member_id,
                user_id=user_id,
                name=household_name(last_name, first_name, last_name2, first_name2, email),
                last_name=last_name,
                first_name=first_name,
                email=email,
                phone=" / ".join(p for p in (phone, phone2) if p),
                lines=basket_lines,
                lines_total=lines_total,
                delivery_fee=delivery_fee,
                total=total,
                items=articles(basket_lines),
                payments=basket_payments,
                paid=money.total((p.amount for p in basket_payments if p.confirmed), currency),
                announced=money.total(
                    (p.amount for p in basket_payments if not p.confirmed), currency
                ),
                settled=settled.get((member_id, code), True),
                slot=slots.get(user_id, ""),
                delivery_address=deliveries.get(user_id, "") if delivery else "",
                absent=absence_id is not None,
                payment_type=payment_type,
            )
        )
    blocks.sort(key=lambda b: (b.last_name.casefold(), b.first_name.casefold(), b.number or 0))
    return MemberSummary(
        md=md,
        sheet_text=group.sheet_text,
        duties=duties_for(md),
        blocks=blocks,
        lines_total=money.total((b.lines_total for b in blocks), currency),
        delivery_fees=money.total((b.delivery_fee for b in blocks), currency),
        total=money.total((b.total for b in blocks), currency),
    )


def product_summary(
    *, group: Group, md: MultiDistrib, catalog_ids: list[int] | None = None
) -> ProductSummary:
    """Totals per product, grouped by catalog: what each producer brings (spec §7).

    One row per (product, unit price): a product ordered at two prices shows on two rows so
    that each row's total is its quantity x its price. Quantities are weighed ones once known.
    """
    currency = group.currency
    lines = _confirmed_lines(group, md, catalog_ids).order_by(
        "distribution__catalog__name", "product_name", "unit_price", "pk"
    )
    vendors = dict(
        Catalog.objects.filter(
            pk__in=_confirmed_lines(group, md, catalog_ids).values("distribution__catalog_id")
        ).values_list("pk", "vendor__email")
    )
    catalogs: dict[int, CatalogBlock] = {}
    rows: dict[tuple[int, Decimal], ProductRow] = {}
    for _basket_id, distribution_id, line in _lines(lines, currency):
        block = catalogs.get(line.catalog_id)
        if block is None:
            block = catalogs[line.catalog_id] = CatalogBlock(
                catalog_id=line.catalog_id,
                catalog_name=line.catalog_name,
                vendor_name=line.vendor_name,
                vendor_email=vendors.get(line.catalog_id, ""),
                distribution_id=distribution_id,
            )
        key = (line.product_id, line.unit_price)
        product_row = rows.get(key)
        if product_row is None:
            product_row = rows[key] = ProductRow(
                product_id=line.product_id,
                product_name=line.product_name,
                ref=line.ref,
                unit=line.unit,
                measured=line.measured,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                quantity=QTY_ZERO,
                ordered=QTY_ZERO,
                lines=0,
                goods=ZERO,
                goods_ht=ZERO,
                fees=ZERO,
            )
            block.products.append(product_row)
        if line.quantity == 0 and line.ordered == 0:
            continue
        product_row.quantity += line.quantity
        product_row.ordered += line.ordered
        product_row.lines += 1 if line.quantity else 0
        product_row.goods += line.goods
        product_row.goods_ht += excluding_vat(line.goods, line.vat_rate, currency)
        product_row.fees += line.fee
    for block in catalogs.values():
        block.products = [p for p in block.products if p.lines or p.ordered]
        block.goods = money.total((p.goods for p in block.products), currency)
        block.goods_ht = money.total((p.goods_ht for p in block.products), currency)
        block.fees = money.total((p.fees for p in block.products), currency)
    blocks = sorted(catalogs.values(), key=lambda b: (b.catalog_name.casefold(), b.catalog_id))
    return ProductSummary(
        md=md,
        catalogs=blocks,
        goods=money.total((b.goods for b in blocks), currency),
        goods_ht=money.total((b.goods_ht for b in blocks), currency),
        fees=money.total((b.fees for b in blocks), currency),
    )


def excluding_vat(amount: Decimal, vat_rate: Decimal, currency: str) -> Decimal:
    return money.quantize(amount * Decimal(100) / (Decimal(100) + vat_rate), currency)


def matrix(*, group: Group, md: MultiDistrib, summary: MemberSummary | None = None) -> Matrix:
    """Products x members (user-requests item 9): a row per member, a column per product."""
    summary = summary or member_summary(group=group, md=md, with_payments=False)
    columns: dict[int, tuple[int, str, str]] = {}
    for block in summary.blocks:
        for line in block.lines:
            columns.setdefault(
                line.product_id, (line.product_id, line.product_name, line.catalog_name)
            )
    ordered = sorted(columns.values(), key=lambda c: (c[2].casefold(), c[1].casefold(), c[0]))
    index = {c[0]: i for i, c in enumerate(ordered)}
    totals = [QTY_ZERO] * len(ordered)
    rows = []
    for block in summary.blocks:
        cells: list[Decimal | None] = [None] * len(ordered)
        for line in block.lines:
            i = index[line.product_id]
            cells[i] = (cells[i] or QTY_ZERO) + line.quantity
            totals[i] += line.quantity
        rows.append((block, cells))
    return Matrix(md=md, columns=ordered, rows=rows, column_totals=totals, total=summary.total)
