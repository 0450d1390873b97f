"""The people, policy, cases and promises every benchmark works on.

Bulk seeding writes through the store's own ``append``, in large units of work, with events
built from the workflow's table instead of running each seeded command through the care
rules: the histories seeded (:data:`PATHS`) are ones the rules allow, hashed and chained as
live commands make them, and running 100,000 cases through the pipeline would take longer
than the benchmarks themselves. Everything that is *measured* goes through the public API.

Every seeded case belongs to its client's relationship (as :meth:`Relations.open_case`
arranges), and every deferred case has the reply promise its deferral made, so that a
benchmark never runs a command on data the library would not have written itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import pendulum

from relationkit import Client, Relations, Staff
from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    ConfirmHeard,
    Defer,
    OpenCase,
    RecordStatement,
    Resolve,
    StartWork,
)
from relationkit.config import CareConfig
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event, next_event
from relationkit.domain.promise import REPLY, MakePromise, Promise
from relationkit.policy import Clause, Policy
from relationkit.relationships import Relationship
from relationkit.serialization import converter
from relationkit.store.base import Store
from relationkit.testing import ManualClock
from relationkit.workflows.case import CASE_WORKFLOW
from relationkit.workflows.promise import PROMISE_WORKFLOW

__all__ = [
    "AGENT_ID",
    "CLIENTS",
    "CLIENT_ID",
    "MANAGER_ID",
    "OFFERING_ID",
    "PATHS",
    "START",
    "CaseFactory",
    "client_of",
    "long_case",
    "open_promises",
    "people",
    "prepare_kinds",
    "relations",
    "relationship_of",
    "seed",
    "seed_cases",
    "shared_cases_db",
]

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
"""The benchmarks' "now": their clock stands still, so every run judges the same times."""

AGENT_ID = "s-agent"
MANAGER_ID = "s-manager"
CLIENT_ID = "c-ana"
CLIENTS = 50
"""Seeded cases belong to this many clients, round robin."""
OFFERING_ID = "parcel-replacement"
"""The offering delivery promises are made under (B9)."""


def client_of(number: int) -> str:
    """The client of the ``number``-th seeded case."""
    return f"c-{number % CLIENTS:03d}"


def relationship_of(client_id: str) -> str:
    """The id of a client's relationship (the one relationkit starts for a first case)."""
    from relationkit.app.relationships import first_relationship_id

    return first_relationship_id(client_id)


def people() -> list[Any]:
    """The staff and clients every benchmark registers."""
    found: list[Any] = [
        Staff(id=AGENT_ID, name="Sam Agent", roles={"agent"}),
        Staff(id=MANAGER_ID, name="Maria Manager", roles={"manager"}),
        Client(id=CLIENT_ID, name="Ana Client"),
    ]
    found.extend(Client(id=client_of(i), name=f"Client {i}") for i in range(CLIENTS))
    return found


def prepare_kinds(store: Store, *classes: type[Aggregate]) -> None:
    """Have the store create the tables of ``classes`` now, in a transaction of their own.

    A unit of work that appends the first aggregates of a kind whose table it creates
    itself derives that table again on every append until it commits (about 2 ms each);
    seeding in bulk avoids that by creating the tables first."""
    with store.unit_of_work() as uow:
        for cls in classes:
            uow.count(cls)


def relations(
    store: Store, *, config: CareConfig | None = None, staff: Sequence[Staff] = ()
) -> Relations:
    """A service on ``store`` at :data:`START`: the people registered, a policy published
    and acknowledged by the staff (R11), a calendar and an offering, and one active
    relationship per client. Idempotent: a store set up before is only reopened."""
    rk = Relations(store, clock=ManualClock(START), config=config)
    if rk.policy.current() is not None:
        return rk
    prepare_kinds(store, Case, Promise, Relationship)
    with rk.batch():
        rk.register(*people(), *staff)  # the store's first people: registered by its setup
        rk.policy.publish(
            Policy(
                version=1,
                published_at=START.subtract(days=30),
                clauses=(Clause(id="refunds-30d", text="Refunds within 30 days."),),
            ),
            actor=MANAGER_ID,
        )
        for member in (AGENT_ID, MANAGER_ID, *(s.id for s in staff)):
            rk.policy.acknowledge(member)
        rk.calendars.register(
            BusinessCalendar(id="berlin", timezone="Europe/Berlin"), actor=MANAGER_ID
        )
        rk.calendars.register_offering(
            Offering(
                id=OFFERING_ID,
                name="Parcel replacement",
                scope=("replacement parcel",),
                lead_time=BusinessTime(days=2),
                calendar_id="berlin",
            ),
            actor=MANAGER_ID,
        )
        for client in [CLIENT_ID, *(client_of(i) for i in range(CLIENTS))]:
            relationship_id = relationship_of(client)
            rk.relationships.create(actor=AGENT_ID, party=client, relationship_id=relationship_id)
            rk.relationships.activate(relationship_id, actor=AGENT_ID)
    return rk


# --- cases --------------------------------------------------------------------------------------


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

OPENED = 0
HEARD = 2


