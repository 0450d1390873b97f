"""Business calendars: when the business works, so promises count honest business time.

A :class:`BusinessCalendar` knows the working hours of each weekday in one IANA time zone, the
public holidays of a country (and subdivision) from the maintained ``holidays`` package, and
the business's own closures. It answers "N business hours (or days) from T" and "how much
business time lies between T1 and T2".

Business time is real elapsed time inside working hours. On the day the clocks spring
forward, a window from 00:00 to 06:00 holds five hours, not six; on the day they fall back it
holds seven. Times may be given in any zone: a promise made in Tokyo to a client in Toronto
is counted on the calendar of the office that delivers it.

Example:
    >>> import pendulum
    >>> from relationkit.domain.calendar import BusinessCalendar
    >>> berlin = BusinessCalendar(id="berlin", timezone="Europe/Berlin", country="DE",
    ...                           hours={"mon-fri": "09:00-17:00"})
    >>> friday = pendulum.datetime(2026, 5, 22, 15, tz="Europe/Berlin")
    >>> berlin.add_business_hours(friday, 4).isoformat()   # Whit Monday is a holiday
    '2026-05-26T11:00:00+02:00'
    >>> berlin.business_time_between(friday, friday.add(days=4)).in_hours()
    8
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import holidays
import pendulum

from relationkit.domain.values import instant, known_zone, optional, required
from relationkit.exceptions import InvalidInput

__all__ = ["WEEKDAYS", "BusinessCalendar", "BusinessTime", "Window"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as :class:`BusinessCalendar` takes them, Monday first."""

_DAY = 24 * 60
_SEARCH_DAYS = 3660
"""How far ahead a calendar looks for working time before it gives up (about ten years)."""

Window = tuple[int, int]
"""Working hours of one day as ``(start, end)`` minutes after local midnight (end ≤ 1440)."""

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


# --- business time, the unit of lead times ----------------------------------------------------


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; business time is counted forward, so it "
            "cannot be negative; give zero or a positive number.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class BusinessTime:
    """An amount of business time: whole business days and/or business hours.

    Days are counted first ("the same point of the working day, N working days later"), then
    hours. Zero in all is refused: a lead time or a promise needs some time ahead.

    Example:
        >>> str(BusinessTime(days=10)), str(BusinessTime(hours=4.5))
        ('10 business days', '4.5 business hours')
    """

    days: int = attrs.field(default=0, validator=_non_negative)
    hours: float = attrs.field(default=0, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.days, int):
            raise InvalidInput(
                f"refused: days = {self.days!r}; business days are whole days; pass an int "
                "(use hours for parts of a day).",
                field="days",
            )
        if self.days == 0 and self.hours == 0:
            raise InvalidInput(
                "refused: a business time of zero; a lead time or a due time needs time "
                "ahead; give days or hours greater than zero.",
                field="business_time",
            )

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days} business day{'s' if self.days != 1 else ''}")
        if self.hours:
            hours = int(self.hours) if float(self.hours).is_integer() else self.hours
            parts.append(f"{hours} business hour{'s' if hours != 1 else ''}")
        return " and ".join(parts)


# --- parsing working hours --------------------------------------------------------------------


