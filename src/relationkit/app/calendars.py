"""Business calendars and offerings: :class:`CalendarService`, reached as
``Relations.calendars``.

A :class:`~relationkit.domain.calendar.BusinessCalendar` says when a business works (hours,
holidays, closures, in its own time zone); an :class:`~relationkit.domain.offering.Offering`
says what the business can deliver, with its scope and lead time on a calendar. Promises
are checked against both (care rule R4, :mod:`relationkit.app.promises`), and service levels
are counted on calendars.

Both are entries of the directory (:class:`~relationkit.domain.entries.CalendarEntry`,
:class:`~relationkit.domain.entries.OfferingEntry`), run through the command pipeline like
every command:

* **Registered once**: registering an id already registered is refused with
  :class:`~relationkit.exceptions.AlreadyRegistered`; a change is its own command
  (:meth:`CalendarService.change`, :meth:`CalendarService.change_offering`), with its
  reason. Each registration and change is an event on the calendar's or offering's own
  timeline, with its actor, time and reason (:meth:`CalendarService.changes`).
* **Who may** is the gate ``ROLE``, configured in ``CareConfig.command_roles`` like every
  command: ``register_calendar``, ``change_calendar``, ``register_offering`` and
  ``change_offering`` default to the authority roles of R9 (managers and partners), since
  calendars and offerings set what everyone is held to (the lead times of R4, the due times
  of service levels). A deactivated member of staff cannot run them.
* **Setup**: without an actor, they run as the setup actor
  (:data:`~relationkit.domain.entries.SETUP_ACTOR`) while no active member of staff may
  run them, as the directory's do (:mod:`relationkit.app.directory`); once someone
  may, they need an actor (:class:`~relationkit.exceptions.ActorRequired`).
* **Rules**: ``DIR.calendar`` and ``DIR.offering`` (an offering's calendar is registered; an
  entry keeps its id; a change changes something), judged like every rule, so "what may I do
  now" (:meth:`Relations.options_for <relationkit.app.relations.Relations.options_for>`)
  and running agree.
* **The records**: the plain calendar and offering every lookup reads are stored with each
  event, in the same transaction; :meth:`Relations.verify_all
  <relationkit.app.relations.Relations.verify_all>` compares them with their timelines.

Example:
    >>> from relationkit import Relations
    >>> from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
    >>> rk = Relations()
    >>> rk.calendars.register(BusinessCalendar(id="berlin", timezone="Europe/Berlin"))
    >>> rk.calendars.register_offering(Offering(id="audit", name="Audit", scope=("audit",),
    ...                                lead_time=BusinessTime(days=5), calendar_id="berlin"))
    >>> [o.id for o in rk.calendars.offerings()], rk.calendars.get("berlin").timezone
    (['audit'], 'Europe/Berlin')
    >>> [(c.what, c.by) for c in rk.calendars.changes("berlin")]
    [('CalendarRegistered', 'rk-setup')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from relationkit.app.directory import entry_changes, register_entries, run_on_entry
from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.entries import (
    CalendarEntry,
    Change,
    ChangeCalendar,
    ChangeOffering,
    DirectoryEntry,
    OfferingEntry,
    RegisterCalendar,
    RegisterOffering,
)
from relationkit.domain.offering import Offering
from relationkit.domain.values import ident
from relationkit.exceptions import AlreadyRegistered, InvalidInput, NotFound

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.store.base import UnitOfWork

__all__ = ["CalendarService"]


def _check(items: Sequence[object], cls: type[Any], what: str) -> None:
    """Refuse anything that is not a ``cls``, and one id given twice."""
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, cls):
            raise InvalidInput(
                f"refused: registering a {type(item).__name__} as {what}; build "
                f"{'an' if cls.__name__[0] in 'AEIOU' else 'a'} {cls.__name__}.",
                field=f"{what.split()[-1]}s",
            )
        if item.id in seen:
            raise InvalidInput(
                f"refused: registering {what} {item.id!r} twice in one call; one id names "
                f"one {what.split()[-1]}; give each its own id.",
                field="id",
            )
        seen.add(item.id)


class CalendarService:
    """Business calendars and the catalogue of offerings (see the module).

    Args:
        pipeline: the command pipeline every registration and change runs through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    # --- calendars ------------------------------------------------------------------------------

    def register(
        self, *calendars: BusinessCalendar, actor: str | None = None, reason: str | None = None
    ) -> None:
        """Register business calendars, all in one transaction or none: each gets an entry
        whose timeline starts with its registration by ``actor`` (``register_calendar``:
        managers and partners by default; the setup actor if omitted, while nobody may).

        Raises:
            InvalidInput: something else than a calendar, or two with one id.
            AlreadyRegistered: a calendar of that id is registered already (change it with
                :meth:`change`).
            ActorRequired: no actor, and someone may register calendars now.
            NotPermitted: the actor may not register calendars.
        """
        _check(calendars, BusinessCalendar, "a calendar")

        def work(uow: UnitOfWork) -> Written:
            for calendar in calendars:
                self._refuse_taken(uow, CalendarEntry, BusinessCalendar, calendar.id)
            commands = [(c.id, RegisterCalendar(calendar=c, reason=reason)) for c in calendars]
            return register_entries(self._p, uow, CalendarEntry, commands, actor)

        self._p.write(work)

    def change(
        self, calendar: BusinessCalendar, *, reason: str, actor: str | None = None
    ) -> BusinessCalendar:
        """Change a registered calendar (``change_calendar``: managers and partners by
        default): ``calendar`` is the calendar as it is to be from now on, under the id of
        the one it changes. Due times computed before stay as they were. Returns the
        calendar as lookups now read it.

        Raises:
            InvalidInput: ``calendar`` is not a calendar, or ``reason`` is missing.
            NotFound: no calendar of that id is registered.
            RuleViolation: nothing changes (``DIR.calendar``).
            ActorRequired: no actor, and someone may change calendars now.
            NotPermitted: the actor may not change calendars.
        """
        if not isinstance(calendar, BusinessCalendar):
            raise InvalidInput(
                f"refused: changing a calendar to a {type(calendar).__name__}; pass the "
                "BusinessCalendar as it is to be, under the id of the one it changes.",
                field="calendar",
            )
        command = ChangeCalendar(calendar=calendar, reason=reason)
        return run_on_entry(self._p, CalendarEntry, calendar.id, command, actor).calendar

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

    def changes(self, calendar_id: str) -> list[Change]:
        """Who registered and changed a calendar, when and why, oldest first, read from its
        timeline (its hash chain checked).

        Raises:
            NotFound: no calendar of that id is registered.
            TimelineBroken: its timeline was tampered with.
        """
        return self._changes(CalendarEntry, calendar_id)

    # --- offerings ------------------------------------------------------------------------------

    def register_offering(
        self, *offerings: Offering, actor: str | None = None, reason: str | None = None
    ) -> None:
        """Register offerings, all in one transaction or none: each gets an entry whose
        timeline starts with its registration by ``actor`` (``register_offering``: managers
        and partners by default; the setup actor if omitted, while nobody may). Each one's
        calendar must be registered (``DIR.offering``).

        Raises:
            InvalidInput: something else than an offering, or two with one id.
            AlreadyRegistered: an offering of that id is registered already (change it with
                :meth:`change_offering`).
            RuleViolation: an offering's calendar is not registered (``DIR.offering``).
            ActorRequired: no actor, and someone may register offerings now.
            NotPermitted: the actor may not register offerings.
        """
        _check(offerings, Offering, "an offering")

        def work(uow: UnitOfWork) -> Written:
            for offering in offerings:
                self._refuse_taken(uow, OfferingEntry, Offering, offering.id)
            commands = [(o.id, RegisterOffering(offering=o, reason=reason)) for o in offerings]
            return register_entries(self._p, uow, OfferingEntry, commands, actor)

        self._p.write(work)

    def change_offering(
        self, offering: Offering, *, reason: str, actor: str | None = None
    ) -> Offering:
        """Change a registered offering (``change_offering``: managers and partners by
        default): ``offering`` is the offering as it is to be from now on, under the id of
        the one it changes. Promises made before keep their due times. Returns the offering
        as lookups now read it.

        Raises:
            InvalidInput: ``offering`` is not an offering, or ``reason`` is missing.
            NotFound: no offering of that id is registered.
            RuleViolation: its calendar is not registered, or nothing changes
                (``DIR.offering``).
            ActorRequired: no actor, and someone may change offerings now.
            NotPermitted: the actor may not change offerings.
        """
        if not isinstance(offering, Offering):
            raise InvalidInput(
                f"refused: changing an offering to a {type(offering).__name__}; pass the "
                "Offering as it is to be, under the id of the one it changes.",
                field="offering",
            )
        command = ChangeOffering(offering=offering, reason=reason)
        return run_on_entry(self._p, OfferingEntry, offering.id, command, actor).offering

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

    def offering_changes(self, offering_id: str) -> list[Change]:
        """Who registered and changed an offering, when and why, oldest first (see
        :meth:`changes`)."""
        return self._changes(OfferingEntry, offering_id)

    # --- shared ---------------------------------------------------------------------------------

    @staticmethod
    def _refuse_taken(
        uow: UnitOfWork, cls: type[DirectoryEntry], record: type[Any], entry_id: str
    ) -> None:
        """Refuse an id that names a calendar (or offering) already: an entry, or a record
        stored around the directory."""
        if uow.find(cls, entry_id) is None and uow.find_record(record, entry_id) is None:
            return
        change = "change" if cls is CalendarEntry else "change_offering"
        raise AlreadyRegistered(
            entry_id,
            cls.KIND,
            cls.KIND,
            f"change it with rk.calendars.{change}, with the reason, or register the new "
            f"{cls.KIND} under an id of its own",
        )

    def _changes(self, cls: type[DirectoryEntry], entry_id: str) -> list[Change]:
        how = "register" if cls is CalendarEntry else "register_offering"
        return entry_changes(self._p, cls, entry_id, fix=f"register it (rk.calendars.{how})")
