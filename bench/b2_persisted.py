"""B2: one persisted command on SQLite, against eventsourcing's SQLite application.

relationkit: ``Relations.handle(case_id, Defer(...))`` on a :class:`SqliteStore` opened with
``open_store("sqlite:///…")``: load the case's snapshot, look up the actor and the policy,
check authority and rules R1 and R3, run one machine, build and hash the event, append the
event and the new snapshot, commit. Each command goes to a different case that was heard
(three events old).

Peer: an eventsourcing 9 ``Application`` on its SQLite persistence module with an aggregate
of the same history (opened, acknowledged, confirmed heard): ``repository.get`` (replaying
its three events), one command method (one event), ``save``.

Durability: both databases are in WAL mode with ``synchronous=FULL`` (each library's
default: eventsourcing switches its file to WAL and leaves SQLite's ``synchronous`` at FULL;
relationkit's SQLite store uses WAL and FULL unless told otherwise). The run checks both
settings on the open connections and reports them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from bench.harness import Context, Row, alternate
from bench.world import AGENT_ID, START, relations, seed_cases
from relationkit.cases import Defer
from relationkit.store.url import open_store

__all__ = ["run"]


def _ticket_classes() -> tuple[type[Any], type[Any]]:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Ticket(Aggregate):  # type: ignore[misc]
        @event("Opened")
        def __init__(self, client_id: str, subject: str, statement: str) -> None:
            self.client_id = client_id
            self.subject = subject
            self.statements = [statement]
            self.paraphrases: list[str] = []
            self.heard = False
            self.deferrals: list[tuple[str, str]] = []
            self.state = "opened"

        @event("Acknowledged")
        def acknowledge(self, paraphrase: str) -> None:
            self.paraphrases.append(paraphrase)
            self.state = "acknowledged"

        @event("ConfirmedHeard")
        def confirm_heard(self) -> None:
            self.heard = True
            self.state = "heard"

        @event("Deferred")
        def defer(self, reply_by: str, reason: str) -> None:
            self.deferrals.append((reply_by, reason))
            self.state = "deferred"

    class Desk(Application):  # type: ignore[misc]
        def open_heard(self, number: int) -> Any:
            ticket = Ticket(
                client_id=f"c-{number % 50:03d}",
                subject=f"Late delivery of order {number}",
                statement="My order is two weeks late and nobody answers my emails.",
            )
            ticket.acknowledge("Your order is two weeks late and you got no answer.")
            ticket.confirm_heard()
            self.save(ticket)
            return ticket.id

        def defer(self, ticket_id: Any, reply_by: str, reason: str) -> None:
            ticket = self.repository.get(ticket_id)
            ticket.defer(reply_by, reason)
            self.save(ticket)

    return Ticket, Desk


def _synchronous(path: str) -> str:
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    with sqlite3.connect(path) as conn:
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        level = conn.execute("PRAGMA synchronous").fetchone()[0]
    return f"{journal.upper()}, synchronous={names.get(level, level)}"


def run(ctx: Context) -> list[Row]:
    """B2's rows."""
    sizes = ctx.sizes
    ops, rounds = sizes.b2_ops, sizes.rounds
    needed = max(1, ops // 10) + ops * rounds

    path = os.path.join(ctx.workdir, "b2-relationkit.db")
    store = open_store(f"sqlite:///{path}")
    try:
        rk = relations(store)
        # A team that works by its written policy: the agent acknowledged it (R11), so the
        # commands below are not flagged as taken by someone with a lapsed acknowledgement.
        rk.policy.acknowledge(AGENT_ID)
        ids = iter(seed_cases(store, needed, prefix="b2", paths=[("acknowledge", "confirm_heard")]))
        command = Defer(reply_by=START.add(days=3), reason="Checking with the warehouse.")

        def mine(n: int) -> float:
            chosen = [next(ids) for _ in range(n)]
            start = time.perf_counter()
            for case_id in chosen:
                rk.handle(case_id, command, actor=AGENT_ID)
            return time.perf_counter() - start

        es_path = os.path.join(ctx.workdir, "b2-eventsourcing.db")
        _, desk_class = _ticket_classes()
        desk = desk_class(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": es_path}
        )
        tickets: Iterator[Any] = iter([desk.open_heard(i) for i in range(needed)])
        reply_by = START.add(days=3).isoformat()

        def theirs(n: int) -> float:
            chosen = [next(tickets) for _ in range(n)]
            start = time.perf_counter()
            for ticket_id in chosen:
                desk.defer(ticket_id, reply_by, "Checking with the warehouse.")
            return time.perf_counter() - start

        per_mine, per_theirs = alternate(mine, theirs, ops=ops, rounds=rounds)
        ours = getattr(store, "synchronous", "?")
        durability = f"relationkit: WAL, synchronous={ours}; eventsourcing: {_synchronous(es_path)}"
        desk.close()
    finally:
        store.close()
    return [
        Row(
            "B2",
            "persisted command on SQLite (load, command, append, commit)",
            per_mine * 1e6,
            "us",
            peer="eventsourcing 9 SQLite: get + 1 event + save",
            peer_figure=per_theirs * 1e6,
            target=1.0,
            target_on="ratio",
            note=durability,
        )
    ]