def _minute(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        minute = value
    else:
        match = _CLOCK.match(value) if isinstance(value, str) else None
        if match is None:
            raise InvalidInput(
                f"refused: {value!r} as a time of day in {field!r}; write times as 'HH:MM', "
                "e.g. '09:00-17:30'.",
                field=field,
            )
        minute = int(match.group(1)) * 60 + int(match.group(2))
    if not 0 <= minute <= _DAY:
        raise InvalidInput(
            f"refused: {value!r} in {field!r}; a time of day lies between 00:00 and 24:00; "
            "give one in that range.",
            field=field,
        )
    return minute


def _windows(value: Any, field: str) -> tuple[Window, ...]:
    """One day's windows from ``None``/``""`` (closed), ``"09:00-17:00"``, a list of those,
    or ``(start, end)`` pairs of minutes or 'HH:MM' texts."""
    if value is None or value == "" or value == ():
        return ()
    items = [value] if isinstance(value, str) else list(value)
    if (
        len(items) == 2
        and all(isinstance(i, int | str) and not isinstance(i, bool) for i in items)
        and not any(isinstance(i, str) and "-" in i for i in items)
    ):
        items = [tuple(items)]  # one (start, end) pair
    found: list[Window] = []
    for item in items:
        if isinstance(item, str):
            start, sep, end = item.partition("-")
            if not sep:
                raise InvalidInput(
                    f"refused: {item!r} as working hours in {field!r}; write a span as "
                    "'09:00-17:00'.",
                    field=field,
                )
            pair = (_minute(start, field), _minute(end, field))
        else:
            start_value, end_value = item
            pair = (_minute(start_value, field), _minute(end_value, field))
        if pair[0] >= pair[1]:
            raise InvalidInput(
                f"refused: working hours {item!r} in {field!r}; a span must end after it "
                "starts, within one day; split a night shift over two days.",
                field=field,
            )
        found.append(pair)
    found.sort()
    for before, after in itertools.pairwise(found):
        if after[0] < before[1]:
            raise InvalidInput(
                f"refused: overlapping working hours in {field!r}; spans of one day must not "
                "overlap; merge them.",
                field=field,
            )
    return tuple(found)


def _day_keys(key: Any) -> list[int]:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return [key]
    if isinstance(key, str):
        name = key.strip().lower()
        if "-" in name:
            first, _, last = name.partition("-")
            if first[:3] in WEEKDAYS and last[:3] in WEEKDAYS:
                a, b = WEEKDAYS.index(first[:3]), WEEKDAYS.index(last[:3])
                return list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
        elif name[:3] in WEEKDAYS:
            return [WEEKDAYS.index(name[:3])]
    raise InvalidInput(
        f"refused: {key!r} as a weekday; name days 'mon' … 'sun', ranges such as 'mon-fri', "
        "or numbers 0 (Monday) to 6.",
        field="hours",
    )


def _week(value: Any) -> tuple[tuple[Window, ...], ...]:
    """attrs converter: working hours for the seven weekdays, Monday first."""
    if isinstance(value, Mapping):
        week: list[tuple[Window, ...]] = [() for _ in range(7)]
        for key, spans in value.items():
            for day in _day_keys(key):
                week[day] = _windows(spans, f"hours[{WEEKDAYS[day]}]")
        return tuple(week)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput(
            f"refused: hours = {value!r}; give a mapping such as {{'mon-fri': '09:00-17:00'}} "
            "or seven entries, Monday first.",
            field="hours",
        )
    days = list(value)
    if len(days) != 7:
        raise InvalidInput(
            f"refused: hours with {len(days)} entries; a week has seven, Monday first; or "
            "give a mapping such as {'mon-fri': '09:00-17:00'}.",
            field="hours",
        )
    return tuple(_windows(spans, f"hours[{WEEKDAYS[i]}]") for i, spans in enumerate(days))


def _office_week() -> tuple[tuple[Window, ...], ...]:
    return _week({"mon-fri": "09:00-17:00"})


def _to_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        raise InvalidInput(
            f"refused: closure {value!r}; a closure is a whole local day; pass a date.",
            field="closures",
        )
    if isinstance(value, _dt.date):
        return _dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(
        f"refused: closure {value!r}; give a date or an ISO text such as '2026-12-24'.",
        field="closures",
    )


def _closures(value: Any) -> frozenset[_dt.date]:
    """attrs converter: a set of local dates."""
    if isinstance(value, str | _dt.date):
        value = (value,)
    return frozenset(_to_date(v) for v in value)


@functools.lru_cache(maxsize=64)
def _holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        where = country if subdivision is None else f"{country}/{subdivision}"
        raise InvalidInput(
            f"refused: public holidays for {where!r}; the holidays package does not know it "
            f"({exc}); use an ISO 3166 country code such as 'DE' or 'US' and one of its "
            "subdivisions, or leave country empty and list closures yourself.",
            field="country",
        ) from None


# --- local wall times to instants -------------------------------------------------------------


def _local(day: _dt.date, minute: int, zone: str, *, end: bool) -> pendulum.DateTime:
    """The instant (UTC) at which the wall clock in ``zone`` reads ``minute`` on ``day``.

    A wall time the clocks skip (spring forward) maps to the instant of the change; one they
    show twice (fall back) maps to its first occurrence for a window's start and to its last
    for a window's end, so a window holds all the time its wall-clock span covers.
    """
    if minute == _DAY:
        day, minute = day + _dt.timedelta(days=1), 0
    hour, rest = divmod(minute, 60)
    first = pendulum.datetime(day.year, day.month, day.day, hour, rest, tz=zone, fold=0)
    last = pendulum.datetime(day.year, day.month, day.day, hour, rest, tz=zone, fold=1)
    a, b = first.in_timezone("UTC"), last.in_timezone("UTC")
    if a == b:
        return a
    shown = a.in_timezone(zone)
    if (shown.hour, shown.minute) == (hour, rest):  # shown twice: an ambiguous wall time
        return b if end else a
    # skipped: find the instant the offset changes, between the two readings
    low, high = int(min(a, b).timestamp()), int(max(a, b).timestamp())
    before = pendulum.from_timestamp(low, tz=zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if pendulum.from_timestamp(middle, tz=zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return pendulum.from_timestamp(high, tz="UTC")


def _to_timedelta(value: Any, field: str) -> _dt.timedelta:
    if isinstance(value, _dt.timedelta):
        amount = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        amount = _dt.timedelta(hours=value)
    else:
        raise InvalidInput(
            f"refused: {field} = {value!r}; give a number of hours or a pendulum.Duration.",
            field=field,
        )
    if amount <= _dt.timedelta(0):
        raise InvalidInput(
            f"refused: {field} = {value!r}; business time is counted forward from a start, so "
            "zero or a negative amount means nothing; give a positive amount.",
            field=field,
        )
    return amount


def _duration(value: _dt.timedelta) -> pendulum.Duration:
    return pendulum.duration(
        days=value.days, seconds=value.seconds, microseconds=value.microseconds
    )


# --- the calendar -----------------------------------------------------------------------------


_Span = tuple[_dt.datetime, _dt.datetime]


@functools.lru_cache(maxsize=1 << 16)
def _day_windows(calendar: BusinessCalendar, day: _dt.date) -> tuple[_Span, ...]:
    """The working windows of ``calendar`` on the local ``day`` as standard-library UTC
    instants, worked out once: a calendar is an immutable value, and finding a window's
    instants across time zones and clock changes is the costly part of business-time
    arithmetic (which then runs on the standard library's fast datetimes)."""
    if not calendar.is_business_day(day):
        return ()
    found = []
    for start, end in calendar.hours[day.weekday()]:
        a = _utc(_local(day, start, calendar.timezone, end=False))
        b = _utc(_local(day, end, calendar.timezone, end=True))
        if b > a:
            found.append((a, b))
    return tuple(found)


def _utc(at: _dt.datetime) -> _dt.datetime:
    """``at`` (aware, pendulum or not) as a standard-library datetime in UTC."""
    plain = _dt.datetime(
        at.year,
        at.month,
        at.day,
        at.hour,
        at.minute,
        at.second,
        at.microsecond,
        at.tzinfo,
        fold=at.fold,
    )
    return plain.astimezone(_dt.UTC)


def _out(at: _dt.datetime, zone: str) -> pendulum.DateTime:
    """A standard-library UTC instant as a pendulum time in ``zone``."""
    return pendulum.instance(at).in_timezone(zone)


@attrs.frozen(kw_only=True, cache_hash=True)
class BusinessCalendar:
    """When a business works: weekly hours in one time zone, public holidays, closures.

    Attributes:
        id: a stable id that offerings refer to.
        timezone: the IANA zone the hours are kept in.
        hours: the working windows of each weekday, Monday first, as minutes after local
            midnight. Give them as a mapping such as ``{"mon-fri": "09:00-17:00",
            "sat": "10:00-13:00"}``, ``{"mon": ["09:00-12:00", "13:00-17:00"]}``, or seven
            entries. Monday to Friday, 09:00 to 17:00 if omitted.
        country: ISO 3166 code whose public holidays close the business (``holidays``
            package), or ``None`` for none.
        subdivision: a state or region of ``country`` with holidays of its own.
        closures: further local dates on which the business is closed.
        name: a human name for reports.
    """

    id: str = attrs.field(validator=required)
    timezone: str = attrs.field(validator=known_zone)
    hours: tuple[tuple[Window, ...], ...] = attrs.field(factory=_office_week, converter=_week)
    country: str | None = attrs.field(default=None, validator=optional)
    subdivision: str | None = attrs.field(default=None, validator=optional)
    closures: frozenset[_dt.date] = attrs.field(factory=frozenset, converter=_closures)
    name: str | None = attrs.field(default=None, validator=optional)

    def __attrs_post_init__(self) -> None:
        if not any(self.hours):
            raise InvalidInput(
                f"refused: calendar {self.id!r} without working hours; no business time would "
                "ever pass on it; give the hours of at least one weekday.",
                field="hours",
            )
        if self.subdivision is not None and self.country is None:
            raise InvalidInput(
                f"refused: subdivision {self.subdivision!r} without a country; name the "
                "country too.",
                field="subdivision",
            )
        if self.country is not None:
            _holiday_table(self.country, self.subdivision)

    # --- days -----------------------------------------------------------------------------

    def holiday(self, day: _dt.date) -> str | None:
        """The name of the public holiday or ``"closure"`` on the local ``day``, or ``None``."""
        day = _to_date(day)
        if day in self.closures:
            return "closure"
        if self.country is None:
            return None
        name = _holiday_table(self.country, self.subdivision).get(day)
        return None if name is None else str(name)

    def is_business_day(self, day: _dt.date) -> bool:
        """True if the local ``day`` has working hours and is neither a holiday nor closed."""
        day = _to_date(day)
        return bool(self.hours[day.weekday()]) and self.holiday(day) is None

    def windows(self, day: _dt.date) -> list[tuple[pendulum.DateTime, pendulum.DateTime]]:
        """The working windows of the local ``day`` as ``(start, end)`` instants in UTC."""
        return [
            (pendulum.instance(a), pendulum.instance(b))
            for a, b in _day_windows(self, _to_date(day))
        ]

    def _days_from(self, day: _dt.date) -> Iterator[_dt.date]:
        for offset in range(_SEARCH_DAYS):
            yield day + _dt.timedelta(days=offset)
        raise InvalidInput(
            f"refused: calendar {self.id!r} has no working time within ten years of {day}; "
            "check its hours, holidays and closures.",
            field="calendar",
        )

    def _local_date(self, at: pendulum.DateTime) -> _dt.date:
        local = at.in_timezone(self.timezone)
        return _dt.date(local.year, local.month, local.day)

    # --- instants -------------------------------------------------------------------------

    def is_working_time(self, at: pendulum.DateTime) -> bool:
        """True if ``at`` lies inside a working window (its start and end included)."""
        at = instant(at, "at")
        day = self._local_date(at)
        cursor = _utc(at)
        for d in (day - _dt.timedelta(days=1), day):
            if any(a <= cursor <= b for a, b in _day_windows(self, d)):
                return True
        return False

    def next_working_time(self, at: pendulum.DateTime) -> pendulum.DateTime:
        """``at`` itself if it is working time, else the start of the next working window
        (in the calendar's zone)."""
        at = instant(at, "at")
        cursor = _utc(at)
        for day in self._days_from(self._local_date(at) - _dt.timedelta(days=1)):
            for a, b in _day_windows(self, day):
                if b >= cursor:
                    return _out(max(a, cursor), self.timezone)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_business_time(self, start: pendulum.DateTime, amount: Any) -> pendulum.DateTime:
        """The instant at which ``amount`` of business time has passed since ``start``.

        Args:
            start: an aware instant, in any zone.
            amount: a positive ``pendulum.Duration``/``timedelta``, or a number of hours.

        Returns:
            The instant, in the calendar's zone. It always lies in a working window (the
            window's end included), never on a holiday or closure.

        Raises:
            InvalidInput: ``start`` is naive, or ``amount`` is zero or negative.
        """
        start = instant(start, "start")
        remaining = _to_timedelta(amount, "amount")
        cursor = _utc(start)
        for day in self._days_from(self._local_date(start) - _dt.timedelta(days=1)):
            for a, b in _day_windows(self, day):
                if b <= cursor:
                    continue
                begin = max(a, cursor)
                available = b - begin
                if remaining <= available:
                    return _out(begin + remaining, self.timezone)
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def add_business_hours(self, start: pendulum.DateTime, hours: float) -> pendulum.DateTime:
        """``hours`` business hours from ``start`` (see :meth:`add_business_time`)."""
        if isinstance(hours, bool) or not isinstance(hours, int | float):
            raise InvalidInput(
                f"refused: hours = {hours!r}; give a number of hours.", field="hours"
            )
        if hours <= 0:
            raise InvalidInput(
                f"refused: hours = {hours!r}; business time is counted forward, so zero or "
                "a negative number of hours means nothing; give a positive number.",
                field="hours",
            )
        return self.add_business_time(start, _dt.timedelta(hours=hours))

    def add_business_days(self, start: pendulum.DateTime, days: int) -> pendulum.DateTime:
        """The same point of the working day, ``days`` business days after ``start``.

        If ``start`` is outside working hours, counting starts at the next working window.
        The point of the day is the business time elapsed since the day's first window; on a
        shorter day it is capped at the day's close.

        Raises:
            InvalidInput: ``start`` is naive, or ``days`` is not a positive whole number.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise InvalidInput(
                f"refused: days = {days!r}; count business days forward with a whole number "
                "greater than zero.",
                field="days",
            )
        at = _utc(self.next_working_time(instant(start, "start")))
        day = self._owning_day(at)
        offset = self._elapsed_in_day(day, at)
        count = 0
        for later in self._days_from(day + _dt.timedelta(days=1)):
            if _day_windows(self, later):
                count += 1
                if count == days:
                    return _out(self._point_in_day(later, offset), self.timezone)
        raise AssertionError("unreachable")  # pragma: no cover

    def add(self, start: pendulum.DateTime, span: BusinessTime) -> pendulum.DateTime:
        """``span``'s business days, then its business hours, from ``start``."""
        if not isinstance(span, BusinessTime):
            raise InvalidInput(
                f"refused: {span!r} as a span; give a BusinessTime(days=…, hours=…).",
                field="span",
            )
        at = instant(start, "start")
        if span.days:
            at = self.add_business_days(at, span.days)
        if span.hours:
            at = self.add_business_hours(at, span.hours)
        return at.in_timezone(self.timezone)

    def business_time_between(
        self, start: pendulum.DateTime, end: pendulum.DateTime
    ) -> pendulum.Duration:
        """The business time from ``start`` to ``end`` (zero if no working window overlaps).

        Raises:
            InvalidInput: either time is naive, or ``end`` is before ``start``.
        """
        start_at = instant(start, "start")
        end_at = instant(end, "end")
        begin, finish = _utc(start_at), _utc(end_at)
        if finish < begin:
            raise InvalidInput(
                f"refused: measuring business time from {begin.isoformat()} back to "
                f"{finish.isoformat()}; the end lies before the start; swap them.",
                field="end",
            )
        total = _dt.timedelta(0)
        last = self._local_date(end_at)
        for day in self._days_from(self._local_date(start_at) - _dt.timedelta(days=1)):
            if day > last:
                break
            for a, b in _day_windows(self, day):
                low, high = max(a, begin), min(b, finish)
                if high > low:
                    total += high - low
        return _duration(total)

    # --- helpers for business days --------------------------------------------------------

    def _owning_day(self, at: _dt.datetime) -> _dt.date:
        day = self._local_date(pendulum.instance(at))
        for d in (day, day - _dt.timedelta(days=1)):
            if any(a <= at <= b for a, b in _day_windows(self, d)):
                return d
        return day  # pragma: no cover - ``at`` is working time here

    def _elapsed_in_day(self, day: _dt.date, at: _dt.datetime) -> _dt.timedelta:
        total = _dt.timedelta(0)
        for a, b in _day_windows(self, day):
            if b <= at:
                total += b - a
            elif a < at:
                total += at - a
        return total

    def _point_in_day(self, day: _dt.date, offset: _dt.timedelta) -> _dt.datetime:
        windows = _day_windows(self, day)
        remaining = offset
        for a, b in windows:
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        return windows[-1][1]

    def describe(self) -> str:
        """The calendar in words, e.g. ``"mon-fri 09:00-17:00 (Europe/Berlin), holidays DE"``."""
        parts = []
        for i, spans in enumerate(self.hours):
            if spans:
                shown = ", ".join(
                    f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans
                )
                parts.append(f"{WEEKDAYS[i]} {shown}")
        where = f" ({self.timezone})"
        hol = ""
        if self.country:
            hol = f", holidays {self.country}" + (
                f"-{self.subdivision}" if self.subdivision else ""
            )
        return "; ".join(parts) + where + hol
