"""Time slots: the assignment algorithm (spec §9, decision 14) and the slot services."""

from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from distributions import services
from distributions.models import MultiDistrib, SlotRequest, TimeSlot
from distributions.slots import Assignment, Slot, assign
from tests.distributions.factories import make_md
from tests.factories import MemberFactory, UserFactory

# The algorithm ----------------------------------------------------------------------------


def test_single_choice_members_are_placed_first():
    result = assign([Slot(1), Slot(2)], [(10, [1, 2]), (11, [1]), (12, [1])])
    assert result.placed == {11: 1, 12: 1, 10: 2}


def test_emptiest_slot_gets_the_least_flexible_member():
    # All slots are empty; C weighs least (only u1 may go there), so u1 goes to C; then A and B
    # are equally empty and light, A comes first, and u2 goes there.
    result = assign([Slot(1), Slot(2), Slot(3)], [(1, [1, 2, 3]), (2, [1, 2])])
    assert result.placed == {1: 3, 2: 1}


def test_flexible_members_are_spread_evenly():
    result = assign([Slot(1), Slot(2), Slot(3)], [(u, [1, 2, 3]) for u in range(9)])
    counts = [len(result.members_of(s)) for s in (1, 2, 3)]
    assert counts == [3, 3, 3]


def test_members_who_ordered_without_choosing_fill_the_emptiest_slots():
    result = assign([Slot(1), Slot(2)], [(1, [1]), (2, [1])], others=[3, 4])
    assert result.placed[1] == result.placed[2] == 1
    assert result.placed[3] == 2 and result.placed[4] == 2


def test_capacity_holds_and_overflow_is_reported():
    result = assign([Slot(1, capacity=2)], [(u, [1]) for u in range(4)])
    assert result.members_of(1) == [0, 1]  # first requests first
    assert result.unplaced == [2, 3]


def test_a_stranded_member_is_placed_by_moving_others_within_their_choices():
    # The greedy passes alone leave member 104 without a slot although everyone fits.
    slots = [Slot(0, 1), Slot(1, 1), Slot(2, 1), Slot(3, 2)]
    requests = [(100, [2, 3]), (101, [3, 1]), (102, [2, 0]), (103, [2, 0]), (104, [2, 1])]
    result = assign(slots, requests)
    assert result.unplaced == []
    assert all(result.placed[u] in wanted for u, wanted in requests)


def test_fixed_assignments_stay_and_count_against_capacity():
    result = assign([Slot(1, 1), Slot(2, 1)], [(1, [1, 2]), (2, [1, 2])], fixed={3: 1})
    assert result.placed[3] == 1
    assert result.unplaced == [2] or result.unplaced == [1]
    assert len(result.members_of(1)) == 1


def test_unknown_slots_and_duplicates_are_ignored():
    result = assign([Slot(1)], [(1, [1, 1, 99]), (1, [1]), (2, [99])])
    assert result.placed == {1: 1}
    assert result.unplaced == [2]


def _max_matching(slot_list, requests) -> int:
    """Independent check: Kuhn's augmenting paths on slots expanded into seats."""
    seats = [
        (s.id, i)
        for s in slot_list
        for i in range(s.capacity if s.capacity is not None else len(requests))
    ]
    wanted = dict(requests)
    owner: dict = {}

    def place(user, seen) -> bool:
        for seat in seats:
            if seat[0] in wanted[user] and seat not in seen:
                seen.add(seat)
                if seat not in owner or place(owner[seat], seen):
                    owner[seat] = user
                    return True
        return False

    return sum(1 for user, _w in requests if place(user, set()))


@st.composite
def problems(draw, with_capacity=True):
    n_slots = draw(st.integers(min_value=1, max_value=6))
    caps = (
        st.one_of(st.none(), st.integers(min_value=1, max_value=3)) if with_capacity else st.none()
    )
    slot_list = [Slot(i, draw(caps)) for i in range(n_slots)]
    n_users = draw(st.integers(min_value=0, max_value=12))
    requests = [
        (
            1000 + u,
            draw(st.lists(st.integers(0, n_slots - 1), min_size=1, max_size=n_slots, unique=True)),
        )
        for u in range(n_users)
    ]
    return slot_list, requests


@settings(max_examples=300, deadline=None)
@given(problems(with_capacity=False))
def test_without_capacity_everyone_gets_exactly_one_of_their_slots(problem):
    slot_list, requests = problem
    result = assign(slot_list, requests)
    assert result.unplaced == []
    assert set(result.placed) == {u for u, _w in requests}
    assert all(result.placed[u] in wanted for u, wanted in requests)


