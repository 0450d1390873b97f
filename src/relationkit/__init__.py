"""relationkit: client-care workflows that software enforces and audits.

Listen before you decide, say no with a reason, promise only what you can keep, and never
end a relationship alone: relationkit refuses what good practice forbids with a typed error
and keeps a tamper-evident timeline of everything that happened.

Start with :class:`Relations`; see the tutorial in the documentation.
"""

from relationkit.clock import SystemClock
from relationkit.config import CareConfig
from relationkit.domain.case import (
    Accept,
    Acknowledge,
    Case,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Escalate,
    OpenCase,
    RecordStatement,
    Refer,
    Reopen,
    Resolve,
    StartWork,
)
from relationkit.domain.events import Event, verify_timeline
from relationkit.domain.parties import Client, Consultant, Party, Staff, Vendor
from relationkit.domain.policy import Clause, Policy
from relationkit.exceptions import (
    AggregateCorrupted,
    ConcurrencyError,
    EmptyText,
    InvalidInput,
    InvalidTransition,
    NaiveDateTime,
    NotFound,
    NotPermitted,
    OutOfRange,
    RelationkitError,
    RuleViolation,
    RuleViolations,
    SchemaError,
    StoreError,
    TimelineBroken,
    TransactionConflict,
    UnknownStateValue,
    UnknownTimeZone,
)
from relationkit.rules.base import Attempt, Rulebook, rule
from relationkit.service import Relations, VerificationReport, retry
from relationkit.store.base import Store, UnitOfWork
from relationkit.store.memory import MemoryStore
from relationkit.workflows.engine import Option

__version__ = "0.1.0"

__all__ = [
    "Accept",
    "Acknowledge",
    "AggregateCorrupted",
    "Attempt",
    "CareConfig",
    "Case",
    "Clause",
    "Client",
    "Close",
    "Compromise",
    "ConcurrencyError",
    "ConfirmHeard",
    "Consult",
    "Consultant",
    "CorrectParaphrase",
    "Decline",
    "Defer",
    "EmptyText",
    "Escalate",
    "Event",
    "InvalidInput",
    "InvalidTransition",
    "MemoryStore",
    "NaiveDateTime",
    "NotFound",
    "NotPermitted",
    "OpenCase",
    "Option",
    "OutOfRange",
    "Party",
    "Policy",
    "RecordStatement",
    "Refer",
    "Relations",
    "RelationkitError",
    "Reopen",
    "Resolve",
    "RuleViolation",
    "RuleViolations",
    "Rulebook",
    "SchemaError",
    "StartWork",
    "Staff",
    "Store",
    "StoreError",
    "SystemClock",
    "TimelineBroken",
    "TransactionConflict",
    "UnitOfWork",
    "UnknownStateValue",
    "UnknownTimeZone",
    "VerificationReport",
    "Vendor",
    "__version__",
    "retry",
    "rule",
    "verify_timeline",
]
