"""The dates of a recurring cycle (spec §4.2), as pure functions of plain dates.

Working on dates, not datetimes, removes the daylight-saving shifts the original avoided by
placing its pointer at noon; times are attached afterwards in the group's time zone.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

MAX_DATES = 100  # the original stops after 100 iterations; longer cycles are refused instead

STEPS = {"weekly": 7, "biweekly": 14, "triweekly": 21}


def nth_weekday_rank(day: date) -> int:
    """Which occurrence of its weekday ``day`` is in its month: 30 Oct 2018 is the 5th Tuesday."""
    return (day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The ``n``-th ``weekday`` (Monday = 0) of the month, or None when the month has fewer."""
    first = date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + (n - 1) * 7
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def cycle_dates(cycle_type: str, start: date, end: date, limit: int = MAX_DATES + 1) -> list[date]:
    """Every distribution day of a cycle from ``start`` to ``end`` included.

    Weekly cycles step 7, 14 or 21 days from the start. A monthly cycle keeps the rank of the
    first day's weekday (the 2nd Thursday, the 5th Friday...) and, in a month without that rank,
    falls back to the one before: a monthly cycle from Friday 31 January 2025 gives 28 February
    (4th Friday), 28 March, 25 April, then 30 May (5th Friday again).
    At most ``limit`` dates are computed, so callers can tell a cycle is too long.
    """
    if end < start:
        return []
    dates: list[date] = []
    if cycle_type in STEPS:
        step = timedelta(days=STEPS[cycle_type])
        day = start
        while day <= end and len(dates) < limit:
            dates.append(day)
            day += step
        return dates
    if cycle_type != "monthly":
        raise ValueError(f"Unknown cycle type {cycle_type!r}")
    rank, weekday = nth_weekday_rank(start), start.weekday()
    day, year, month = start, start.year, start.month
    while day <= end and len(dates) < limit:
        dates.append(day)
        year, month = _next_month(year, month)
        day = nth_weekday(year, month, weekday, rank) or nth_weekday(year, month, weekday, rank - 1)
    return dates


def aware(day: date, at: time, tz: tzinfo) -> datetime:
    """``day`` at ``at`` in the time zone ``tz`` (a wall-clock time, whatever the UTC offset)."""
    return datetime.combine(day, at).replace(tzinfo=tz)


@dataclass(frozen=True)
class CycleTimes:
    start_time: time
    end_time: time
    open_days_before: int
    open_time: time
    close_days_before: int
    close_time: time


@dataclass(frozen=True)
class PlannedDate:
    day: date
    start_at: datetime
    end_at: datetime
    orders_open_at: datetime
    orders_close_at: datetime


def plan(day: date, times: CycleTimes, tz: tzinfo) -> PlannedDate:
    """A cycle's day with its hours: orders open N days before at a time, close M days before."""
    return PlannedDate(
        day=day,
        start_at=aware(day, times.start_time, tz),
        end_at=aware(day, times.end_time, tz),
        orders_open_at=aware(day - timedelta(days=times.open_days_before), times.open_time, tz),
        orders_close_at=aware(day - timedelta(days=times.close_days_before), times.close_time, tz),
    )
