"""Demo distributions for the group ``demo``: a weekly cycle at the main place, a monthly one at
the farm, catalogs attached, orders open for the next one, duties, time slots and delivery.
Running it again changes nothing (it only attaches catalogs created since)."""

from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from distributions import hooks, selectors, services
from distributions.cycles import CycleTimes
from distributions.models import (
    DistributionCycle,
    DutyNeed,
    MultiDistrib,
    VolunteerRole,
)
from groups.models import Group
from members.demo import demo_users

ROLES = ["Accueil", "Caisse", "Rangement"]


def _next_weekday(day, weekday: int, at_least: int):
    day = day + timedelta(days=at_least)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _attach_new_catalogs(group: Group, admin, now) -> int:
    attached = 0
    for md in MultiDistrib.objects.filter(group=group, start_at__gt=now).prefetch_related(
        "distributions__catalog"
    ):
        current = [d.catalog for d in md.distributions.all()]
        missing = [
            c
            for c in selectors.catalogs_for_day(group=group, day=md.date)
            if c.pk not in {x.pk for x in current} and hooks.open_orders_refusal(c) is None
        ]
        if missing:
            services.md_set_catalogs(md=md, catalogs=current + missing, acting_user=admin)
            attached += len(missing)
    return attached


def seed(stdout) -> None:
    group = Group.objects.filter(slug="demo").select_related("main_place").first()
    if group is None:
        return
    users = demo_users()
    admin = users[0]
    now = timezone.now()
    today = timezone.localdate(now, group.tzinfo)
    main = group.main_place
    farm = group.places.exclude(pk=main.pk).order_by("pk").first() or main

    for name in ROLES:
        if not VolunteerRole.objects.filter(group=group, name=name, catalog=None).exists():
            services.role_save(role=VolunteerRole(group=group, name=name), acting_user=admin)

    catalogs = selectors.catalogs_current(group=group)
    if not DistributionCycle.objects.filter(group=group).exists():
        _create(group, admin, main, farm, catalogs, today, now, users)
        stdout.write(f"Distributions: {MultiDistrib.objects.filter(group=group).count()} planned")
    added = _attach_new_catalogs(group, admin, now)
    if added:
        stdout.write(f"Distributions: {added} catalog participations added")


def _create(group, admin, main, farm, catalogs, today, now, users) -> None:
    # A past distribution, so the "past" list is not empty.
    last_week = today - timedelta(days=6)
    services.md_create(
        group=group,
        place=main,
        day=last_week,
        start_time=time(18, 30),
        end_time=time(20, 0),
        orders_open_at=now - timedelta(days=13),
        orders_close_at=now - timedelta(days=7),
        acting_user=admin,
    )
    # Weekly, Thursday evening on the market square, for two months.
    first_thursday = _next_weekday(today, 3, at_least=2)
    weekly = services.cycle_create(
        group=group,
        place=main,
        cycle_type=DistributionCycle.CycleType.WEEKLY,
        start_date=first_thursday,
        end_date=first_thursday + timedelta(weeks=8),
        times=CycleTimes(time(18, 30), time(20, 0), 7, time(8, 0), 1, time(23, 0)),
        catalogs=catalogs,
        acting_user=admin,
    )
    # Monthly, Saturday morning at the farm.
    first_saturday = _next_weekday(today, 5, at_least=3)
    monthly = services.cycle_create(
        group=group,
        place=farm,
        cycle_type=DistributionCycle.CycleType.MONTHLY,
        start_date=first_saturday,
        end_date=first_saturday + timedelta(days=95),
        times=CycleTimes(time(10, 0), time(12, 0), 14, time(8, 0), 2, time(20, 0)),
        catalogs=catalogs,
        acting_user=admin,
    )
    weekly_mds = list(weekly.multidistribs.order_by("start_at"))
    nxt = weekly_mds[0]

    # Orders open now for the next one.
    attached = [d.catalog for d in nxt.distributions.select_related("catalog")]
    if attached:
        services.md_open_orders(md=nxt, catalogs=attached, acting_user=admin, now=now)
    elif nxt.orders_open_at > now:
        local = timezone.localtime(nxt.start_at, group.tzinfo)
        services.md_update(
            md=nxt,
            place=nxt.place,
            day=nxt.date,
            start_time=local.time(),
            end_time=timezone.localtime(nxt.end_at, group.tzinfo).time(),
            orders_open_at=now - timedelta(hours=1),
            orders_close_at=nxt.orders_close_at,
            acting_user=admin,
        )

    # Duties: the first distributions are partly staffed; the demo member holds one.
    volunteers = users[3:]
    for i, md in enumerate(weekly_mds[:3]):
        needs = list(DutyNeed.objects.filter(multidistrib=md).order_by("role__name"))
        for j, need in enumerate(needs[: 2 - (i % 2)]):
            services.duty_signup(
                need=need, user=volunteers[(i * 3 + j) % len(volunteers)], acting_user=admin
            )
    second_needs = list(DutyNeed.objects.filter(multidistrib=weekly_mds[1]).order_by("-role__name"))
    if second_needs:
        services.duty_signup(need=second_needs[0], user=users[2], acting_user=admin)

    # Time slots on the next distribution, a few members have chosen.
    services.slots_configure(
        md=nxt,
        minutes=15,
        start_time=time(18, 30),
        end_time=time(20, 0),
        capacity=6,
        acting_user=admin,
        now=now,
    )
    slot_ids = list(nxt.slots.order_by("start_at").values_list("pk", flat=True))
    for k, user in enumerate(users[5:17]):
        choice = slot_ids[k % len(slot_ids) :][: 1 + k % 3] or slot_ids[:1]
        services.slot_request_save(md=nxt, user=user, slot_ids=choice, acting_user=user, now=now)

    # Home delivery at the first farm distribution.
    farm_md = monthly.multidistribs.order_by("start_at").first()
    if farm_md is not None:
        services.delivery_configure(
            md=farm_md,
            enabled=True,
            fee=Decimal("3.50"),
            start_time=time(14, 0),
            end_time=time(17, 0),
            note="Livraison dans un rayon de 10 km autour de la ferme.",
            acting_user=admin,
        )
