"""The base of every aggregate (case, promise, relationship …) and of every command.

An aggregate is an attrs entity whose state changes only by applying events. The workflow
layer decides *whether* a command may run and *which* state follows; the aggregate's
``_on_<command>`` methods record *what* the command changed. Because both replay and live
commands go through :meth:`Aggregate.apply`, a state rebuilt from the timeline is the same as
the state that was saved.

An aggregate holds what rules and queries need now, and stays bounded however long its
timeline grows: every command reads and writes it whole. What grows with the timeline (every
statement of a case, every renegotiation of a promise …) is its :class:`History`, rebuilt
from the events when asked for (:meth:`Workflow.history
<relationkit.workflows.engine.Workflow.history>`, :meth:`Relations.history
<relationkit.app.relations.Relations.history>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeAlias, runtime_checkable

import attrs

from relationkit.domain.events import GENESIS, Event

if TYPE_CHECKING:
    import pendulum

__all__ = ["Aggregate", "Command", "FollowUp", "History", "Listener", "Sweep", "Written"]


@attrs.frozen(kw_only=True)
class Command:
    """A request to change an aggregate; validated when it is built.

    Subclasses set ``NAME`` (the imperative command name the workflow knows, such as
    ``"acknowledge"``) and ``EVENT`` (the past-tense name of the event it produces, such as
    ``"CaseAcknowledged"``).
    """

    NAME: ClassVar[str]
    EVENT: ClassVar[str]


@attrs.define(kw_only=True)
class History:
    """What an aggregate's timeline holds beyond its current state, rebuilt from its events.

    An aggregate keeps what rules and queries need now (the latest paraphrase, how many
    statements); its history keeps every one (each statement, each paraphrase). A workflow
    builds it by replaying the events (:meth:`Workflow.history
    <relationkit.workflows.engine.Workflow.history>`): after each event is applied to the
    aggregate, :meth:`record` calls the history's ``_on_<command>`` method, if it has one,
    with the aggregate as the event left it, the command and the event.

    Each aggregate class names its history class in ``HISTORY``; this base class records
    nothing but how many events it read.

    Attributes:
        aggregate_id: the aggregate's id.
        version: how many events it was built from.
    """

    aggregate_id: str
    version: int = 0

    def record(self, subject: Aggregate, command: Command, event: Event) -> None:
        """Record ``event`` (produced by ``command``), which left ``subject`` as it is."""
        handler = getattr(self, f"_on_{command.NAME}", None)
        if handler is not None:
            handler(subject, command, event)
        self.version = event.sequence


@attrs.define(kw_only=True)
class Aggregate:
    """Shared identity, state and versioning of every aggregate.

    Attributes:
        id: the aggregate's id.
        state: its workflow state value.
        version: how many events its timeline holds.
        head: the hash of its last event (``GENESIS`` before the first).
    """

    KIND: ClassVar[str] = "aggregate"
    INDEXED: ClassVar[tuple[str, ...]] = ("state",)
    """Attributes a store keeps in indexed columns, for queries without loading everything."""
    RARE: ClassVar[Mapping[str, object]] = {}
    """Values of indexed attributes that few records hold (``{"sla_breached": True}``): a
    store may tell its planner so, so that a query for one uses the index even where the
    database's statistics only know that the column has few distinct values."""
    SNAPSHOT_VERSION: ClassVar[int] = 1
    """The shape of the stored snapshot. A class whose attributes change in a way stored
    snapshots cannot be read back raises it and teaches :meth:`upgrade_snapshot` the step;
    the SQL stores upgrade a table's snapshots the first time the class is used."""
    HISTORY: ClassVar[type[History]] = History
    """The class of its :class:`History`, built from its events."""

    id: str
    state: str
    version: int = 0
    head: str = GENESIS

    def apply(self, event: Event, command: Command, state: str) -> None:
        """Record ``event`` (produced by ``command``) and move to ``state``."""
        handler = getattr(self, f"_on_{command.NAME}", None)
        if handler is not None:
            handler(command, event)
        self.state = state
        self.version = event.sequence
        self.head = event.hash

    def involves(self, party_id: str) -> bool:
        """True if the party ``party_id`` is a party to this aggregate (may answer for it)."""
        return False

    @classmethod
    def upgrade_snapshot(cls, data: dict[str, Any], from_version: int) -> dict[str, Any]:
        """The stored snapshot ``data`` (JSON-ready data), written when the class was at
        snapshot version ``from_version``, in the shape of :attr:`SNAPSHOT_VERSION`.

        It is pure: it reads only ``data`` and returns new data, leaving ``data`` as it was.
        A class that raises its version overrides it, turns older data into its next
        version, and passes the result on to ``super().upgrade_snapshot``.

        Raises:
            ValueError: no way from ``from_version`` to the current version is known.
        """
        if from_version == cls.SNAPSHOT_VERSION:
            return data
        raise ValueError(
            f"{cls.__name__} snapshots of version {from_version} cannot be read by version "
            f"{cls.SNAPSHOT_VERSION} of the class"
        )

    def index_values(self) -> dict[str, Any]:
        """The values of :attr:`INDEXED` (scalars: text, numbers, booleans, times or None)."""
        return {name: getattr(self, name) for name in self.INDEXED}


@attrs.frozen(kw_only=True)
class FollowUp:
    """A command that follows from another, in the same transaction: what a
    :class:`~relationkit.typing.CommandHook` returns to have it run (a deferral makes a reply
    promise this way; a case event that moves a service-level clock records the clocks on
    the same case this way).

    The command pipeline runs it as the same actor (or as ``actor``, a service account) at
    the same time, through the same authority, care rules and workflow as any command, and
    stores it with the command that caused it, or neither. A follow-up on the aggregate the
    command itself changed is appended after the command's event.

    Attributes:
        aggregate: the class of the aggregate it runs on (or creates).
        command: the command.
        aggregate_id: the aggregate's id; for a creation, the new id (generated if omitted).
        start: True if ``command`` creates the aggregate.
        why: how it follows, put before the reason if it is refused ("deferring case
            'k-1' promises a reply").
        actor: the actor it runs as, if not the one of the command it follows (a
            :class:`~relationkit.domain.parties.Staff` service account, for work that is
            relationkit's own rather than the person's).
    """

    aggregate: type[Aggregate]
    command: Command
    aggregate_id: str | None = None
    start: bool = False
    why: str | None = None
    actor: Any = None


Written: TypeAlias = "Sequence[tuple[Aggregate, Sequence[Event]]]"
"""What a command wrote: each aggregate it changed with the events appended to it, the
command's own aggregate first, then those changed by the follow-ups its hooks asked for (a
deferral's reply promise)."""


@runtime_checkable
class Listener(Protocol):
    """Called once for every event a committed command appended."""

    def __call__(self, event: Event, aggregate: Aggregate) -> None:
        """React to ``event``; ``aggregate`` is the state right after it."""
        ...


@runtime_checkable
class Sweep(Protocol):
    """One kind of time-driven work: put it in force with ``CareConfig().with_sweep(sweep)``
    (``Relations.sweeps.run()`` then runs it with the built-in sweeps), or run it alone with
    :meth:`Relations.sweeps.process <relationkit.app.schedule.SweepService.process>`. Build one
    with :func:`relationkit.sweeps.make_sweep`.

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
