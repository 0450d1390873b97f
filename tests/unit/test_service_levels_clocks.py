"""Service-level clocks against an independent minute-by-minute walk of the calendar.

The walk below knows nothing of relationkit's arithmetic: it steps through time a minute at
a time, converts each minute to the calendar's local time with ``zoneinfo`` and asks whether
the local time lies in a working window of that weekday. Working windows are whole hours
between 06:00 and 22:00, so no window touches an hour the clocks skip or repeat; starts,
pauses and targets are whole minutes, so a minute is either worked or not.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit.calendars import BusinessCalendar
from relationkit.domain.service_levels import (
    end_clock,
    overrun,
    pause_clock,
    remaining,
    resume_clock,
    retarget_clock,
    start_clock,
)
from relationkit.exceptions import InvalidInput
from relationkit.service_levels import ServiceLevelPolicy, Target
from strategies import examples

ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"]
MINUTE = dt.timedelta(minutes=1)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, dict[int, list[tuple[int, int]]]]:
    zone = draw(st.sampled_from(ZONES))
    week: dict[int, list[tuple[int, int]]] = {}
    for day in range(7):
        if draw(st.booleans()):
            start = draw(st.integers(6, 20))
            end = draw(st.integers(start + 1, 22))
            week[day] = [(start, end)]
    if not week:
        week[0] = [(9, 17)]
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    hours = {
        names[d]: ", ".join(f"{a:02d}:00-{b:02d}:00" for a, b in spans) for d, spans in week.items()
    }
    return BusinessCalendar(id="cal", timezone=zone, hours=hours), week


def working(week: dict[int, list[tuple[int, int]]], zone: str, at: dt.datetime) -> bool:
    """Whether the minute starting at ``at`` (UTC) is worked, read on the local wall clock."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    hour = local.hour + local.minute / 60
    return any(a <= hour < b for a, b in week.get(local.weekday(), []))


def walked(
    week: dict[int, list[tuple[int, int]]], zone: str, a: dt.datetime, b: dt.datetime
) -> int:
    """Worked minutes from ``a`` to ``b``."""
    count, t = 0, a
    while t < b:
        count += working(week, zone, t)
        t += MINUTE
    return count


def due_by_walk(
    week: dict[int, list[tuple[int, int]]], zone: str, since: dt.datetime, minutes: int
) -> dt.datetime:
    """The end of the minute in which ``minutes`` worked minutes after ``since`` are used."""
    if minutes <= 0:
        return since
    t = since
    while True:
        if working(week, zone, t):
            minutes -= 1
            if minutes == 0:
                return t + MINUTE
        t += MINUTE


BASE = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)


def at(minutes: int) -> pendulum.DateTime:
    return pendulum.instance(BASE + dt.timedelta(minutes=minutes))


@settings(max_examples=examples(60), deadline=None)
@given(
    calendars(),
    st.integers(0, 60 * 24 * 7),
    st.integers(1, 60 * 20),
    st.lists(st.integers(1, 60 * 30), min_size=0, max_size=6),
    st.integers(0, 60 * 24 * 2),
    st.booleans(),
)
def test_a_clock_counts_business_minutes_while_it_runs_as_a_walk_does(
    cal: tuple[BusinessCalendar, dict[int, list[tuple[int, int]]]],
    start: int,
    target: int,
    gaps: list[int],
    tail: int,
    met: bool,
) -> None:
    calendar, week = cal
    zone = calendar.timezone
    clock = start_clock("resolution", pendulum.duration(minutes=target), at(start), calendar)
    running = [(start, None)]  # intervals it counts, by the walk
    now = start
    for i, gap in enumerate(gaps):
        now += gap
        if i % 2 == 0:
            clock = pause_clock(clock, at(now), calendar)
            running[-1] = (running[-1][0], now)
        else:
            clock = resume_clock(clock, at(now), calendar, share=0.75)
            running.append((now, None))
    end = now + tail
    spans = [(a, end if b is None else b) for a, b in running]
    used = sum(
        walked(week, zone, BASE + dt.timedelta(minutes=a), BASE + dt.timedelta(minutes=b))
        for a, b in spans
    )
    # the time left and the overrun, as of the end
    assert remaining(clock, at(end), calendar).in_minutes() == max(target - used, 0)
    assert overrun(clock, at(end), calendar).in_minutes() == max(used - target, 0)
    # the due time of a running clock is where the walk uses up the target
    if clock.since is not None:
        before = used - walked(
            week, zone, BASE + dt.timedelta(minutes=spans[-1][0]), BASE + dt.timedelta(minutes=end)
        )
        expected = due_by_walk(
            week, zone, BASE + dt.timedelta(minutes=spans[-1][0]), target - before
        )
        assert clock.due_at == pendulum.instance(expected)
        assert clock.paused is False
    else:
        assert clock.due_at is None
        assert clock.paused is True
    # ended at the end: met in time or breached, by the walk's count
    ended = end_clock(clock, at(end), calendar, met=met)
    if met:
        assert ended.state == ("met" if used <= target else "breached")
    else:
        assert ended.state == "stopped"
    assert ended.used.in_minutes() == used


