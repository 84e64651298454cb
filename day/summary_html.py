"""The member blocks of the summaries and signature sheet, rendered in Python.

A distribution may hold a thousand baskets of eight lines: the template engine would spend more
than the page's budget (design §9: 400 ms) on the loop, so the table is built here with escaped
strings, labels translated once and amounts formatted once per distinct value. The printable
page and the PDFs share it.

Layout: one table whose header repeats on every printed page; each member is a ``<tbody>`` kept
on one page when it fits (its first row names the member, then the lines, the total and the
payments). On the signature sheet a signature cell spans the member's rows. The fee column only
shows when some line carries a fee. One member per page: each member gets its own table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from day.summaries import MemberBlock
from kernel.quantities import plain
from shop.shop_html import escape, money_html, money_text


@lru_cache(maxsize=4096)
def _quantity(value: Decimal, separator: str) -> str:
    return plain(value).replace(".", separator)


def _articles(value: Decimal, separator: str) -> str:
    """The basket's count of articles (``summaries.articles``) said as such: "6 articles", not
    a bare 6 in the quantity column that reads as kilograms and pieces added (issue 18)."""
    count = int(value) if value == value.to_integral_value() else 2
    text = ngettext("%(n)s article", "%(n)s articles", count) % {"n": _quantity(value, separator)}
    return escape(text)


@dataclass(frozen=True)
class Labels:
    """The table's words in the active language, translated once per page."""

    separator: str
    quantity: str
    product: str
    catalog: str
    unit_price: str
    fee: str
    total: str
    signature: str
    cancelled: str
    ordered: str
    delivery_fee: str
    slot: str
    delivery: str
    absent: str
    on_the_spot: str
    to_pay: str
    pay_back: str
    confirmed: str
    announced: str

    @classmethod
    def current(cls) -> Labels:
        return cls(
            separator=formats.get_format("DECIMAL_SEPARATOR"),
            quantity=escape(_("Qty")),
            product=escape(_("Product")),
            catalog=escape(_("Catalog")),
            unit_price=escape(_("Unit price")),
            fee=escape(_("Fee")),
            total=escape(_("Total")),
            signature=escape(_("Signature")),
            cancelled=escape(_("Cancelled")),
            ordered=_("ordered %(q)s"),
            delivery_fee=escape(_("Delivery fee")),
            slot=_("Time slot: %(slot)s"),
            delivery=_("Home delivery: %(address)s"),
            absent=escape(_("absent")),
            on_the_spot=escape(_("on the spot: cash, cheque or card?")),
            to_pay=_("To be paid %(amount)s"),
            pay_back=_("Pay back %(amount)s"),
            confirmed=escape(pgettext("payment", "received")),
            announced=escape(pgettext("payment", "to check")),
        )


