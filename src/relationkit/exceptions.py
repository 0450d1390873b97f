"""Every error relationkit raises.

All of them derive from :class:`RelationkitError`, so ``except RelationkitError`` catches
anything the library refuses. Where a builtin fits, an error subclasses it too
(:class:`InvalidInput` is a :class:`ValueError`, :class:`NotFound` a :class:`LookupError`,
:class:`NotPermitted` a :class:`PermissionError`), so code that already handles those keeps
working.

Every message says what was refused, why, and what to do instead. The same facts are kept
as attributes (``aggregate_id``, ``rule_id``, ``actor_id`` …) for programs, and every error
says whether running the same operation again can succeed by itself (``retryable``): only a
conflict with another writer (:class:`ConcurrencyError`, :class:`TransactionConflict`) and a
lost connection (:class:`ConnectionLost`) are; :func:`relationkit.retry` re-runs exactly
those.

Example:
    >>> from relationkit.exceptions import EmptyText, InvalidInput
    >>> err = EmptyText("paraphrase")
    >>> isinstance(err, InvalidInput) and isinstance(err, ValueError)
    True
    >>> print(err)
    refused: 'paraphrase' is empty; a blank text records nothing; give the text in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cattrs

__all__ = [
    "ActorRequired",
    "AggregateCorrupted",
    "AlreadyRegistered",
    "BeyondHorizon",
    "ColumnOutOfStep",
    "ConcurrencyError",
    "ConnectionLost",
    "DatabaseCorrupted",
    "EmptyText",
    "InvalidFields",
    "InvalidInput",
    "InvalidTransition",
    "MigrationNeeded",
    "NaiveDateTime",
    "NotFound",
    "NotPermitted",
    "OutOfRange",
    "OutcomeUnknown",
    "ReadOnlyStore",
    "RecordCorrupted",
    "RelationshipEnded",
    "RelationkitError",
    "RuleViolation",
    "RuleViolations",
    "SchemaError",
    "StoreError",
    "TimelineBroken",
    "TransactionConflict",
    "RelationkitWarning",
    "UnknownStateValue",
    "UnknownTimeZone",
    "UnreadableSkipped",
    "WrongPartyKind",
]


def _sentence(what: str, why: str, fix: str) -> str:
    return f"refused: {what}; {why}; {fix}."


class RelationkitError(Exception):
    """Base class of every error relationkit raises on purpose.

    Attributes:
        retryable: whether running the same operation again, on fresh state, can succeed
            without anything else changing first (false unless a subclass says otherwise).
    """

    retryable: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than their message, so rebuild without __init__:
        # errors then survive pickling (worker processes, task queues) with their attributes.
        return (_rebuild_error, (type(self), self.args, self.__dict__.copy()))


def _rebuild_error(
    cls: type[RelationkitError], args: tuple[Any, ...], state: dict[str, Any]
) -> RelationkitError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


# --- bad input -------------------------------------------------------------------------------


class InvalidInput(RelationkitError, ValueError):
    """A value given to relationkit is not acceptable (blank, naive, out of range …).

    Attributes:
        field: the name of the argument or attribute that was refused.
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class InvalidFields(cattrs.ClassValidationError, InvalidInput):
    """Data given to build a relationkit object (a command's arguments sent as JSON, say)
    has fields missing, unknown, or of the wrong type: what
    :data:`relationkit.serialization.converter` raises. Nothing is coerced: ``true`` is not
    the text ``"True"``, ``"yes"`` is not ``True``, ``true`` is not the number 1.

    It is an :class:`InvalidInput` (``field`` names the first field refused) and a cattrs
    ``ClassValidationError`` whose ``exceptions`` are the problems one by one, each an
    :class:`InvalidInput` naming its field, so code written for either catches it.

    Attributes:
        field: the first field refused (``"text"``; ``"scope.1"`` for an item of a list).
        fields: every field refused, in order.
        cl: the class that was being built.
    """

    def __new__(
        cls,
        message: str,
        exceptions: Sequence[Exception],
        cl: type,
        fields: Sequence[str] = (),
    ) -> InvalidFields:
        return super().__new__(cls, message, list(exceptions), cl)

    def __init__(
        self,
        message: str,
        exceptions: Sequence[Exception],
        cl: type,
        fields: Sequence[str] = (),
    ) -> None:
        cattrs.ClassValidationError.__init__(self, message, list(exceptions))
        self.fields = tuple(fields)
        self.field = self.fields[0] if self.fields else ""

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (InvalidFields, (self.message, list(self.exceptions), self.cl, self.fields))

    def derive(self, excs: Sequence[Exception]) -> InvalidFields:  # type: ignore[override]
        return InvalidFields(self.message, excs, self.cl, self.fields)


