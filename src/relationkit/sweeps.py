"""Sweeps: time-driven work (a promise falls due, a check-in is owed, a proposal lapses),
run as ordinary commands from any number of worker processes.

``Relations.sweeps.run()`` (:class:`SweepService`) runs the built-in sweeps and those in
``CareConfig.sweeps``; ``Relations.sweeps.process([...])`` runs the ones you name. Describe
one of your own with :func:`make_sweep` (or any object with the
:class:`~relationkit.typing.Sweep` attributes). How sweeps claim work safely from several
workers is explained in :mod:`relationkit.app.sweeps`.

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

from relationkit.app.schedule import Sweeps, SweepService
from relationkit.app.sweeps import SWEEPER_ID, SweepReport, SweepResult, make_sweep
from relationkit.domain.aggregate import Sweep

__all__ = [
    "SWEEPER_ID",
    "Sweep",
    "SweepReport",
    "SweepResult",
    "SweepService",
    "Sweeps",
    "make_sweep",
]
