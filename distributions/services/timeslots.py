"""Time slots (spec §9, decision 14): set-up, members' choices, assignment, admin overrides."""

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distributions import hooks, slots
from distributions.cycles import aware
from distributions.models import MultiDistrib, SlotRequest, State, TimeSlot
from distributions.services.closed import refuse_if_cancelled, refuse_if_closed
from groups.models import live_group_q
from kernel.audit import log_action
from kernel.mail import send_email_to_user
from members.models import Member, User, active_member_q

MIN_MINUTES, MAX_MINUTES, MAX_SLOTS = 5, 240, 96


def _lock(md: MultiDistrib) -> MultiDistrib:
    return (
        MultiDistrib.objects.select_for_update()
        .select_related("group", "place")
        .prefetch_related("distributions")
        .get(pk=md.pk)
    )


def _build_slots(
    md: MultiDistrib, start: datetime, end: datetime, minutes: int, capacity: int | None
) -> list[TimeSlot]:
    length = timedelta(minutes=minutes)
    count = int((end - start) / length)
    return [
        TimeSlot(
            group=md.group,
            multidistrib=md,
            start_at=start + i * length,
            end_at=start + (i + 1) * length,
            capacity=capacity,
        )
        for i in range(count)
    ]


@transaction.atomic
def slots_configure(
    *,
    md: MultiDistrib,
    minutes: int,
    start_time: time,
    end_time: time,
    capacity: int | None,
    acting_user: Any,
    now: datetime | None = None,
) -> MultiDistrib:
    """Turn time slots on (or change them): slots of ``minutes`` from ``start_time`` to
    ``end_time`` within the distribution's hours, each taking at most ``capacity`` members.

    Allowed while orders have not closed. Once members have chosen, only the capacity changes.
    """
    now = now or timezone.now()
    md = _lock(md)
    refuse_if_cancelled(md)
    if md.validated_at is not None or md.state(now) in (State.CLOSED, State.DISTRIBUTED):
        raise ValidationError(_("Orders have closed: time slots can no longer be set up."))
    if md.slots_resolved_at is not None:
        raise ValidationError(_("The slots are already assigned."))
    tz = md.group.tzinfo
    start, end = aware(md.date, start_time, tz), aware(md.date, end_time, tz)
    errors: dict[str, list[str]] = {}
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["minutes"] = [
            _("A slot lasts from %(min)s to %(max)s minutes.")
            % {"min": MIN_MINUTES, "max": MAX_MINUTES}
        ]
    if start < md.start_at or end > md.end_at:
        errors["start_time"] = [_("The slots must fit within the distribution's hours.")]
    elif end <= start:
        errors["end_time"] = [_("The end must be after the start.")]
    elif not errors:
        count = int((end - start) / timedelta(minutes=minutes))
        if count < 1:
            errors["minutes"] = [_("The slots are longer than the range.")]
        elif count > MAX_SLOTS:
            errors["minutes"] = [
                _("That makes more than %(max)s slots: choose longer ones.") % {"max": MAX_SLOTS}
            ]
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("Leave empty for no limit, or give at least 1.")]
    if errors:
        raise ValidationError(errors)
    existing = list(md.slots.all())
    chosen = md.slot_requests.exists()
    same_layout = (
        md.slot_minutes == minutes
        and existing
        and existing[0].start_at == start
        and existing[-1].end_at <= end
        and len(existing) == int((end - start) / timedelta(minutes=minutes))
    )
    if chosen and not same_layout:
        raise ValidationError(
            _(
                "Members have already chosen their slots: only the capacity can change now. Turn the slots off to start again."
            )
        )
    if same_layout:
        TimeSlot.objects.filter(multidistrib=md).update(capacity=capacity)
    else:
        TimeSlot.objects.filter(multidistrib=md).delete()
        TimeSlot.objects.bulk_create(_build_slots(md, start, end, minutes, capacity))
    md.slot_minutes = minutes
    md.save(update_fields=["slot_minutes"])
    log_action(
        action="slots.configured",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        minutes=minutes,
        start=start_time.isoformat(),
        end=end_time.isoformat(),
        capacity=capacity,
    )
    return md


