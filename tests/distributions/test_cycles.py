"""The cycle rules of spec §4.2: how many dates each cycle type yields, and the month-end days."""

import zoneinfo
from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distributions.cycles import (
    CycleTimes,
    cycle_dates,
    nth_weekday,
    nth_weekday_rank,
    plan,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("cycle_type", "expected"),
    [("weekly", 9), ("biweekly", 5), ("triweekly", 3), ("monthly", 2)],
)
def test_cycle_counts_over_eight_weeks(cycle_type, expected):
    # Thursday 2 January 2025 → Thursday 27 February 2025 (8 weeks, both ends included).
    assert len(cycle_dates(cycle_type, date(2025, 1, 2), date(2025, 2, 27))) == expected


def test_weekly_includes_the_end_day_and_keeps_the_weekday():
    dates = cycle_dates("weekly", date(2025, 3, 6), date(2025, 4, 3))
    assert dates == [
        date(2025, 3, 6),
        date(2025, 3, 13),
        date(2025, 3, 20),
        date(2025, 3, 27),
        date(2025, 4, 3),
    ]


def test_biweekly_and_triweekly_steps():
    assert cycle_dates("biweekly", date(2025, 1, 1), date(2025, 2, 1)) == [
        date(2025, 1, 1),
        date(2025, 1, 15),
        date(2025, 1, 29),
    ]
    assert cycle_dates("triweekly", date(2025, 1, 1), date(2025, 2, 12)) == [
        date(2025, 1, 1),
        date(2025, 1, 22),
        date(2025, 2, 12),
    ]


def test_monthly_from_january_31_keeps_the_fifth_friday_when_it_exists():
    # 31 January 2025 is the 5th Friday. February, March and April have only four Fridays:
    # the 4th is used. May has a 5th Friday again (the 30th).
    assert cycle_dates("monthly", date(2025, 1, 31), date(2025, 6, 1)) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 28),
        date(2025, 4, 25),
        date(2025, 5, 30),
    ]


def test_monthly_from_the_spec_example_30_october_2018():
    # 30 Oct 2018 = 5th Tuesday (spec §4.2); Nov and Dec have 4 Tuesdays; Jan 2019 has 5.
    assert nth_weekday_rank(date(2018, 10, 30)) == 5
    assert cycle_dates("monthly", date(2018, 10, 30), date(2019, 1, 31)) == [
        date(2018, 10, 30),
        date(2018, 11, 27),
        date(2018, 12, 25),
        date(2019, 1, 29),
    ]


def test_monthly_second_thursday_across_the_year_end():
    assert cycle_dates("monthly", date(2024, 11, 14), date(2025, 2, 28)) == [
        date(2024, 11, 14),
        date(2024, 12, 12),
        date(2025, 1, 9),
        date(2025, 2, 13),
    ]


def test_monthly_first_monday_stays_first():
    dates = cycle_dates("monthly", date(2025, 9, 1), date(2025, 12, 31))
    assert dates == [date(2025, 9, 1), date(2025, 10, 6), date(2025, 11, 3), date(2025, 12, 1)]


def test_monthly_on_29_february_and_leap_years():
    # 29 Feb 2024 is the 5th Thursday; March 2024 has a 5th Thursday (the 28th).
    assert cycle_dates("monthly", date(2024, 2, 29), date(2024, 4, 30)) == [
        date(2024, 2, 29),
        date(2024, 3, 28),
        date(2024, 4, 25),
    ]


def test_an_end_before_the_start_yields_nothing_and_one_day_yields_one():
    assert cycle_dates("weekly", date(2025, 5, 1), date(2025, 4, 30)) == []
    assert cycle_dates("monthly", date(2025, 5, 1), date(2025, 5, 1)) == [date(2025, 5, 1)]


def test_unknown_cycle_type_is_an_error():
    with pytest.raises(ValueError):
        cycle_dates("daily", date(2025, 1, 1), date(2025, 2, 1))


def test_dates_are_capped_so_callers_can_refuse_long_cycles():
    assert len(cycle_dates("weekly", date(2025, 1, 1), date(2030, 1, 1))) == 101


def test_nth_weekday():
    assert nth_weekday(2025, 2, 4, 4) == date(2025, 2, 28)
    assert nth_weekday(2025, 2, 4, 5) is None
    assert nth_weekday(2025, 1, 2, 1) == date(2025, 1, 1)


def test_plan_keeps_wall_clock_hours_across_daylight_saving():
    times = CycleTimes(time(19, 0), time(20, 0), 10, time(8, 0), 2, time(23, 55))
    # 30 March 2025: clocks go forward in Paris. The pointer never drifts a day.
    before, after = (
        plan(d, times, PARIS) for d in cycle_dates("weekly", date(2025, 3, 27), date(2025, 4, 3))
    )
    assert before.start_at.utcoffset() == timedelta(hours=1)
    assert after.start_at.utcoffset() == timedelta(hours=2)
    assert (before.start_at.hour, after.start_at.hour) == (19, 19)
    assert after.day == date(2025, 4, 3)
    assert after.orders_open_at.date() == date(2025, 3, 24)
    assert after.orders_open_at.time() == time(8, 0)
    assert after.orders_close_at.date() == date(2025, 4, 1)
    assert after.orders_close_at.time() == time(23, 55)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(
    start=days,
    span=st.integers(min_value=0, max_value=700),
    step=st.sampled_from(["weekly", "biweekly", "triweekly"]),
)
def test_weekly_cycles_property(start, span, step):
    end = start + timedelta(days=span)
    dates = cycle_dates(step, start, end)
    gap = {"weekly": 7, "biweekly": 14, "triweekly": 21}[step]
    assert len(dates) == min(span // gap + 1, 101)
    assert dates[0] == start
    assert all(start <= d <= end for d in dates)
    assert all((b - a).days == gap for a, b in pairwise(dates))


@given(start=days, months=st.integers(min_value=0, max_value=30))
def test_monthly_cycles_property(start, months):
    end = start + timedelta(days=31 * months)
    dates = cycle_dates("monthly", start, end)
    rank = nth_weekday_rank(start)
    assert dates[0] == start
    for previous, current in pairwise(dates):
        # One date per month, in consecutive months, on the same weekday...
        assert (current.year * 12 + current.month) - (previous.year * 12 + previous.month) == 1
        assert current.weekday() == start.weekday()
        # ...at the first date's rank, or the one before when the month is too short.
        assert nth_weekday_rank(current) in (rank, rank - 1)
        if nth_weekday_rank(current) == rank - 1:
            assert nth_weekday(current.year, current.month, start.weekday(), rank) is None
    assert all(d <= end for d in dates)
