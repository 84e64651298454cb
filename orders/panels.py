"""The shop's entry points on the home page and the group page (registered in OrdersConfig)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distributions import selectors as distribution_selectors
from kernel import home, money
from kernel.dates import format_date
from orders import selectors
from orders.models import Basket, OrderLine
from payments import selectors as payment_selectors


def home_panel(request: Any, groups: list[Any]) -> list[dict[str, Any]]:
    """Distributions open for orders in the user's groups, with their order or cart (1 query)."""
    mds = selectors.open_mds_for_groups(groups=groups, user=request.user, now=timezone.now())
    if not mds:
        return []
    return [{"template": "orders/_home_panel.html", "mds": mds}]


def group_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The group's distributions open for orders, with a button to the shop (1 query)."""
    user = request.user if request.member else None
    mds = selectors.open_mds_for_groups(groups=[group], user=user, now=timezone.now(), limit=4)
    if not mds:
        return []
    return [{"template": "orders/_group_panel.html", "mds": mds, "group": group}]


def manage_actions(request: Any, group: Any) -> list[home.ActionItem]:
    """The management home's items about orders (three queries): carts not confirmed while
    orders are open, and payments on the spot still to type for past distributions."""
    if "can_manage_catalogs" not in request.group_perms:
        return []
    now = timezone.now()
    items = []
    carts = list(
        Basket.objects.filter(
            group=group,
            state=Basket.State.CART,
            lines__isnull=False,
            multidistrib__orders_close_at__gt=now,
        )
        .values("multidistrib_id", "multidistrib__orders_close_at")
        .annotate(n=Count("pk", distinct=True))
        .order_by("multidistrib__orders_close_at", "multidistrib_id")
    )
    if carts:
        count = sum(row["n"] for row in carts)
        closes = carts[0]["multidistrib__orders_close_at"]
        items.append(
            home.ActionItem(
                key="unconfirmed_carts",
                label=ngettext(
                    "%(count)d cart not confirmed before orders close.",
                    "%(count)d carts not confirmed before orders close.",
                    count,
                )
                % {"count": count},
                count=count,
                url=reverse("orders:manage_carts", args=[group.slug, carts[0]["multidistrib_id"]]),
                urgency=home.URGENT if closes - now < timedelta(days=1) else home.SOON,
                hint=_("Orders close on %(date)s.")
                % {"date": format_date(timezone.localtime(closes, group.tzinfo), "long_time")},
            )
        )
    codes = dict(
        Basket.objects.filter(
            group=group,
            state=Basket.State.CONFIRMED,
            multidistrib__end_at__lt=now,
            multidistrib__validated_at__isnull=True,
        )
        .order_by("multidistrib__start_at")
        .values_list("code", "multidistrib_id")
    )
    if codes:
        untyped = list(
            payment_selectors.onspot_untyped_list(group=group, references=codes).values_list(
                "reference", flat=True
            )
        )
        if untyped:
            md_id = min((codes[ref] for ref in untyped), key=list(codes.values()).index)
            items.append(
                home.ActionItem(
                    key="onspot_to_type",
                    label=ngettext(
                        "%(count)d payment on the spot to type (cash, cheque…).",
                        "%(count)d payments on the spot to type (cash, cheque…).",
                        len(untyped),
                    )
                    % {"count": len(untyped)},
                    count=len(untyped),
                    url=reverse("day:validate", args=[group.slug, md_id]),
                    urgency=home.URGENT,
                )
            )
    return items


def next_distributions_panel(request: Any, group: Any) -> list[dict[str, Any]]:
    """The next three distributions with their baskets, amount and volunteers (3 queries)."""
    if "can_manage_catalogs" not in request.group_perms:
        return []
    mds = list(distribution_selectors.md_list(group=group, when="upcoming")[:3])
    figures: dict[int, dict[str, Any]] = {
        md.pk: {"baskets": set(), "amount": Decimal("0")} for md in mds
    }
    lines = OrderLine.objects.filter(
        basket__multidistrib__in=[md.pk for md in mds], basket__state=Basket.State.CONFIRMED
    ).values_list(
        "basket__multidistrib_id",
        "basket_id",
        "unit_price",
        "quantity",
        "actual_quantity",
        "fee_percent",
    )
    for md_id, basket_id, price, quantity, actual, fee in lines:
        row = figures[md_id]
        row["baskets"].add(basket_id)
        billed = actual if actual is not None else quantity
        row["amount"] += money.line_total(price, billed, group.currency, fee_percent=fee)
    for md in mds:
        md.baskets_count = len(figures[md.pk]["baskets"])
        md.orders_amount = figures[md.pk]["amount"]
    return [{"template": "orders/_manage_next_panel.html", "mds": mds, "group": group}]


def start_steps(request: Any, group: Any) -> list[home.StartStep]:
    """Guided start: a first order confirmed by a member (one query)."""
    return [
        home.StartStep(
            key="first_order",
            label=_("Receive a first order from a member."),
            done=Basket.objects.filter(group=group, state=Basket.State.CONFIRMED).exists(),
            url=reverse("orders:manage_list", args=[group.slug]),
            order=80,
        )
    ]