@settings(max_examples=500, deadline=None)
@given(problems())
def test_capacities_hold_and_everyone_is_placed_when_capacity_allows(problem):
    slot_list, requests = problem
    result = assign(slot_list, requests)
    for slot in slot_list:
        if slot.capacity is not None:
            assert len(result.members_of(slot.id)) <= slot.capacity
    assert all(result.placed[u] in wanted for u, wanted in requests if u in result.placed)
    assert set(result.placed) | set(result.unplaced) == {u for u, _w in requests}
    assert not set(result.placed) & set(result.unplaced)
    best = _max_matching(slot_list, requests)
    assert len(result.placed) == best  # as many as the capacities allow
    if best == len(requests):
        assert result.unplaced == []


@settings(max_examples=200, deadline=None)
@given(problems(), st.lists(st.integers(5000, 5010), unique=True, max_size=5))
def test_assignment_is_deterministic_and_others_never_displace_those_who_chose(problem, others):
    slot_list, requests = problem
    first = assign(slot_list, requests, others=others)
    again = assign(list(slot_list), [(u, list(w)) for u, w in requests], others=list(others))
    assert first == again
    alone = assign(slot_list, requests)
    chose = {u for u, _w in requests}
    assert {u for u in first.placed if u in chose} == set(alone.placed)
    for slot in slot_list:
        if slot.capacity is not None:
            assert len(first.members_of(slot.id)) <= slot.capacity


def test_assignment_result_type():
    assert assign([], []) == Assignment()


# Services ---------------------------------------------------------------------------------


def _slotted(world, capacity=None, minutes=30):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    services.slots_configure(
        md=md,
        minutes=minutes,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=capacity,
        acting_user=world.admin,
    )
    return MultiDistrib.objects.get(pk=md.pk)


def _members(world, n):
    users = []
    for _ in range(n):
        user = UserFactory()
        MemberFactory(group=world.group, user=user)
        users.append(user)
    return users


@pytest.mark.django_db
def test_slots_configure_cuts_the_range_into_slots(world):
    md = _slotted(world, capacity=4, minutes=25)
    slots = list(md.slots.all())
    assert len(slots) == 4  # 120 minutes / 25: the last 20 minutes make no slot
    assert slots[0].start_at == md.start_at
    assert all(s.end_at - s.start_at == timedelta(minutes=25) for s in slots)
    assert {s.capacity for s in slots} == {4}
    assert md.slot_minutes == 25


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"minutes": 3}, "minutes"),
        ({"start_time": time(17, 0)}, "start_time"),
        ({"end_time": time(21, 0)}, "start_time"),
        ({"start_time": time(19, 0), "end_time": time(18, 30)}, "end_time"),
        ({"minutes": 240}, "minutes"),
    ],
)
def test_slots_configure_refuses_bad_ranges(world, kwargs, field):
    md = make_md(world.group, start=time(18, 0), end=time(20, 0))
    args = {"minutes": 15, "start_time": time(18, 0), "end_time": time(20, 0), "capacity": None}
    args.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.slots_configure(md=md, acting_user=world.admin, **args)
    assert field in exc.value.message_dict


@pytest.mark.django_db
def test_members_choose_while_orders_are_open_only(world):
    md = _slotted(world)
    slots = list(md.slots.all())
    request = services.slot_request_save(
        md=md, user=world.member, slot_ids=[slots[0].pk, slots[2].pk], acting_user=world.member
    )
    assert set(request.slots.all()) == {slots[0], slots[2]}
    services.slot_request_save(
        md=md, user=world.member, slot_ids=[slots[1].pk], acting_user=world.member
    )
    assert list(SlotRequest.objects.get(pk=request.pk).slots.all()) == [slots[1]]
    with pytest.raises(ValidationError):
        services.slot_request_save(md=md, user=world.member, slot_ids=[], acting_user=world.member)
    with pytest.raises(ValidationError):
        services.slot_request_save(
            md=md, user=world.outsider, slot_ids=[slots[0].pk], acting_user=world.outsider
        )
    with (
        time_machine.travel(md.orders_close_at + timedelta(minutes=1)),
        pytest.raises(ValidationError),
    ):
        services.slot_request_save(
            md=md, user=world.member, slot_ids=[slots[0].pk], acting_user=world.member
        )


@pytest.mark.django_db
def test_changing_the_layout_after_choices_is_refused_but_capacity_may_change(world):
    md = _slotted(world)
    slot = md.slots.first()
    services.slot_request_save(
        md=md, user=world.member, slot_ids=[slot.pk], acting_user=world.member
    )
    with pytest.raises(ValidationError):
        services.slots_configure(
            md=md,
            minutes=20,
            start_time=time(18, 0),
            end_time=time(20, 0),
            capacity=None,
            acting_user=world.admin,
        )
    services.slots_configure(
        md=md,
        minutes=30,
        start_time=time(18, 0),
        end_time=time(20, 0),
        capacity=5,
        acting_user=world.admin,
    )
    assert set(TimeSlot.objects.filter(multidistrib=md).values_list("capacity", flat=True)) == {5}
    assert SlotRequest.objects.filter(multidistrib=md).exists()


