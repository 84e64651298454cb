"""The cash report of a distribution ("Encaissements", spec §7) and the figures of its
validation (decision 5): plain data built from ``summaries.member_summary``, without a query
per basket.

* **takings** by payment type: payments of present members, received or announced (what the
  till and the cheques should hold once validated), refunds apart;
* **on the spot still to type**: payments announced "on the spot" whose actual type (cash,
  cheque, card) is not chosen yet — they block the validation;
* **refunds**: money paid back to members (negative payments);
* **VAT**: what members pay per VAT rate, with and without VAT;
* **who owes** (due > 0) and **who has credit** (due < 0), present or absent.

* **card** (issue 17): the card takings of the distribution's orders, the platform fees, the
  card refunds and the fees given back, the net paid out to the group, and the payout's state
  (``payments.stripe.selectors.distribution_figures``); None when nothing was paid by card;
* **membership fees** collected at this distribution (issue 15,
  ``members.memberships.fee_stats_for_multidistrib``); None when the group has no fees.
* **the till** (spec §7): the opening float the team typed (``day.models.CashFloat``), and what
  the till should hold = float + cash takings - cash refunds.

Card payments are also ledger payments of type "online": they are in the takings by type, and
their refunds in the refunds, like any other payment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from day import summaries
from day.member_tools import cash_float_of
from day.validation import validation_refusals
from distributions.models import MultiDistrib
from groups.models import Group, PaymentType
from kernel import money
from kernel.exporters import ListExporter, text_cell
from members import memberships
from payments.stripe import selectors as stripe_selectors
from payments.stripe.selectors import Figures

ZERO = Decimal("0.00")


@dataclass
class Taking:
    payment_type: str
    label: str
    received: Decimal = ZERO  # confirmed in the ledger
    announced: Decimal = ZERO  # announced, confirmed by the validation
    count: int = 0

    @property
    def total(self) -> Decimal:
        return self.received + self.announced


@dataclass
class VatRow:
    rate: Decimal
    incl: Decimal = ZERO
    excl: Decimal = ZERO

    @property
    def vat(self) -> Decimal:
        return self.incl - self.excl


@dataclass
class Person:
    name: str
    basket_code: str
    amount: Decimal
    absent: bool
    payment_type: str = ""


@dataclass
class CashReport:
    md: MultiDistrib
    baskets: int
    present: int
    absent: int
    total: Decimal  # every basket's total
    present_total: Decimal
    absent_total: Decimal
    takings: list[Taking]
    takings_total: Decimal
    to_type: list[Person]  # on-the-spot payments waiting for their actual type
    refunds: list[Person]
    refunds_total: Decimal
    vat: list[VatRow]
    owe: list[Person]
    owe_total: Decimal
    credit: list[Person]
    credit_total: Decimal
    refusals: list[str] = field(default_factory=list)
    card: Figures | None = None
    fees: dict | None = None  # {"count", "total"} of membership fees collected here
    cash_float: Decimal | None = None  # the till before the distribution, once typed
    cash_takings: Decimal = ZERO
    cash_refunds: Decimal = ZERO

    @property
    def till(self) -> Decimal:
        """What the till should hold: float + cash takings - cash refunds."""
        return (self.cash_float or ZERO) + self.cash_takings - self.cash_refunds


def cash_report(*, group: Group, md: MultiDistrib) -> CashReport:
    currency = group.currency
    summary = summaries.member_summary(group=group, md=md)
    takings: dict[str, Taking] = {}
    to_type, refunds, owe, credit = [], [], [], []
    vat: dict[Decimal, VatRow] = {}
    for block in summary.blocks:
        for payment in block.payments:
            if payment.amount < 0:
                refunds.append(
                    Person(
                        block.name,
                        block.basket_code,
                        -payment.amount,
                        block.absent,
                        payment.payment_type,
                    )
                )
                continue
            if payment.awaits_type:
                to_type.append(Person(block.name, block.basket_code, payment.amount, block.absent))
                if block.absent:
                    continue
            if block.absent and not payment.confirmed:
                continue  # an absent member did not come to pay: not in the till
            row = takings.get(payment.payment_type)
            if row is None:
                row = takings[payment.payment_type] = Taking(
                    payment.payment_type, payment.type_label
                )
            if payment.confirmed:
                row.received += payment.amount
            else:
                row.announced += payment.amount
            row.count += 1
        for line in block.lines:
            vat_row = vat.setdefault(line.vat_rate, VatRow(line.vat_rate))
            vat_row.incl += line.total
            vat_row.excl += summaries.excluding_vat(line.total, line.vat_rate, currency)
        due = block.due
        if due > 0:
            owe.append(Person(block.name, block.basket_code, due, block.absent))
        elif due < 0:
            credit.append(Person(block.name, block.basket_code, -due, block.absent))
    present = [b for b in summary.blocks if not b.absent]
    absent = [b for b in summary.blocks if b.absent]
    rows = sorted(takings.values(), key=lambda t: t.label.casefold())
    cash = takings.get(PaymentType.CASH)
    return CashReport(
        md=md,
        baskets=len(summary.blocks),
        present=len(present),
        absent=len(absent),
        total=summary.total,
        present_total=money.total((b.total for b in present), currency),
        absent_total=money.total((b.total for b in absent), currency),
        takings=rows,
        takings_total=money.total((t.total for t in rows), currency),
        to_type=to_type,
        refunds=refunds,
        refunds_total=money.total((p.amount for p in refunds), currency),
        vat=sorted(vat.values(), key=lambda v: v.rate),
        owe=owe,
        owe_total=money.total((p.amount for p in owe), currency),
        credit=credit,
        credit_total=money.total((p.amount for p in credit), currency),
        refusals=validation_refusals(group=group, md=md),
        card=_card(group, md),
        fees=memberships.fee_stats_for_multidistrib(group, md.pk) if group.has_membership else None,
        cash_float=cash_float_of(md),
        cash_takings=cash.total if cash is not None else ZERO,
        cash_refunds=money.total(
            (p.amount for p in refunds if p.payment_type == PaymentType.CASH), currency
        ),
    )


def _card(group: Group, md: MultiDistrib) -> Figures | None:
    figures = stripe_selectors.distribution_figures(group=group, mds=[md])[0]
    if not figures.payments and not figures.refunds and not figures.failed_refunds:
        return None
    return figures


class CashReportExporter(ListExporter):
    """The cash report as one table (section, label, count, amount) for CSV and XLSX."""

    columns = (
        gettext_lazy("Section"),
        gettext_lazy("Label"),
        gettext_lazy("Payments"),
        gettext_lazy("Amount"),
    )
    sheet_title = "Encaissements"
    column_widths = (24, 40, 10, 14)

    def __init__(self, report: CashReport, *, language: str) -> None:
        super().__init__(language=language)
        self.report = report

    def rows(self):
        r = self.report
        till = _("Till")
        yield (till, _("Cash float"), None, r.cash_float)
        yield (till, _("Cash takings"), None, r.cash_takings)
        yield (till, _("Cash refunds"), None, -r.cash_refunds)
        yield (till, _("The till should hold"), None, r.till)
        takings = _("Takings")
        for t in r.takings:
            yield (takings, text_cell(t.label), t.count, t.total)
        yield (takings, _("Total"), None, r.takings_total)
        for p in r.to_type:
            yield (_("On the spot, type to choose"), text_cell(p.name), None, p.amount)
        for p in r.refunds:
            yield (_("Refunds"), text_cell(p.name), None, p.amount)
        for v in r.vat:
            label = _("VAT %(rate)s %%") % {"rate": format(v.rate.normalize(), "f")}
            yield (_("Excluding VAT"), label, None, v.excl)
            yield (_("VAT"), label, None, v.vat)
            yield (_("Including VAT"), label, None, v.incl)
        if r.card is not None:
            card = _("Card payments")
            yield (card, _("Card takings"), r.card.payments, r.card.takings)
            yield (card, _("Platform fees"), None, -r.card.fees)
            yield (card, _("Card refunds"), None, -r.card.refunds)
            yield (card, _("Platform fees given back"), None, r.card.fees_back)
            yield (card, _("Net"), None, r.card.net)
        if r.fees is not None:
            yield (
                _("Membership fees"),
                _("Collected at this distribution"),
                r.fees["count"],
                r.fees["total"],
            )
        for p in r.owe:
            yield (_("Still to pay"), text_cell(p.name), None, p.amount)
        for p in r.credit:
            yield (_("Credit"), text_cell(p.name), None, p.amount)


def takings_by_type(report: CashReport) -> dict[str, Decimal]:
    """``{payment type: total}``: what the tests and the result page compare."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for t in report.takings:
        out[t.payment_type] += t.total
    return dict(out)
