"""The automatic mails members asked for in their preferences (spec §7), run by hourly jobs.

Each job looks at one clock hour (``_hour``): a job that runs late in the hour, or twice, sees the
same window. Every mail carries a once-only key of the outbox (kind, person, local day): a second
run sends nothing, and a member with several distributions (or groups) on one day gets **one**
mail of each kind that day, listing them all (the digest, issue 16 item 5):

* ``distribution_reminders_send(hours=24|4)``: a distribution starts between ``hours`` and
  ``hours + 1`` hours from the start of this clock hour; each person with a confirmed order there and
  the flag on (``notify_distribution_reminder`` / ``_4h``) gets their lines and slot for every
  distribution of that local day still to come.
* ``orders_open_send``: a catalog's orders opened during the last clock hour (CSA constant
  catalogs excluded); every member of the group with ``notify_orders_open`` gets, per group, the
  distribution and its producers — with the other openings of that day in their groups.
* ``orders_closing_send``: orders close ``settings.ORDERS_CLOSING_NOTICE_HOURS`` from now
  (clock hour);
  to members with a cart but no confirmed order, and to those who usually order (an order at
  ``USUAL_ORDERS`` of the group's last ``USUAL_WINDOW`` distributions) and have none yet, if
  ``notify_orders_closing``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from catalogs.models import Catalog
from distributions.models import Distribution, MultiDistrib, SlotRequest
from groups.models import live_group_q
from kernel.mail import send_email_to_user
from members.models import Member, User, active_member_q
from orders.models import Basket, OrderLine
from orders.services.mails import _basket_email_context

USUAL_WINDOW = 3
USUAL_ORDERS = 2
FLAGS = {24: "notify_distribution_reminder", 4: "notify_distribution_reminder_4h"}


def _hour(now: datetime | None) -> datetime:
    now = now or timezone.now()
    return now.replace(minute=0, second=0, microsecond=0)


def _local_day(moment: datetime, group: Any) -> date:
    return timezone.localtime(moment, group.tzinfo).date()


def _one_group(groups: set[Any]) -> Any:
    """The group of a digest when there is one (Reply-To, header); None across groups."""
    return next(iter(groups)) if len(groups) == 1 else None


def _confirmed(users_q: Q) -> Any:
    return (
        Basket.objects.filter(
            live_group_q("group"),
            active_member_q("member"),
            users_q,
            active_member_q("member"),
            state=Basket.State.CONFIRMED,
            multidistrib__validated_at__isnull=True,
            lines__quantity__gt=0,
        )
        .distinct()
        .select_related("group", "group__contact", "multidistrib__place", "member__user")
    )


def distribution_reminders_send(*, hours: int, now: datetime | None = None) -> int:
    """The reminder ``hours`` before a distribution (24 or 4); returns the mails written."""
    flag = FLAGS[hours]
    start = _hour(now)
    window = (start + timedelta(hours=hours), start + timedelta(hours=hours + 1))
    due = _confirmed(
        Q(multidistrib__start_at__gte=window[0], multidistrib__start_at__lt=window[1])
        & Q(**{f"member__user__{flag}": True, "member__user__is_active": True})
    )
    days: dict[int, set[date]] = defaultdict(set)
    for basket in due:
        days[basket.member.user_id].add(_local_day(basket.multidistrib.start_at, basket.group))
    sent = 0
    for user_id, local_days in days.items():
        for day in sorted(local_days):
            baskets = [
                b
                for b in _confirmed(
                    Q(member__user_id=user_id, multidistrib__start_at__gte=window[0])
                    & Q(multidistrib__start_at__lt=window[0] + timedelta(days=2))
                ).order_by("multidistrib__start_at")
                if _local_day(b.multidistrib.start_at, b.group) == day
            ]
            if _remind(baskets, hours, day):
                sent += 1
    return sent


def _remind(baskets: list[Basket], hours: int, day: date) -> bool:
    if not baskets:
        return False
    user = baskets[0].member.user
    slots = {
        s.multidistrib_id: s.assigned_slot
        for s in SlotRequest.objects.filter(
            user=user, multidistrib__in=[b.multidistrib_id for b in baskets]
        ).select_related("assigned_slot")
    }
    items = []
    for basket in baskets:
        context = _basket_email_context(basket)
        context["slot"] = slots.get(basket.multidistrib_id)
        items.append(context)
    send_email_to_user(
        name="distribution_reminder",
        user=user,
        group=_one_group({b.group for b in baskets}),
        context={"items": items, "hours": hours, "day": day},
        key=f"reminder{hours}h:{user.pk}:{day.isoformat()}",
        tag=f"reminder{hours}h",
    )
    return True


def orders_open_send(*, now: datetime | None = None) -> int:
    """Tell members whose group's orders opened in the last clock hour; returns mails written."""
    start = _hour(now)
    opened = Distribution.objects.filter(
        live_group_q("multidistrib__group"),
        orders_open_at__gte=start - timedelta(hours=1),
        orders_open_at__lt=start,
        orders_close_at__gt=start,
        multidistrib__validated_at__isnull=True,
    ).exclude(catalog__catalog_type=Catalog.Type.CONSTANT)
    group_ids = set(opened.values_list("multidistrib__group_id", flat=True))
    if not group_ids:
        return 0
    users = User.objects.filter(
        active_member_q("memberships"),
        memberships__group_id__in=group_ids,
        notify_orders_open=True,
        is_active=True,
    ).distinct()
    sent = 0
    for user in users:
        if _announce_openings(user, start):
            sent += 1
    return sent


