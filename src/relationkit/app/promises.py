"""Promises: :class:`PromiseService`, reached as ``Relations.promises``.

It makes promises through the command pipeline (the promise workflow and care rules R1,
R4, R5 and P1, against the offerings and calendars of ``Relations.calendars``), answers the
questions people ask (what falls due soon, what is overdue, how often an owner or a
relationship keeps its promises) and runs the sweep that records broken promises and warns
of those falling due.

A deferral is a promise: when a case is deferred with ``Defer(reply_by=…)``, a *reply*
promise owned by whoever deferred, made to the client, due at the reply-by time, is made in
the same transaction; deciding the case in time keeps it, and the sweep breaks it once the
time passes.

A vendor ticket's update cadence is promises too (care rule R8): escalating a case to a
vendor makes an *update* promise, owned by whoever escalated, made to the client, due when the
ticket says the next update is owed (``VendorTicket.next_update_due``; its id is
``VendorTicket.update_promise_id``); each update given (``update_client``) keeps the open one
if it is in time and makes the next; relaying the vendor's fix keeps the last one and ends the
cadence. A missed update is an overdue promise (:meth:`PromiseService.overdue`) that the sweep
records as broken; rule ``R8.cadence`` keeps these promises in step with their ticket.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, MemoryStore, Client, ManualClock, Staff
    >>> from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
    >>> clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="Europe/Berlin"))
    >>> rk = Relations(MemoryStore(), clock=clock)
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> rk.calendars.register(BusinessCalendar(id="berlin", timezone="Europe/Berlin"))
    >>> rk.calendars.register_offering(Offering(id="audit", name="Audit", scope=("audit",),
    ...                                lead_time=BusinessTime(days=5), calendar_id="berlin"))
    >>> rk.promises.earliest_due("audit", owner="s-sam").earliest.isoformat()
    '2026-03-09T09:00:00+01:00'
    >>> p = rk.promises.make(actor="s-sam", party="c-ana", what="The audit report",
    ...                      offering="audit", due=pendulum.datetime(2026, 3, 13, 17,
    ...                      tz="Europe/Berlin"))
    >>> p.state, rk.promises.keep(p.id, actor="s-sam").state
    ('made', 'kept')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from relationkit.app.sweeps import process_due, sweeper_for
from relationkit.domain.aggregate import FollowUp
from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.case import Case
from relationkit.domain.events import Event
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.offering import Offering
from relationkit.domain.parties import Party, Staff
from relationkit.domain.promise import (
    AWAITING_APPROVAL,
    COMMITTED_STATES,
    DELIVERY,
    REPLY,
    UPDATE,
    ApproveStretch,
    BreakPromise,
    KeepPromise,
    MakePromise,
    Promise,
    RenegotiatePromise,
    WarnPromise,
    WithdrawPromise,
)
from relationkit.domain.values import ident, instant, new_id
from relationkit.exceptions import InvalidInput, NotFound
from relationkit.rules.promise import HonestDue, honest_due, owner_load

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.app.relationships import RelationshipService
    from relationkit.domain.aggregate import Aggregate, Command, Written
    from relationkit.domain.directory import Directory
    from relationkit.rules.base import Attempt
    from relationkit.store.base import UnitOfWork

__all__ = [
    "CADENCE_STEPS",
    "DECISION_EVENTS",
    "UPDATE_EVENTS",
    "KeepingRate",
    "PromiseService",
    "PromiseSweepReport",
]

DECISION_EVENTS = frozenset(
    {"RequestAccepted", "RequestDeclined", "CompromiseOffered", "CaseReferred"}
)
"""Case events that answer the client: they keep the reply a deferral promised."""

UPDATE_EVENTS = frozenset({"ClientUpdated", "FixRelayedToClient"})
"""Vendor ticket events that give the client an update: they keep the update promised."""

CADENCE_STEPS = frozenset({"VendorTicketOpened", "ClientUpdated"})
"""Vendor ticket events that start a step of the client-update cadence: each promises the
next update. Other events (the vendor's answers, the relayed fix) promise nothing new."""


@attrs.frozen
class KeepingRate:
    """How often promises were kept: kept against broken (withdrawn ones do not count).

    Attributes:
        kept: promises kept.
        broken: promises broken.
    """

    kept: int
    broken: int

    @property
    def settled(self) -> int:
        """Promises kept or broken."""
        return self.kept + self.broken

    @property
    def rate(self) -> float | None:
        """The share kept, from 0 to 1; ``None`` while none was kept or broken."""
        return None if self.settled == 0 else self.kept / self.settled


@attrs.frozen
class PromiseSweepReport:
    """What :meth:`PromiseService.run` did.

    Attributes:
        at: the time the sweep ran for.
        broken: ids of promises recorded as broken (their due time passed unkept).
        warned: ids of promises warned about (most of their time has passed).
        expired: ids of stretch requests withdrawn because no approval came in time.
        failures: ``(id, message)`` for each due promise the sweep could not handle (it
            stays due, and the next run tries again).
    """

    at: pendulum.DateTime
    broken: tuple[str, ...] = ()
    warned: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()

    @property
    def changed(self) -> bool:
        """True if the sweep recorded anything."""
        return bool(self.broken or self.warned or self.expired)


def _positive(value: Any, field: str) -> pendulum.Duration:
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {field} = {value!r}; it must be a positive pendulum.Duration; pass e.g. "
            "pendulum.duration(days=2).",
            field=field,
        )
    return value