class CaseFactory:
    """Builds seeded cases and their timelines quickly: commands, their data and the times
    of each step are made once, the events (hashed and chained) once per case."""

    def __init__(self) -> None:
        self.steps = _steps()
        self.data = {name: converter.unstructure(cmd) for name, (cmd, _) in self.steps.items()}
        self.opened_at = START.subtract(days=7)
        self.at = [self.opened_at.add(hours=k) for k in range(8)]
        self.table = CASE_WORKFLOW.table.transitions

    def case(
        self, case_id: str, number: int, path: Sequence[str]
    ) -> list[tuple[Aggregate, list[Event]]]:
        """The case's ``(aggregate, events)`` after opening and ``path``, then the reply
        promise its deferral made, if ``path`` defers."""
        client = client_of(number)
        opening = OpenCase(
            client_id=client,
            subject=f"Late delivery of order {number}",
            statement="My order is two weeks late and nobody answers my emails.",
            relationship_id=relationship_of(client),
        )
        case, first = CASE_WORKFLOW.start(case_id, opening, AGENT_ID, self.at[0])
        events = [first]
        for offset, name in enumerate(path, start=1):
            command, who = self.steps[name]
            event = next_event(
                case.id,
                case.version,
                case.head,
                name=command.EVENT,
                actor_id=client if who == "client" else AGENT_ID,
                at=self.at[offset],
                data=self.data[name],
            )
            case.apply(event, command, self.table[case.state][command.NAME])
            events.append(event)
        written: list[tuple[Aggregate, list[Event]]] = [(case, events)]
        if "defer" in path:
            deferral = case.last_deferral
            assert deferral is not None
            make = MakePromise(
                owner_id=AGENT_ID,
                party_id=client,
                what=f"a reply on case {case.subject!r}",
                due_at=deferral.reply_by,
                kind=REPLY,
                case_id=case.id,
                relationship_id=case.relationship_id,
            )
            promise, made = PROMISE_WORKFLOW.start(f"{case_id}-reply", make, AGENT_ID, deferral.at)
            written.append((promise, [made]))
        return written


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def seed(store: Store, items: Iterator[list[tuple[Aggregate, list[Event]]]], batch: int) -> None:
    """Append what ``items`` yields, ``batch`` items per unit of work."""
    done = False
    while not done:
        with store.unit_of_work() as uow:
            for _ in range(batch):
                try:
                    written = next(items)
                except StopIteration:
                    done = True
                    break
                for aggregate, events in written:
                    uow.append(aggregate, events)
            uow.commit()


def seed_cases(
    store: Store,
    count: int,
    *,
    prefix: str = "case",
    paths: Sequence[Sequence[str]] = PATHS,
    start: int = 0,
    batch: int = 5_000,
) -> list[str]:
    """Store ``count`` cases following ``paths`` round robin (and the reply promises of the
    deferred ones); return the case ids."""
    factory = CaseFactory()
    prepare_kinds(store, Case, Promise)
    ids = [f"{prefix}-{i:07d}" for i in range(start, start + count)]
    items = (
        factory.case(case_id, i, paths[i % len(paths)])
        for i, case_id in enumerate(ids, start=start)
    )
    seed(store, items, batch)
    return ids


def shared_cases_db(workdir: str, count: int, log: Any = None) -> str:
    """The path of an SQLite file holding ``count`` cases of :data:`PATHS` (and the reply
    promises of the deferred ones), made once per run and shared by the benchmarks that
    read cases (B3, B5, B6)."""
    from relationkit.store.url import open_store

    path = os.path.join(workdir, f"cases-{count}.db")
    if os.path.exists(path + ".done"):
        return path
    store = open_store(f"sqlite:///{path}?synchronous=normal")
    try:
        relations(store)
        seed_cases(store, count, batch=10_000)
    finally:
        store.close()
    with open(path + ".done", "w", encoding="ascii") as done:
        done.write(str(count))
    if log is not None:
        log(f"stored {count:,} cases in {os.path.basename(path)}")
    return path


def long_case(case_id: str, events: int, *, client_id: str = CLIENT_ID) -> tuple[Case, list[Event]]:
    """A case opened, then ``events - 1`` statements recorded (the client kept talking):
    a case with ``events`` events on its timeline, in state ``listening``."""
    opening = OpenCase(
        client_id=client_id,
        subject="A long story",
        statement="It started in March.",
        relationship_id=relationship_of(client_id),
    )
    at = START.subtract(days=60)
    case, first = CASE_WORKFLOW.start(case_id, opening, AGENT_ID, at)
    timeline = [first]
    command = RecordStatement(text="And another thing: the parcel was damaged as well.")
    data = converter.unstructure(command)
    transitions = CASE_WORKFLOW.table.transitions
    for k in range(1, events):
        event = next_event(
            case.id,
            case.version,
            case.head,
            name=command.EVENT,
            actor_id=AGENT_ID,
            at=at.add(seconds=k),
            data=data,
        )
        case.apply(event, command, transitions[case.state][command.NAME])
        timeline.append(event)
    return case, timeline


def open_promises(
    owner_id: str, count: int, *, prefix: str
) -> Iterator[list[tuple[Aggregate, list[Event]]]]:
    """``count`` open delivery promises owned by ``owner_id``, made in the past week under
    :data:`OFFERING_ID` and due over the next two months."""
    for i in range(count):
        client = client_of(i)
        make = MakePromise(
            owner_id=owner_id,
            party_id=client,
            what="A replacement parcel",
            due_at=START.add(days=5 + i % 60, hours=i % 8),
            offering_id=OFFERING_ID,
            scope=("replacement parcel",),
            relationship_id=relationship_of(client),
        )
        promise, made = PROMISE_WORKFLOW.start(
            f"{prefix}-{i:06d}", make, owner_id, START.subtract(days=1 + i % 7)
        )
        yield [(promise, [made])]