@pytest.mark.django_db
def test_resolve_gives_each_member_one_of_their_slots_and_keeps_overrides(world, clean_hooks):
    md = _slotted(world, capacity=2)
    s = list(md.slots.all())
    users = _members(world, 5)
    choices = [[s[0]], [s[0]], [s[0], s[1]], [s[0], s[1], s[2]], [s[3]]]
    for user, chosen in zip(users, choices, strict=True):
        services.slot_request_save(
            md=md, user=user, slot_ids=[x.pk for x in chosen], acting_user=user
        )
    result = services.slots_resolve(md=md, acting_user=world.admin)
    assert result.unplaced == []
    given_slots = {
        r.user_id: r.assigned_slot_id for r in SlotRequest.objects.filter(multidistrib=md)
    }
    for user, chosen in zip(users, choices, strict=True):
        assert given_slots[user.pk] in {x.pk for x in chosen}
    md.refresh_from_db()
    assert md.slots_resolved_at is not None

    over = services.slot_assign(md=md, user=users[4], slot=s[0], acting_user=world.admin)
    assert over  # s[0] already had two members
    services.slots_resolve(md=md, acting_user=world.admin)
    assert SlotRequest.objects.get(multidistrib=md, user=users[4]).assigned_slot == s[0]

    services.slots_unresolve(md=md, acting_user=world.admin)
    assert not SlotRequest.objects.filter(multidistrib=md, assigned_slot__isnull=False).exists()
    md.refresh_from_db()
    assert md.slots_resolved_at is None


@pytest.mark.django_db
def test_resolve_keeps_only_customers_and_places_those_who_did_not_choose(world, clean_hooks):
    md = _slotted(world)
    s = list(md.slots.all())
    chose, no_order, silent, delivered = _members(world, 4)
    for user in (chose, no_order):
        services.slot_request_save(md=md, user=user, slot_ids=[s[0].pk], acting_user=user)
    services.delivery_configure(
        md=md,
        enabled=True,
        fee=0,
        start_time=time(20, 0),
        end_time=time(21, 0),
        note="",
        acting_user=world.admin,
    )
    services.delivery_request_save(
        md=md,
        user=delivered,
        address1="1 rue",
        postcode="13000",
        city="Arles",
        acting_user=delivered,
    )
    clean_hooks.register_customer_provider(lambda m: {chose.pk, silent.pk, delivered.pk})
    result = services.slots_resolve(md=md, acting_user=world.admin)
    assert result.placed[chose.pk] == s[0].pk
    assert no_order.pk not in result.placed
    assert silent.pk in result.placed and result.placed[silent.pk] != s[0].pk  # the emptiest
    assert delivered.pk not in result.placed
    assert (
        SlotRequest.objects.get(multidistrib=md, user=silent).assigned_slot_id
        == result.placed[silent.pk]
    )


@pytest.mark.django_db
def test_slots_are_assigned_once_orders_close_and_admins_are_told(
    world, django_capture_on_commit_callbacks, clean_hooks
):
    md = _slotted(world)
    services.slot_request_save(
        md=md, user=world.member, slot_ids=[md.slots.first().pk], acting_user=world.member
    )
    assert services.slots_resolve_due() == 0
    with time_machine.travel(md.orders_close_at + timedelta(minutes=5)):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.slots_resolve_due() == 1
        assert services.slots_resolve_due() == 0
    assert SlotRequest.objects.get(multidistrib=md, user=world.member).assigned_slot is not None
    assert [m.to for m in mail.outbox] == [[world.admin.email]]


@pytest.mark.django_db
def test_disable_is_refused_once_assigned(world):
    md = _slotted(world)
    services.slots_resolve(md=md, acting_user=world.admin)
    with pytest.raises(ValidationError):
        services.slots_disable(md=md, acting_user=world.admin)
    services.slots_unresolve(md=md, acting_user=world.admin)
    services.slots_disable(md=md, acting_user=world.admin)
    md.refresh_from_db()
    assert md.slot_minutes is None and not md.slots.exists()


@pytest.mark.django_db
def test_editing_hours_moves_slots_until_members_choose(world):
    md = _slotted(world, minutes=30)
    kwargs = {
        "md": md,
        "place": md.place,
        "day": md.date,
        "orders_open_at": md.orders_open_at,
        "orders_close_at": md.orders_close_at,
        "acting_user": world.admin,
    }
    services.md_update(start_time=time(17, 0), end_time=time(19, 0), **kwargs)
    md.refresh_from_db()
    first = md.slots.first()
    assert timezone.localtime(first.start_at, world.group.tzinfo).time() == time(17, 0)
    services.slot_request_save(
        md=md, user=world.member, slot_ids=[first.pk], acting_user=world.member
    )
    with pytest.raises(ValidationError):
        services.md_update(start_time=time(18, 0), end_time=time(20, 0), **kwargs)