def member_table(
    blocks: Iterable[MemberBlock],
    *,
    currency: str,
    language: str,
    signature: bool = False,
    one_per_page: bool = False,
    on_the_spot: list[str] | None = None,
    labels: Labels | None = None,
) -> SafeString:
    """The members' table (or one table per member), as safe HTML.

    ``on_the_spot``: the names of the group's on-the-spot payment types; a payment still waiting
    for its type gets a box to tick for each (spec §7), else the question.
    """
    blocks = list(blocks)
    labels = labels or Labels.current()
    show_fees = any(line.fee for block in blocks for line in block.lines)
    # Columns: quantity, product · catalog, unit price, [fee], total, [signature].
    width = 4 + show_fees
    head = _head(labels, show_fees=show_fees, signature=signature)
    boxes = (
        " ".join(f'<span class="box"></span>{escape(name)}' for name in on_the_spot)
        if on_the_spot
        else f"<strong>{labels.on_the_spot}</strong>"
    )
    out: list[str] = []
    if not one_per_page:
        out.append(f'<table class="members">{head}')
    for block in blocks:
        if one_per_page:
            out.append(f'<table class="members one-per-page">{head}')
        _block(out, block, labels, currency, language, width, show_fees, signature, boxes)
        if one_per_page:
            out.append("</table>")
    if not one_per_page:
        out.append("</table>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _head(labels: Labels, *, show_fees: bool, signature: bool) -> str:
    cells = [
        f'<th scope="col" class="num qty">{labels.quantity}</th>',
        f'<th scope="col" class="product">{labels.product} · {labels.catalog}</th>',
        f'<th scope="col" class="num price">{labels.unit_price}</th>',
    ]
    if show_fees:
        cells.append(f'<th scope="col" class="num fee">{labels.fee}</th>')
    cells.append(f'<th scope="col" class="num amount">{labels.total}</th>')
    if signature:
        cells.append(f'<th scope="col" class="signature-cell">{labels.signature}</th>')
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def _block(
    out: list[str],
    block: MemberBlock,
    labels: Labels,
    currency: str,
    language: str,
    width: int,
    show_fees: bool,
    signature: bool,
    boxes: str,
) -> None:
    sep = labels.separator
    rows = len(block.lines) + 2 + bool(block.delivery_fee) + bool(block.payments or block.due)
    name = escape(block.name)
    if block.number:
        name = f'<span class="number">#{block.number}</span> · {name}'
    if block.phone:
        name += f' <span class="muted">{escape(block.phone)}</span>'
    if block.absent:
        name += f' <span class="absent">{labels.absent}</span>'
    if block.slot:
        name += f'<br><span class="meta">{escape(labels.slot % {"slot": block.slot})}</span>'
    if block.delivery_address:
        text = labels.delivery % {"address": block.delivery_address}
        name += f'<br><span class="meta">{escape(text)}</span>'
    sign = f'<td class="signature-cell" rowspan="{rows}"></td>' if signature else ""
    out.append(
        f'<tbody class="member"><tr class="member-head">'
        f'<th scope="rowgroup" colspan="{width}">{name}</th>{sign}</tr>'
    )
    for line in block.lines:
        if line.cancelled:
            quantity = labels.cancelled
            out.append('<tr class="cancelled">')
        else:
            quantity = _quantity(line.quantity, sep)
            if line.measured:
                quantity += f" {escape(line.unit)}"
            if line.weighed:
                ordered = labels.ordered % {"q": _quantity(line.ordered, sep)}
                quantity += f'<br><span class="muted">{escape(ordered)}</span>'
            out.append("<tr>")
        # Plain text: every inline element costs the PDF's layout as much as a cell.
        out.append(
            f'<td class="num">{quantity}</td>'
            f"<td>{escape(line.product_name)} · {escape(line.catalog_name)}</td>"
            f'<td class="num">{money_html(line.unit_price, currency, language)}</td>'
        )
        if show_fees:
            fee = money_html(line.fee, currency, language) if line.fee else ""
            out.append(f'<td class="num">{fee}</td>')
        out.append(f'<td class="num">{money_html(line.total, currency, language)}</td></tr>')
    if block.delivery_fee:
        out.append(
            f'<tr><td></td><td colspan="{width - 2}">{labels.delivery_fee}</td>'
            f'<td class="num">{money_html(block.delivery_fee, currency, language)}</td></tr>'
        )
    out.append(
        f'<tr class="total"><td class="num">{_articles(block.items, sep)}</td>'
        f'<td colspan="{width - 2}">{labels.total}</td>'
        f'<td class="num">{money_html(block.total, currency, language)}</td></tr>'
    )
    if block.payments or block.due:
        parts = []
        for payment in block.payments:
            mark = (
                f'<span class="paid" title="{labels.confirmed}">✓</span>'
                if payment.confirmed
                else f'<span class="box" title="{labels.announced}"></span>'
            )
            text = (
                f"{mark} {escape(payment.label)} ({money_html(payment.amount, currency, language)})"
            )
            if payment.awaits_type:
                text += f" {boxes}"
            parts.append(text)
        due = ""
        if block.due > 0:
            due = labels.to_pay % {"amount": money_text(block.due, currency, language)}
        elif block.due < 0:
            due = labels.pay_back % {"amount": money_text(-block.due, currency, language)}
        if due:
            parts.append(f"<strong>{escape(due)}</strong>")
        out.append(f'<tr class="payments"><td colspan="{width}">{" · ".join(parts)}</td></tr>')
    out.append("</tbody>")
