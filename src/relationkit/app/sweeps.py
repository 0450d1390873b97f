"""Sweeps: time-driven work (a promise falls due, a check-in is owed, an approval expires)
run as ordinary commands, from as many worker processes as you like.

A sweep names an aggregate class, says which aggregates are due as of ``now`` (lookups on
indexed attributes, as for :meth:`~relationkit.store.base.UnitOfWork.select`), and turns each
due aggregate into a command. :func:`run_sweeps` claims due aggregates a batch at a time in
one unit of work, runs each command through the command pipeline like any other command
(:meth:`Pipeline.run_on <relationkit.app.pipeline.Pipeline.run_on>`: authority, care rules,
workflow, hooks), and commits the batch.

* **Idempotent.** A sweep's command moves the aggregate out of the due set (an overdue
  promise that was ``made`` becomes ``broken``), so running the sweep again does nothing.
* **Safe from several workers.** On PostgreSQL a claim locks the batch's rows with
  ``FOR UPDATE SKIP LOCKED``: workers running at once share the due work, none processes an
  item another holds, and a row whose state changed is no longer due when it is re-read.
  On SQLite claiming workers take turns on the write lock. The in-memory store checks
  versions at commit and retries a batch that lost a race. A deadlock or serialization
  failure (:class:`~relationkit.exceptions.TransactionConflict`) also runs the batch again.
* **Nothing skipped.** Each worker walks the due set in id order; an item is passed over only
  while another worker holds it, and that worker processes it. An item the handler leaves
  alone (returns ``None``) or whose command is refused stays due for the next run and is
  reported; a refused command leaves nothing behind (its batch is rolled back and run again
  without it).

:func:`process_due` is the engine underneath, for work that is more than one command on the
due aggregate; relationkit's own sweeps run on it (``rk.promises.run``,
``rk.relationships.run``, ``rk.feedback.run``; ``rk.sweeps.run`` runs them all).

Adding a sweep: index the attributes the due lookups use (``INDEXED``), write a command that
moves the aggregate out of the due set, and describe the sweep with :func:`make_sweep` or a
class that has the :class:`Sweep` attributes:

Example:
    >>> from relationkit.sweeps import make_sweep
    >>> from relationkit.cases import Case, Escalate
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
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, Sweep, Written
from relationkit.domain.parties import Staff
from relationkit.domain.values import instant
from relationkit.exceptions import (
    ConcurrencyError,
    ConnectionLost,
    InvalidInput,
    RelationkitError,
    StoreError,
)
from relationkit.rules.policy import SWEEPER_ID

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.rules.settings import CareSettings
    from relationkit.store.base import UnitOfWork

__all__ = [
    "SWEEPER_ID",
    "SweepReport",
    "SweepResult",
    "check_batch",
    "make_sweep",
    "process_due",
    "run_sweeps",
    "sweeper_for",
]

A = TypeVar("A", bound=Aggregate)


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
        written: the aggregates the committed work changed or created, in their new state,
            in order.
    """

    name: str
    processed: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    refused: tuple[tuple[str, RelationkitError], ...] = ()
    written: tuple[Aggregate, ...] = ()


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


def check_batch(batch: int) -> None:
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidInput(
            f"refused: batch={batch!r}; a batch is a number of aggregates claimed at once; "
            "pass a whole number of at least 1 (100 suits most stores).",
            field="batch",
        )


_MAX_LOST_RACES = 100
_MAX_LOST_CONNECTIONS = 3
"""How often one run claims a batch again after its connection broke before it gives up."""
_ITEM_CONFLICTS = 3
"""How often one item's own processing may conflict before it is refused, not retried."""


def sweeper_for(config: CareSettings, command: str) -> Staff:
    """The service account relationkit's own sweeps run ``command`` as: no registered
    person (its id is :data:`SWEEPER_ID`), holding the roles ``command`` needs, so the
    command goes through the pipeline like any other."""
    roles = config.roles_for(command) or frozenset({"sweep"})
    return Staff(id=SWEEPER_ID, name="relationkit sweep", roles=roles)