def _announce_openings(user: User, start: datetime) -> bool:
    """One mail for the openings of this local day in the user's groups (from the last hour on)."""
    group_ids = Member.objects.filter(active_member_q(), user=user).values("group_id")
    rows = (
        Distribution.objects.filter(
            live_group_q("multidistrib__group"),
            multidistrib__group_id__in=group_ids,
            orders_open_at__gte=start - timedelta(hours=1),
            orders_open_at__lt=start + timedelta(hours=24),
            multidistrib__validated_at__isnull=True,
        )
        .exclude(catalog__catalog_type=Catalog.Type.CONSTANT)
        .select_related("catalog__vendor", "multidistrib__group", "multidistrib__place")
        .order_by("orders_open_at", "multidistrib__start_at", "catalog__vendor__name")
    )
    first = next(iter(rows), None)
    if first is None:
        return False
    day = _local_day(first.orders_open_at, first.multidistrib.group)
    per_md: dict[int, dict[str, Any]] = {}
    for row in rows:
        md = row.multidistrib
        if _local_day(row.orders_open_at, md.group) != day:
            continue
        entry = per_md.setdefault(
            md.pk,
            {
                "md": md,
                "group": md.group,
                "opens_at": row.orders_open_at,
                "vendors": [],
                "url": settings.SITE_URL
                + reverse("shop:shop", kwargs={"group_slug": md.group.slug, "md_id": md.pk}),
            },
        )
        if row.catalog.vendor.name not in entry["vendors"]:
            entry["vendors"].append(row.catalog.vendor.name)
    send_email_to_user(
        name="orders_open",
        user=user,
        group=_one_group({e["group"] for e in per_md.values()}),
        context={"items": list(per_md.values()), "now": start},
        key=f"orders_open:{user.pk}:{day.isoformat()}",
        tag="orders_open",
    )
    return True


def _usual_customers(md: MultiDistrib) -> set[int]:
    """Users with an order at ``USUAL_ORDERS`` of the group's last ``USUAL_WINDOW`` distributions."""
    previous = list(
        MultiDistrib.objects.filter(group_id=md.group_id, start_at__lt=md.start_at)
        .order_by("-start_at")
        .values_list("pk", flat=True)[:USUAL_WINDOW]
    )
    if not previous:
        return set()
    rows = (
        Basket.objects.filter(multidistrib__in=previous, state=Basket.State.CONFIRMED)
        .values("member__user_id")
        .annotate(n=Count("multidistrib", distinct=True))
        .filter(n__gte=min(USUAL_ORDERS, len(previous)))
    )
    return {row["member__user_id"] for row in rows}


def orders_closing_send(*, now: datetime | None = None) -> int:
    """Warn, ``ORDERS_CLOSING_NOTICE_HOURS`` before orders close, those who may forget: one mail
    per person and local day, sent when the first of their distributions comes into the window
    and listing also those closing later that day."""
    start = _hour(now)
    notice = start + timedelta(hours=settings.ORDERS_CLOSING_NOTICE_HOURS)
    mds = MultiDistrib.objects.filter(
        live_group_q("group"),
        validated_at__isnull=True,
        cancelled_at__isnull=True,
        orders_close_at__gte=notice,
        orders_close_at__lt=notice + timedelta(hours=24),
        orders_open_at__lte=start,
    ).select_related("group", "group__contact", "place")
    per_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    users: dict[int, User] = {}
    for md in mds.order_by("orders_close_at", "pk"):
        for user, has_cart in _may_forget(md):
            users[user.pk] = user
            per_user[user.pk].append(
                {
                    "md": md,
                    "group": md.group,
                    "has_cart": has_cart,
                    "url": settings.SITE_URL
                    + reverse("shop:shop", kwargs={"group_slug": md.group.slug, "md_id": md.pk}),
                }
            )
    sent = 0
    for user_id, items in per_user.items():
        first = items[0]["md"]
        if first.orders_close_at >= notice + timedelta(hours=1):
            continue  # their first closing is not in this hour: a later run tells them
        day = _local_day(first.orders_close_at, first.group)
        items = [i for i in items if _local_day(i["md"].orders_close_at, i["group"]) == day]
        send_email_to_user(
            name="orders_closing",
            user=users[user_id],
            group=_one_group({i["group"] for i in items}),
            context={"items": items},
            key=f"orders_closing:{user_id}:{day.isoformat()}",
            tag="orders_closing",
        )
        sent += 1
    return sent


def _may_forget(md: MultiDistrib) -> list[tuple[User, bool]]:
    """Members with a cart but no order at ``md``, or who usually order and have none yet, who
    want the reminder; with whether they have a cart."""
    ordered = set(
        Basket.objects.filter(multidistrib=md, state=Basket.State.CONFIRMED).values_list(
            "member__user_id", flat=True
        )
    )
    carts = set(
        OrderLine.objects.filter(
            basket__multidistrib=md, basket__state=Basket.State.CART, quantity__gt=0
        ).values_list("basket__member__user_id", flat=True)
    )
    wanted = (carts | _usual_customers(md)) - ordered
    users = User.objects.filter(
        active_member_q("memberships"),
        memberships__group=md.group,
        pk__in=wanted,
        notify_orders_closing=True,
        is_active=True,
    )
    return [(user, user.pk in carts) for user in users]
