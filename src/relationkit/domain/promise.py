"""The Promise aggregate: a commitment to a party, owned by one member of staff, due at a time.

A promise is made (or, as a stretch beyond what the business can honestly do, requested and
approved by a manager), then kept, broken when its due time passes unkept, renegotiated
before it falls due with the party told, or withdrawn before it falls due with a reason.
A deferral on a case ("we will reply by Friday") is a promise too: a *reply* promise; so is
each update a client is owed while a vendor works on their problem: an *update* promise, made
by the vendor ticket's cadence (care rule R8).

Example:
    >>> from relationkit.domain.promise import KeepPromise, RenegotiatePromise
    >>> KeepPromise().NAME, KeepPromise.EVENT
    ('keep', 'PromiseKept')
    >>> RenegotiatePromise.NAME
    'renegotiate'
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.events import Event
from relationkit.domain.values import (
    an_id,
    aware,
    flag,
    optional,
    optional_aware,
    optional_id,
    required,
    texts,
    to_pendulum,
)
from relationkit.exceptions import InvalidInput

__all__ = [
    "AWAITING_APPROVAL",
    "COMMITTED_STATES",
    "DELIVERY",
    "KINDS",
    "OPEN_STATES",
    "REPLY",
    "UPDATE",
    "ApproveStretch",
    "BreakPromise",
    "KeepPromise",
    "MakePromise",
    "Promise",
    "PromiseHistory",
    "Renegotiation",
    "RenegotiatePromise",
    "WarnPromise",
    "WithdrawPromise",
]

DELIVERY = "delivery"
"""A promise to deliver something of an offering (checked by R4 and R5)."""
REPLY = "reply"
"""A promise to reply on a case by a time: what a deferral becomes (R3)."""
UPDATE = "update"
"""A promise to update the client by a time while a vendor works on their problem: what a
vendor ticket's update cadence becomes (R8). Made, kept and ended by the ticket only."""
KINDS = (DELIVERY, REPLY, UPDATE)
"""Every kind of promise."""

AWAITING_APPROVAL = "awaiting_approval"
"""The state of a stretch promise until a manager other than its owner approves it."""
COMMITTED_STATES = ("made", "renegotiated")
"""States of a promise the party is counting on: it can still be kept or broken."""
OPEN_STATES = (AWAITING_APPROVAL, *COMMITTED_STATES)
"""States of a promise not yet settled (kept, broken or withdrawn)."""


def _required() -> Any:
    return attrs.field(validator=required)


def _optional() -> Any:
    return attrs.field(default=None, validator=optional)


def _id() -> Any:
    return attrs.field(validator=an_id)


def _optional_id() -> Any:
    return attrs.field(default=None, validator=optional_id)


def _kind(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in KINDS:
        raise InvalidInput(
            f"refused: kind = {value!r}; a promise delivers something ({DELIVERY!r}), "
            f"promises a reply ({REPLY!r}) or an update on a vendor ticket ({UPDATE!r}); use "
            "one of those.",
            field=attribute.name,
        )


def _scope_items(value: Any) -> tuple[str, ...]:
    return texts(value, "scope")


# --- values kept on a promise -----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Renegotiation:
    """A due time moved before it fell due, and how the party was told."""

    previous_due_at: pendulum.DateTime
    due_at: pendulum.DateTime
    party_told: str
    reason: str | None
    by: str
    at: pendulum.DateTime


# --- commands ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class MakePromise(Command):
    """Promise ``what`` to a party by ``due_at``.

    A delivery promise names the offering it is delivered under (R4) and, when it belongs to
    a case, waits until the client was heard (R1) and their expectations settled (R5). With
    ``stretch=True`` it asks to go beyond the offering's scope, lead time or the owner's
    capacity; it then waits for a manager other than the owner to approve it.

    Attributes:
        owner_id: the member of staff who answers for it.
        party_id: whom it is made to.
        what: what is promised, in words the party would use.
        due_at: when it falls due (aware; any zone).
        kind: ``"delivery"``, ``"reply"`` or ``"update"``.
        offering_id: the offering a delivery promise is delivered under.
        scope: the offering's scope items it promises (all of them if empty).
        case_id: the case it answers, if any.
        relationship_id: the relationship it belongs to.
        ticket_id: the vendor ticket whose update cadence an update promise stands for.
        warn_at: when the sweep warns that it is falling due, if at all.
        stretch: it goes beyond the limits and needs approval.
        stretch_reason: why a stretch is worth it.
    """

    NAME: ClassVar[str] = "make"
    EVENT: ClassVar[str] = "PromiseMade"

    owner_id: str = _id()
    party_id: str = _id()
    what: str = _required()
    due_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    kind: str = attrs.field(default=DELIVERY, validator=_kind)
    offering_id: str | None = _optional_id()
    scope: tuple[str, ...] = attrs.field(default=(), converter=_scope_items)
    case_id: str | None = _optional_id()
    relationship_id: str | None = _optional_id()
    ticket_id: str | None = _optional_id()
    warn_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_pendulum, validator=optional_aware
    )
    stretch: bool = attrs.field(default=False, validator=flag)
    stretch_reason: str | None = _optional()


