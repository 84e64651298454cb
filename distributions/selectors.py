"""Reads for distributions. Every list runs a fixed number of queries, whatever its length."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import formats, timezone

from catalogs.models import Catalog
from distributions import hooks
from distributions.models import (
    DeliveryRequest,
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    SlotRequest,
    State,
    TimeSlot,
    VolunteerRole,
)
from groups.models import Group, live_group_q
from members.models import Member, User, active_member_q


def _with_counts(qs: QuerySet[MultiDistrib]) -> QuerySet[MultiDistrib]:
    people = (
        DutyNeed.objects.filter(multidistrib=OuterRef("pk"))
        .order_by()
        .values("multidistrib")
        .annotate(n=Sum("people"))
        .values("n")[:1]
    )
    volunteers = (
        Duty.objects.filter(need__multidistrib=OuterRef("pk"))
        .order_by()
        .values("need__multidistrib")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    deliveries = (
        DeliveryRequest.objects.filter(multidistrib=OuterRef("pk"))
        .order_by()
        .values("multidistrib")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    slot_requests = (
        SlotRequest.objects.filter(multidistrib=OuterRef("pk"), slots__isnull=False)
        .order_by()
        .values("multidistrib")
        .annotate(n=Count("pk", distinct=True))
        .values("n")[:1]
    )
    return qs.annotate(
        people_needed=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)),
        volunteers_count=Coalesce(Subquery(volunteers, output_field=IntegerField()), Value(0)),
        deliveries_count=Coalesce(Subquery(deliveries, output_field=IntegerField()), Value(0)),
        slot_requests_count=Coalesce(
            Subquery(slot_requests, output_field=IntegerField()), Value(0)
        ),
    )


def _distributions_prefetch() -> Prefetch:
    return Prefetch(
        "distributions",
        queryset=Distribution.objects.select_related("catalog", "catalog__vendor").order_by(
            "catalog__name", "pk"
        ),
    )


def md_list(
    *, group: Group, when: str = "upcoming", now: datetime | None = None
) -> QuerySet[MultiDistrib]:
    """The admin list: upcoming (soonest first) or past (latest first), with their catalogs and
    counts of volunteers, deliveries and slot requests."""
    now = now or timezone.now()
    qs = MultiDistrib.objects.filter(group=group).select_related("place", "cycle", "group")
    if when == "past":
        qs = qs.filter(end_at__lt=now).order_by("-start_at", "-pk")
    else:
        qs = qs.filter(end_at__gte=now).order_by("start_at", "pk")
    return _with_counts(qs).prefetch_related(_distributions_prefetch())


def md_get(*, group: Group, md_id: Any, counts: bool = False) -> MultiDistrib:
    """The one way to fetch a general distribution of a group from a URL, or 404.

    Its place, cycle and catalogs with their producers come along (2 queries); ``counts`` adds
    the volunteer, delivery and slot figures of the admin pages. ``md.group`` is the ``group``
    given (the request's), and each catalog participation points back to ``md``: neither is
    read again."""
    qs: QuerySet[MultiDistrib] = MultiDistrib.objects.filter(group=group, pk=md_id).select_related(
        "place", "cycle"
    )
    if counts:
        qs = _with_counts(qs)
    md = qs.prefetch_related(_distributions_prefetch()).first()
    if md is None:
        raise Http404
    md.group = group
    for distribution in md.distributions.all():
        distribution.multidistrib = md
    return md


def distributions_to_validate(
    *, group: Group, now: datetime | None = None, limit: int = 20
) -> list[MultiDistrib]:
    """Distributions that have started, are not validated and hold orders: "to validate"
    (decision 5, issue 13), latest first, for the management home and the lists.

    Three queries whatever their number: the distributions, their catalogs, and the orders
    counted through ``hooks.order_counts`` (the orders app's counter).
    """
    now = now or timezone.now()
    candidates = list(
        MultiDistrib.objects.filter(
            group=group, start_at__lte=now, validated_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("place")
        .prefetch_related(_distributions_prefetch())
        .order_by("-start_at", "-pk")[: limit * 3]
    )
    ids = [d.pk for md in candidates for d in md.distributions.all()]
    counts = hooks.order_counts(ids) if ids else {}
    result = []
    for md in candidates:
        md.group = group
        if any(counts.get(d.pk) for d in md.distributions.all()):
            result.append(md)
    return result[:limit]


def cycle_list(*, group: Group, now: datetime | None = None) -> QuerySet[DistributionCycle]:
    """Cycles with distributions still to come."""
    now = now or timezone.now()
    return (
        DistributionCycle.objects.filter(group=group, end_date__gte=timezone.localdate(now))
        .select_related("place")
        .annotate(upcoming=Count("multidistribs"))
        .order_by("start_date", "pk")
    )


def catalogs_for_day(*, group: Group, day) -> list[Catalog]:
    """The group's catalogs whose dates include ``day``: those that may take part."""
    return list(
        Catalog.objects.filter(group=group, start_date__lte=day, end_date__gte=day)
        .select_related("vendor")
        .order_by("name")
    )


@dataclass
class OpenChoice:
    """A catalog on the open-orders page: one to tick, one already open (with its closing date),
    or one whose orders cannot open, with the reason (decision 13)."""

    catalog: Catalog
    distribution: Distribution | None = None  # when it already takes part
    is_open: bool = False
    refusal: str | None = None

    @property
    def can_open(self) -> bool:
        return not self.is_open and self.refusal is None


def open_orders_choices(
    *, group: Group, md: MultiDistrib, now: datetime | None = None
) -> list[OpenChoice]:
    """The catalogs that may take part in ``md`` (those taking part and those covering its
    day), each with what the open-orders page may do with it.

    ``md`` comes with its distributions (``md_get``)."""
    now = now or timezone.now()
    attached = {d.catalog_id: d for d in md.distributions.all()}
    catalogs = {c.pk: c for c in catalogs_for_day(group=group, day=md.date)}
    for distribution in attached.values():
        catalogs.setdefault(distribution.catalog_id, distribution.catalog)
    choices = []
    for catalog in sorted(catalogs.values(), key=lambda c: (c.name.lower(), c.pk)):
        distribution = attached.get(catalog.pk)
        if distribution is not None:
            distribution.multidistrib = md
        is_open = distribution is not None and distribution.state(now) == State.OPEN
        choices.append(
            OpenChoice(
                catalog=catalog,
                distribution=distribution,
                is_open=is_open,
                refusal=None if is_open else hooks.open_orders_refusal(catalog),
            )
        )
    return choices


def catalogs_current(*, group: Group, now: datetime | None = None) -> list[Catalog]:
    """The group's catalogs not yet ended: the choices when planning ahead."""
    today = timezone.localdate(now or timezone.now(), group.tzinfo)
    return list(
        Catalog.objects.filter(group=group, end_date__gte=today)
        .select_related("vendor")
        .order_by("name")
    )


def md_upcoming_for_group(
    *, group: Group, limit: int = 4, now: datetime | None = None
) -> list[MultiDistrib]:
    """The next distributions, for the group page."""
    now = now or timezone.now()
    return list(
        MultiDistrib.objects.filter(group=group, end_at__gte=now)
        .select_related("place", "group")
        .prefetch_related(_distributions_prefetch())
        .order_by("start_at", "pk")[:limit]
    )


def md_upcoming_for_groups(
    *, groups: list[Group], days: int = 30, limit: int = 6, now: datetime | None = None
) -> list[MultiDistrib]:
    """The next distributions across the user's groups, for their home page."""
    now = now or timezone.now()
    return list(
        MultiDistrib.objects.filter(
            group__in=groups, end_at__gte=now, start_at__lte=now + timedelta(days=days)
        )
        .select_related("place", "group")
        .prefetch_related(_distributions_prefetch())
        .order_by("start_at", "pk")[:limit]
    )


def role_list(*, group: Group) -> QuerySet[VolunteerRole]:
    return (
        VolunteerRole.objects.filter(group=group)
        .select_related("catalog", "catalog__vendor")
        .order_by("catalog__name", "name", "pk")
    )


def _needs_prefetch() -> Prefetch:
    return Prefetch(
        "duty_needs",
        queryset=DutyNeed.objects.select_related("role", "role__catalog", "role__catalog__vendor")
        .prefetch_related(
            Prefetch("duties", queryset=Duty.objects.select_related("user").order_by("pk"))
        )
        .order_by("role__catalog__name", "role__name", "pk"),
    )


def duty_calendar(
    *, group: Group, weeks: int = 12, now: datetime | None = None
) -> list[MultiDistrib]:
    """Upcoming distributions with their roles and volunteers (the duty calendar)."""
    now = now or timezone.now()
    return list(
        MultiDistrib.objects.filter(
            group=group, end_at__gte=now, start_at__lte=now + timedelta(weeks=weeks)
        )
        .select_related("place", "group")
        .prefetch_related(_needs_prefetch())
        .order_by("start_at", "pk")
    )


def md_with_needs(*, group: Group, md_id: int) -> MultiDistrib:
    md = (
        MultiDistrib.objects.filter(group=group, pk=md_id)
        .select_related("place", "group")
        .prefetch_related(_needs_prefetch(), _distributions_prefetch())
        .first()
    )
    if md is None:
        raise Http404
    return md


def active_members(*, group: Group) -> QuerySet[User]:
    return User.objects.filter(
        memberships__in=Member.objects.active().filter(group=group)
    ).order_by("last_name", "first_name", "email")


def slot_board(*, md: MultiDistrib) -> dict[str, Any]:
    """Slots with the members given each, the members' choices, and who has no slot."""
    time_slots = list(TimeSlot.objects.filter(multidistrib=md).order_by("start_at", "pk"))
    requests = list(
        SlotRequest.objects.filter(multidistrib=md)
        .select_related("user", "assigned_slot")
        .prefetch_related("slots")
        .order_by("created_at", "pk")
    )
    by_slot: dict[int, list[SlotRequest]] = {s.pk: [] for s in time_slots}
    unplaced = []
    for request in requests:
        if request.assigned_slot_id in by_slot:
            by_slot[request.assigned_slot_id].append(request)
        elif md.slots_resolved_at is not None:
            unplaced.append(request)
    rows = [
        {
            "slot": slot,
            "assigned": by_slot[slot.pk],
            "wanted": sum(1 for r in requests if slot in r.slots.all()),
            "over": slot.capacity is not None and len(by_slot[slot.pk]) > slot.capacity,
        }
        for slot in time_slots
    ]
    return {"rows": rows, "requests": requests, "unplaced": unplaced, "slots": time_slots}


def slot_request_for(*, md: MultiDistrib, user: Any) -> SlotRequest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        SlotRequest.objects.filter(multidistrib=md, user=user)
        .select_related("assigned_slot")
        .prefetch_related("slots")
        .first()
    )


def delivery_request_for(*, md: MultiDistrib, user: Any) -> DeliveryRequest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return DeliveryRequest.objects.filter(multidistrib=md, user=user).first()


def delivery_list(*, md: MultiDistrib) -> QuerySet[DeliveryRequest]:
    return DeliveryRequest.objects.filter(multidistrib=md, group=md.group).select_related("user")


def member_feed(*, user: Any, now: datetime | None = None) -> dict[str, Any]:
    """A member's calendar: distributions of their groups (from a month ago) and their duties."""
    now = now or timezone.now()
    since = now - timedelta(days=31)
    groups = Group.objects.alive().filter(active_member_q("members"), members__user=user)
    mds = list(
        MultiDistrib.objects.filter(group__in=groups, end_at__gte=since)
        .select_related("place", "group")
        .prefetch_related(_distributions_prefetch())
        .order_by("start_at", "pk")
    )
    duties = list(
        Duty.objects.filter(
            live_group_q("group"),
            user=user,
            need__multidistrib__end_at__gte=since,
        )
        .select_related("need__role", "need__multidistrib__place", "need__multidistrib__group")
        .order_by("need__multidistrib__start_at", "pk")
    )
    slots_given = {
        r.multidistrib_id: r.assigned_slot
        for r in SlotRequest.objects.filter(
            user=user, assigned_slot__isnull=False, multidistrib__end_at__gte=since
        ).select_related("assigned_slot", "group")
    }
    return {"mds": mds, "duties": duties, "slots": slots_given}


def member_duties(*, group: Group, user: Any, now: datetime | None = None) -> list[Duty]:
    now = now or timezone.now()
    return list(
        Duty.objects.filter(group=group, user=user, need__multidistrib__end_at__gte=now)
        .select_related("need__role", "need__multidistrib__place")
        .order_by("need__multidistrib__start_at", "pk")
    )


def member_choices(
    *, mds: list[MultiDistrib], user: Any
) -> tuple[dict[int, SlotRequest], dict[int, DeliveryRequest]]:
    """The member's slot request and delivery request for each of these distributions."""
    ids = [md.pk for md in mds]
    slot_requests = {
        r.multidistrib_id: r
        for r in SlotRequest.objects.filter(multidistrib__in=ids, user=user)
        .select_related("assigned_slot", "group")
        .prefetch_related("slots")
    }
    deliveries = {
        r.multidistrib_id: r
        for r in DeliveryRequest.objects.filter(multidistrib__in=ids, user=user)
    }
    return slot_requests, deliveries


def fee_distribution_choices(group: Group, today: date) -> list[tuple[int, str]]:
    """Distributions a membership fee may be linked to: from 3 months ago to 5 days ahead."""
    rows = (
        MultiDistrib.objects.filter(
            group=group, date__gte=today - timedelta(days=92), date__lte=today + timedelta(days=5)
        )
        .select_related("place")
        .order_by("-date")
    )
    return [(md.pk, f"{formats.date_format(md.date, 'j F Y')} · {md.place.name}") for md in rows]
