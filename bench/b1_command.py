"""B1: one case command in memory, against python-statemachine used bare.

relationkit: :meth:`Pipeline.decide` on a heard, deferred case with ``defer`` (authority check,
care rules R1 and R3, one machine restored from the state value, the event built and
hashed, the case updated), each time on a working copy of the case made before the clock
starts. Peer: the same machine class (``CaseFlow``, which has no
callbacks of its own) restored from the state value plus one ``send``, which is the least a
python-statemachine application pays per command. ``transitions`` (one machine reused, state
set then triggered) and a dict table show where plain data stands; a full
``Relations.handle`` on the in-memory store shows the cost of the whole service.
"""

from __future__ import annotations

import statistics
import time

import attrs
from transitions import Machine

from bench.harness import Batch, Context, Row, per_op
from bench.world import AGENT_ID, CLIENT_ID, START, attempt, case_with_path, relations, seed_cases
from relationkit import MemoryStore, Staff
from relationkit.cases import Defer
from relationkit.workflows.case import CASE_WORKFLOW, CaseFlow

__all__ = ["run"]

STATE = "deferred"
COMMAND = "defer"


def _relationkit(ctx: Context) -> Batch:
    rk = relations(MemoryStore())
    staff = rk.staff(AGENT_ID)
    assert isinstance(staff, Staff)
    command = Defer(reply_by=START.add(days=3), reason="Checking with the warehouse.")
    try_ = attempt(rk, command, staff)
    case, _ = case_with_path("case-b1", CLIENT_ID, ("acknowledge", "confirm_heard", "defer"))
    decide = rk.pipeline.decide

    def batch(n: int) -> float:
        # Each command runs on its own working copy of the deferred case, as the service
        # gives it a freshly loaded one.
        copies = [attrs.evolve(case) for _ in range(n)]
        start = time.perf_counter()
        for working in copies:
            decide(working, command, try_)
        return time.perf_counter() - start

    return batch


def _bare_psm(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        machine = CaseFlow(start_value=STATE)
        machine.send(COMMAND)
    return time.perf_counter() - start


def _transitions() -> Batch:
    table = CASE_WORKFLOW.table
    machine = Machine(
        states=sorted(table.states),
        transitions=[
            {"trigger": command, "source": source, "dest": target}
            for source, targets in table.transitions.items()
            for command, target in targets.items()
        ],
        initial=table.initial,
        auto_transitions=False,
    )

    def batch(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            machine.set_state(STATE)
            machine.trigger(COMMAND)
        return time.perf_counter() - start

    return batch


def _dict_table() -> Batch:
    table = {s: dict(t) for s, t in CASE_WORKFLOW.table.transitions.items()}

    def batch(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            targets = table[STATE]
            if COMMAND not in targets:
                raise RuntimeError("not allowed")
            _state = targets[COMMAND]
        return time.perf_counter() - start

    return batch


def _service(total: int) -> Batch:
    store = MemoryStore()
    rk = relations(store)
    ids = iter(seed_cases(store, total, prefix="b1s", paths=[("acknowledge", "confirm_heard")]))
    command = Defer(reply_by=START.add(days=3), reason="Checking with the warehouse.")

    def batch(n: int) -> float:
        chosen = [next(ids) for _ in range(n)]
        start = time.perf_counter()
        for case_id in chosen:
            rk.handle(case_id, command, actor=AGENT_ID)
        return time.perf_counter() - start

    return batch


SLICE = 50
"""Commands per turn when relationkit and its peer take turns within a round."""


def _alternate_finely(subject: Batch, peer: Batch, *, ops: int, rounds: int) -> tuple[float, float]:
    """Like :func:`bench.harness.alternate`, but within each round the two take turns every
    :data:`SLICE` commands: both sides take a second or so per round, and the load other work
    puts on a shared machine comes and goes faster than that, so whole-round turns hand it
    to one side more than the other. The figures are still medians over rounds."""
    subject(max(1, ops // 10))
    peer(max(1, ops // 10))
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        spent_mine = spent_theirs = 0.0
        done = 0
        while done < ops:
            n = min(SLICE, ops - done)
            spent_mine += subject(n)
            spent_theirs += peer(n)
            done += n
        mine.append(spent_mine / ops)
        theirs.append(spent_theirs / ops)
    return statistics.median(mine), statistics.median(theirs)


def run(ctx: Context) -> list[Row]:
    """B1's rows."""
    sizes = ctx.sizes
    ops, rounds = sizes.b1_ops, sizes.rounds
    mine, psm = _alternate_finely(_relationkit(ctx), _bare_psm, ops=ops, rounds=rounds)
    rows = [
        Row(
            "B1",
            "command in memory (Pipeline.decide: rules, event, hash)",
            mine * 1e6,
            "us",
            peer="python-statemachine: restore + send",
            peer_figure=psm * 1e6,
            target=1.15,
            target_on="ratio",
        )
    ]
    trans = per_op(_transitions(), ops=ops * 5, rounds=rounds)
    table = per_op(_dict_table(), ops=ops * 50, rounds=rounds)
    service_ops = max(1, ops // 4)
    service = per_op(
        _service(service_ops // 10 + 1 + service_ops * rounds), ops=service_ops, rounds=rounds
    )
    rows.append(
        Row(
            "B1",
            "context: transitions, machine reused (set_state + trigger)",
            trans * 1e6,
            "us",
            peer="python-statemachine: restore + send",
            peer_figure=psm * 1e6,
        )
    )
    rows.append(
        Row(
            "B1",
            "context: dict table lookup",
            table * 1e6,
            "us",
            peer="python-statemachine: restore + send",
            peer_figure=psm * 1e6,
        )
    )
    rows.append(
        Row(
            "B1",
            "context: Relations.handle on MemoryStore (a heard case each time)",
            service * 1e6,
            "us",
            peer="python-statemachine: restore + send",
            peer_figure=psm * 1e6,
        )
    )
    return rows
