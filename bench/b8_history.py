"""B8: history growth: a command on a case with 10,000 prior events against one with 10.

relationkit: ``Relations.handle(case_id, RecordStatement(...))`` (the client said more; the
case records it and keeps listening: a command that appends to the case's history), on a
case whose timeline holds 10,000 events, against the same command on cases holding 10. A
library whose cost per command grows with the history (loading, re-encoding or
re-hashing all of it) shows it here; the target is that a long case costs at most 1.3
times a short one.

Measured in memory (CPU time) and on SQLite (``synchronous=FULL``, relationkit's default;
wall time, the commit waiting for the disk). The long
case grows by the commands measured on it (a few hundred events on 10,000); each turn on
the short side uses a fresh case of 10 events, so it stays short. The two sides take turns.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bench.harness import CLOCK_NOTES, CPU, WALL, Context, Row, Side, interleave
from bench.world import AGENT_ID, long_case, relations
from relationkit import MemoryStore, Relations
from relationkit.cases import RecordStatement
from relationkit.store.base import Store
from relationkit.store.url import open_store

__all__ = ["run", "setup"]

SHORT = 10
TARGET = 1.3


def setup(
    store: Store, long_events: int, short_cases: int, clock: Callable[[], float] = WALL
) -> tuple[Relations, Side, Side]:
    """A service on ``store`` with one case of ``long_events`` events and ``short_cases``
    cases of :data:`SHORT`; the long side and the short side, timed by ``clock``."""
    rk = relations(store)
    long_, events = long_case("b8-long", long_events)
    with store.unit_of_work() as uow:
        uow.append(long_, events)
        uow.commit()
    shorts = []
    with store.unit_of_work() as uow:
        for k in range(short_cases):
            case, timeline = long_case(f"b8-short-{k:04d}", SHORT)
            uow.append(case, timeline)
            shorts.append(case.id)
        uow.commit()
    remaining = iter(shorts)
    command = RecordStatement(text="One more thing: the invoice was wrong too.")
    handle = rk.handle

    def on(case_id: Callable[[], str]) -> Side:
        def side(n: int) -> float:
            target = case_id()
            start = clock()
            for _ in range(n):
                handle(target, command, actor=AGENT_ID)
            return clock() - start

        return side

    return rk, on(lambda: "b8-long"), on(lambda: next(remaining))


def _measure(ctx: Context, label: str, store: Store, clock: Callable[[], float]) -> Row:
    sizes = ctx.sizes
    slices = sizes.b8_slices
    _, long_side, short_side = setup(store, sizes.b8_events, 2 + sizes.b8_rounds * slices, clock)
    timings = interleave(
        [("long", long_side), ("short", short_side)],
        slice_ops=sizes.b8_slice,
        slices=slices,
        rounds=sizes.b8_rounds,
    )
    ops = sizes.b8_slice * slices * sizes.b8_rounds
    return timings.row(
        "B8",
        f"record_statement {label}, {sizes.b8_events:,} prior events vs {SHORT}",
        "long",
        "short",
        peer_label=f"the same command on a case of {SHORT} events",
        scale=1e3,
        unit="ms",
        target=TARGET,
        target_on="ratio",
        note=f"{ops} commands each, in turns of {sizes.b8_slice}; {CLOCK_NOTES[clock]}",
    )


def run(ctx: Context) -> list[Row]:
    """B8's rows."""
    rows = [_measure(ctx, "in memory", MemoryStore(), CPU)]
    store: Any = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'b8.db')}")
    try:
        rows.append(_measure(ctx, "on SQLite", store, WALL))
    finally:
        store.close()
    return rows