class PromiseService:
    """Promises on honest business calendars, reached as ``Relations.promises``.

    Args:
        pipeline: the command pipeline it runs commands through.
        relationships: where a promise's relationship is found (or started).
    """

    def __init__(self, pipeline: Pipeline, relationships: RelationshipService) -> None:
        self._p = pipeline
        self._relationships = relationships
        pipeline.add_hook(self._after_case_event)

    def _offering(self, offering_id: str) -> Offering:
        with self._p.reading() as uow:
            found = uow.find_record(Offering, ident(offering_id, "offering"))
        if found is None:
            raise NotFound(
                "offering",
                offering_id,
                "check the catalogue (rk.calendars.offerings) or register it",
            )
        return found

    def _calendar(self, calendar_id: str) -> BusinessCalendar:
        with self._p.reading() as uow:
            found = uow.find_record(BusinessCalendar, calendar_id)
        if found is None:
            raise NotFound("calendar", calendar_id, "register it (rk.calendars.register)")
        return found

    def earliest_due(
        self, offering: str, *, owner: str, now: pendulum.DateTime | None = None
    ) -> HonestDue:
        """The earliest honest due time of a promise by ``owner`` under ``offering`` (R4)."""
        when = self._p.now() if now is None else instant(now, "now")
        found = self._offering(offering)
        calendar = self._calendar(found.calendar_id)
        owner_id = ident(owner, "owner")
        config = self._p.config.promises
        with self._p.reading() as uow:
            load = owner_load(uow.read_only(), owner_id, config.capacity_for(owner_id))
        return honest_due(found, calendar, owner_id, when, load, config)

    # --- commands --------------------------------------------------------------------------

    def make(
        self,
        *,
        actor: str,
        what: str,
        due: pendulum.DateTime,
        party: str | None = None,
        offering: str | None = None,
        scope: Iterable[str] = (),
        owner: str | None = None,
        case: str | None = None,
        relationship: str | None = None,
        stretch: bool = False,
        stretch_reason: str | None = None,
        promise_id: str | None = None,
    ) -> Promise:
        """Make a delivery promise (R1, R4, R5, P1); return it.

        Args:
            actor: who makes it (a member of staff).
            what: what is promised, in the party's words.
            due: when it falls due (aware, any zone).
            party: whom it is made to; the case's client if omitted.
            offering: the offering it is delivered under.
            scope: the offering's scope items it promises (all if empty).
            owner: who answers for it; ``actor`` if omitted.
            case: the case it answers, if any.
            relationship: its relationship. Every promise belongs to one: if omitted, the
                case's (for a promise to the case's client), else the party's one live
                relationship (the latest ended one if all are ended), else a new one
                started with the promise (see :mod:`relationkit.app.relationships`).
            stretch: go beyond the offering's limits or the owner's capacity; the promise
                then waits for a manager other than the owner (:meth:`approve_stretch`).
            stretch_reason: why the stretch is worth it.
            promise_id: its id; generated if omitted.

        Raises:
            NotFound: the party, owner, case, offering or relationship does not exist.
            InvalidInput: the relationship is not the party's (or not the case's), or the
                party has several live ones and none is named.
            RuleViolation: a care rule refused; R4 names the earliest honest due time.
        """
        promise_id = new_id(Promise.KIND) if promise_id is None else ident(promise_id, "id")
        owner_id = ident(actor if owner is None else owner, "owner")
        case_obj = None
        if case is not None:
            with self._p.reading() as uow:
                case_obj = uow.get(Case, ident(case, "case"))
        party_id = (
            ident(party, "party")
            if party is not None
            else (case_obj.client_id if case_obj is not None else ident(party, "party"))
        )
        joining = None
        if (
            case_obj is not None
            and case_obj.relationship_id is not None
            and party_id == case_obj.client_id
        ):
            if relationship is not None and relationship != case_obj.relationship_id:
                raise InvalidInput(
                    f"refused: a promise on case {case_obj.id!r} in relationship "
                    f"{relationship!r}; the case belongs to {case_obj.relationship_id!r}, and "
                    "so does a promise on it; leave relationship out.",
                    field="relationship",
                )
            relationship = case_obj.relationship_id
        else:
            joining = self._relationships.joining(
                party_id,
                relationship,
                what="promise",
                reason=f"started by promise {promise_id!r}, the first to {party_id!r}",
            )
            relationship = joining.relationship_id
        offering_obj = None if offering is None else self._offering(offering)
        with self._p.reading() as uow:
            self._check_people(uow, owner_id, party_id)
        due_at = instant(due, "due")
        now = self._p.now()
        warn_at = self._warn_at(now, due_at, offering_obj)
        command = MakePromise(
            owner_id=owner_id,
            party_id=party_id,
            what=what,
            due_at=due_at,
            kind=DELIVERY,
            offering_id=None if offering_obj is None else offering_obj.id,
            scope=tuple(scope),
            case_id=None if case_obj is None else case_obj.id,
            relationship_id=relationship,
            warn_at=warn_at,
            stretch=stretch,
            stretch_reason=stretch_reason,
        )
        if joining is None:
            return self._p.create(Promise, command, actor=actor, aggregate_id=promise_id)
        check = joining.check
        return joining.run(
            lambda: self._p.create(
                Promise, command, actor=actor, aggregate_id=promise_id, check=check
            )
        )

    def keep(self, promise_id: str, *, actor: str, note: str | None = None) -> Promise:
        """Record that the promise was kept (before or at its due time)."""
        return self._p.execute(Promise, promise_id, KeepPromise(note=note), actor=actor)

    def renegotiate(
        self,
        promise_id: str,
        *,
        actor: str,
        due: pendulum.DateTime,
        party_told: str,
        reason: str | None = None,
    ) -> Promise:
        """Move the due time before it falls due, recording how the party was told."""
        current = self.get(promise_id)
        due_at = instant(due, "due")
        offering = None if current.offering_id is None else self._find_offering(current)
        warn_at = self._warn_at(self._p.now(), due_at, offering)
        command = RenegotiatePromise(
            due_at=due_at, party_told=party_told, reason=reason, warn_at=warn_at
        )
        return self._p.execute(
            Promise, promise_id, command, actor=actor, expected_version=current.version
        )

    def withdraw(self, promise_id: str, *, actor: str, reason: str) -> Promise:
        """Take the promise back before it falls due, saying why."""
        return self._p.execute(Promise, promise_id, WithdrawPromise(reason=reason), actor=actor)

    def approve_stretch(self, promise_id: str, *, actor: str, note: str | None = None) -> Promise:
        """A manager other than the owner approves a stretch promise; it is then made."""
        return self._p.execute(Promise, promise_id, ApproveStretch(note=note), actor=actor)

    # --- reading ---------------------------------------------------------------------------

    def get(self, promise_id: str) -> Promise:
        """The stored promise."""
        with self._p.reading() as uow:
            return uow.get(Promise, ident(promise_id, "promise_id"))

    def find(self, **where: Any) -> list[Promise]:
        """Promises whose indexed attributes match, e.g. ``find(owner_id="s-sam")``."""
        with self._p.reading() as uow:
            return uow.select(Promise, **where)

    def timeline(self, promise_id: str) -> list[Event]:
        """The promise's events, oldest first."""
        promise_id = ident(promise_id, "promise_id")
        with self._p.reading() as uow:
            uow.get(Promise, promise_id)
            return uow.events(Promise, promise_id)

    def update_promises(self, ticket: str) -> list[Promise]:
        """The update promises of a vendor ticket, oldest first: what the client was promised
        while the vendor worked, and whether each was kept, broken or is still open."""
        with self._p.reading() as uow:
            found = uow.get(VendorTicket, ident(ticket, "ticket"))
            promises = uow.select(Promise, case_id=found.case_id, kind=UPDATE)
        mine = [p for p in promises if p.ticket_id == found.id]
        return sorted(mine, key=lambda p: (p.made_at, p.due_at))

    def due_soon(
        self, now: pendulum.DateTime | None = None, within: pendulum.Duration | None = None
    ) -> list[Promise]:
        """Committed promises falling due after ``now`` and no later than ``now + within``
        (two days if omitted), soonest first."""
        when = self._p.now() if now is None else instant(now, "now")
        span = pendulum.duration(days=2) if within is None else _positive(within, "within")
        with self._p.reading() as uow:
            return uow.select(
                Promise,
                state__in=COMMITTED_STATES,
                due_at__gt=when,
                due_at__le=when + span,
                order_by="due_at",
            )

    def overdue(self, now: pendulum.DateTime | None = None) -> list[Promise]:
        """Committed promises whose due time has passed (the sweep will break them)."""
        when = self._p.now() if now is None else instant(now, "now")
        with self._p.reading() as uow:
            return uow.select(Promise, open_due_at__lt=when, order_by="open_due_at")

    def keeping_rate(
        self,
        *,
        owner: str | None = None,
        relationship: str | None = None,
        party: str | None = None,
    ) -> KeepingRate:
        """How often promises were kept, for an owner, a relationship, a party, or all."""
        where: dict[str, Any] = {}
        if owner is not None:
            where["owner_id"] = ident(owner, "owner")
        if relationship is not None:
            where["relationship_id"] = ident(relationship, "relationship")
        if party is not None:
            where["party_id"] = ident(party, "party")
        with self._p.reading() as uow:
            kept = uow.count(Promise, state="kept", **where)
            broken = uow.count(Promise, state="broken", **where)
        return KeepingRate(kept, broken)

    # --- the sweep -------------------------------------------------------------------------

    def run(self, now: pendulum.DateTime | None = None, *, batch: int = 100) -> PromiseSweepReport:
        """Record as broken every committed promise whose due time has passed, warn about
        those past their warning time, and withdraw stretch requests nobody approved in time.

        Running it again for the same time changes nothing more. It is safe to run from
        several processes at once (on PostgreSQL they share the work; on SQLite they take
        turns): each due promise is handled by exactly one of them, and each report lists
        what its own run did, in id order.

        Args:
            now: the time to sweep for; the clock's time if omitted.
            batch: how many promises one transaction claims.

        Raises:
            InsideBatch: called inside ``rk.batch()`` (nothing was read or written).
        """
        self._p.refuse_in_batch("rk.promises.run")
        when = self._p.now() if now is None else instant(now, "now")
        note = f"due time passed unkept (sweep of {when.isoformat()})"
        reason = "no manager approved the stretch before its due time"
        failures: list[tuple[str, str]] = []
        broken = self._sweep(
            "promises-break-overdue",
            {"open_due_at__lt": when},
            BreakPromise(note=note),
            when,
            batch,
            failures,
        )
        warned = self._sweep(
            "promises-warn-falling-due",
            {"state__in": COMMITTED_STATES, "warn_at__le": when, "due_at__ge": when},
            WarnPromise(),
            when,
            batch,
            failures,
        )
        expired = self._sweep(
            "promises-withdraw-unapproved-stretch",
            {"state": AWAITING_APPROVAL, "due_at__lt": when},
            WithdrawPromise(reason=reason),
            when,
            batch,
            failures,
        )
        return PromiseSweepReport(when, broken, warned, expired, tuple(failures))

    # --- internals -------------------------------------------------------------------------

    def _sweep(
        self,
        name: str,
        due: dict[str, Any],
        command: Command,
        now: pendulum.DateTime,
        batch: int,
        failures: list[tuple[str, str]],
    ) -> tuple[str, ...]:
        """Run ``command`` as the sweep on every promise ``due`` selects; the ids done. A
        promise that could not be handled is added to ``failures`` with the reason."""
        sweeper = sweeper_for(self._p.config, command.NAME)

        def process(uow: UnitOfWork, promise: Promise) -> Written:
            return self._p.run_on(uow, promise, command, actor=sweeper, now=now)

        result = process_due(self._p, Promise, due, process, name=name, batch=batch)
        failures.extend((item, str(exc)) for item, exc in result.refused)
        return result.processed

    def _check_people(self, uow: UnitOfWork, owner_id: str, party_id: str) -> None:
        if uow.find_record(Staff, owner_id) is None:
            hint = (
                "a promise is owned by a member of staff who answers for it; "
                "register them (Relations.register) or name a colleague"
            )
            if uow.find_record(Party, owner_id) is not None:
                raise InvalidInput(
                    f"refused: {owner_id!r} as the owner of a promise; they are a party, not "
                    f"staff; {hint}.",
                    field="owner",
                )
            raise NotFound("staff", owner_id, hint)
        if uow.find_record(Party, party_id) is None:
            raise NotFound("party", party_id, "register the party (Relations.register) first")

    def _find_offering(self, promise: Promise) -> Offering | None:
        with self._p.reading() as uow:
            return (
                None
                if promise.offering_id is None
                else uow.find_record(Offering, promise.offering_id)
            )

    def _calendar_for(
        self, records: Directory | UnitOfWork, offering: Offering | None
    ) -> BusinessCalendar | None:
        calendar_id = (
            self._p.config.promises.default_calendar if offering is None else offering.calendar_id
        )
        if calendar_id is None:
            return None
        return records.find_record(BusinessCalendar, calendar_id)

    def _warn_at(
        self,
        start: pendulum.DateTime,
        due: pendulum.DateTime,
        offering: Offering | None,
        records: Directory | UnitOfWork | None = None,
    ) -> pendulum.DateTime | None:
        """When the sweep should warn: after ``warn_fraction`` of the business time (on the
        offering's or the default calendar) from ``start`` to ``due``, or of the wall-clock
        time when there is no calendar or no business time in between."""
        if due <= start:
            return None
        fraction = self._p.config.promises.warn_fraction
        if records is None:
            with self._p.reading() as uow:
                calendar = self._calendar_for(uow, offering)
        else:
            calendar = self._calendar_for(records, offering)
        if calendar is not None:
            span = calendar.business_time_between(start, due)
            if span.total_seconds() > 0:
                part = pendulum.duration(seconds=span.total_seconds() * fraction)
                if part.total_seconds() > 0:
                    return min(calendar.add_business_time(start, part), due)
        seconds = (due - start).total_seconds() * fraction
        # Back in the due time's own zone object: a fixed offset ("+01:00") is no zone name.
        return start.in_timezone("UTC").add(seconds=seconds).in_timezone(due.timezone or "UTC")

    # --- deferral becomes a promise ----------------------------------------------------------

    def _after_case_event(
        self, event: Event, subject: Aggregate, attempt: Attempt
    ) -> Iterable[Any]:
        """Command hook: a deferral makes (or moves) a reply promise; a decision keeps it.
        A vendor ticket's cadence makes update promises; an update given keeps one."""
        if isinstance(subject, VendorTicket):
            return self._update_cadence(subject, event, attempt)
        if not isinstance(subject, Case):
            return ()
        if event.name == "DecisionDeferred":
            return self._promise_reply(subject, attempt)
        if event.name in DECISION_EVENTS:
            return self._keep_replies(subject, attempt)
        return ()

    def _open_replies(self, case: Case, attempt: Attempt) -> list[Promise]:
        found = attempt.directory.select(Promise, case_id=case.id, state__in=COMMITTED_STATES)
        return [p for p in found if p.kind == REPLY]

    def _promise_reply(self, case: Case, attempt: Attempt) -> list[FollowUp]:
        deferral = case.deferral
        if deferral is None:  # pragma: no cover - a deferral event always leaves one
            return []
        warn_at = self._warn_at(attempt.now, deferral.reply_by, None, attempt.directory)
        current = [p for p in self._open_replies(case, attempt) if attempt.now <= p.due_at]
        if current:
            promise = current[-1]
            if promise.due_at == deferral.reply_by:
                return []  # deferred again to the same time: the promise already says it
            return [
                FollowUp(
                    aggregate=Promise,
                    aggregate_id=promise.id,
                    command=RenegotiatePromise(
                        due_at=deferral.reply_by,
                        party_told=f"told with the new deferral: {deferral.reason}",
                        reason=deferral.reason,
                        warn_at=warn_at,
                    ),
                    why=f"deferring case {case.id!r} again moves its reply promise",
                )
            ]
        make = MakePromise(
            owner_id=attempt.actor.id,
            party_id=case.client_id,
            what=f"a reply on case {case.subject!r}",
            due_at=deferral.reply_by,
            kind=REPLY,
            case_id=case.id,
            relationship_id=case.relationship_id,
            warn_at=warn_at,
        )
        why = f"deferring case {case.id!r} makes a promise of a reply"
        return [FollowUp(aggregate=Promise, command=make, start=True, why=why)]

    def _keep_replies(self, case: Case, attempt: Attempt) -> list[FollowUp]:
        return [
            FollowUp(
                aggregate=Promise,
                aggregate_id=promise.id,
                command=KeepPromise(note=f"the case was answered ({case.state})"),
                why=f"answering case {case.id!r} keeps its reply promise",
            )
            for promise in self._open_replies(case, attempt)
            # answered late: the promise stays broken-to-be
            if attempt.now <= promise.due_at
        ]

    # --- a vendor ticket's update cadence becomes promises (R8) ------------------------------

    def _update_cadence(
        self, ticket: VendorTicket, event: Event, attempt: Attempt
    ) -> list[FollowUp]:
        """Keep the update promise an update answers (if in time); promise the next update
        the ticket says the client is owed."""
        results: list[FollowUp] = []
        if event.name in UPDATE_EVENTS:
            given = ticket.last_update
            assert given is not None  # an update event leaves its update
            for promise in self._open_updates(ticket, attempt):
                if promise.id != given.answers or attempt.now > promise.due_at:
                    continue  # a late update: the promise stays broken-to-be
                results.append(
                    FollowUp(
                        aggregate=Promise,
                        aggregate_id=promise.id,
                        command=KeepPromise(note=f"the client was updated: {given.message}"),
                        why=f"updating the client on ticket {ticket.id!r} keeps the promise",
                    )
                )
        if event.name not in CADENCE_STEPS:
            return results  # the vendor's steps owe the client nothing new
        promise_id = ticket.update_promise_id
        due = ticket.next_update_due
        if (
            promise_id is None
            or due is None
            or due <= attempt.now
            or attempt.directory.find(Promise, promise_id)
        ):
            return results
        make = MakePromise(
            owner_id=attempt.actor.id,
            party_id=ticket.client_id,
            what=f"an update on {ticket.problem!r} while vendor {ticket.vendor_id!r} works on it",
            due_at=due,
            kind=UPDATE,
            case_id=ticket.case_id,
            relationship_id=ticket.relationship_id,
            ticket_id=ticket.id,
            warn_at=self._warn_at(attempt.now, due, None, attempt.directory),
        )
        why = (
            f"{event.name} on vendor ticket {ticket.id!r} promises the client an update by "
            f"{due.isoformat()}"
        )
        results.append(
            FollowUp(aggregate=Promise, aggregate_id=promise_id, command=make, start=True, why=why)
        )
        return results

    def _open_updates(self, ticket: VendorTicket, attempt: Attempt) -> list[Promise]:
        found = attempt.directory.select(
            Promise, case_id=ticket.case_id, kind=UPDATE, state__in=COMMITTED_STATES
        )
        return [p for p in found if p.ticket_id == ticket.id]