class EmptyText(InvalidInput):
    """A text field is empty or only white space."""

    def __init__(self, field: str) -> None:
        super().__init__(
            _sentence(
                f"{field!r} is empty", "a blank text records nothing", "give the text in words"
            ),
            field=field,
        )


class NaiveDateTime(InvalidInput):
    """A datetime without a time zone was given where an instant is needed."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(
            _sentence(
                f"{field!r} = {value!s} has no time zone",
                "a time without a zone means different instants to a client and to staff",
                "pass an aware time, e.g. pendulum.datetime(2026, 5, 4, 9, tz='Europe/Paris')",
            ),
            field=field,
        )


class UnknownTimeZone(InvalidInput):
    """A time zone name is not in the IANA database."""

    def __init__(self, field: str, name: str) -> None:
        super().__init__(
            _sentence(
                f"{field!r} names the time zone {name!r}",
                "it is not a zone of the IANA time zone database",
                "use a name such as 'Europe/Berlin', 'America/New_York' or 'UTC'",
            ),
            field=field,
        )
        self.name = name


class OutOfRange(InvalidInput):
    """A number is outside the range its field allows."""

    def __init__(self, field: str, value: object, low: object, high: object) -> None:
        super().__init__(
            _sentence(
                f"{field!r} = {value!r}",
                f"it must lie between {low} and {high}",
                "give a value within that range",
            ),
            field=field,
        )
        self.value = value
        self.low = low
        self.high = high


class BeyondHorizon(InvalidInput):
    """An amount of business time reaches further ahead than business-time arithmetic
    counts: the supported horizon (:data:`relationkit.calendars.HORIZON`, about ten years
    of calendar). It is not that the calendar has no working time; the amount is too long.

    Attributes:
        field: the argument or attribute refused (``"days"``, ``"amount"``, ``"end"`` …).
        value: the value refused.
        horizon_days: the horizon, in days of calendar.
        calendar_id: the calendar it was counted on, when the horizon ran out while
            counting (``None`` when the amount alone is too long).
    """

    def __init__(
        self,
        field: str,
        value: object,
        horizon_days: int,
        *,
        calendar_id: str | None = None,
        counted_from: object = None,
    ) -> None:
        where = "" if calendar_id is None else f" on calendar {calendar_id!r}"
        since = "" if counted_from is None else f", counted from {counted_from}"
        super().__init__(
            _sentence(
                f"{field} = {value!r}{where}{since}",
                "that reaches beyond the supported horizon: business time is counted at "
                f"most {horizon_days} days of calendar (about ten years) ahead",
                "give a shorter amount, or count a long piece of work as several promises, "
                "each within the horizon",
            ),
            field=field,
        )
        self.value = value
        self.horizon_days = horizon_days
        self.calendar_id = calendar_id


class WrongPartyKind(InvalidInput):
    """A party of one kind was given where another kind is needed (a client named as the
    vendor of an escalation, say).

    Attributes:
        party_id: the party given.
        expected: the kind needed (``"vendor"``).
        actual: the party's kind.
    """

    def __init__(self, field: str, party_id: str, expected: str, actual: str) -> None:
        super().__init__(
            _sentence(
                f"{field!r} names {party_id!r}, a {actual}",
                f"only a {expected} can be named there",
                f"name a registered {expected} (register it as a {expected.capitalize()})",
            ),
            field=field,
        )
        self.party_id = party_id
        self.expected = expected
        self.actual = actual


class AlreadyRegistered(InvalidInput):
    """An id given to register someone (or to define an entitlement, publish a policy
    version, register a business calendar or an offering, define a service-level policy)
    already names an entry of the directory: one id names one person, whatever their kind
    (one calendar, one offering, one service-level policy),
    and an entry changes only through its own commands, on its timeline.

    Attributes:
        id: the id that is taken.
        kind: what it names now (``"client"``, ``"staff"``, ``"entitlement"`` …).
        wanted: what it was to name (``"staff"`` …).
    """

    def __init__(self, id: str, kind: str, wanted: str, fix: str) -> None:
        what = "the same" if kind == wanted else f"a {kind}"
        super().__init__(
            _sentence(
                f"registering {wanted} {id!r}",
                f"the id {id!r} already names {what} in the directory, and one id names one "
                "entry, whose changes are kept on its timeline",
                fix,
            ),
            field="id",
        )
        self.id = id
        self.kind = kind
        self.wanted = wanted


class ActorRequired(InvalidInput):
    """A command of the directory (registering, changing someone's details or roles,
    publishing a policy, setting an entitlement's targets, registering or changing a
    business calendar or an offering, defining or changing a service-level policy) was
    given without an actor, after the directory's setup: the setup actor acts only while no
    active member of staff may run the command, and someone may now.

    Attributes:
        command: the command (``"register"``, ``"grant_role"`` …).
        holders: some active members of staff who may run it.
    """

    def __init__(self, command: str, holders: Sequence[str]) -> None:
        shown = ", ".join(repr(h) for h in holders[:3]) + (" …" if len(holders) > 3 else "")
        super().__init__(
            _sentence(
                f"{command!r} without an actor",
                f"active staff may run it ({shown}), and the setup actor stands in only while "
                "nobody may, so that no one's authority is passed over",
                "name who does it (actor='s-…'); their roles are checked as for every command",
            ),
            field="actor",
        )
        self.command = command
        self.holders = tuple(holders)


# --- lookups and permissions ----------------------------------------------------------------


class NotFound(RelationkitError, LookupError):
    """Nothing of that kind is stored under that id.

    Attributes:
        kind: what was looked for (``"case"``, ``"party"``, ``"policy clause"`` …).
        id: the id that was not found.
    """

    def __init__(self, kind: str, id: str, hint: str = "") -> None:
        fix = hint or f"check the id, or create the {kind} first"
        super().__init__(_sentence(f"no {kind} with id {id!r}", "nothing is stored under it", fix))
        self.kind = kind
        self.id = id


# --- workflow and care rules ----------------------------------------------------------------


class InvalidTransition(RelationkitError):
    """The command does not exist in the aggregate's current state.

    Attributes:
        aggregate_id: the aggregate's id.
        state: its current state.
        command: the command that was refused.
        allowed: the commands its state does offer.
    """

    def __init__(
        self,
        *,
        kind: str,
        aggregate_id: str,
        state: str,
        command: str,
        allowed: Sequence[str],
    ) -> None:
        offer = ", ".join(sorted(allowed)) or "nothing (it is final)"
        super().__init__(
            _sentence(
                f"{command!r} on {kind} {aggregate_id!r}",
                f"the {kind} is {state!r}, which does not offer it",
                f"from {state!r} you may: {offer}",
            )
        )
        self.aggregate_id = aggregate_id
        self.state = state
        self.command = command
        self.allowed = tuple(sorted(allowed))


class RelationshipEnded(InvalidTransition):
    """The relationship was ended: it takes no new case (or promise) until re-engaged."""

    def __init__(self, relationship_id: str, command: str) -> None:
        super().__init__(
            kind="relationship",
            aggregate_id=relationship_id,
            state="ended",
            command=command,
            allowed=("reengage",),
        )
        self.args = (
            _sentence(
                f"{command!r} for relationship {relationship_id!r}",
                "the relationship was ended and accepts nothing new",
                "a manager may re-engage it first (reengage), with the reason",
            ),
        )


class RuleViolation(RelationkitError):
    """A care rule refused a command.

    Attributes:
        rule_id: the rule's id, such as ``"R1"``.
        aggregate_id: the case (or other aggregate) the command was aimed at.
        actor_id: who issued the command.
        command: the command's name.
        reason: the rule's own explanation, including what to do instead.
    """

    def __init__(
        self,
        *,
        rule_id: str,
        aggregate_id: str,
        actor_id: str,
        command: str,
        reason: str,
    ) -> None:
        super().__init__(f"[{rule_id}] refused {command!r} on {aggregate_id!r}: {reason}")
        self.rule_id = rule_id
        self.aggregate_id = aggregate_id
        self.actor_id = actor_id
        self.command = command
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_violation, (type(self), self.__dict__.copy()))


def _rebuild_violation(cls: type[RuleViolation], state: dict[str, Any]) -> RuleViolation:
    # The attributes are the constructor's keywords, for a RuleViolation and its subclasses.
    return cls(**state)


class NotPermitted(RuleViolation, PermissionError):
    """The actor may not run this command at all: a *gate* refused it, by default the
    authority rule ``ROLE`` (staff roles, and a party answering only for what concerns it).

    It is a :class:`RuleViolation` (``rule_id`` names the gate), and the only refusal
    reported when it happens: no other rule is asked about a command its actor may not run.

    Attributes:
        rule_id: the gate's id (``"ROLE"``).
        aggregate_id: the aggregate the command was aimed at (for a creation, the id the
            new aggregate would have had).
        kind: the aggregate's kind (``"case"``), if known.
        actor_id: who tried.
        command: the command that was refused.
        reason: why, and whom to ask instead.
    """

    def __init__(
        self,
        *,
        rule_id: str = "ROLE",
        aggregate_id: str,
        actor_id: str,
        command: str,
        reason: str,
        kind: str = "",
    ) -> None:
        super().__init__(
            rule_id=rule_id,
            aggregate_id=aggregate_id,
            actor_id=actor_id,
            command=command,
            reason=reason,
        )
        self.kind = kind
        what = f"{kind} {aggregate_id!r}" if kind else repr(aggregate_id)
        self.args = (f"refused: {command!r} on {what} by {actor_id!r}; {reason}.",)


class RuleViolations(RelationkitError, ExceptionGroup[RuleViolation]):
    """Several care rules refused one command; each is a :class:`RuleViolation` inside.

    Raised instead of a lone :class:`RuleViolation` when more than one rule objects, so a user
    sees everything to fix at once. ``except* RuleViolation`` catches both shapes.

    Attributes:
        violations: the individual refusals, in rule order.
        rule_ids: their rule ids.
    """

    def __new__(cls, message: str, violations: Sequence[RuleViolation]) -> RuleViolations:
        return super().__new__(cls, message, list(violations))

    def __init__(self, message: str, violations: Sequence[RuleViolation]) -> None:
        super().__init__(message, list(violations))

    def derive(self, excs: Sequence[RuleViolation]) -> RuleViolations:  # type: ignore[override]
        return RuleViolations(self.message, excs)

    @property
    def violations(self) -> tuple[RuleViolation, ...]:
        """The individual refusals."""
        return tuple(v for v in self.exceptions if isinstance(v, RuleViolation))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules that refused, in order."""
        return tuple(v.rule_id for v in self.violations)


