"""Every extension point of relationkit, as a Protocol, and a few type aliases, in one
place to import them from.

Implement these to plug your own pieces in, and register them in one of two ways: through
the immutable :class:`~relationkit.config.CareConfig` (rules, workflows, the health model's
signals, sweeps), or through an explicit method of :class:`~relationkit.app.relations.Relations`
(``subscribe`` for listeners, ``add_hook`` for command hooks).

=======================  ==============================================================
Protocol                 registered with
=======================  ==============================================================
:class:`Rule`            ``CareConfig().with_rule(rule)``
:class:`BulkRule`        the same; ``check_many`` is used when many records are judged
:class:`Listener`        ``rk.subscribe(listener, events=...)``
:class:`CommandHook`     ``rk.add_hook(hook)``
:class:`Signal`          ``CareConfig(health=default_health_model().with_signal(s, w))``
:class:`Sweep`           ``CareConfig().with_sweep(sweep)``, or ``rk.sweeps.process([sweep])``
:class:`Clock`           ``Relations(store, clock=clock)``
:class:`Store`           ``Relations(store)``; subclass ``relationkit.store.base.Store``
:class:`Directory`       given to rules and signals (read-only); nothing to register
=======================  ==============================================================

It also gathers the base classes a workflow of your own builds on: :class:`Aggregate`
(what a workflow runs), :class:`Command` (what it is asked to do) and :class:`FollowUp`
(what a command hook returns to have another command run in the same transaction).

Each protocol is defined next to what uses it (a rule's beside the rulebook, a signal's
beside the health model), so that no part of relationkit depends on this module; this
module only gathers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from relationkit.clock import Clock
from relationkit.domain.aggregate import Aggregate, Command, FollowUp, Listener, Sweep, Written
from relationkit.domain.directory import Directory
from relationkit.domain.health import Signal
from relationkit.domain.parties import Actor
from relationkit.rules.base import BulkRule, CommandHook, Rule, SubjectT

if TYPE_CHECKING:
    from relationkit.store.base import UnitOfWork

__all__ = [
    "Actor",
    "Aggregate",
    "BulkRule",
    "Clock",
    "Command",
    "CommandHook",
    "Directory",
    "FollowUp",
    "Listener",
    "Rule",
    "Signal",
    "Store",
    "SubjectT",
    "Sweep",
    "Written",
]


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
