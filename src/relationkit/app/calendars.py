"""Business calendars and offerings: :class:`CalendarService`, reached as
``Relations.calendars``.

A :class:`~relationkit.domain.calendar.BusinessCalendar` says when a business works (hours,
holidays, closures, in its own time zone); an :class:`~relationkit.domain.offering.Offering`
says what the business can deliver, with its scope and lead time on a calendar. Promises
are checked against both (care rule R4, :mod:`relationkit.app.promises`).

Example:
    >>> from relationkit import Relations
    >>> from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
    >>> rk = Relations()
    >>> rk.calendars.register(BusinessCalendar(id="berlin", timezone="Europe/Berlin"))
    >>> rk.calendars.register_offering(Offering(id="audit", name="Audit", scope=("audit",),
    ...                                lead_time=BusinessTime(days=5), calendar_id="berlin"))
    >>> [o.id for o in rk.calendars.offerings()], rk.calendars.get("berlin").timezone
    (['audit'], 'Europe/Berlin')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.offering import Offering
from relationkit.domain.values import ident
from relationkit.exceptions import InvalidInput, NotFound

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.store.base import UnitOfWork

__all__ = ["CalendarService"]


class CalendarService:
    """Business calendars and the catalogue of offerings.

    Args:
        pipeline: the command pipeline whose store it keeps them in.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    def register(self, *calendars: BusinessCalendar) -> None:
        """Store (or update) business calendars."""
        for calendar in calendars:
            if not isinstance(calendar, BusinessCalendar):
                raise InvalidInput(
                    f"refused: registering a {type(calendar).__name__} as a calendar; build a "
                    "BusinessCalendar.",
                    field="calendars",
                )

        def put(uow: UnitOfWork) -> Written:
            for calendar in calendars:
                uow.put(calendar)
            return []

        self._p.write(put)

    def register_offering(self, *offerings: Offering) -> None:
        """Store (or update) offerings; each one's calendar must be registered."""
        for offering in offerings:
            if not isinstance(offering, Offering):
                raise InvalidInput(
                    f"refused: registering a {type(offering).__name__} as an offering; "
                    "build an Offering.",
                    field="offerings",
                )

        def put(uow: UnitOfWork) -> Written:
            for offering in offerings:
                if uow.find_record(BusinessCalendar, offering.calendar_id) is None:
                    raise NotFound(
                        "calendar",
                        offering.calendar_id,
                        "register the calendar (rk.calendars.register) before the offerings "
                        "that count on it",
                    )
                uow.put(offering)
            return []

        self._p.write(put)

    def get(self, calendar_id: str) -> BusinessCalendar:
        """The registered calendar with that id."""
        with self._p.reading() as uow:
            found = uow.find_record(BusinessCalendar, ident(calendar_id, "calendar_id"))
        if found is None:
            raise NotFound("calendar", calendar_id, "register it (rk.calendars.register)")
        return found

    def calendars(self) -> list[BusinessCalendar]:
        """Every registered calendar, by id."""
        with self._p.reading() as uow:
            return uow.records(BusinessCalendar)

    def offering(self, offering_id: str) -> Offering:
        """The offering with that id."""
        with self._p.reading() as uow:
            found = uow.find_record(Offering, ident(offering_id, "offering_id"))
        if found is None:
            raise NotFound(
                "offering",
                offering_id,
                "check the catalogue (rk.calendars.offerings) or register it",
            )
        return found

    def offerings(self) -> list[Offering]:
        """The catalogue, by id."""
        with self._p.reading() as uow:
            return uow.records(Offering)
