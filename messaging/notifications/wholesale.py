"""Wholesale "order to adjust" (spec §7, §11): when a catalog's orders close with a wholesale
product whose units are not complete, its coordinators (else the group contact) are told which
products, how many whole units and how much is missing, once per catalog and distribution."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from distributions.models import Distribution
from groups.models import live_group_q
from kernel.mail import send_email_to_user
from members.models import active_member_q
from orders import wholesale
from orders.models import Basket, OrderLine


def _incomplete(distribution: Distribution) -> list[dict[str, Any]]:
    lines = OrderLine.objects.filter(
        distribution=distribution,
        basket__state=Basket.State.CONFIRMED,
        product__wholesale=True,
        quantity__gt=0,
    ).select_related("product")
    totals: dict[int, list[Any]] = defaultdict(lambda: [None, Decimal(0), Decimal(0)])
    for line in lines:
        entry = totals[line.product_id]
        entry[0] = line.product
        entry[1] += wholesale.to_base(line.product, line.quantity)
        entry[2] += wholesale.to_base(line.product, line.tolerance)
    rows = []
    for product, firm, tolerance in totals.values():
        fill = wholesale.fill(wholesale.unit_size(product), firm, tolerance)
        if fill.missing > 0:
            # Figures formatted by the template, in the recipient's language (``qty`` filter).
            rows.append(
                {
                    "name": product.name,
                    "unit": product.get_unit_type_display,
                    "units": fill.units,
                    "ordered": firm,
                    "missing": fill.missing,
                    "size": fill.size,
                }
            )
    return sorted(rows, key=lambda r: r["name"])


def wholesale_adjust_send(*, now: datetime | None = None) -> int:
    """Hourly: catalogs whose orders closed during the last clock hour."""
    start = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    closed = Distribution.objects.filter(
        live_group_q("multidistrib__group"),
        orders_close_at__gte=start - timedelta(hours=1),
        orders_close_at__lt=start,
        multidistrib__validated_at__isnull=True,
        order_lines__product__wholesale=True,
    ).distinct()
    sent = 0
    for distribution in closed.select_related(
        "catalog", "multidistrib__group__contact", "multidistrib__place"
    ):
        rows = _incomplete(distribution)
        if not rows:
            continue
        group = distribution.multidistrib.group
        people = [
            m.user
            for m in distribution.catalog.coordinators.filter(active_member_q()).select_related(
                "user"
            )
        ] or ([group.contact] if group.contact_id else [])
        url = settings.SITE_URL + reverse("orders:manage_list", kwargs={"group_slug": group.slug})
        for user in people:
            send_email_to_user(
                name="wholesale_adjust",
                user=user,
                group=group,
                context={
                    "catalog": distribution.catalog,
                    "md": distribution.multidistrib,
                    "rows": rows,
                    "url": url,
                },
                key=f"wholesale_adjust:{distribution.pk}:{distribution.multidistrib_id}:{user.pk}",
                tag="wholesale_adjust",
            )
            sent += 1
    return sent