@settings(max_examples=examples(40), deadline=None)
@given(
    calendars(),
    st.integers(0, 60 * 24 * 7),
    st.integers(2, 60 * 20),
    st.integers(1, 60 * 20),
    st.integers(0, 60 * 24 * 3),
)
def test_a_new_target_counts_from_the_start_of_the_clock(
    cal: tuple[BusinessCalendar, dict[int, list[tuple[int, int]]]],
    start: int,
    target: int,
    new_target: int,
    after: int,
) -> None:
    calendar, week = cal
    zone = calendar.timezone
    clock = start_clock("first_reply", pendulum.duration(minutes=target), at(start), calendar)
    moved = retarget_clock(
        clock, pendulum.duration(minutes=new_target), at(start + after), calendar, share=0.5
    )
    used = walked(
        week, zone, BASE + dt.timedelta(minutes=start), BASE + dt.timedelta(minutes=start + after)
    )
    if used >= new_target:  # the new target is used up already: due at the change
        assert moved.due_at == at(start + after)
    else:
        assert moved.due_at == pendulum.instance(
            due_by_walk(week, zone, BASE + dt.timedelta(minutes=start), new_target)
        )
    # the warning comes when half of the new target is used (or at once, if it is)
    half = new_target * 0.5
    if used >= half:
        assert moved.warn_at == at(start + after)
    elif float(half).is_integer():
        assert moved.warn_at == pendulum.instance(
            due_by_walk(week, zone, BASE + dt.timedelta(minutes=start), int(half))
        )


def test_around_the_clock_a_target_is_elapsed_time() -> None:
    clock = start_clock("first_reply", pendulum.duration(hours=2), at(0), None)
    assert clock.due_at == at(120)
    paused = pause_clock(clock, at(30), None)
    assert resume_clock(paused, at(90), None, share=0.75).due_at == at(180)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"warn_share": 1.0}, "warn_share"),
        ({"warn_share": float("nan")}, "warn_share"),
        ({"default_priority": "low"}, "default priority 'low' without targets"),
        ({"contracts": ()}, "for no contract"),
        ({"pause_when": {"lunch"}}, "pause_when naming lunch"),
        ({"targets": {"normal": {"first_answer": pendulum.duration(hours=1)}}}, "first_answer"),
        ({"targets": {"normal": {"first_reply": pendulum.duration(hours=-1)}}}, "positive"),
    ],
)
def test_a_policy_that_cannot_be_measured_is_refused(fields: dict, message: str) -> None:
    base = {
        "id": "gold-sla",
        "contracts": ("gold",),
        "targets": {"normal": {"first_reply": pendulum.duration(hours=1)}},
        "default_priority": "normal",
    }
    with pytest.raises(InvalidInput, match=message):
        ServiceLevelPolicy(**{**base, **fields})


def test_targets_may_be_given_as_values() -> None:
    policy = ServiceLevelPolicy(
        id="p",
        contracts="gold",
        targets=[Target(priority="urgent", metric="resolution", within=pendulum.duration(hours=8))],
        default_priority="urgent",
    )
    assert policy.contracts == ("gold",)
    assert policy.target("urgent", "resolution") == pendulum.duration(hours=8)