# --- state and storage ------------------------------------------------------------------------


class ConcurrencyError(RelationkitError):
    """Someone else changed the aggregate since it was read (a stale version). Nothing of
    the command was stored; running it again on fresh state usually succeeds
    (``retryable``).

    Attributes:
        aggregate_id: the aggregate's id.
        expected: the version the writer held.
        actual: the version that is stored (``None`` when unknown).
    """

    def __init__(self, kind: str, aggregate_id: str, expected: int, actual: int | None) -> None:
        now = "a newer one" if actual is None else f"version {actual}"
        super().__init__(
            _sentence(
                f"writing {kind} {aggregate_id!r} at version {expected}",
                f"the store holds {now}, so another command changed it first",
                "read it again and re-run the command (see relationkit.retry)",
            )
        )
        self.kind = kind
        self.aggregate_id = aggregate_id
        self.expected = expected
        self.actual = actual

    retryable = True


class TransactionConflict(ConcurrencyError):
    """The database gave up a transaction because another one ran at the same time: a
    deadlock or a serialization failure (PostgreSQL), or another writer holding SQLite's
    lock past the timeout. Nothing of the transaction was stored, and running it again
    usually succeeds, so it is a :class:`ConcurrencyError` that
    :func:`~relationkit.retry` re-runs.

    Attributes:
        where: the store's URL (without password).
        reason: what the database reported.
        kind: ``"transaction"``; ``aggregate_id`` is empty, ``expected`` 0 and ``actual``
            ``None``, since the database does not say which aggregate was involved.
    """

    def __init__(self, where: str, reason: str) -> None:
        RelationkitError.__init__(
            self,
            _sentence(
                f"a transaction on {where}",
                f"the database gave it up because of another transaction running at the same "
                f"time ({reason}), so nothing of it was stored",
                "run the command again (relationkit.retry does), and keep units of work short",
            ),
        )
        self.where = where
        self.reason = reason
        self.kind = "transaction"
        self.aggregate_id = ""
        self.expected = 0
        self.actual = None