def regenerate_slots(*, md: MultiDistrib, old_start: datetime) -> None:
    """After the hours of a distribution changed (nobody chose yet): the same slots, moved."""
    existing = list(md.slots.all())
    if not existing:
        return
    offset = existing[0].start_at - old_start
    length = timedelta(minutes=md.slot_minutes)
    start = md.start_at + offset
    end = min(md.end_at, start + length * len(existing))
    if end - start < length:
        start, end = md.start_at, md.end_at
    TimeSlot.objects.filter(multidistrib=md).delete()
    TimeSlot.objects.bulk_create(
        _build_slots(md, start, end, md.slot_minutes, existing[0].capacity)
    )


@transaction.atomic
def slots_disable(*, md: MultiDistrib, acting_user: Any) -> MultiDistrib:
    """Turn time slots off, dropping the members' choices; not once slots are assigned."""
    md = _lock(md)
    refuse_if_closed(md)
    if md.slots_resolved_at is not None:
        raise ValidationError(
            _("The slots are already assigned: cancel the assignment before turning them off.")
        )
    dropped = SlotRequest.objects.filter(multidistrib=md).count()
    SlotRequest.objects.filter(multidistrib=md).delete()
    TimeSlot.objects.filter(multidistrib=md).delete()
    md.slot_minutes = None
    md.save(update_fields=["slot_minutes"])
    log_action(
        action="slots.disabled", acting_user=acting_user, group=md.group, obj=md, dropped=dropped
    )
    return md


@transaction.atomic
def slot_request_save(
    *,
    md: MultiDistrib,
    user: User,
    slot_ids: list[int],
    acting_user: Any,
    now: datetime | None = None,
) -> SlotRequest:
    """A member states the slots they can come in (one or more), while orders are open.

    This is the step the checkout calls when the distribution has slots.
    """
    now = now or timezone.now()
    md = _lock(md)
    if not md.slots_enabled:
        raise ValidationError(_("This distribution has no time slots."))
    if md.state(now) != State.OPEN:
        raise ValidationError({"slots": _("Orders are not open: slots cannot be chosen now.")})
    if not Member.objects.of_user(group=md.group, user=user).exists():
        raise ValidationError(_("Only members of the group can choose a slot."))
    chosen = list(TimeSlot.objects.filter(multidistrib=md, pk__in=slot_ids))
    if not chosen or len(chosen) != len(set(slot_ids)):
        raise ValidationError({"slots": _("Choose at least one of the slots offered.")})
    request, _created = SlotRequest.objects.get_or_create(
        multidistrib=md, user=user, defaults={"group": md.group}
    )
    request.slots.set(chosen)
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    log_action(
        action="slots.chosen",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        slots=sorted(s.pk for s in chosen),
    )
    return request


@transaction.atomic
def slots_resolve(
    *, md: MultiDistrib, acting_user: Any, notify: bool = False, now: datetime | None = None
) -> slots.Assignment:
    """Give each member one slot with the algorithm of ``distributions.slots``.

    When the orders app reports who ordered, only those members are placed, and those who
    ordered without choosing (and without home delivery) fill the emptiest slots. Admin
    overrides are kept. With ``notify``, the group's admins get a link to the result.
    """
    now = now or timezone.now()
    md = _lock(md)
    if not md.slots_enabled:
        raise ValidationError(_("This distribution has no time slots."))
    refuse_if_closed(md)
    time_slots = list(md.slots.all())
    requests = list(
        SlotRequest.objects.filter(multidistrib=md)
        .prefetch_related("slots")
        .order_by("created_at", "pk")
    )
    customers = hooks.customers(md)
    delivered = set(md.delivery_requests.values_list("user_id", flat=True))
    fixed = {
        r.user_id: r.assigned_slot_id
        for r in requests
        if r.assigned_manually and r.assigned_slot_id
    }
    wanted = [
        (r.user_id, [s.pk for s in r.slots.all()])
        for r in requests
        if r.user_id not in fixed
        and r.slots.all()
        and (customers is None or r.user_id in customers)
    ]
    others: list[int] = []
    if customers is not None:
        asked = {r.user_id for r in requests}
        others = sorted(customers - asked - delivered - set(fixed))
    result = slots.assign(
        [slots.Slot(s.pk, s.capacity) for s in time_slots], wanted, others=others, fixed=fixed
    )
    by_user = {r.user_id: r for r in requests}
    changed = []
    for request in requests:
        if request.user_id in fixed:
            continue
        slot_id = result.placed.get(request.user_id)
        if request.assigned_slot_id != slot_id:
            request.assigned_slot_id = slot_id
            changed.append(request)
    SlotRequest.objects.bulk_update(changed, ["assigned_slot"])
    SlotRequest.objects.bulk_create(
        SlotRequest(
            group=md.group,
            multidistrib=md,
            user_id=user_id,
            assigned_slot_id=result.placed[user_id],
            created_at=now,
            updated_at=now,
        )
        for user_id in others
        if user_id in result.placed and user_id not in by_user
    )
    md.slots_resolved_at = now
    md.save(update_fields=["slots_resolved_at"])
    log_action(
        action="slots.assigned",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        placed=len(result.placed),
        unplaced=len(result.unplaced),
    )
    if notify:
        admins = User.objects.filter(
            active_member_q("memberships"),
            memberships__group=md.group,
            memberships__is_admin=True,
        )
        url = reverse(
            "distributions:manage_slots", kwargs={"group_slug": md.group.slug, "md_id": md.pk}
        )
        for admin in admins:
            with translation.override(admin.language), timezone.override(md.group.tzinfo):
                send_email_to_user(
                    name="slots_assigned",
                    user=admin,
                    group=md.group,
                    context={
                        "md": md,
                        "start": timezone.localtime(md.start_at, md.group.tzinfo),
                        "placed": len(result.placed),
                        "unplaced": len(result.unplaced),
                        "url": url,
                    },
                )
    return result


