"""Business calendars: when the business works, so promises count honest business time.

A :class:`BusinessCalendar` knows the working hours of each weekday in one IANA time zone, the
public holidays of a country (and subdivision) from the maintained ``holidays`` package, and
the business's own closures. It answers "N business hours (or days) from T" and "how much
business time lies between T1 and T2".

Business time is real elapsed time inside working hours, and working hours are read on the
wall clock: an instant is working time when the calendar's local clock then shows a time
inside a working window of that local day. On the day the clocks spring forward, a window
from 00:00 to 06:00 holds five hours, not six; on the day they fall back it holds seven. A
window that ends inside the hour the clocks show twice ends at the second occurrence of its
end time: it stops there on the first pass and works again on the second pass up to the same
reading (00:00-02:30 on a night the clocks go back from 03:00 to 02:00 holds both passes
through 02:00-02:30, not the first pass through 02:30-03:00); one that starts inside it
starts on its first pass, and stops during the part of the second pass before its start. So
a computed time never lies outside a working window by the wall clock. Times may be given
in any zone: a promise made in Tokyo to a client in Toronto is counted on the calendar of the
office that delivers it.

Amounts reach at most :data:`HORIZON` ahead (about ten years of calendar): a longer one (a
million business days, say) is refused with :class:`~relationkit.exceptions.BeyondHorizon`,
which names the horizon, however much working time the calendar has; only a calendar that
has no working time at all within the horizon is refused as such.

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
import math
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import holidays
import pendulum

from relationkit.domain.values import an_id, instant, known_zone, optional
from relationkit.exceptions import BeyondHorizon, InvalidInput

__all__ = ["HORIZON", "WEEKDAYS", "BusinessCalendar", "BusinessTime", "Window"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as :class:`BusinessCalendar` takes them, Monday first."""

_DAY = 24 * 60
_SEARCH_DAYS = 3660
HORIZON = _dt.timedelta(days=_SEARCH_DAYS)
"""How far ahead business-time arithmetic reaches (about ten years of calendar): an amount
of business time, or a number of business days, beyond it is refused."""

Window = tuple[int, int]
"""Working hours of one day as ``(start, end)`` minutes after local midnight (end ≤ 1440)."""

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


# --- business time, the unit of lead times ----------------------------------------------------


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; business time is counted forward in "
            "finite amounts, so it must be zero or a positive number; give one.",
            field=attribute.name,
        )
    limit = _SEARCH_DAYS if attribute.name == "days" else _SEARCH_DAYS * 24
    if value > limit:
        raise BeyondHorizon(attribute.name, value, _SEARCH_DAYS)


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


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> _dt.tzinfo:
    if name == "UTC":
        return _dt.UTC
    return zoneinfo.ZoneInfo(name)


def _offset(zone: _dt.tzinfo, at: _dt.datetime) -> _dt.timedelta:
    """The offset of ``zone`` at the naive UTC instant ``at``."""
    found = at.replace(tzinfo=_dt.UTC).astimezone(zone).utcoffset()
    assert found is not None
    return found


_STEP = _dt.timedelta(minutes=30)


def _segments(
    zone: _dt.tzinfo, low: _dt.datetime, high: _dt.datetime
) -> list[tuple[_dt.datetime, _dt.datetime, _dt.timedelta]]:
    """The stretches of naive UTC time from ``low`` to ``high`` over which ``zone`` keeps one
    offset, as ``(start, end, offset)``; offset changes are found to the second (zones
    change them at least hours apart, and on whole seconds)."""
    found: list[tuple[_dt.datetime, _dt.datetime, _dt.timedelta]] = []
    start, offset = low, _offset(zone, low)
    cursor = low
    while cursor < high:
        step = min(cursor + _STEP, high)
        ahead = _offset(zone, step)
        if ahead != offset:
            lo, hi = cursor, step  # the change lies in (lo, hi]
            while hi - lo > _dt.timedelta(seconds=1):
                middle = lo + (hi - lo) / 2
                middle = middle.replace(microsecond=0)
                if middle <= lo:
                    middle = lo + _dt.timedelta(seconds=1)
                if _offset(zone, middle) == offset:
                    lo = middle
                else:
                    hi = middle
            found.append((start, hi, offset))
            start, offset = hi, _offset(zone, hi)
        cursor = step
    found.append((start, high, offset))
    return found


def _to_timedelta(value: Any, field: str) -> _dt.timedelta:
    if isinstance(value, _dt.timedelta):
        amount = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise InvalidInput(
                f"refused: {field} = {value!r}; business time is a finite amount; give a "
                "number of hours or a pendulum.Duration.",
                field=field,
            )
        if value > HORIZON.total_seconds() / 3600:
            raise _beyond_horizon(field, value)
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
    if amount > HORIZON:
        raise _beyond_horizon(field, value)
    return amount


def _beyond_horizon(field: str, value: Any) -> BeyondHorizon:
    return BeyondHorizon(field, value, _SEARCH_DAYS)


def _duration(value: _dt.timedelta) -> pendulum.Duration:
    return pendulum.duration(
        days=value.days, seconds=value.seconds, microseconds=value.microseconds
    )


# --- the calendar -----------------------------------------------------------------------------


_Span = tuple[_dt.datetime, _dt.datetime]


