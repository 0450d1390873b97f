"""Business calendars and offerings: when the business works, and what it can deliver with
what lead time ("know your stuff"). Kept through ``Relations.calendars``
(:class:`CalendarService`) as entries of the directory (:class:`CalendarEntry`,
:class:`OfferingEntry`), each registration and change an event on its own timeline;
promises are checked against them (care rule R4).

Example:
    >>> import pendulum
    >>> from relationkit.calendars import BusinessCalendar
    >>> berlin = BusinessCalendar(id="berlin", timezone="Europe/Berlin")
    >>> friday = pendulum.datetime(2026, 3, 6, 16, tz="Europe/Berlin")
    >>> berlin.add_business_time(friday, pendulum.duration(hours=2)).isoformat()
    '2026-03-09T10:00:00+01:00'
"""

from __future__ import annotations

from relationkit.app.calendars import (
    CalendarService,
)
from relationkit.domain.calendar import (
    HORIZON,
    WEEKDAYS,
    BusinessCalendar,
    BusinessTime,
    Window,
)
from relationkit.domain.entries import (
    CATALOGUE_IMPORT_REASON,
    REGISTERED,
    CalendarEntry,
    ChangeCalendar,
    ChangeOffering,
    OfferingEntry,
    RegisterCalendar,
    RegisterOffering,
)
from relationkit.domain.offering import (
    Offering,
)

__all__ = [
    "BusinessCalendar",
    "BusinessTime",
    "CATALOGUE_IMPORT_REASON",
    "CalendarEntry",
    "CalendarService",
    "ChangeCalendar",
    "ChangeOffering",
    "HORIZON",
    "Offering",
    "OfferingEntry",
    "REGISTERED",
    "RegisterCalendar",
    "RegisterOffering",
    "WEEKDAYS",
    "Window",
]
