"""Creating, editing and deleting distributions; catalogs taking part; order windows."""

from datetime import UTC, date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from distributions import services
from distributions.cycles import CycleTimes, aware
from distributions.models import (
    Distribution,
    DistributionCycle,
    Duty,
    DutyNeed,
    MultiDistrib,
    State,
    VolunteerRole,
)
from kernel.models import LogEntry
from tests.distributions.factories import CatalogFactory, make_md
from tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db


def test_md_create_stores_aware_datetimes_in_the_group_time_zone(world):
    md = make_md(world.group, day=date(2030, 7, 4), start=time(19, 0), end=time(20, 30))
    md.refresh_from_db()
    assert md.date == date(2030, 7, 4)
    assert md.start_at.astimezone(UTC).hour == 17  # summer time in Paris: UTC+2
    assert md.local_start.hour == 19
    assert md.local_end.time() == time(20, 30)


def test_md_create_in_another_time_zone(world):
    world.group.time_zone = "America/Montreal"
    world.group.save(update_fields=["time_zone"])
    md = make_md(world.group, day=date(2030, 1, 10), start=time(18, 0))
    assert md.start_at.utcoffset() is not None
    assert md.start_at.astimezone(world.group.tzinfo).hour == 18
    assert (
        md.start_at - aware(date(2030, 1, 10), time(18, 0), world.group.tzinfo)
    ).total_seconds() == 0


def test_one_general_distribution_per_place_per_day(world):
    day = timezone.localdate() + timedelta(days=20)
    make_md(world.group, day=day, start=time(9, 0), end=time(10, 0))
    with pytest.raises(ValidationError) as exc:
        make_md(world.group, day=day, start=time(18, 0), end=time(19, 0))
    assert "date" in exc.value.message_dict
    other_place = PlaceFactory(group=world.group)
    make_md(world.group, place=other_place, day=day)
    assert MultiDistrib.objects.filter(date=day).count() == 2


def test_the_database_refuses_two_distributions_at_one_place_a_day(world):
    md = make_md(world.group)
    clone = MultiDistrib(
        group=md.group,
        place=md.place,
        date=md.date,
        start_at=md.start_at + timedelta(hours=1),
        end_at=md.end_at + timedelta(hours=1),
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"orders_close_at": 1}, "orders_close_at"),  # closes after the start
        ({"orders_open_at": 2}, "orders_open_at"),  # opens after it closes
    ],
)
def test_order_window_constraints(world, update, field):
    tz = world.group.tzinfo
    day = timezone.localdate() + timedelta(days=15)
    start = aware(day, time(18, 0), tz)
    kwargs = {
        "orders_open_at": start - timedelta(days=5),
        "orders_close_at": start - timedelta(days=1),
    }
    if "orders_close_at" in update:
        kwargs["orders_close_at"] = start + timedelta(minutes=1)
    if "orders_open_at" in update:
        kwargs["orders_open_at"] = kwargs["orders_close_at"] + timedelta(minutes=1)
    with pytest.raises(ValidationError) as exc:
        services.md_create(
            group=world.group,
            place=world.place,
            day=day,
            start_time=time(18, 0),
            end_time=time(20, 0),
            acting_user=world.admin,
            **kwargs,
        )
    assert field in exc.value.message_dict
    assert not MultiDistrib.objects.exists()


def test_orders_may_close_exactly_when_the_distribution_starts(world):
    day = timezone.localdate() + timedelta(days=15)
    start = aware(day, time(18, 0), world.group.tzinfo)
    md = make_md(world.group, day=day, opens=start - timedelta(days=3), closes=start)
    assert md.orders_close_at == md.start_at


def test_a_distribution_must_end_after_it_starts(world):
    with pytest.raises(ValidationError) as exc:
        make_md(world.group, start=time(20, 0), end=time(19, 0))
    assert "end_at" in exc.value.message_dict