class AggregateCorrupted(RelationkitError):
    """A stored aggregate cannot be read back (bad data, unknown state value …), or what is
    stored of it does not agree with itself.

    Attributes:
        kind: the aggregate kind.
        aggregate_id: the aggregate that cannot be read.
        problem: what is wrong, in words.
    """

    def __init__(self, kind: str, aggregate_id: str, problem: str, *, fix: str = "") -> None:
        super().__init__(
            _sentence(
                f"reading {kind} {aggregate_id!r}",
                f"its stored data is corrupt: {problem}",
                fix
                or "restore it from a backup or rebuild it from its timeline; "
                "other aggregates are unaffected",
            )
        )
        self.kind = kind
        self.aggregate_id = aggregate_id
        self.problem = problem


class ColumnOutOfStep(AggregateCorrupted):
    """A column a SQL store keeps beside an aggregate's snapshot, for queries and for
    checking versions, disagrees with the snapshot: its ``version``, or the column of an
    indexed attribute (``state``, ``due_at`` …).

    Both are derived from the snapshot, so when the snapshot itself is sound
    :meth:`Relations.repair_columns <relationkit.app.relations.Relations.repair_columns>`
    rewrites them from it.

    Attributes:
        column: the column's name (``"version"`` or the indexed attribute's).
        stored: the value the column holds (of whatever type the database returned).
        expected: the value the aggregate says it should hold.
    """

    def __init__(
        self,
        kind: str,
        aggregate_id: str,
        column: str,
        stored: object,
        expected: object,
        *,
        source: str = "snapshot",
    ) -> None:
        if column == "version":
            problem = (
                f"its version column holds {stored!r} while its {source} is at version "
                f"{expected!r}, so every command on it is refused"
            )
        else:
            problem = (
                f"its indexed column {column!r} holds {stored!r} while its {source} says "
                f"{expected!r}, so queries by {column} find it where it is not"
            )
        super().__init__(
            kind,
            aggregate_id,
            problem,
            fix="if its snapshot and timeline are sound, rewrite the column from the snapshot "
            "with Relations.repair_columns; otherwise restore it from a backup",
        )
        self.column = column
        self.stored = stored
        self.expected = expected


