"""The extension points of relationkit, as Protocols, and a few type aliases.

Implement these to plug your own pieces in: a :class:`Clock` for time, a :class:`Rule` for a
care rule of your business (a :class:`BulkRule` if it can judge many records at once), a
:class:`Listener` to hear about accepted events, a :class:`Directory` to look people up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import pendulum

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.events import Event
    from relationkit.domain.health import HealthFacts, Reading
    from relationkit.domain.parties import Party, Staff
    from relationkit.rules.base import Attempt

__all__ = [
    "Actor",
    "BulkRule",
    "Clock",
    "CommandHook",
    "Directory",
    "Listener",
    "Rule",
    "Signal",
    "SubjectT",
    "Written",
]

SubjectT = TypeVar("SubjectT", bound="Aggregate", contravariant=True)
AggregateT = TypeVar("AggregateT", bound="Aggregate")
RecordT = TypeVar("RecordT")

Actor: TypeAlias = "Staff | Party"
"""Whoever issues a command: a member of staff, or a party (a client confirming, say)."""

Written: TypeAlias = "Sequence[tuple[Aggregate, Sequence[Event]]]"
"""What a command wrote: each aggregate it changed with the events appended to it, the
command's own aggregate first, then those changed by command hooks (a deferral's reply
promise)."""


@runtime_checkable
class Clock(Protocol):
    """Where relationkit gets the time. Domain code never reads the wall clock itself."""

    def now(self) -> pendulum.DateTime:
        """The current instant, time-zone aware."""
        ...


@runtime_checkable
class Rule(Protocol[SubjectT]):
    """A care rule: a named, documented check run before a command is accepted.

    Attributes:
        id: a short stable id (``"R1"``, or your own such as ``"ACME-3"``).
        kind: the aggregate kind it governs (``"case"``, ``"promise"`` …).
        commands: the command names it applies to.

    Class attributes, frozen attrs fields or properties all do (the members are read-only).
    """

    @property
    def id(self) -> str:
        """A short stable id (``"R1"``, or your own such as ``"ACME-3"``)."""
        ...

    @property
    def kind(self) -> str:
        """The aggregate kind it governs (``"case"``, ``"promise"`` …)."""
        ...

    @property
    def commands(self) -> frozenset[str]:
        """The command names it applies to."""
        ...

    def check(self, subject: SubjectT, attempt: Attempt) -> Iterable[str]:
        """Yield one reason per violation (what is wrong and what to do instead).

        ``attempt.command`` is ``None`` when relationkit only asks whether the command would
        be allowed now; check what the state of ``subject`` decides and skip what depends on
        the command's arguments.
        """
        ...


@runtime_checkable
class BulkRule(Rule[SubjectT], Protocol[SubjectT]):
    """A :class:`Rule` that can also judge many records in one go.

    Asking "what may I do now" for many records
    (:meth:`~relationkit.service.Relations.options_for`) runs each rule on all of them. A
    plain rule is asked record by record; a rule with ``check_many`` is asked once, which
    matters when it queries the store (one query for the batch instead of one per record).
    """

    def check_many(
        self, subjects: Sequence[SubjectT], attempt: Attempt
    ) -> Iterable[tuple[int, str]]:
        """Yield ``(position, reason)`` for each violation, ``position`` being the
        subject's index in ``subjects``: for every subject, the same reasons in the same
        order as ``check(subject, attempt)`` would yield.

        It is only used while ``check`` is the one it was written with: a subclass that
        overrides ``check`` alone is asked through its ``check``.
        :func:`relationkit.rules.base.each_subject` runs ``check`` on each subject, for the
        attempts a ``check_many`` has no faster answer for.
        """
        ...


@runtime_checkable
class Listener(Protocol):
    """Called once for every event a committed command appended."""

    def __call__(self, event: Event, aggregate: Aggregate) -> None:
        """React to ``event``; ``aggregate`` is the state right after it."""
        ...


@runtime_checkable
class Directory(Protocol):
    """Read-only access to the store for rules: people, records and other aggregates."""

    def find_party(self, party_id: str) -> Party | None:
        """The party with that id, or ``None``."""
        ...

    def find_staff(self, staff_id: str) -> Staff | None:
        """The staff member with that id, or ``None``."""
        ...

    def find(self, cls: type[AggregateT], aggregate_id: str) -> AggregateT | None:
        """A stored aggregate, or ``None``."""
        ...

    def select(self, cls: type[AggregateT], **where: Any) -> list[AggregateT]:
        """Stored aggregates matching ``where`` (see ``UnitOfWork.select``)."""
        ...

    def count(self, cls: type[AggregateT], **where: Any) -> int:
        """How many stored aggregates match ``where``."""
        ...

    def find_record(self, cls: type[RecordT], record_id: str) -> RecordT | None:
        """A stored record (party, staff, policy …), or ``None``."""
        ...

    def records(self, cls: type[RecordT]) -> list[RecordT]:
        """Every stored record of ``cls``."""
        ...


@runtime_checkable
class Signal(Protocol):
    """One measure of a relationship's health (R12): a named reading with its figures.

    Built-in signals live in :mod:`relationkit.domain.health`; an application adds its own
    to a :class:`~relationkit.domain.health.HealthModel` with a weight.

    A class attribute, a frozen attrs field or a property named ``name`` all do.
    """

    @property
    def name(self) -> str:
        """A short stable name, unique within a model (``"promise_keeping"``)."""
        ...

    def read(self, facts: HealthFacts) -> Reading:
        """Score ``facts`` from 0 (bad) to 1 (good), with the figures behind the score, or
        return ``Reading.no_data(...)`` when there is nothing to judge by."""
        ...


@runtime_checkable
class CommandHook(Protocol):
    """Called by :class:`~relationkit.service.Relations` for every event a command produces,
    after the workflow and the care rules accepted it and before it is committed.

    A hook sees every command on every aggregate (care rule R11 is one). It may raise a
    :class:`~relationkit.exceptions.RelationkitError` to refuse the command (nothing is
    stored) or return records to store in the same transaction as the event. A returned
    ``(aggregate, events)`` tuple is appended instead: a follow-up command on another
    aggregate, committed with the event or not at all (a deferral makes a promise this way).
    """

    def __call__(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """Judge ``event`` (``subject`` is the aggregate right after it); return records."""
        ...