def test_database_check_constraints_hold_the_window_rules(world):
    md = make_md(world.group)
    with pytest.raises(IntegrityError), transaction.atomic():
        MultiDistrib.objects.filter(pk=md.pk).update(
            orders_close_at=md.start_at + timedelta(hours=1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        MultiDistrib.objects.filter(pk=md.pk).update(end_at=md.start_at)


def test_place_of_another_group_is_refused(world):
    with pytest.raises(ValidationError):
        make_md(world.group, place=world.other_place)


def test_general_roles_are_needed_at_new_distributions(world):
    general = VolunteerRole.objects.create(group=world.group, name="Accueil")
    catalog = CatalogFactory(group=world.group)
    VolunteerRole.objects.create(group=world.group, name="Permanence", catalog=catalog)
    md = make_md(world.group)
    assert list(md.duty_needs.values_list("role", flat=True)) == [general.pk]
    services.md_set_catalogs(md=md, catalogs=[catalog], acting_user=world.admin)
    assert md.duty_needs.count() == 2


def test_catalog_joins_with_the_distribution_window_in_market_mode(world):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    d = md.distributions.get()
    assert (d.orders_open_at, d.orders_close_at) == (md.orders_open_at, md.orders_close_at)
    assert d.group == world.group


def test_catalog_joins_with_its_own_delays_in_csa_mode(world):
    world.group.shop_mode = False
    world.group.save(update_fields=["shop_mode"])
    catalog = CatalogFactory(
        group=world.group, order_open_days_before=20, order_close_hours_before=48
    )
    md = make_md(world.group, catalogs=[catalog])
    d = md.distributions.get()
    assert d.orders_open_at == md.start_at - timedelta(days=20)
    assert d.orders_close_at == md.start_at - timedelta(hours=48)


def test_a_distribution_must_fall_within_the_catalog_dates(world):
    ended = CatalogFactory(group=world.group, end_date=timezone.localdate() + timedelta(days=2))
    with pytest.raises(ValidationError):
        make_md(world.group, catalogs=[ended])
    assert not MultiDistrib.objects.exists()  # all or nothing


def test_a_catalog_of_another_group_cannot_join(world):
    foreign = CatalogFactory(group=world.other_group)
    md = make_md(world.group)
    with pytest.raises(ValidationError):
        services.md_set_catalogs(md=md, catalogs=[foreign], acting_user=world.admin)


def test_one_distribution_per_catalog_and_general_distribution(world):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    duplicate = Distribution(
        group=world.group,
        multidistrib=md,
        catalog=catalog,
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at,
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_states_follow_the_clock(world):
    catalog = CatalogFactory(group=world.group)
    day = timezone.localdate() + timedelta(days=10)
    start = aware(day, time(18, 0), world.group.tzinfo)
    md = make_md(
        world.group,
        day=day,
        opens=start - timedelta(days=5),
        closes=start - timedelta(days=1),
        catalogs=[catalog],
    )
    d = md.distributions.get()
    assert md.state(start - timedelta(days=6)) == State.NOT_YET_OPEN
    assert md.state(start - timedelta(days=5)) == State.OPEN
    assert d.can_order_now(start - timedelta(days=2))
    assert md.state(start - timedelta(hours=2)) == State.CLOSED
    assert md.state(start) == State.DISTRIBUTED
    md.validated_at = start + timedelta(hours=3)
    assert md.state(start + timedelta(days=1)) == State.VALIDATED
    assert d.state(start + timedelta(days=1)) == State.VALIDATED
    catalog.users_can_order = False
    assert not d.can_order_now(start - timedelta(days=2))


def test_state_spans_the_earliest_opening_and_latest_closing_of_its_catalogs(world):
    a, b = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a, b])
    d = md.distributions.get(catalog=a)
    services.distribution_update_window(
        distribution=d,
        orders_open_at=md.orders_open_at - timedelta(days=3),
        orders_close_at=md.orders_close_at - timedelta(days=1),
        acting_user=world.admin,
    )
    md = MultiDistrib.objects.get(pk=md.pk)
    assert md.order_window() == (md.orders_open_at - timedelta(days=3), md.orders_close_at)


def test_customised_catalog_window_refuses_closing_after_the_start(world):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    with pytest.raises(ValidationError) as exc:
        services.distribution_update_window(
            distribution=md.distributions.get(),
            orders_open_at=md.orders_open_at,
            orders_close_at=md.start_at + timedelta(minutes=5),
            acting_user=world.admin,
        )
    assert "orders_close_at" in exc.value.message_dict


def test_md_update_moves_catalogs_that_followed_the_default_window(world):
    a, b = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a, b])
    custom_open = md.orders_open_at - timedelta(days=1)
    services.distribution_update_window(
        distribution=md.distributions.get(catalog=b),
        orders_open_at=custom_open,
        orders_close_at=md.orders_close_at,
        acting_user=world.admin,
    )
    new_day = md.date + timedelta(days=7)
    tz = world.group.tzinfo
    new_open = aware(new_day - timedelta(days=4), time(8, 0), tz)
    new_close = aware(new_day - timedelta(days=1), time(20, 0), tz)
    services.md_update(
        md=md,
        place=md.place,
        day=new_day,
        start_time=time(17, 0),
        end_time=time(19, 0),
        orders_open_at=new_open,
        orders_close_at=new_close,
        acting_user=world.admin,
    )
    da, db = md.distributions.get(catalog=a), md.distributions.get(catalog=b)
    assert (da.orders_open_at, da.orders_close_at) == (new_open, new_close)
    assert db.orders_open_at == custom_open  # its own opening is kept
    assert db.orders_close_at == new_close  # it had the default closing
    world.group.refresh_from_db()
    assert world.group.active_until == new_day