@attrs.frozen(kw_only=True)
class ApproveStretch(Command):
    """A manager other than the owner approves a stretch promise (R4); it is then made."""

    NAME: ClassVar[str] = "approve_stretch"
    EVENT: ClassVar[str] = "StretchApproved"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class KeepPromise(Command):
    """Record that the promise was kept, at or before its due time."""

    NAME: ClassVar[str] = "keep"
    EVENT: ClassVar[str] = "PromiseKept"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class BreakPromise(Command):
    """Record that the due time passed with the promise unkept (the sweep does this)."""

    NAME: ClassVar[str] = "mark_broken"
    EVENT: ClassVar[str] = "PromiseBroken"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class RenegotiatePromise(Command):
    """Move the due time, before it falls due, having told the party.

    Attributes:
        due_at: the new due time (in the future).
        party_told: how and when the party was told, and what they said.
        reason: why the time moves.
        warn_at: the new warning time, if any.
    """

    NAME: ClassVar[str] = "renegotiate"
    EVENT: ClassVar[str] = "PromiseRenegotiated"

    due_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    party_told: str = _required()
    reason: str | None = _optional()
    warn_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_pendulum, validator=optional_aware
    )


@attrs.frozen(kw_only=True)
class WithdrawPromise(Command):
    """Take the promise back before it falls due, saying why."""

    NAME: ClassVar[str] = "withdraw"
    EVENT: ClassVar[str] = "PromiseWithdrawn"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class WarnPromise(Command):
    """The sweep's warning that most of the time to keep the promise has passed."""

    NAME: ClassVar[str] = "warn"
    EVENT: ClassVar[str] = "PromiseFallingDue"

    note: str | None = _optional()


# --- the history and the aggregate ------------------------------------------------------------


@attrs.define(kw_only=True)
class PromiseHistory(History):
    """Every change of a promise's due time, from its timeline
    (:meth:`Relations.history <relationkit.app.relations.Relations.history>`).

    Attributes:
        renegotiations: each time the due time moved, oldest first.
    """

    renegotiations: list[Renegotiation] = attrs.Factory(list)

    def _on_renegotiate(self, subject: Promise, command: RenegotiatePromise, event: Event) -> None:
        assert subject.last_renegotiation is not None
        self.renegotiations.append(subject.last_renegotiation)