@transaction.atomic
def slots_unresolve(*, md: MultiDistrib, acting_user: Any) -> MultiDistrib:
    """Cancel the assignment: every given slot is cleared (spec §9 "unresolve")."""
    md = _lock(md)
    refuse_if_closed(md)
    SlotRequest.objects.filter(multidistrib=md, slots__isnull=True).delete()
    SlotRequest.objects.filter(multidistrib=md).update(assigned_slot=None, assigned_manually=False)
    md.slots_resolved_at = None
    md.save(update_fields=["slots_resolved_at"])
    log_action(action="slots.unassigned", acting_user=acting_user, group=md.group, obj=md)
    return md


@transaction.atomic
def slot_assign(*, md: MultiDistrib, user: User, slot: TimeSlot | None, acting_user: Any) -> bool:
    """An admin sets (or clears, with None) a member's slot. Returns True when the slot is now
    over its capacity (allowed: the admin decides, the page warns)."""
    md = _lock(md)
    refuse_if_closed(md)
    if slot is not None and slot.multidistrib_id != md.pk:
        raise ValidationError(_("Choose one of this distribution's slots."))
    if not Member.objects.of_user(group=md.group, user=user).exists():
        raise ValidationError(_("Only members of the group can be given a slot."))
    request, _created = SlotRequest.objects.get_or_create(
        multidistrib=md, user=user, defaults={"group": md.group}
    )
    request.assigned_slot = slot
    request.assigned_manually = slot is not None
    request.save(update_fields=["assigned_slot", "assigned_manually"])
    log_action(
        action="slots.overridden",
        acting_user=acting_user,
        group=md.group,
        obj=md,
        member=user.pk,
        slot=slot.pk if slot else None,
    )
    if slot is None or slot.capacity is None:
        return False
    return SlotRequest.objects.filter(assigned_slot=slot).count() > slot.capacity


def slots_resolve_due(*, now: datetime | None = None) -> int:
    """Assign the slots of distributions whose orders have closed (hourly job)."""
    now = now or timezone.now()
    due = (
        MultiDistrib.objects.filter(
            live_group_q("group"),
            slot_minutes__isnull=False,
            slots_resolved_at__isnull=True,
            validated_at__isnull=True,
            cancelled_at__isnull=True,
            start_at__gt=now - timedelta(days=1),
        )
        .annotate(last_close=Max("distributions__orders_close_at"))
        .order_by("start_at")
    )
    done = 0
    for md in due:
        closes = md.last_close or md.orders_close_at  # type: ignore[attr-defined]  # annotated above
        if closes > now:
            continue
        slots_resolve(md=md, acting_user=None, notify=True, now=now)
        done += 1
    return done