def test_md_update_realigns_every_catalog_on_request(world):
    a = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a])
    services.distribution_update_window(
        distribution=md.distributions.get(),
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at - timedelta(hours=2),
        acting_user=world.admin,
    )
    services.md_update(
        md=md,
        place=md.place,
        day=md.date,
        start_time=time(18, 0),
        end_time=time(20, 0),
        orders_open_at=md.orders_open_at,
        orders_close_at=md.orders_close_at,
        realign_catalogs=True,
        acting_user=world.admin,
    )
    assert md.distributions.get().orders_close_at == md.orders_close_at


def test_md_update_refuses_a_date_outside_a_catalog_and_a_taken_day(world):
    catalog = CatalogFactory(group=world.group, end_date=timezone.localdate() + timedelta(days=12))
    md = make_md(world.group, catalogs=[catalog])
    other = make_md(world.group, day=md.date + timedelta(days=1))
    kwargs = {
        "md": md,
        "place": md.place,
        "start_time": time(18, 0),
        "end_time": time(20, 0),
        "orders_open_at": md.orders_open_at,
        "orders_close_at": md.orders_close_at,
        "acting_user": world.admin,
    }
    with pytest.raises(ValidationError) as exc:
        services.md_update(day=other.date, **kwargs)
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.md_update(day=md.date + timedelta(days=30), **kwargs)
    md.refresh_from_db()
    assert md.date == timezone.localdate() + timedelta(days=10)


def test_validated_distribution_cannot_change(world):
    md = make_md(world.group)
    MultiDistrib.objects.filter(pk=md.pk).update(validated_at=timezone.now())
    with pytest.raises(ValidationError):
        services.md_delete(md=md, acting_user=world.admin)
    with pytest.raises(ValidationError):
        services.md_set_catalogs(md=md, catalogs=[], acting_user=world.admin)


def test_active_until_follows_creation_and_deletion(world):
    first = make_md(world.group)
    later = make_md(world.group, day=first.date + timedelta(days=30))
    world.group.refresh_from_db()
    assert world.group.active_until == later.date
    services.md_delete(md=later, acting_user=world.admin)
    world.group.refresh_from_db()
    assert world.group.active_until == first.date
    services.md_delete(md=first, acting_user=world.admin)
    world.group.refresh_from_db()
    assert world.group.active_until is None