@functools.lru_cache(maxsize=1 << 16)
def _day_windows(calendar: BusinessCalendar, day: _dt.date) -> tuple[_Span, ...]:
    """The working windows of ``calendar`` on the local ``day`` as standard-library UTC
    instants: exactly the instants at which the local wall clock shows a time inside one of
    the day's working hours (so a window the clocks skip part of is shorter, and one they
    show part of twice can come in two pieces). Worked out once per calendar and day: a
    calendar is an immutable value, and this is the costly part of business-time
    arithmetic, which then runs on the standard library's fast datetimes."""
    if not calendar.is_business_day(day):
        return ()
    zone = _zone(calendar.timezone)
    midnight = _dt.datetime(day.year, day.month, day.day)
    margin = _dt.timedelta(hours=30)
    segments = _segments(zone, midnight - margin, midnight + _dt.timedelta(days=1) + margin)
    pieces: list[tuple[_dt.datetime, _dt.datetime]] = []
    for start, end in calendar.hours[day.weekday()]:
        wall_start = midnight + _dt.timedelta(minutes=start)
        wall_end = midnight + _dt.timedelta(minutes=end)
        for low, high, offset in segments:
            lo, hi = max(wall_start, low + offset), min(wall_end, high + offset)
            if hi > lo:
                pieces.append((lo - offset, hi - offset))
    pieces.sort()
    merged: list[list[_dt.datetime]] = []
    for lo, hi in pieces:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple((lo.replace(tzinfo=_dt.UTC), hi.replace(tzinfo=_dt.UTC)) for lo, hi in merged)


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

    id: str = attrs.field(validator=an_id)
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

    def _exhausted(self, day: _dt.date, worked: bool, field: str, value: Any) -> InvalidInput:
        """The error when :meth:`_days_from` ran out: the calendar has no working time at
        all within the horizon, or ``value`` needs more of it than the horizon holds."""
        if worked:
            return BeyondHorizon(field, value, _SEARCH_DAYS, calendar_id=self.id, counted_from=day)
        return InvalidInput(
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
        first = self._local_date(at) - _dt.timedelta(days=1)
        for day in self._days_from(first):
            for a, b in _day_windows(self, day):
                if b >= cursor:
                    return _out(max(a, cursor), self.timezone)
        raise self._exhausted(first, False, "at", at)

    def add_business_time(self, start: pendulum.DateTime, amount: Any) -> pendulum.DateTime:
        """The instant at which ``amount`` of business time has passed since ``start``.

        Args:
            start: an aware instant, in any zone.
            amount: a positive ``pendulum.Duration``/``timedelta``, or a number of hours.

        Returns:
            The instant, in the calendar's zone. It always lies in a working window (the
            window's end included), never on a holiday or closure.

        Raises:
            InvalidInput: ``start`` is naive, or ``amount`` is zero, negative or not finite.
            BeyondHorizon: ``amount`` reaches beyond :data:`HORIZON`.
        """
        start = instant(start, "start")
        remaining = _to_timedelta(amount, "amount")
        cursor = _utc(start)
        first = self._local_date(start) - _dt.timedelta(days=1)
        worked = False
        for day in self._days_from(first):
            for a, b in _day_windows(self, day):
                if b <= cursor:
                    continue
                worked = True
                begin = max(a, cursor)
                available = b - begin
                if remaining <= available:
                    return _out(begin + remaining, self.timezone)
                remaining -= available
        raise self._exhausted(first, worked, "amount", amount)

    def add_business_hours(self, start: pendulum.DateTime, hours: float) -> pendulum.DateTime:
        """``hours`` business hours from ``start`` (see :meth:`add_business_time`)."""
        if isinstance(hours, bool) or not isinstance(hours, int | float):
            raise InvalidInput(
                f"refused: hours = {hours!r}; give a number of hours.", field="hours"
            )
        return self.add_business_time(start, hours)

    def add_business_days(self, start: pendulum.DateTime, days: int) -> pendulum.DateTime:
        """The same point of the working day, ``days`` business days after ``start``.

        If ``start`` is outside working hours, counting starts at the next working window.
        The point of the day is the business time elapsed since the day's first window; on a
        shorter day it is capped at the day's close.

        Raises:
            InvalidInput: ``start`` is naive, or ``days`` is not a positive whole number.
            BeyondHorizon: ``days`` reaches beyond :data:`HORIZON`.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise InvalidInput(
                f"refused: days = {days!r}; count business days forward with a whole number "
                "greater than zero.",
                field="days",
            )
        if days > _SEARCH_DAYS:
            raise _beyond_horizon("days", days)
        at = _utc(self.next_working_time(instant(start, "start")))
        day = self._owning_day(at)
        offset = self._elapsed_in_day(day, at)
        count = 0
        for later in self._days_from(day + _dt.timedelta(days=1)):
            if _day_windows(self, later):
                count += 1
                if count == days:
                    return _out(self._point_in_day(later, offset), self.timezone)
        raise self._exhausted(day, True, "days", days)

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
            BeyondHorizon: ``end`` lies more than :data:`HORIZON` after ``start``.
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
        first = self._local_date(start_at) - _dt.timedelta(days=1)
        last = self._local_date(end_at)
        if (last - first).days > _SEARCH_DAYS:
            raise _beyond_horizon("end", end_at.isoformat())
        day = first
        while day <= last:
            for a, b in _day_windows(self, day):
                low, high = max(a, begin), min(b, finish)
                if high > low:
                    total += high - low
            day += _dt.timedelta(days=1)
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
