"""A small bar chart as inline SVG, written in Python with escaped text: no JavaScript, no
external library or CDN, nothing the Content-Security-Policy would refuse.

Bars are the amounts of each distribution; the dots joined by a line are the baskets (right
axis). Each bar carries a ``<title>`` (shown on hover, read by screen readers)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kernel.money import format_money
from reports.selectors import DistributionPoint

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 48, 16, 48


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def distribution_chart(points: Sequence[DistributionPoint], currency: str) -> SafeString:
    if not points:
        return mark_safe("")
    lang = get_language() or "fr"
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_amount = _nice_max(float(max(p.total for p in points)))
    # Whole baskets on the right axis: four steps of a whole number.
    top_baskets = float(max(4, -(-max(p.baskets for p in points) // 4) * 4))
    slot = inner_w / len(points)
    bar = max(2.0, slot * 0.6)
    title = escape(_("Orders and amounts per distribution"))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{title}</title>",
    ]
    for i in range(5):
        y = TOP + inner_h * i / 4
        amount = Decimal(str(top_amount * (4 - i) / 4))
        baskets = top_baskets * (4 - i) / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{escape(format_money(amount, currency, lang))}</text>'
            f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}" font-size="11" '
            f'fill="#a0522d">{baskets:g}</text>'
        )
    dots = []
    label_every = max(1, -(-72 // int(slot)))  # a date label needs about 72 px
    for index, p in enumerate(points):
        x = LEFT + slot * index + (slot - bar) / 2
        h = inner_h * float(p.total) / top_amount
        day = escape(date_format(p.date, "SHORT_DATE_FORMAT"))
        tip = escape(
            _("%(date)s: %(amount)s, %(baskets)s baskets")
            % {"date": day, "amount": format_money(p.total, currency, lang), "baskets": p.baskets}
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + inner_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="#2e7d32"><title>{tip}</title></rect>'
        )
        cx = LEFT + slot * index + slot / 2
        cy = TOP + inner_h - inner_h * p.baskets / top_baskets
        dots.append((cx, cy))
        if index % label_every == 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="11" fill="#555">{day}</text>'
            )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in dots)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#a0522d" stroke-width="2"/>')
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#a0522d"/>' for x, y in dots)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