def test_md_delete_without_orders_and_its_audit(world):
    role = VolunteerRole.objects.create(group=world.group, name="Accueil")
    md = make_md(world.group, catalogs=[CatalogFactory(group=world.group)])
    services.duty_signup(
        need=md.duty_needs.get(role=role), user=world.member, acting_user=world.admin
    )
    services.md_delete(md=md, acting_user=world.admin)
    assert not MultiDistrib.objects.exists()
    assert not Distribution.objects.exists()
    assert not Duty.objects.exists()
    assert LogEntry.objects.filter(action="distribution.deleted", group=world.group).exists()


def test_md_delete_is_refused_when_orders_are_recorded(world, clean_hooks):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    d = md.distributions.get()
    clean_hooks.register_order_counter(lambda ids: {pk: 3 for pk in ids if pk == d.pk})
    with pytest.raises(ValidationError) as exc:
        services.md_delete(md=md, acting_user=world.admin)
    assert catalog.name in exc.value.messages[0]
    assert MultiDistrib.objects.filter(pk=md.pk).exists()


def test_removing_a_catalog_without_orders_is_direct(world):
    catalog = CatalogFactory(group=world.group)
    role = VolunteerRole.objects.create(group=world.group, name="Permanence", catalog=catalog)
    md = make_md(world.group, catalogs=[catalog])
    assert md.duty_needs.filter(role=role).exists()
    added, removed = services.md_set_catalogs(md=md, catalogs=[], acting_user=world.admin)
    assert (added, removed) == ([], [catalog])
    assert not md.distributions.exists()
    assert not md.duty_needs.filter(role=role).exists()


def test_removing_a_catalog_with_orders_asks_then_cancels_through_the_hook(world, clean_hooks):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    d = md.distributions.get()
    cancelled = []
    clean_hooks.register_order_counter(lambda ids: {pk: 2 for pk in ids if pk == d.pk})
    clean_hooks.register_order_canceller(lambda dist, user: cancelled.append((dist.pk, user)))
    with pytest.raises(services.ConfirmationRequired) as pending:
        services.md_set_catalogs(md=md, catalogs=[], acting_user=world.admin)
    assert pending.value.counts[d.pk] == 2
    assert md.distributions.exists() and not cancelled
    services.md_set_catalogs(md=md, catalogs=[], confirmed=True, acting_user=world.admin)
    assert cancelled == [(d.pk, world.admin)]
    assert not md.distributions.exists()


def test_removing_a_catalog_with_orders_is_refused_when_nothing_can_cancel_them(world, clean_hooks):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    clean_hooks.register_order_counter(lambda ids: dict.fromkeys(ids, 1))
    with pytest.raises(ValidationError):
        services.md_set_catalogs(md=md, catalogs=[], confirmed=True, acting_user=world.admin)


def test_open_orders_now_for_some_catalogs(world):
    a, b, c = (CatalogFactory(group=world.group) for _ in range(3))
    day = timezone.localdate() + timedelta(days=20)
    start = aware(day, time(18, 0), world.group.tzinfo)
    md = make_md(
        world.group,
        day=day,
        opens=start - timedelta(days=7),
        closes=start - timedelta(days=1),
        catalogs=[a, b],
    )
    now = timezone.now()
    result = services.md_open_orders(md=md, catalogs=[a, c], acting_user=world.admin, now=now)
    assert {d.catalog for d in result.opened} == {a, c}
    assert result.refused == []
    md = MultiDistrib.objects.get(pk=md.pk)
    assert md.distributions.get(catalog=a).orders_open_at == now
    assert md.distributions.get(catalog=c).orders_open_at == now  # c joined and opened
    assert md.distributions.get(catalog=b).orders_open_at == start - timedelta(days=7)
    assert md.state(now) == State.OPEN