class RecordCorrupted(AggregateCorrupted):
    """A stored plain record (a party, a staff member, a policy …) cannot be read back, or
    is stored under another id or sort key than its own data gives.

    Attributes:
        kind: the record's kind (``"party"``, ``"staff"`` …).
        aggregate_id: the id it is stored under (also ``record_id``).
        problem: what is wrong, in words.
    """

    def __init__(self, kind: str, record_id: str, problem: str, *, fix: str = "") -> None:
        super().__init__(
            kind,
            record_id,
            problem,
            fix=fix
            or "store the record again, or restore it from a backup; other records are unaffected",
        )

    @property
    def record_id(self) -> str:
        """The id the record is stored under."""
        return self.aggregate_id


class RelationkitWarning(UserWarning):
    """Base class of every warning relationkit gives."""


class UnreadableSkipped(RelationkitWarning):
    """A list query (``select``, ``claim``, ``records`` …) left out a stored aggregate or
    record whose data cannot be read, and returned the others.

    One corrupt row does not hide the healthy ones, and is never dropped silently: each
    one left out is given as this warning and kept on the unit of work
    (:attr:`UnitOfWork.unreadable <relationkit.store.base.UnitOfWork.unreadable>`);
    sweeps report it by id among their failures. Reading it by its id still raises
    :class:`AggregateCorrupted`.

    Attributes:
        error: the :class:`AggregateCorrupted` that reading it raised (its ``kind`` and
            ``aggregate_id`` name it).
    """

    def __init__(self, error: AggregateCorrupted) -> None:
        super().__init__(
            f"left out {error.kind} {error.aggregate_id!r}: {error.problem}; the other "
            "results are complete; restore it from a backup or rebuild it from its timeline"
        )
        self.error = error


class UnknownStateValue(AggregateCorrupted):
    """A stored state value is not a state of the aggregate's workflow."""

    def __init__(self, kind: str, aggregate_id: str, value: object, known: Sequence[str]) -> None:
        super().__init__(
            kind,
            aggregate_id,
            f"state {value!r} is not one of {', '.join(sorted(known))}",
        )
        self.value = value


class TimelineBroken(RelationkitError):
    """A timeline's hash chain does not hold: an event was altered, removed or reordered.

    Attributes:
        aggregate_id: whose timeline.
        sequence: the position (1-based) of the first event that fails.
        problem: what happened there: ``"altered"`` (an event's content, sequence number or
            hash was changed, or the event was replaced), ``"removed"`` (an event is missing
            before later ones), ``"reordered"`` (the events are all there, but not in the
            order they were chained), ``"truncated"`` (the latest events are missing) or
            ``"added"`` (events follow the one the aggregate recorded as its last).
        kind: the aggregate's kind, when known (``""`` otherwise).
    """

    def __init__(
        self, aggregate_id: str, sequence: int, problem: str, detail: str, *, kind: str = ""
    ) -> None:
        whose = f"{kind} {aggregate_id!r}" if kind else repr(aggregate_id)
        super().__init__(
            f"timeline of {whose} is broken at event {sequence} ({problem}): {detail}; "
            "the record can no longer be trusted from this event on: restore it from a backup"
        )
        self.aggregate_id = aggregate_id
        self.sequence = sequence
        self.problem = problem
        self.kind = kind


