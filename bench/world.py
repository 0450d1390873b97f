"""The people, policy and cases every benchmark works on.

Bulk seeding (:func:`seed_cases`) writes through the store's own ``append``, in large units
of work. It builds each case's events with the workflow's table instead of a state machine
and without the care rules: the paths it follows (:data:`PATHS`) are ones the rules allow,
and a machine per seeded command would make loading 100,000 cases take many minutes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pendulum

from relationkit import Client, Relations, Staff
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    ConfirmHeard,
    Defer,
    OpenCase,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Command
from relationkit.domain.events import next_event
from relationkit.policy import Clause, Policy
from relationkit.rules.base import Attempt
from relationkit.serialization import converter
from relationkit.store.base import Store, UnitOfWork
from relationkit.testing import ManualClock
from relationkit.workflows.case import CASE_WORKFLOW

__all__ = [
    "AGENT_ID",
    "CLIENT_ID",
    "PATHS",
    "START",
    "Directory",
    "attempt",
    "case_with_path",
    "people",
    "relations",
    "seed_cases",
]

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
"""The benchmarks' "now" (their clock stands still)."""

AGENT_ID = "s-agent"
MANAGER_ID = "s-manager"
CLIENT_ID = "c-ana"
CLIENTS = 50
"""Seeded cases belong to this many clients, round robin."""


def people() -> list[Any]:
    """The staff and clients every benchmark registers."""
    found: list[Any] = [
        Staff(id=AGENT_ID, name="Sam Agent", roles={"agent"}),
        Staff(id=MANAGER_ID, name="Maria Manager", roles={"manager"}),
        Client(id=CLIENT_ID, name="Ana Client"),
    ]
    found.extend(Client(id=f"c-{i:03d}", name=f"Client {i}") for i in range(CLIENTS))
    return found


def relations(store: Store) -> Relations:
    """A service on ``store`` with the people registered and a policy published."""
    rk = Relations(store, clock=ManualClock(START))
    rk.register(*people())
    if rk.policy.current() is None:
        rk.policy.publish(
            Policy(
                version=1,
                published_at=START.subtract(days=30),
                clauses=(Clause(id="refunds-30d", text="Refunds within 30 days."),),
            )
        )
    return rk


class Directory:
    """A directory that knows nobody, for commands whose rules look nobody up."""

    def find_party(self, party_id: str) -> None:
        return None

    def find_staff(self, staff_id: str) -> None:
        return None

    def find(self, cls: Any, aggregate_id: str) -> None:
        return None

    def select(self, cls: Any, **where: Any) -> list[Any]:
        return []

    def count(self, cls: Any, **where: Any) -> int:
        return 0

    def find_record(self, cls: Any, record_id: str) -> None:
        return None

    def records(self, cls: Any) -> list[Any]:
        return []


def attempt(rk: Relations, command: Command, actor: Staff) -> Attempt:
    """The attempt :meth:`Relations.execute` would build for ``command`` by ``actor``."""
    return Attempt(
        command_name=command.NAME,
        command=command,
        actor=actor,
        now=START,
        config=rk.config,
        policy=rk.policy.current(),
        directory=Directory(),
    )


def _opening(client_id: str, number: int) -> OpenCase:
    return OpenCase(
        client_id=client_id,
        subject=f"Late delivery of order {number}",
        statement="My order is two weeks late and nobody answers my emails.",
    )


def _steps() -> dict[str, tuple[Command, str]]:
    """Each step: the command and who runs it ("agent" or "client")."""
    return {
        "acknowledge": (
            Acknowledge(paraphrase="Your order is two weeks late and you got no answer."),
            "agent",
        ),
        "confirm_heard": (ConfirmHeard(), "client"),
        "accept": (Accept(note="We refund the shipping cost."), "agent"),
        "defer": (
            Defer(reply_by=START.add(days=3), reason="Checking with the warehouse."),
            "agent",
        ),
        "start_work": (StartWork(), "agent"),
        "resolve": (Resolve(summary="Shipping refunded, order delivered."), "agent"),
    }


PATHS: tuple[tuple[str, ...], ...] = (
    (),
    ("acknowledge",),
    ("acknowledge", "confirm_heard"),
    ("acknowledge", "confirm_heard", "defer"),
    ("acknowledge", "confirm_heard", "accept"),
    ("acknowledge", "confirm_heard", "accept", "start_work"),
    ("acknowledge", "confirm_heard", "accept", "start_work", "resolve"),
)
"""The histories seeded cases follow, round robin: opened, listened to, heard, deferred,
decided, in progress, resolved (between one and six events)."""


def case_with_path(
    case_id: str, client_id: str, path: Sequence[str], *, number: int = 0
) -> tuple[Case, list[Any]]:
    """A case and its timeline after opening and ``path``: events hashed and chained as a
    live command would make them, states taken from the workflow's table (no machine)."""
    steps = _steps()
    at = START.subtract(days=7)
    case, first = CASE_WORKFLOW.start(case_id, _opening(client_id, number), AGENT_ID, at)
    events = [first]
    for offset, name in enumerate(path, start=1):
        command, who = steps[name]
        event = next_event(
            case.id,
            case.version,
            case.head,
            name=command.EVENT,
            actor_id=client_id if who == "client" else AGENT_ID,
            at=at.add(hours=offset),
            data=converter.unstructure(command),
        )
        case.apply(event, command, CASE_WORKFLOW.table.transitions[case.state][command.NAME])
        events.append(event)
    return case, events


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def seed_cases(
    store: Store,
    count: int,
    *,
    prefix: str = "case",
    batch: int = 5_000,
    paths: Sequence[Sequence[str]] = PATHS,
) -> list[str]:
    """Store ``count`` cases following ``paths`` round robin; return their ids.

    Each batch of ``batch`` cases is one unit of work (one transaction)."""
    ids: list[str] = []
    for chunk in _chunks(count, batch):
        uow: UnitOfWork
        with store.unit_of_work() as uow:
            for i in chunk:
                case_id = f"{prefix}-{i:07d}"
                client = f"c-{i % CLIENTS:03d}"
                case, events = case_with_path(case_id, client, paths[i % len(paths)], number=i)
                uow.append(case, events)
                ids.append(case_id)
            uow.commit()
    return ids