def test_open_orders_with_a_new_closing_date_and_bad_ones(world):
    a = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a])
    with pytest.raises(ValidationError) as exc:
        services.md_open_orders(
            md=md,
            catalogs=[a],
            closes_at=timezone.now() - timedelta(hours=1),
            acting_user=world.admin,
        )
    assert "closes_at" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.md_open_orders(
            md=md, catalogs=[a], closes_at=md.start_at + timedelta(hours=1), acting_user=world.admin
        )
    closes = md.start_at - timedelta(hours=3)
    services.md_open_orders(md=md, catalogs=[a], closes_at=closes, acting_user=world.admin)
    assert md.distributions.get().orders_close_at == closes


def test_open_orders_reports_a_closed_window_and_the_producer_check(world, clean_hooks):
    a, b = CatalogFactory(group=world.group), CatalogFactory(group=world.group)
    day = timezone.localdate() + timedelta(days=3)
    start = aware(day, time(18, 0), world.group.tzinfo)
    md = make_md(
        world.group,
        day=day,
        opens=timezone.now() - timedelta(days=3),
        closes=timezone.now() - timedelta(hours=1),
        catalogs=[a],
    )
    clean_hooks.register_open_orders_check(lambda catalog: catalog.pk != b.pk)
    result = services.md_open_orders(md=md, catalogs=[a, b], acting_user=world.admin)
    refused = dict(result.refused)
    assert result.opened == []
    assert set(refused) == {a, b}
    assert b.vendor.name in refused[b]
    assert start > timezone.now()


def test_open_orders_refused_once_started(world):
    a = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[a])
    with time_machine.travel(md.start_at + timedelta(minutes=1)), pytest.raises(ValidationError):
        services.md_open_orders(md=md, catalogs=[a], acting_user=world.admin)


def test_a_producer_who_cannot_open_orders_cannot_join(world, clean_hooks):
    a = CatalogFactory(group=world.group)
    clean_hooks.register_open_orders_check(lambda catalog: "incomplete legal data")
    with pytest.raises(ValidationError) as exc:
        make_md(world.group, catalogs=[a])
    assert "incomplete legal data" in exc.value.messages[0]


# Cycles ------------------------------------------------------------------------------------

TIMES = CycleTimes(time(18, 30), time(20, 0), 7, time(8, 0), 1, time(23, 0))


def _cycle(world, start, end, cycle_type="weekly", catalogs=(), place=None):
    return services.cycle_create(
        group=world.group,
        place=place or world.place,
        cycle_type=cycle_type,
        start_date=start,
        end_date=end,
        times=TIMES,
        catalogs=list(catalogs),
        acting_user=world.admin,
    )


def test_cycle_create_makes_every_distribution_with_its_window(world):
    start = date(2030, 1, 3)
    cycle = _cycle(world, start, date(2030, 2, 28))
    mds = list(cycle.multidistribs.order_by("start_at"))
    assert [m.date for m in mds] == [start + timedelta(weeks=i) for i in range(9)]
    tz = world.group.tzinfo
    first = mds[0]
    assert first.local_start.time() == time(18, 30)
    assert first.orders_open_at == aware(date(2029, 12, 27), time(8, 0), tz)
    assert first.orders_close_at == aware(date(2030, 1, 2), time(23, 0), tz)
    world.group.refresh_from_db()
    assert world.group.active_until == date(2030, 2, 28)


def test_cycle_attaches_catalogs_only_within_their_dates(world):
    short = CatalogFactory(
        group=world.group, start_date=date(2030, 1, 1), end_date=date(2030, 1, 20)
    )
    long = CatalogFactory(
        group=world.group, start_date=date(2030, 1, 1), end_date=date(2030, 12, 31)
    )
    cycle = _cycle(world, date(2030, 1, 3), date(2030, 1, 31), catalogs=[short, long])
    counts = {
        c.pk: Distribution.objects.filter(catalog=c, multidistrib__cycle=cycle).count()
        for c in (short, long)
    }
    assert counts == {short.pk: 3, long.pk: 5}