class StoreError(RelationkitError):
    """The store could not do what was asked (a bad URL, a server that cannot be reached,
    a closed store, a driver error). Fix the cause before running it again; the one kind
    of store error that may pass by itself is :class:`ConnectionLost`."""


class ConnectionLost(StoreError):
    """The connection to the database broke while a unit of work ran on it (the server
    restarted, a failover, the network): the database rolled the unit of work back, so
    nothing of it was stored, and running it again, on a new connection, usually succeeds.
    It is ``retryable``: :func:`~relationkit.retry` re-runs it.

    Attributes:
        where: the store's URL (without password).
        reason: what the driver reported.
    """

    retryable = True

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            _sentence(
                f"a unit of work on {where}",
                f"the connection to the database broke ({reason}), so the database rolled "
                "it back and nothing of it was stored",
                "run it again (relationkit.retry does): the store connects afresh; if it "
                "fails again, check that the server runs",
            )
        )
        self.where = where
        self.reason = reason


class OutcomeUnknown(StoreError):
    """The connection to the database broke while the database was committing: the unit
    of work may have been stored, or not, and nothing here can tell which. It is not
    ``retryable``: read what is stored (the aggregate's version, its timeline) and run the
    command again only if it is not there.

    Attributes:
        where: the store's URL (without password).
        reason: what the driver reported.
    """

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            _sentence(
                f"committing a unit of work on {where}",
                f"the connection to the database broke while it committed ({reason}), so "
                "whether it was stored is unknown",
                "read the aggregates it wrote (their version or timeline) and run it again "
                "only if it is not there; running it blindly could record it twice",
            )
        )
        self.where = where
        self.reason = reason


class SchemaError(StoreError):
    """The database schema is newer than this relationkit, or otherwise unusable."""


class MigrationNeeded(SchemaError):
    """A store opened read-only holds no relationkit schema yet (an empty file, a new
    database), or one older than this relationkit's, or tables whose snapshots must be
    upgraded first: reading it would mean writing to it, which a read-only store never
    does.

    Attributes:
        where: the store's URL (without password).
        found: the schema version it holds (``None`` for none).
        current: the schema version this relationkit reads.
    """

    def __init__(self, where: str, found: int | None, current: int, detail: str = "") -> None:
        if found is None:
            why = "it holds no relationkit schema (an empty or new database)"
        elif detail:
            why = detail
        else:
            why = f"its schema is version {found}, older than version {current}, which this " + (
                "relationkit reads"
            )
        super().__init__(
            _sentence(
                f"reading {where} read-only",
                f"{why}, and a read-only store never writes, so it neither creates nor "
                "migrates anything",
                "open it for writing once (any writing command, or 'relationkit migrate "
                "--db URL'), which creates or migrates it, then read it",
            )
        )
        self.where = where
        self.found = found
        self.current = current


class ReadOnlyStore(StoreError):
    """A store opened read-only (``read_only=True``) was asked to write: nothing was
    written.

    Attributes:
        where: the store's URL (without password).
    """

    def __init__(self, where: str) -> None:
        super().__init__(
            _sentence(
                f"writing to {where}",
                "the store was opened read-only, so it writes nothing",
                "open it without read_only=True to record commands",
            )
        )
        self.where = where


class DatabaseCorrupted(StoreError):
    """The database's own consistency check found damage below relationkit's tables
    (SQLite's ``PRAGMA quick_check``): pages, b-trees or free lists.

    Attributes:
        where: the store's URL (without password).
        details: what the check reported, one line each.
    """

    def __init__(self, where: str, details: Sequence[str]) -> None:
        shown = "; ".join(details[:5]) + (
            f"; and {len(details) - 5} more" if len(details) > 5 else ""
        )
        super().__init__(
            _sentence(
                f"trusting {where}",
                f"the database's own check reports damage to the file: {shown}",
                "stop writing to it and restore it from a backup (SQLite's '.recover' "
                "command may save what is still readable)",
            )
        )
        self.where = where
        self.details = tuple(details)
