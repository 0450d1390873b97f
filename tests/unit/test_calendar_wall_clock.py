"""Business time read on the wall clock, checked against an independent minute-by-minute walk,
including the days the clocks change; and amounts that are not finite or reach too far."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
from relationkit.exceptions import InvalidInput
from strategies import examples

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"]
# Days around the clock changes of 2026 (north: March and October/November; south: April).
AROUND = [
    dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, tzinfo=dt.UTC),
    dt.datetime(2026, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 4, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
]
MINUTE = dt.timedelta(minutes=1)


def working_by_wall_clock(calendar: BusinessCalendar, at: dt.datetime) -> bool:
    """The walk's own definition, written independently of the calendar's arithmetic: the
    minute starting at ``at`` is working time when the local clock then reads a time inside
    one of the working windows of the local day, and that day is a business day."""
    local = at.astimezone(zoneinfo.ZoneInfo(calendar.timezone))
    day = local.date()
    if not calendar.is_business_day(day):
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in calendar.hours[day.weekday()])


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Calendars whose windows often start or end inside the hours clocks skip or repeat
    (01:00-03:59 local), around the clock or in pieces."""
    week = []
    for _ in range(7):
        kind = draw(st.sampled_from(["none", "night", "office", "all", "split"]))
        if kind == "none":
            week.append(())
        elif kind == "night":
            start = draw(st.integers(0, 3 * 60 - 15)) // 15 * 15
            end = min(start + draw(st.integers(1, 8)) * 15 + 60, 24 * 60)
            week.append(((start, end),))
        elif kind == "office":
            week.append(((9 * 60, 17 * 60),))
        elif kind == "all":
            week.append(((0, 24 * 60),))
        else:
            week.append(((60, 150), (165, 14 * 60)))
    if not any(week):
        week[6] = ((0, 24 * 60),)
    return BusinessCalendar(id="walk", timezone=draw(st.sampled_from(ZONES)), hours=week)


starts = st.builds(
    lambda base, minutes: base + dt.timedelta(minutes=minutes),
    st.sampled_from(AROUND),
    st.integers(-2 * 24 * 60, 2 * 24 * 60),
)


def walk(calendar: BusinessCalendar, start: dt.datetime, minutes: int) -> dt.datetime:
    """Minute by minute from ``start``: the end of the ``minutes``-th working minute."""
    at, done = start, 0
    while True:
        if working_by_wall_clock(calendar, at):
            done += 1
            if done == minutes:
                return at + MINUTE
        at += MINUTE


@settings(max_examples=examples(80), deadline=None)
@given(calendars(), starts, st.integers(1, 36 * 60))
def test_adding_business_time_matches_a_minute_by_minute_walk(
    calendar: BusinessCalendar, start: dt.datetime, minutes: int
) -> None:
    due = calendar.add_business_time(pendulum.instance(start), pendulum.duration(minutes=minutes))
    # compared as instants: Python's == across zones is False for a time in a repeated hour
    assert due.timestamp() == walk(calendar, start, minutes).timestamp()


@settings(max_examples=examples(80), deadline=None)
@given(calendars(), starts, st.integers(0, 3 * 24 * 60))
def test_measuring_business_time_matches_a_minute_by_minute_walk(
    calendar: BusinessCalendar, start: dt.datetime, minutes: int
) -> None:
    end = start + dt.timedelta(minutes=minutes)
    counted = sum(working_by_wall_clock(calendar, start + i * MINUTE) for i in range(minutes))
    measured = calendar.business_time_between(pendulum.instance(start), pendulum.instance(end))
    assert measured.total_seconds() == counted * 60


@settings(max_examples=examples(80), deadline=None)
@given(calendars(), starts, st.integers(1, 36 * 60))
def test_a_computed_time_is_never_outside_a_window_by_the_wall_clock(
    calendar: BusinessCalendar, start: dt.datetime, minutes: int
) -> None:
    due = calendar.add_business_time(pendulum.instance(start), pendulum.duration(minutes=minutes))
    # the minute that ends at ``due`` was worked: its start reads inside a window
    assert working_by_wall_clock(calendar, due - MINUTE)


def test_a_window_ending_in_the_repeated_hour_works_both_passes_up_to_its_end() -> None:
    # On 25 October 2026 Berlin's clocks go back from 03:00 to 02:00.
    night = BusinessCalendar(id="night", timezone="Europe/Berlin", hours={"sun": "00:00-02:30"})
    day = dt.date(2026, 10, 25)
    pieces = [(a.isoformat(), b.isoformat()) for a, b in night.windows(day)]
    assert pieces == [
        ("2026-10-24T22:00:00+00:00", "2026-10-25T00:30:00+00:00"),  # 00:00-02:30 summer time
        ("2026-10-25T01:00:00+00:00", "2026-10-25T01:30:00+00:00"),  # 02:00-02:30 winter time
    ]
    start = pendulum.datetime(2026, 10, 25, 0, 0, tz="Europe/Berlin")
    due = night.add_business_time(start, pendulum.duration(hours=2, minutes=45))
    assert (due.hour, due.minute, due.utcoffset()) == (2, 15, dt.timedelta(hours=1))
    assert night.business_time_between(start, start.add(hours=6)).in_minutes() == 180


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf])
def test_amounts_that_are_not_finite_are_refused(amount: float) -> None:
    calendar = BusinessCalendar(id="c", timezone="UTC")
    start = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    with pytest.raises(InvalidInput, match="finite"):
        BusinessTime(hours=amount)
    with pytest.raises(InvalidInput):
        BusinessTime(days=amount)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="finite"):
        calendar.add_business_time(start, amount)
    with pytest.raises(InvalidInput, match="finite"):
        calendar.add_business_hours(start, amount)
    with pytest.raises(InvalidInput, match="finite"):
        Offering(
            id="o",
            name="O",
            scope=("x",),
            lead_time=BusinessTime(hours=amount),
            calendar_id="c",
        )


def test_an_amount_beyond_the_horizon_says_so() -> None:
    calendar = BusinessCalendar(id="c", timezone="UTC")
    start = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    with pytest.raises(InvalidInput, match="beyond the supported horizon"):
        calendar.add_business_time(start, pendulum.duration(days=1_000_000))
    with pytest.raises(InvalidInput, match="beyond the supported horizon"):
        calendar.add_business_days(start, 1_000_000)
    with pytest.raises(InvalidInput, match="beyond the supported horizon"):
        BusinessTime(days=1_000_000)
    with pytest.raises(InvalidInput, match="beyond the supported horizon"):
        calendar.add_business_hours(start, 1e12)
    # 9 years of office hours need far more than ten years of calendar
    with pytest.raises(InvalidInput, match="supported horizon"):
        calendar.add_business_time(start, pendulum.duration(days=3000))


def test_a_calendar_without_working_time_says_that_instead() -> None:
    days = {dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(3700)}
    closed = BusinessCalendar(id="shut", timezone="UTC", closures=days)
    with pytest.raises(InvalidInput, match="no working time within ten years"):
        closed.add_business_time(pendulum.datetime(2026, 3, 2, tz="UTC"), 1)
