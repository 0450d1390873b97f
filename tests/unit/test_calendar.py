"""Business calendars: working hours, holidays, closures, DST and time zones."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.exceptions import InvalidInput, NaiveDateTime, UnknownTimeZone
from strategies import examples

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def office(**kw: object) -> BusinessCalendar:
    fields: dict[str, object] = {"id": "office", "timezone": BERLIN, "country": "DE"}
    fields.update(kw)
    return BusinessCalendar(**fields)  # type: ignore[arg-type]


def around_the_clock(zone: str) -> BusinessCalendar:
    return BusinessCalendar(id="24-7", timezone=zone, hours={"mon-sun": "00:00-24:00"})


# --- construction and bad input ---------------------------------------------------------------


def test_default_hours_are_weekdays_nine_to_five() -> None:
    calendar = BusinessCalendar(id="c", timezone="UTC")
    assert calendar.hours[0] == ((9 * 60, 17 * 60),)
    assert calendar.hours[5] == calendar.hours[6] == ()


def test_hours_accept_names_ranges_split_days_and_pairs() -> None:
    calendar = BusinessCalendar(
        id="c",
        timezone="UTC",
        hours={"mon-thu": ["08:00-12:00", "13:00-17:00"], "fri": ("08:00", "12:30"), 6: None},
    )
    assert calendar.hours[0] == ((480, 720), (780, 1020))
    assert calendar.hours[4] == ((480, 750),)
    assert calendar.hours[6] == ()
    assert "mon 08:00-12:00, 13:00-17:00" in calendar.describe()


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": "17:00-09:00"},
        {"mon": "09:00-25:00"},
        {"mon": "nine-five"},
        {"funday": "09:00-17:00"},
        {"mon": ["09:00-13:00", "12:00-17:00"]},
        {"mon": None},
        ["09:00-17:00"] * 6,
    ],
)
def test_bad_hours_are_refused(hours: object) -> None:
    with pytest.raises(InvalidInput):
        BusinessCalendar(id="c", timezone="UTC", hours=hours)  # type: ignore[arg-type]


def test_unknown_zone_and_unknown_country_are_refused() -> None:
    with pytest.raises(UnknownTimeZone):
        BusinessCalendar(id="c", timezone="Europe/Atlantis")
    with pytest.raises(InvalidInput, match="holidays"):
        BusinessCalendar(id="c", timezone="UTC", country="XX")
    with pytest.raises(InvalidInput, match="holidays"):
        BusinessCalendar(id="c", timezone="UTC", country="DE", subdivision="ZZ")


def test_naive_times_are_refused() -> None:
    calendar = office()
    naive = dt.datetime(2026, 3, 2, 9)
    with pytest.raises(NaiveDateTime):
        calendar.add_business_hours(naive, 2)  # type: ignore[arg-type]
    with pytest.raises(NaiveDateTime):
        calendar.business_time_between(naive, pendulum.now("UTC"))  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [0, -1, -0.5])
def test_zero_and_negative_durations_are_refused(amount: float) -> None:
    calendar = office()
    start = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)
    with pytest.raises(InvalidInput, match="positive"):
        calendar.add_business_hours(start, amount)
    with pytest.raises(InvalidInput):
        calendar.add_business_days(start, int(amount))
    with pytest.raises(InvalidInput):
        calendar.add_business_time(start, pendulum.duration(hours=amount))


def test_business_time_of_zero_is_refused() -> None:
    with pytest.raises(InvalidInput, match="zero"):
        BusinessTime()
    with pytest.raises(InvalidInput):
        BusinessTime(days=-1)
    with pytest.raises(InvalidInput):
        BusinessTime(days=1.5)  # type: ignore[arg-type]


def test_measuring_backwards_is_refused() -> None:
    calendar = office()
    later = pendulum.datetime(2026, 3, 3, 9, tz=BERLIN)
    with pytest.raises(InvalidInput, match="before the start"):
        calendar.business_time_between(later, later.subtract(hours=1))


# --- arithmetic -------------------------------------------------------------------------------


def test_hours_carry_over_nights_weekends_and_holidays() -> None:
    calendar = office()
    thursday = pendulum.datetime(2026, 4, 2, 15, tz=BERLIN)  # Good Friday and Easter Monday
    due = calendar.add_business_hours(thursday, 4)
    assert due == pendulum.datetime(2026, 4, 7, 11, tz=BERLIN)
    assert calendar.holiday(dt.date(2026, 4, 3)) == "Good Friday"


def test_subdivision_holidays_and_closures_close_the_business() -> None:
    bavaria = office(subdivision="BY", closures=["2026-01-07"])
    monday = pendulum.datetime(2026, 1, 5, 17, tz=BERLIN)
    # 6 January is Epiphany in Bavaria, the 7th a closure of the business
    assert bavaria.add_business_hours(monday, 1) == pendulum.datetime(2026, 1, 8, 10, tz=BERLIN)
    assert office().add_business_hours(monday, 1) == pendulum.datetime(2026, 1, 6, 10, tz=BERLIN)


def test_business_days_keep_the_point_of_the_working_day() -> None:
    calendar = office()
    monday = pendulum.datetime(2026, 3, 2, 11, 30, tz=BERLIN)
    assert calendar.add_business_days(monday, 5) == pendulum.datetime(2026, 3, 9, 11, 30, tz=BERLIN)
    saturday = pendulum.datetime(2026, 3, 7, 20, tz=BERLIN)
    assert calendar.add_business_days(saturday, 1) == pendulum.datetime(2026, 3, 10, 9, tz=BERLIN)
    close = pendulum.datetime(2026, 3, 6, 17, tz=BERLIN)
    assert calendar.add_business_days(close, 1) == pendulum.datetime(2026, 3, 9, 17, tz=BERLIN)


def test_add_counts_days_then_hours() -> None:
    calendar = office()
    start = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)
    span = BusinessTime(days=2, hours=10)
    assert calendar.add(start, span) == pendulum.datetime(2026, 3, 5, 11, tz=BERLIN)
    assert str(span) == "2 business days and 10 business hours"


def test_a_start_in_another_zone_counts_on_the_calendar_zone() -> None:
    calendar = office()
    # 08:00 in New York (EST) is 14:00 in Berlin (CET): three hours are left that day
    start = pendulum.datetime(2026, 3, 2, 8, tz=NEW_YORK)
    due = calendar.add_business_hours(start, 6)
    assert due == pendulum.datetime(2026, 3, 3, 12, tz=BERLIN)
    assert due.timezone_name == BERLIN
    assert calendar.business_time_between(start, due).in_hours() == 6


# --- daylight saving time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, dt.date(2026, 3, 29), 23),  # spring forward
        (BERLIN, dt.date(2026, 10, 25), 25),  # fall back
        (NEW_YORK, dt.date(2026, 3, 8), 23),
        (NEW_YORK, dt.date(2026, 11, 1), 25),
        ("Australia/Sydney", dt.date(2026, 4, 5), 25),  # southern autumn
        ("Australia/Sydney", dt.date(2026, 10, 4), 23),
        ("Asia/Tokyo", dt.date(2026, 3, 29), 24),  # no DST
    ],
)
def test_a_day_on_the_clock_holds_its_real_hours(zone: str, day: dt.date, hours: int) -> None:
    calendar = around_the_clock(zone)
    start = pendulum.datetime(day.year, day.month, day.day, tz=zone)
    end = start.add(days=1)  # next local midnight
    assert calendar.business_time_between(start, end) == pendulum.duration(hours=hours)


def test_spring_forward_business_hours_are_real_hours() -> None:
    calendar = around_the_clock(BERLIN)
    start = pendulum.datetime(2026, 3, 29, 0, tz=BERLIN)
    due = calendar.add_business_hours(start, 3)  # 00:00 CET + 3 real hours
    assert due.isoformat() == "2026-03-29T04:00:00+02:00"
    assert calendar.is_working_time(due)


def test_fall_back_business_hours_are_real_hours() -> None:
    calendar = around_the_clock(NEW_YORK)
    start = pendulum.datetime(2026, 11, 1, 0, tz=NEW_YORK)
    due = calendar.add_business_hours(start, 3)  # 01:00 comes twice
    assert due.isoformat() == "2026-11-01T02:00:00-05:00"


def test_a_window_across_the_skipped_hour_holds_its_real_length() -> None:
    night = BusinessCalendar(id="n", timezone=BERLIN, hours={"mon-sun": "01:00-05:00"})
    start = pendulum.datetime(2026, 3, 29, 0, tz=BERLIN)
    end = pendulum.datetime(2026, 3, 29, 6, tz=BERLIN)
    assert night.business_time_between(start, end) == pendulum.duration(hours=3)
    skipped = BusinessCalendar(id="s", timezone=BERLIN, hours={"mon-sun": "02:30-05:00"})
    # 02:30 does not exist that night: the window opens at the change (03:00 CEST)
    assert skipped.business_time_between(start, end) == pendulum.duration(hours=2)


def test_office_hours_on_a_dst_monday_stay_at_nine() -> None:
    calendar = office()
    friday = pendulum.datetime(2026, 3, 27, 16, tz=BERLIN)
    due = calendar.add_business_hours(friday, 2)
    assert due.isoformat() == "2026-03-30T10:00:00+02:00"


# --- properties -------------------------------------------------------------------------------

ZONES = [
    "UTC",
    BERLIN,
    NEW_YORK,
    "America/Los_Angeles",
    "America/St_Johns",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Auckland",
]
COUNTRIES = [None, "DE", "US", "GB", "JP", "AU"]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    week = []
    for _ in range(7):
        if draw(st.booleans()):
            start = draw(st.integers(0, 20)) * 60 + draw(st.sampled_from([0, 15, 30]))
            length = draw(st.integers(1, 10)) * 60
            week.append(((start, min(start + length, 23 * 60)),))
        else:
            week.append(())
    if not any(week):
        week[0] = ((9 * 60, 17 * 60),)
    return BusinessCalendar(
        id="prop",
        timezone=zone,
        hours=week,
        country=draw(st.sampled_from(COUNTRIES)),
        closures=draw(st.sets(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), max_size=5)),
    )


# Start times cluster around DST changes (north and south) as well as anywhere in the year.
TRANSITIONS = [
    pendulum.datetime(2026, 3, 8, tz="UTC"),
    pendulum.datetime(2026, 3, 29, tz="UTC"),
    pendulum.datetime(2026, 4, 5, tz="UTC"),
    pendulum.datetime(2026, 9, 27, tz="UTC"),
    pendulum.datetime(2026, 10, 4, tz="UTC"),
    pendulum.datetime(2026, 10, 25, tz="UTC"),
    pendulum.datetime(2026, 11, 1, tz="UTC"),
]
starts = st.one_of(
    st.builds(
        lambda base, minutes: base.add(minutes=minutes),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 24 * 60, 3 * 24 * 60),
    ),
    st.builds(
        lambda minutes: pendulum.datetime(2026, 1, 1, tz="UTC").add(minutes=minutes),
        st.integers(0, 364 * 24 * 60),
    ),
)
amounts = st.integers(1, 200 * 60).map(lambda minutes: pendulum.duration(minutes=minutes))


@settings(max_examples=examples(60), deadline=None)
@given(calendars(), starts, amounts, st.sampled_from(ZONES))
def test_adding_then_measuring_back_gives_the_same_business_time(
    calendar: BusinessCalendar,
    start: pendulum.DateTime,
    amount: pendulum.Duration,
    caller_zone: str,
) -> None:
    start = start.in_timezone(caller_zone)
    due = calendar.add_business_time(start, amount)
    assert due >= start
    assert calendar.business_time_between(start, due) == amount


@settings(max_examples=examples(60), deadline=None)
@given(calendars(), starts, amounts)
def test_a_computed_due_time_is_always_working_time_on_a_business_day(
    calendar: BusinessCalendar, start: pendulum.DateTime, amount: pendulum.Duration
) -> None:
    due = calendar.add_business_time(start, amount)
    assert calendar.is_working_time(due)
    local = due.in_timezone(calendar.timezone)
    day = dt.date(local.year, local.month, local.day)
    assert calendar.is_business_day(day)
    assert calendar.holiday(day) is None


@settings(max_examples=examples(40), deadline=None)
@given(calendars(), starts, st.integers(1, 30))
def test_business_days_land_in_working_time(
    calendar: BusinessCalendar, start: pendulum.DateTime, days: int
) -> None:
    due = calendar.add_business_days(start, days)
    assert due > start
    assert calendar.is_working_time(due)


@settings(max_examples=examples(40), deadline=None)
@given(st.sampled_from(ZONES), starts, st.integers(1, 72))
def test_around_the_clock_business_time_is_elapsed_time(
    zone: str, start: pendulum.DateTime, hours: int
) -> None:
    calendar = around_the_clock(zone)
    due = calendar.add_business_hours(start, hours)
    assert (due - start).total_seconds() == hours * 3600