@attrs.define(kw_only=True)
class Promise(Aggregate):
    """A commitment to a party, from the moment it is made to the moment it is settled.

    Attributes:
        owner_id: the member of staff who answers for it.
        party_id: whom it was made to.
        what: what was promised.
        kind: ``"delivery"``, ``"reply"`` (a deferral's promised reply) or ``"update"``
            (an update a vendor ticket's cadence owes the client).
        due_at: when it falls due now.
        original_due_at: the due time first promised.
        made_by: who made it.
        made_at: when.
        offering_id: the offering it is delivered under, if any.
        scope: the offering's scope items it promises.
        case_id: the case it answers, if any.
        relationship_id: the relationship it belongs to (``None`` only on promises recorded
            before every promise belonged to one).
        ticket_id: the vendor ticket whose update cadence an update promise stands for.
        warn_at: when the sweep will warn that it is falling due (``None`` once warned).
        warned_at: when the sweep warned.
        stretch: it went beyond the limits and needed approval (R4).
        stretch_reason: why the stretch was asked for.
        stretch_approved_by: the manager who approved it.
        stretch_approved_at: when.
        renegotiation_count: how many times the due time moved (each one is in its
            :class:`PromiseHistory`).
        last_renegotiation: the latest move of the due time, if any.
        settled_at: when it was kept, broken or withdrawn.
        settled_by: who settled it.
        outcome_note: the note or reason given when it was settled.
    """

    KIND: ClassVar[str] = "promise"
    INDEXED: ClassVar[tuple[str, ...]] = (
        "state",
        "owner_id",
        "party_id",
        "relationship_id",
        "case_id",
        "offering_id",
        "kind",
        "due_at",
        "warn_at",
        "open_due_at",
    )
    SNAPSHOT_VERSION: ClassVar[int] = 2
    HISTORY: ClassVar[type[History]] = PromiseHistory

    owner_id: str
    party_id: str
    what: str
    kind: str
    due_at: pendulum.DateTime
    original_due_at: pendulum.DateTime
    made_by: str
    made_at: pendulum.DateTime
    offering_id: str | None = None
    scope: tuple[str, ...] = ()
    case_id: str | None = None
    relationship_id: str | None = None
    ticket_id: str | None = None
    warn_at: pendulum.DateTime | None = None
    warned_at: pendulum.DateTime | None = None
    stretch: bool = False
    stretch_reason: str | None = None
    stretch_approved_by: str | None = None
    stretch_approved_at: pendulum.DateTime | None = None
    renegotiation_count: int = 0
    last_renegotiation: Renegotiation | None = None
    settled_at: pendulum.DateTime | None = None
    settled_by: str | None = None
    outcome_note: str | None = None

    @property
    def open_due_at(self) -> pendulum.DateTime | None:
        """The due time while the promise is counted on (made or renegotiated), ``None``
        otherwise. Indexed, so "what is overdue" reads only open promises: a database's
        statistics on this column alone say how few are overdue, which statistics on
        ``state`` and ``due_at`` apart cannot."""
        return self.due_at if self.state in COMMITTED_STATES else None

    @classmethod
    def made(cls, event: Event, command: MakePromise, state: str) -> Promise:
        """The promise that ``event`` (a ``PromiseMade``) creates: in ``state``, or awaiting
        approval when it is a stretch."""
        promise = cls(
            id=event.aggregate_id,
            state=AWAITING_APPROVAL if command.stretch else state,
            owner_id=command.owner_id,
            party_id=command.party_id,
            what=command.what,
            kind=command.kind,
            due_at=command.due_at,
            original_due_at=command.due_at,
            made_by=event.actor_id,
            made_at=event.at,
            offering_id=command.offering_id,
            scope=command.scope,
            case_id=command.case_id,
            relationship_id=command.relationship_id,
            ticket_id=command.ticket_id,
            warn_at=command.warn_at,
            stretch=command.stretch,
            stretch_reason=command.stretch_reason,
        )
        promise.version = event.sequence
        promise.head = event.hash
        return promise

    # Derived views -------------------------------------------------------------------------

    def involves(self, party_id: str) -> bool:
        """True for the party the promise was made to."""
        return party_id == self.party_id

    @property
    def is_open(self) -> bool:
        """True until it is kept, broken or withdrawn."""
        return self.state in OPEN_STATES

    @property
    def is_committed(self) -> bool:
        """True while the party counts on it (made or renegotiated, not yet settled)."""
        return self.state in COMMITTED_STATES

    def is_overdue(self, now: pendulum.DateTime) -> bool:
        """True if it is committed and its due time has passed."""
        return self.is_committed and now > self.due_at

    def due_in(self, zone: str) -> pendulum.DateTime:
        """The due time as the clock in ``zone`` shows it (a party's or an office's)."""
        return self.due_at.in_timezone(zone)

    # Event handlers ------------------------------------------------------------------------

    def _settle(self, event: Event, note: str | None) -> None:
        self.settled_at = event.at
        self.settled_by = event.actor_id
        self.outcome_note = note
        self.warn_at = None

    def _on_approve_stretch(self, command: ApproveStretch, event: Event) -> None:
        self.stretch_approved_by = event.actor_id
        self.stretch_approved_at = event.at

    def _on_keep(self, command: KeepPromise, event: Event) -> None:
        self._settle(event, command.note)

    def _on_mark_broken(self, command: BreakPromise, event: Event) -> None:
        self._settle(event, command.note)

    def _on_withdraw(self, command: WithdrawPromise, event: Event) -> None:
        self._settle(event, command.reason)

    def _on_renegotiate(self, command: RenegotiatePromise, event: Event) -> None:
        self.renegotiation_count += 1
        self.last_renegotiation = Renegotiation(
            previous_due_at=self.due_at,
            due_at=command.due_at,
            party_told=command.party_told,
            reason=command.reason,
            by=event.actor_id,
            at=event.at,
        )
        self.due_at = command.due_at
        self.warn_at = command.warn_at
        self.warned_at = None

    def _on_warn(self, command: WarnPromise, event: Event) -> None:
        self.warned_at = event.at
        self.warn_at = None

    # Stored snapshots of earlier versions ----------------------------------------------------

    @classmethod
    def upgrade_snapshot(cls, data: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Version 1 kept every renegotiation; version 2 keeps how many and the latest."""
        if from_version < 2:
            data = dict(data)
            renegotiations = data.pop("renegotiations", None) or []
            data["renegotiation_count"] = len(renegotiations)
            if renegotiations:
                data["last_renegotiation"] = renegotiations[-1]
            from_version = 2
        return super().upgrade_snapshot(data, from_version)