def process_due(
    pipeline: Pipeline,
    aggregate: type[A],
    due: Mapping[str, Any],
    process: Callable[[UnitOfWork, A], Written | None],
    *,
    name: str = "",
    batch: int = 100,
) -> SweepResult:
    """Claim the aggregates matching ``due`` a batch at a time and process each one in the
    batch's unit of work: the engine under :func:`run_sweeps`, for work that is more than
    one command on the due aggregate (creating another aggregate, say).

    ``process(uow, subject)`` appends what it writes to ``uow`` and returns it (possibly
    nothing), or returns ``None`` to leave the aggregate alone. The batch is committed
    once every aggregate in it was processed, then the listeners hear of what was written.
    If ``process`` raises a :class:`~relationkit.exceptions.RelationkitError` other than a
    store or concurrency error, the batch is rolled back (so nothing half-done is
    committed), the aggregate is reported as refused, and the batch is run again without
    it. A :class:`~relationkit.exceptions.ConcurrencyError` (another worker or person got
    there first, or the database gave up the transaction) runs the batch again on fresh
    state; one that processing the same aggregate raises a third time is reported as
    refused instead, so one item cannot hold up the rest. A
    :class:`~relationkit.exceptions.ConnectionLost` (the server restarted under the batch)
    runs the batch again on a new connection, up to three times in a run.

    A due aggregate whose stored snapshot cannot be read is left out of the claim (see
    :class:`~relationkit.exceptions.UnreadableSkipped`) and reported as refused with its
    :class:`~relationkit.exceptions.AggregateCorrupted`; the others are processed.

    Each worker walks the due set in id order, so whatever is due when a run starts and
    still due when the worker reaches it is processed once, by one worker.

    Args:
        pipeline: the command pipeline whose store is used and whose listeners are told.
        aggregate: the aggregate class to claim.
        due: lookups on indexed attributes that select the due aggregates.
        process: what to do with each one.
        name: the name the result carries.
        batch: how many aggregates one unit of work claims.

    Returns:
        The ids processed, left alone and refused, and what was written, in id order.

    Raises:
        InsideBatch: called inside ``rk.batch()``; nothing was read or written.
    """
    pipeline.refuse_in_batch(f"sweeping {name or aggregate.KIND}")
    check_batch(batch)
    processed: list[str] = []
    left: list[str] = []
    refused: list[tuple[str, RelationkitError]] = []
    written: list[Aggregate] = []
    failed: dict[str, RelationkitError] = {}
    cursor: str | None = None
    lost_races = lost_connections = 0
    item_conflicts: dict[str, int] = {}
    while True:
        where = dict(due)
        if cursor is not None:
            where["id__gt"] = cursor
        done: list[tuple[str, Written]] = []
        batch_left: list[str] = []
        again = False
        try:
            with pipeline.store.unit_of_work() as uow:
                before = len(uow.unreadable)
                claimed = uow.claim(aggregate, limit=batch, order_by="id", **where)
                # Due rows whose snapshot cannot be read were left out of the claim: each
                # is refused (reported by id), and the rest of the due work goes on.
                corrupt = [e for e in uow.unreadable[before:] if e.kind == aggregate.KIND]
                if not claimed and not corrupt:
                    break
                for subject in claimed:
                    if subject.id in failed:
                        continue
                    try:
                        result = process(uow, subject)
                    except ConcurrencyError as exc:
                        # Usually a race: run the batch again on fresh state. An item that
                        # conflicts every time (an id that exists already, say) is refused
                        # instead, so it cannot hold up the rest of the due work.
                        item_conflicts[subject.id] = item_conflicts.get(subject.id, 0) + 1
                        if item_conflicts[subject.id] < _ITEM_CONFLICTS:
                            raise
                        failed[subject.id] = exc
                        again = True
                        break
                    except StoreError:
                        raise
                    except RelationkitError as exc:
                        failed[subject.id] = exc  # undo what it staged: run the batch again
                        again = True
                        break
                    if result is None:
                        batch_left.append(subject.id)
                    else:
                        done.append((subject.id, result))
                if not again:
                    uow.commit()
        except ConcurrencyError:
            # Another writer changed an item of this batch first (a store that cannot
            # lock rows), or the database gave the transaction up. What was done by
            # others is no longer due when the batch is claimed again.
            lost_races += 1
            if lost_races > _MAX_LOST_RACES:
                raise
            continue
        except ConnectionLost:
            # The connection broke under the batch (a server restart, a failover): nothing
            # of it was stored; claim it again on a new connection, a few times at most.
            lost_connections += 1
            if lost_connections > _MAX_LOST_CONNECTIONS:
                raise
            continue
        if again:
            continue
        failed.update((e.aggregate_id, e) for e in corrupt)
        seen = sorted([*(s.id for s in claimed), *(e.aggregate_id for e in corrupt)])
        cursor = seen[-1]
        refused.extend((i, failed[i]) for i in seen if i in failed)
        left.extend(batch_left)
        for subject_id, result in done:
            processed.append(subject_id)
            written.extend(changed for changed, _ in result)
            pipeline.notify(result)
    return SweepResult(name, tuple(processed), tuple(left), tuple(refused), tuple(written))


def _run_one(pipeline: Pipeline, sweep: Sweep, now: pendulum.DateTime, batch: int) -> SweepResult:
    cls = sweep.aggregate

    def process(uow: UnitOfWork, subject: Aggregate) -> Written | None:
        command = sweep.handle(subject, now)
        if command is None:
            return None
        return pipeline.run_on(uow, subject, command, actor=sweep.actor)

    return process_due(pipeline, cls, sweep.due(now), process, name=sweep.name, batch=batch)


def run_sweeps(
    pipeline: Pipeline,
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
        pipeline: the command pipeline whose store, clock, care rules and listeners are
            used (``rk.pipeline``); commands are stamped with its clock.
        sweeps: the sweeps to run, in order.
        now: the time due lookups use; ``rk``'s clock if omitted.
        batch: how many aggregates one unit of work claims and processes.

    Returns:
        What each sweep processed, left alone, or had refused.

    Raises:
        InsideBatch: called inside ``rk.batch()``; nothing was read or written.
    """
    pipeline.refuse_in_batch("running sweeps")
    check_batch(batch)
    when = pipeline.now() if now is None else instant(now, "now")
    results = tuple(_run_one(pipeline, sweep, when, batch) for sweep in sweeps)
    return SweepReport(when, results)
