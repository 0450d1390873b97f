"""B1: one case command in memory, through the public entry point, against eventsourcing.

relationkit: ``Relations.handle(case_id, Acknowledge(...), actor=...)`` on the in-memory
store, each command on a different opened case: everything a command does (the unit of
work, loading and decoding the case, the actor and the policy looked up, authority, the
care rules, the workflow's table, the event built, hashed and chained, the command hooks,
the append and the commit). Peer: eventsourcing 9's ``Application`` on its default
in-memory persistence (POPO), a ``Ticket`` aggregate of the same shape, one event per
command: ``repository.get`` (replaying its events), ``ticket.acknowledge(...)``, ``save``.

Context rows, measured in the same turns against the same peer: python-statemachine's
``CaseFlow`` reused (state set on its model, event sent: no machine built per command),
``transitions`` with one machine reused (``set_state`` + ``trigger``), and a hand-written
floor doing the same checks (:class:`bench.peers.Floor`). The machine rows are the
machine's step alone, not a whole command.

Nothing here waits for a disk or a server, so the clock is the CPU time of the benchmark's
thread (:data:`bench.harness.CPU`): other processes on a shared machine delay the run but do
not add to the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bench.harness import CPU, Context, Row, Side, interleave
from bench.peers import PARAPHRASE, Floor, desk_class, reused_machine, transitions_machine
from bench.world import AGENT_ID, START, relations, seed_cases
from relationkit import MemoryStore
from relationkit.cases import Acknowledge

__all__ = ["relationkit_side", "run"]

PEER = "eventsourcing 9 in memory: get + acknowledge + save"


def relationkit_side(count: int) -> Side:
    """``Relations.handle`` of ``acknowledge`` on ``count`` opened cases, one each."""
    store = MemoryStore()
    rk = relations(store)
    ids = iter(seed_cases(store, count, prefix="b1", paths=[()]))
    command = Acknowledge(paraphrase=PARAPHRASE)
    handle = rk.handle

    def side(n: int) -> float:
        chosen = [next(ids) for _ in range(n)]
        start = CPU()
        for case_id in chosen:
            handle(case_id, command, actor=AGENT_ID)
        return CPU() - start

    return side


def _eventsourcing(count: int) -> Side:
    desk = desk_class()()  # the default persistence module: in memory (POPO)
    tickets = [desk.open(i) for i in range(count)]
    desk.save(*tickets)
    ids: Iterator[Any] = iter([t.id for t in tickets])
    del tickets
    acknowledge = desk.acknowledge

    def side(n: int) -> float:
        chosen = [next(ids) for _ in range(n)]
        start = CPU()
        for ticket_id in chosen:
            acknowledge(ticket_id)
        return CPU() - start

    return side


def _floor(count: int) -> Side:
    floor = Floor()
    ids = [f"floor-{i}" for i in range(count)]
    for case_id in ids:
        floor.open(case_id)
    remaining = iter(ids)
    at = START.isoformat()

    def side(n: int) -> float:
        chosen = [next(remaining) for _ in range(n)]
        start = CPU()
        for case_id in chosen:
            floor.acknowledge(case_id, AGENT_ID, at)
        return CPU() - start

    return side


def _python_statemachine() -> Side:
    machine, model = reused_machine()

    def side(n: int) -> float:
        start = CPU()
        for _ in range(n):
            model.state = "opened"
            machine.send("acknowledge")
        return CPU() - start

    return side


def _transitions() -> Side:
    machine = transitions_machine()

    def side(n: int) -> float:
        start = CPU()
        for _ in range(n):
            machine.set_state("opened")
            machine.trigger("acknowledge")
        return CPU() - start

    return side


def run(ctx: Context) -> list[Row]:
    """B1's rows."""
    sizes = ctx.sizes
    count = sizes.slice_ops * (1 + sizes.b1_slices * sizes.rounds)
    timings = interleave(
        [
            ("relationkit", relationkit_side(count)),
            ("eventsourcing", _eventsourcing(count)),
            ("python-statemachine", _python_statemachine()),
            ("transitions", _transitions()),
            ("floor", _floor(count)),
        ],
        slice_ops=sizes.slice_ops,
        slices=sizes.b1_slices,
        rounds=sizes.rounds,
    )
    ops = sizes.slice_ops * sizes.b1_slices * sizes.rounds
    return [
        timings.row(
            "B1",
            "command in memory: Relations.handle(acknowledge), everything included",
            "relationkit",
            "eventsourcing",
            peer_label=PEER,
            target=1.0,
            target_on="ratio",
            note=(
                f"{ops:,} commands each, in turns of {sizes.slice_ops}; each command on a "
                "different opened case (eventsourcing: ticket); the peer replays one event "
                "per get, relationkit decodes one snapshot; CPU time of the benchmark's thread"
            ),
        ),
        timings.row(
            "B1",
            "context: python-statemachine CaseFlow reused (state set + send)",
            "python-statemachine",
            "eventsourcing",
            peer_label=PEER,
        ),
        timings.row(
            "B1",
            "context: transitions, one machine reused (set_state + trigger)",
            "transitions",
            "eventsourcing",
            peer_label=PEER,
        ),
        timings.row(
            "B1",
            "context: hand-written floor (dict table, role, 1 rule, JSON, SHA-256)",
            "floor",
            "eventsourcing",
            peer_label=PEER,
        ),
    ]