def test_cycle_preview_flags_taken_days_and_creation_then_fails_entirely(world):
    make_md(world.group, day=date(2030, 1, 17))
    rows = services.cycle_preview(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=date(2030, 1, 3),
        end_date=date(2030, 1, 31),
        times=TIMES,
    )
    assert [r.conflict for r in rows] == [False, False, True, False, False]
    with pytest.raises(ValidationError):
        _cycle(world, date(2030, 1, 3), date(2030, 1, 31))
    assert not DistributionCycle.objects.exists()
    assert MultiDistrib.objects.count() == 1


def test_cycle_refuses_windows_closing_after_the_start_and_too_many_dates(world):
    late = CycleTimes(time(18, 30), time(20, 0), 7, time(8, 0), 0, time(19, 0))
    with pytest.raises(ValidationError):
        services.cycle_create(
            group=world.group,
            place=world.place,
            cycle_type="weekly",
            start_date=date(2030, 1, 3),
            end_date=date(2030, 1, 31),
            times=late,
            acting_user=world.admin,
        )
    with pytest.raises(ValidationError) as exc:
        _cycle(world, date(2030, 1, 3), date(2032, 1, 31))
    assert "end_date" in exc.value.message_dict


def test_cycle_delete_removes_upcoming_distributions_and_keeps_past_ones(world, clean_hooks):
    cycle = _cycle(world, date(2030, 1, 3), date(2030, 1, 31), cycle_type="biweekly")
    mds = list(cycle.multidistribs.order_by("start_at"))
    busy_catalog = CatalogFactory(
        group=world.group, start_date=date(2029, 1, 1), end_date=date(2031, 1, 1)
    )
    services.md_set_catalogs(md=mds[2], catalogs=[busy_catalog], acting_user=world.admin)
    busy = mds[2].distributions.get()
    clean_hooks.register_order_counter(lambda ids: {pk: 1 for pk in ids if pk == busy.pk})
    with time_machine.travel(mds[0].end_at + timedelta(days=1)):
        problems = services.cycle_delete(cycle=cycle, acting_user=world.admin)
    assert len(problems) == 1
    assert set(MultiDistrib.objects.values_list("pk", flat=True)) == {mds[0].pk, mds[2].pk}
    assert not DistributionCycle.objects.exists()


def test_catalog_role_needed_at_upcoming_distributions_when_created(world):
    catalog = CatalogFactory(group=world.group)
    md = make_md(world.group, catalogs=[catalog])
    role = services.role_save(
        role=VolunteerRole(group=world.group, name="Légumes", catalog=catalog),
        acting_user=world.admin,
    )
    assert DutyNeed.objects.filter(multidistrib=md, role=role).exists()


def test_a_cycle_leaves_out_producers_who_cannot_open_orders(world, clean_hooks):
    ok, blocked = (
        CatalogFactory(group=world.group, end_date=date(2031, 1, 1)),
        CatalogFactory(group=world.group, end_date=date(2031, 1, 1)),
    )
    clean_hooks.register_open_orders_check(lambda catalog: catalog.pk != blocked.pk)
    rows = services.cycle_preview(
        group=world.group,
        place=world.place,
        cycle_type="weekly",
        start_date=date(2030, 1, 3),
        end_date=date(2030, 1, 10),
        times=TIMES,
        catalogs=[ok, blocked],
    )
    assert [c for c, _reason in rows[0].refused] == [blocked]
    cycle = _cycle(world, date(2030, 1, 3), date(2030, 1, 10), catalogs=[ok, blocked])
    assert set(
        Distribution.objects.filter(multidistrib__cycle=cycle).values_list("catalog", flat=True)
    ) == {ok.pk}
