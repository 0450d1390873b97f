"""Every extension point of relationkit, as a Protocol, and a few type aliases.

Implement these to plug your own pieces in, and register them in one of two ways: through
the immutable :class:`~relationkit.config.CareConfig` (rules, workflows, the health model's
signals), or through an explicit method of :class:`~relationkit.app.relations.Relations`
(``subscribe`` for listeners, ``add_hook`` for command hooks, ``sweeps.run(sweeps=...)``).

=======================  ==============================================================
Protocol                 registered with
=======================  ==============================================================
:class:`Rule`            ``CareConfig().with_rule(rule)``
:class:`BulkRule`        the same; ``check_many`` is used when many records are judged
:class:`Listener`        ``rk.subscribe(listener, events=...)``
:class:`CommandHook`     ``rk.add_hook(hook)``
:class:`Signal`          ``CareConfig(health=default_health_model().with_signal(s, w))``
:class:`Sweep`           ``rk.sweeps.run(sweeps=[sweep])``
:class:`Clock`           ``Relations(store, clock=clock)``
:class:`Store`           ``Relations(store)``; subclass ``relationkit.store.base.Store``
:class:`Directory`       given to rules and signals (read-only); nothing to register
=======================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import pendulum

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate, Command
    from relationkit.domain.events import Event
    from relationkit.domain.health import HealthFacts, Reading
    from relationkit.domain.parties import Party, Staff
    from relationkit.rules.base import Attempt
    from relationkit.store.base import UnitOfWork

__all__ = [
    "Actor",
    "BulkRule",
    "Clock",
    "CommandHook",
    "Directory",
    "Listener",
    "Rule",
    "Signal",
    "Store",
    "SubjectT",
    "Sweep",
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
        id: a short stable id, unique in a rulebook (``"R2"``, ``"R1.case"``, or your own
            such as ``"ACME-3"``); a family of rules shares a prefix before a dot.
        kind: the aggregate kind it governs (``"case"``, ``"promise"`` …), or ``"*"``
            (:data:`relationkit.rules.base.ANY`) for every kind.
        commands: the command names it applies to; ``"*"`` among them for every command.

    Class attributes, frozen attrs fields or properties all do (the members are read-only).
    A rule may also have ``gate = True``: it then runs before the others and, when it
    refuses, is the whole answer (:class:`~relationkit.exceptions.NotPermitted`), as the
    authority rule ``ROLE`` does.
    """

    @property
    def id(self) -> str:
        """A short stable id, unique in a rulebook."""
        ...

    @property
    def kind(self) -> str:
        """The aggregate kind it governs (``"case"``, ``"promise"`` …), or ``"*"``."""
        ...

    @property
    def commands(self) -> frozenset[str]:
        """The command names it applies to (``"*"`` for all)."""
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
    (:meth:`~relationkit.app.relations.Relations.options_for`) runs each rule on all of them. A
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
    """Called by the command pipeline for every command's event, after the workflow and the
    care rules accepted it and before it is committed. Register one with
    ``Relations.add_hook``.

    A hook sees every command on every aggregate (the written policy's flags and the last
    contact with a party are built-in hooks). It may raise a
    :class:`~relationkit.exceptions.RelationkitError` to refuse the command (nothing is
    stored), and returns what to do with it:

    * records to store in the same transaction (a record type every store knows, see
      :mod:`relationkit.store.codec`);
    * :class:`~relationkit.domain.aggregate.FollowUp` commands on other aggregates, which
      the pipeline runs as the same actor, through the same authority, care rules and
      workflow, committed with the event or not at all (a deferral makes its reply promise
      this way).
    """

    def __call__(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """Judge ``event`` (``subject`` is the aggregate right after it); return records to
        store and follow-ups to run (or nothing)."""
        ...


@runtime_checkable
class Sweep(Protocol):
    """One kind of time-driven work, run by ``Relations.sweeps.run(sweeps=[...])`` (or
    :func:`relationkit.sweeps.run_sweeps`); build one with
    :func:`relationkit.sweeps.make_sweep`.

    Attributes:
        name: a short, stable name for reports and logs.
        aggregate: the aggregate class it sweeps.
        actor: the id of the registered staff member (a service account) the commands are
            run as; the care rules and role checks apply to it as to anyone.
    """

    @property
    def name(self) -> str:
        """A short, stable name for reports and logs."""
        ...

    @property
    def aggregate(self) -> type[Any]:
        """The aggregate class it sweeps."""
        ...

    @property
    def actor(self) -> str:
        """The staff member the commands run as."""
        ...

    def due(self, now: pendulum.DateTime) -> Mapping[str, Any]:
        """Lookups that select the aggregates due as of ``now``, on indexed attributes
        (``{"state": "made", "due_at__lt": now}``)."""
        ...

    def handle(self, subject: Any, now: pendulum.DateTime) -> Command | None:
        """The command to run on a due aggregate, or ``None`` to leave it alone."""
        ...


@runtime_checkable
class Store(Protocol):
    """Where aggregates, their timelines and records live.

    relationkit ships an in-memory store and SQLite and PostgreSQL stores
    (:mod:`relationkit.store`); a backend of your own subclasses
    :class:`relationkit.store.base.Store` and passes the shipped contract suite
    (:class:`relationkit.testing.StoreContract`).
    """

    @property
    def url(self) -> str:
        """Where the store is, for people (no password in it)."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A new transaction."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...
