"""relationkit: client-care workflows that software enforces and audits.

Listen before you decide, say no with a reason, promise only what you can keep, and never
end a relationship alone: relationkit refuses what good practice forbids with a typed error
and keeps a tamper-evident timeline of everything that happened.

This package exports the core: the entry point :class:`Relations`, its configuration
:class:`CareConfig`, every error, the parties and staff, the stores, clocks, the timeline
and its verification. Each area's commands and values live in a namespace of its own:
:mod:`relationkit.cases`, :mod:`relationkit.promises`, :mod:`relationkit.calendars`,
:mod:`relationkit.relationships`, :mod:`relationkit.liaison`, :mod:`relationkit.feedback`,
:mod:`relationkit.health`, :mod:`relationkit.policy`, :mod:`relationkit.equality`,
:mod:`relationkit.directory` and :mod:`relationkit.sweeps`; rules in
:mod:`relationkit.rules`, workflows in :mod:`relationkit.workflows`, extension points in
:mod:`relationkit.typing`.

Start with :class:`Relations`; see the tutorial in the documentation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relationkit._version import __version__
from relationkit.app.options import Option
from relationkit.app.pipeline import BatchRolledBack, InsideBatch
from relationkit.app.relations import Relations, retry
from relationkit.app.verification import VerificationReport
from relationkit.clock import ManualClock, SystemClock
from relationkit.config import CareConfig
from relationkit.domain.events import Event, verify_timeline
from relationkit.domain.parties import Client, Consultant, Party, Staff, Vendor
from relationkit.exceptions import (
    ActorRequired,
    AggregateCorrupted,
    AlreadyRegistered,
    BeyondHorizon,
    ColumnOutOfStep,
    ConcurrencyError,
    ConnectionLost,
    DatabaseCorrupted,
    EmptyText,
    InvalidFields,
    InvalidInput,
    InvalidTransition,
    MigrationNeeded,
    NaiveDateTime,
    NotFound,
    NotPermitted,
    OutcomeUnknown,
    OutOfRange,
    ReadOnlyStore,
    RecordCorrupted,
    RelationkitError,
    RelationkitWarning,
    RelationshipEnded,
    RuleViolation,
    RuleViolations,
    SchemaError,
    StoreError,
    TimelineBroken,
    TransactionConflict,
    UnknownStateValue,
    UnknownTimeZone,
    UnreadableSkipped,
    WrongPartyKind,
)
from relationkit.store.base import Store, UnitOfWork
from relationkit.store.memory import MemoryStore
from relationkit.store.sqlite import SqliteStore
from relationkit.store.url import open_store

if TYPE_CHECKING:
    from relationkit.store.postgres import PostgresStore


__all__ = [
    "ActorRequired",
    "AggregateCorrupted",
    "AlreadyRegistered",
    "BatchRolledBack",
    "BeyondHorizon",
    "CareConfig",
    "Client",
    "ColumnOutOfStep",
    "ConcurrencyError",
    "ConnectionLost",
    "Consultant",
    "DatabaseCorrupted",
    "EmptyText",
    "Event",
    "InsideBatch",
    "InvalidFields",
    "InvalidInput",
    "InvalidTransition",
    "ManualClock",
    "MemoryStore",
    "MigrationNeeded",
    "NaiveDateTime",
    "NotFound",
    "NotPermitted",
    "Option",
    "OutOfRange",
    "OutcomeUnknown",
    "Party",
    "PostgresStore",
    "ReadOnlyStore",
    "RecordCorrupted",
    "RelationkitError",
    "RelationkitWarning",
    "Relations",
    "RelationshipEnded",
    "RuleViolation",
    "RuleViolations",
    "SchemaError",
    "SqliteStore",
    "Staff",
    "Store",
    "StoreError",
    "SystemClock",
    "TimelineBroken",
    "TransactionConflict",
    "UnitOfWork",
    "UnknownStateValue",
    "UnknownTimeZone",
    "UnreadableSkipped",
    "Vendor",
    "VerificationReport",
    "WrongPartyKind",
    "__version__",
    "open_store",
    "retry",
    "verify_timeline",
]


def __getattr__(name: str) -> Any:
    # The PostgreSQL store needs the optional psycopg; it is imported only when asked for.
    if name == "PostgresStore":
        from relationkit.store.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
