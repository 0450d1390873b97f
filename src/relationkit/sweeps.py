"""Sweeps: time-driven work (a promise falls due, a check-in is owed, an approval expires)
run as ordinary commands, from as many worker processes as you like.

A sweep names an aggregate class, says which aggregates are due as of ``now`` (lookups on
indexed attributes, as for :meth:`~relationkit.store.base.UnitOfWork.select`), and turns each
due aggregate into a command. :func:`run_sweeps` claims due aggregates a batch at a time in
one unit of work, runs each command through the workflow and care rules like any other
command (:meth:`~relationkit.service.Relations.execute_in`), and commits the batch.

* **Idempotent.** A sweep's command moves the aggregate out of the due set (a promise that
  was ``made`` and is overdue becomes ``overdue``), so running the sweep again does nothing.
* **Safe from several workers.** On PostgreSQL a claim locks the batch's rows with
  ``FOR UPDATE SKIP LOCKED``: workers running at once share the due work, none processes an
  item another holds, and a row whose state changed is no longer due when it is re-read.
  On SQLite claiming workers take turns on the write lock. The in-memory store checks
  versions at commit and retries a batch that lost a race.
* **Nothing skipped.** Each worker walks the due set in id order; an item is passed over only
  while another worker holds it, and that worker processes it. An item the handler leaves
  alone (returns ``None``) or whose command is refused stays due for the next run and is
  reported.

Adding a sweep (promises, feedback check-ins, approvals and policy acknowledgements each
ship one): index the attributes the due lookups use (``INDEXED``), write a command that
moves the aggregate out of the due set, and describe the sweep with :func:`make_sweep` or a
class that has the :class:`Sweep` attributes:

Example:
    >>> from relationkit.domain.case import Case, Escalate
    >>> stale = make_sweep(
    ...     name="escalate-unanswered",
    ...     aggregate=Case,
    ...     actor="s-robot",
    ...     due=lambda now: {"state": "opened"},
    ...     handle=lambda case, now: Escalate(reason="unanswered for a day"),
    ... )
    >>> stale.name, stale.aggregate.KIND
    ('escalate-unanswered', 'case')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event
from relationkit.domain.values import instant
from relationkit.exceptions import ConcurrencyError, InvalidInput, RelationkitError, StoreError

if TYPE_CHECKING:
    from relationkit.service import Relations

__all__ = ["Sweep", "SweepReport", "SweepResult", "make_sweep", "run_sweeps"]

A = TypeVar("A", bound=Aggregate)


@runtime_checkable
class Sweep(Protocol):
    """What :func:`run_sweeps` needs to know about one kind of time-driven work.

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


@attrs.frozen
class _FunctionSweep(Generic[A]):
    name: str
    aggregate: type[A]
    actor: str
    _due: Callable[[pendulum.DateTime], Mapping[str, Any]]
    _handle: Callable[[A, pendulum.DateTime], Command | None]

    def due(self, now: pendulum.DateTime) -> Mapping[str, Any]:
        return self._due(now)

    def handle(self, subject: A, now: pendulum.DateTime) -> Command | None:
        return self._handle(subject, now)


def make_sweep(
    *,
    name: str,
    aggregate: type[A],
    actor: str,
    due: Callable[[pendulum.DateTime], Mapping[str, Any]],
    handle: Callable[[A, pendulum.DateTime], Command | None],
) -> _FunctionSweep[A]:
    """A :class:`Sweep` from two plain functions: ``due(now)`` gives the lookups,
    ``handle(subject, now)`` the command (or ``None``)."""
    return _FunctionSweep(name, aggregate, actor, due, handle)


@attrs.frozen
class SweepResult:
    """What one sweep did in one run.

    Attributes:
        name: the sweep's name.
        processed: ids whose command was committed, in order.
        left: ids the handler left alone (it returned ``None``).
        refused: ``(id, error)`` for commands the workflow or a care rule refused.
    """

    name: str
    processed: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    refused: tuple[tuple[str, RelationkitError], ...] = ()


@attrs.frozen
class SweepReport:
    """What :func:`run_sweeps` did.

    Attributes:
        now: the time the due lookups used.
        results: one :class:`SweepResult` per sweep, in the order given.
    """

    now: pendulum.DateTime
    results: tuple[SweepResult, ...]

    @property
    def processed(self) -> int:
        """How many commands were committed in all."""
        return sum(len(r.processed) for r in self.results)

    def __getitem__(self, name: str) -> SweepResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)


def _check_batch(batch: int) -> None:
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidInput(
            f"refused: batch={batch!r}; a batch is a number of aggregates claimed at once; "
            "pass a whole number of at least 1 (100 suits most stores).",
            field="batch",
        )


def _run_one(rk: Relations, sweep: Sweep, now: pendulum.DateTime, batch: int) -> SweepResult:
    cls = sweep.aggregate
    processed: list[str] = []
    left: list[str] = []
    refused: list[tuple[str, RelationkitError]] = []
    cursor: str | None = None
    lost_races = 0
    while True:
        where = dict(sweep.due(now))
        if cursor is not None:
            where["id__gt"] = cursor
        done: list[tuple[Aggregate, list[Event]]] = []
        batch_left: list[str] = []
        batch_refused: list[tuple[str, RelationkitError]] = []
        with rk.store.unit_of_work() as uow:
            claimed = uow.claim(cls, limit=batch, order_by="id", **where)
            if not claimed:
                break
            for subject in claimed:
                command = sweep.handle(subject, now)
                if command is None:
                    batch_left.append(subject.id)
                    continue
                try:
                    done.append(rk.execute_in(uow, cls, subject.id, command, actor=sweep.actor))
                except StoreError:
                    raise
                except RelationkitError as exc:
                    batch_refused.append((subject.id, exc))
            try:
                uow.commit()
            except ConcurrencyError:
                # Only a store that cannot lock rows gets here: another worker changed an
                # item of this batch first. Claim the batch again; what is done is not due.
                lost_races += 1
                if lost_races > 100:
                    raise
                continue
        cursor = claimed[-1].id
        for subject, events in done:
            processed.append(subject.id)
            rk.notify(events, subject)
        left.extend(batch_left)
        refused.extend(batch_refused)
    return SweepResult(sweep.name, tuple(processed), tuple(left), tuple(refused))


def run_sweeps(
    rk: Relations,
    sweeps: Iterable[Sweep],
    now: pendulum.DateTime | None = None,
    *,
    batch: int = 100,
) -> SweepReport:
    """Run every sweep once over what is due as of ``now``.

    Safe to call from several processes at once against the same PostgreSQL database (and,
    taking turns, SQLite): each due aggregate is processed by exactly one of them. Call it
    from a scheduler (cron, a worker loop) as often as you like; a run with nothing due does
    nothing.

    Args:
        rk: the service whose store, clock, care rules and listeners are used; commands are
            stamped with its clock.
        sweeps: the sweeps to run, in order.
        now: the time due lookups use; ``rk``'s clock if omitted.
        batch: how many aggregates one unit of work claims and processes.

    Returns:
        What each sweep processed, left alone, or had refused.
    """
    _check_batch(batch)
    when = rk.now() if now is None else instant(now, "now")
    results = tuple(_run_one(rk, sweep, when, batch) for sweep in sweeps)
    return SweepReport(when, results)
