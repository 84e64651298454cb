"""The shop's product cards, rendered in Python.

A distribution may offer a thousand products: the template engine would spend most of the page's
budget (design §9: 80 ms) on the loop, so the cards are built here with escaped strings and
labels translated once per page. The markup matches the product page's form: one form around
the whole list, one quantity field ``q-<id>`` per product (and ``t-<id>`` for a tolerance), and
each "Add" button posting its product id.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from html import escape as _escape
from html import unescape
from typing import Any

from django.urls import reverse
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalogs.models import REFERENCE_UNITS, Product
from kernel import money
from kernel.quantities import plain
from orders import wholesale

# Prices, steps and units repeat across products and requests: each is formatted once per
# process (pure functions of their arguments).
money_text = lru_cache(maxsize=8192)(money.format_money)


@lru_cache(maxsize=8192)
def money_html(price: Decimal, currency: str, language: str) -> str:
    """An amount formatted in the language, HTML-escaped; cached (amounts repeat)."""
    return escape(money_text(price, currency, language))


@lru_cache(maxsize=8192)
def _per_html(
    price: Decimal, unit_type: str, unit_quantity: Decimal | None, currency: str, language: str
) -> str:
    factor = REFERENCE_UNITS.get(unit_type)
    if factor is None or not unit_quantity:
        return ""
    amount = money.quantize(price / (unit_quantity * factor[0]), currency)
    return escape(f"{money_text(amount, currency, language)} / {factor[1]}")


@lru_cache(maxsize=256)
def _plain(value: Decimal) -> str:
    return plain(value)


def escape(text: str) -> str:
    """HTML-escape text; the standard library's, much faster than Django's lazy-aware one."""
    return _escape(str(text), quote=True)


@dataclass(frozen=True)
class Labels:
    decimal_separator: str
    organic: str
    weighed: str
    bulk: str
    out: str
    add: str
    update: str
    quantity_of: str
    tolerance_before: str
    tolerance_after: str
    filling: str
    left: str

    @classmethod
    def current(cls) -> Labels:
        return cls(
            decimal_separator=formats.get_format("DECIMAL_SEPARATOR"),
            organic=_("organic"),
            weighed=_("weighed at the distribution"),
            bulk=_("bulk"),
            out=_("out of stock"),
            add=_("Add"),
            update=_("Update"),
            quantity_of=_("Quantity of %(name)s"),
            tolerance_before=_("and up to"),
            tolerance_after=_("more to complete a unit"),
            filling=_("Filling of the next unit"),
            left=_("%(n)s left"),
        )

    def qty(self, value: Decimal) -> str:
        """``catalogs_tags.qty`` without its per-call locale lookups."""
        return plain(value).replace(".", self.decimal_separator)


def _fill(product: Product, labels: Labels) -> str:
    fill = product.fill
    if fill is None:
        return ""
    unit = escape(product.unit_label)
    size = labels.qty(product.size)
    text = ngettext(
        "%(n)s unit of %(size)s %(unit)s filled",
        "%(n)s units of %(size)s %(unit)s filled",
        fill.full_units,
    ) % {"n": fill.full_units, "size": size, "unit": unit}
    if fill.missing:
        missing = _("%(missing)s %(unit)s missing to fill the next one") % {
            "missing": labels.qty(fill.missing),
            "unit": unit,
        }
        text = f"{text} · <strong>{missing}</strong>"
    return (
        f'<p class="fill">{text}<progress max="100" value="{fill.progress}" '
        f'aria-label="{escape(labels.filling)}">{fill.progress} %</progress></p>'
    )


def product_card(product: Product, labels: Labels) -> str:
    pk = product.pk
    unit_label = product.unit_label
    name = escape(product.shown_name)
    row = product.cart_row
    parts = [f'<article class="product{" in-cart" if row else ""}" id="p{pk}">']
    if product.image_url:
        parts.append(
            f'<img src="{escape(product.image_url)}" alt="" loading="lazy" width="72" height="72">'
        )
    else:
        parts.append(
            f'<span class="thumb" aria-hidden="true">{escape(product.name[:1].upper())}</span>'
        )
    parts.append(f'<div class="product-info"><h4><a href="{product.url}">{name}</a></h4>')
    per = f'<span class="per">{product.per_html}</span>' if product.per_html else ""
    parts.append(f'<p class="price">{product.price_html}{per}</p>')
    tags = []
    if product.organic:
        tags.append(f'<span class="badge">{labels.organic}</span>')
    if product.variable_weight:
        tags.append(f'<span class="badge off">{labels.weighed}</span>')
    if product.bulk:
        tags.append(f'<span class="badge off">{labels.bulk}</span>')
    if product.is_limited:
        if product.sold_out:
            tags.append(f'<span class="stock-out small">{labels.out}</span>')
        else:
            left = labels.left % {"n": labels.qty(product.stock)}
            tags.append(f'<span class="stock-low small">{left}</span>')
    if tags:
        parts.append(f'<p class="tags">{"".join(tags)}</p>')
    parts.append(_fill(product, labels))
    if not product.sold_out:
        step = _plain(product.step)
        value = plain(row.input_value) if row else ""
        placeholder = _plain(default_quantity(product))
        unit = (
            f' <span class="unit">{escape(product.get_unit_type_display())}</span>'
            if product.wholesale
            else ""
        )
        label = escape(labels.quantity_of % {"name": product.shown_name})
        parts.append(
            f'<div class="add-form"><label class="sr-only" for="q{pk}">{label}</label>'
            f'<input id="q{pk}" type="number" name="q-{pk}" min="0" step="{step}" '
            f'inputmode="decimal" placeholder="{placeholder}" value="{value}">{unit}'
            f'<button type="submit" name="add" value="{pk}">{labels.update if row else labels.add}</button>'
        )
        if product.wholesale:
            tolerance = plain(row.input_tolerance) if row else ""
            parts.append(
                f'<span class="tol"><label for="t{pk}">{escape(labels.tolerance_before)}</label>'
                f'<input id="t{pk}" type="number" name="t-{pk}" min="0" step="{step}" '
                f'inputmode="decimal" value="{tolerance}"> '
                f"{escape(unit_label)} {escape(labels.tolerance_after)}</span>"
            )
        parts.append("</div>")
    parts.append("</div></article>")
    return "".join(parts)


def prepare(products: list[Product], group: Any, md: Any) -> None:
    """Display values computed once per product (and prices once per amount): names, links,
    prices, price per kg, stock state, the quantity step."""
    language = translation.get_language() or "fr"
    currency = group.currency
    prefix = reverse(
        "shop:product", kwargs={"group_slug": group.slug, "md_id": md.pk, "product_id": 0}
    )[: -len("0/")]
    units = {code: str(label) for code, label in Product.Unit.choices}
    for product in products:
        product.unit_label = units.get(product.unit_type, product.unit_type)
        if product.unit_quantity and product.unit_type != Product.Unit.PIECE:
            amount = format(product.unit_quantity.normalize(), "f")
            product.shown_name = f"{product.name} {amount} {product.unit_label}"
        else:
            product.shown_name = product.name
        product.url = f"{prefix}{product.pk}/"
        product.price_text = money_text(product.price, currency, language)
        product.price_html = money_html(product.price, currency, language)
        product.per_html = _per_html(
            product.price, product.unit_type, product.unit_quantity, currency, language
        )
        product.per_text = unescape(product.per_html)
        product.is_limited = product.catalog.stock_tracked and product.stock is not None
        product.sold_out = product.is_limited and product.stock <= 0
        if product.wholesale:
            product.step = wholesale.base_step(product)
            product.size = wholesale.unit_size(product)
        elif product.allows_decimal_quantity and not product.multi_weight:
            product.step = (
                product.small_quantity
                if product.bulk and product.small_quantity
                else Decimal("0.001")
            )
        else:
            product.step = Decimal(1)


def options(choices: list[tuple[Any, Any]], selected: Any) -> SafeString:
    """``<option>`` tags of a filter, built here: the form widgets' templates (one per option)
    cost more than the whole list of a small shop."""
    chosen = "" if selected in (None, "") else str(selected)
    return mark_safe(  # noqa: S308 - values and labels are escaped
        "".join(
            f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


def product_cards(products: list[Product], labels: Labels) -> SafeString:
    """The cards of one producer's products in a section; every text is escaped above."""
    return mark_safe("".join(product_card(p, labels) for p in products))  # noqa: S308


def default_quantity(product: Product) -> Decimal:
    """What an "Add" button adds when its quantity field is left empty, as typed (base units
    for a wholesale product): one unit, or the smallest step of a bulk product."""
    if product.wholesale:
        return Decimal(1) if wholesale.base_round_trips(product, Decimal(1)) else product.step
    return product.step if product.step < 1 and product.bulk else Decimal(1)
