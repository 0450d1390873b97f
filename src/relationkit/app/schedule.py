"""Every sweep at once: :class:`SweepService`, reached as ``Relations.sweeps``.

Each area runs its own time-driven work (``rk.promises.run``, ``rk.relationships.run``,
``rk.feedback.run``) on the engine of :mod:`relationkit.app.sweeps`; this service runs them
all, then the application's own sweeps (``CareConfig.sweeps``), from a scheduler (cron, a
worker loop) in as many processes as you like.

Example:
    >>> import pendulum
    >>> from relationkit import ManualClock, Relations
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> done = rk.sweeps.run()
    >>> done.promises.broken, done.relationships.expired, done.feedback.check_ins
    ((), (), ())
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pendulum

from relationkit.app.sweeps import SweepReport, SweepResult, check_batch, process_due, run_sweeps
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.values import instant

if TYPE_CHECKING:
    from relationkit.app.feedback import FeedbackService, FeedbackSweep
    from relationkit.app.pipeline import Pipeline
    from relationkit.app.promises import PromiseService, PromiseSweepReport
    from relationkit.app.relationships import RelationshipService
    from relationkit.app.relationships import SweepReport as RelationshipSweepReport
    from relationkit.app.service_levels import ServiceLevelService, ServiceLevelSweep
    from relationkit.domain.aggregate import Sweep, Written
    from relationkit.store.base import UnitOfWork

__all__ = ["SweepService", "Sweeps"]

A = TypeVar("A", bound=Aggregate)


@attrs.frozen
class Sweeps:
    """What :meth:`SweepService.run` did: each built-in sweep's report.

    Attributes:
        at: the time the sweeps ran for.
        promises: overdue promises broken, warnings, lapsed stretch requests.
        relationships: lapsed severance proposals, tickets owed an update.
        feedback: check-ins, expired requests, recovery follow-ups.
        custom: the application's own sweeps, if any were given.
        service_levels: service-level warnings and breaches (``None`` when the service was
            built without service levels).
    """

    at: pendulum.DateTime
    promises: PromiseSweepReport
    relationships: RelationshipSweepReport
    feedback: FeedbackSweep
    custom: SweepReport | None = None
    service_levels: ServiceLevelSweep | None = None


class SweepService:
    """Time-driven work, reached as ``Relations.sweeps``: run it from a scheduler (cron, a
    worker loop), from as many processes as you like.

    Args:
        pipeline: the command pipeline the sweeps run commands through.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        promises: PromiseService,
        relationships: RelationshipService,
        feedback: FeedbackService,
        service_levels: ServiceLevelService | None = None,
    ) -> None:
        self._p = pipeline
        self._service_levels = service_levels
        self._promises = promises
        self._relationships = relationships
        self._feedback = feedback

    def run(self, now: pendulum.DateTime | None = None, *, batch: int = 100) -> Sweeps:
        """Run every sweep once, all as of ``now`` (the clock's time if omitted): the
        built-in ones (promises, relationships, feedback, service levels), then the
        application's own in ``CareConfig.sweeps``. Running it again for the same time
        changes nothing more.

        Args:
            now: the time to sweep for.
            batch: how many aggregates one unit of work claims.

        Raises:
            InsideBatch: called inside :meth:`Relations.batch
                <relationkit.app.relations.Relations.batch>`: the sweeps commit their own
                work a batch at a time; run them after the ``with`` block.
        """
        self._p.refuse_in_batch("rk.sweeps.run")
        check_batch(batch)
        when = self._p.now() if now is None else instant(now, "now")
        own = self._p.config.sweeps
        return Sweeps(
            at=when,
            promises=self._promises.run(when, batch=batch),
            relationships=self._relationships.run(when, batch=batch),
            feedback=self._feedback.run(when, batch=batch),
            custom=run_sweeps(self._p, own, when, batch=batch) if own else None,
            service_levels=None
            if self._service_levels is None
            else self._service_levels.run(when, batch=batch),
        )

    def process(
        self, sweeps: Iterable[Sweep], now: pendulum.DateTime | None = None, *, batch: int = 100
    ) -> SweepReport:
        """Run just ``sweeps`` once over what is due as of ``now`` (see :func:`run_sweeps`):
        what each processed, left alone, or had refused. Refused inside ``rk.batch()``
        (:class:`~relationkit.InsideBatch`)."""
        self._p.refuse_in_batch("rk.sweeps.process")
        return run_sweeps(self._p, sweeps, now, batch=batch)

    def process_due(
        self,
        aggregate: type[A],
        due: Mapping[str, Any],
        process: Callable[[UnitOfWork, A], Written | None],
        *,
        name: str = "",
        batch: int = 100,
    ) -> SweepResult:
        """Claim the aggregates matching ``due`` a batch at a time and ``process`` each one
        in the batch's unit of work (see :func:`process_due`): for time-driven work that is
        more than one command on the due aggregate. ``process`` writes through
        :attr:`Relations.pipeline <relationkit.app.relations.Relations.pipeline>`
        (``run_on``, ``start_in``). Refused inside ``rk.batch()``
        (:class:`~relationkit.InsideBatch`)."""
        self._p.refuse_in_batch("rk.sweeps.process_due")
        return process_due(self._p, aggregate, due, process, name=name, batch=batch)
