"""B9: making a promise for an owner who holds 5,000 open promises, against one who holds 5.

relationkit: ``Relations.promises.make(actor=owner, party=..., offering=..., due=...)``, a
delivery promise under an offering, checked by the care rules (R4 among them: the
owner's capacity, counted over their open promises), to a client with a relationship. The
busy side's owner holds 5,000 open promises; the light side's owners hold 5 each (a fresh
owner for each turn, so they stay light). Capacity is set high enough for both to be
accepted: the benchmark measures what holding many promises costs, not a refusal. The
target is that the busy owner costs at most 1.3 times the light one.

Measured in memory (CPU time) and on SQLite (``synchronous=FULL``; wall time, the commit
waiting for the disk); the two sides take turns.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bench.harness import CLOCK_NOTES, CPU, WALL, Context, Row, Side, interleave
from bench.world import CLIENT_ID, OFFERING_ID, START, open_promises, relations, seed
from relationkit import MemoryStore, Relations, Staff
from relationkit.config import CareConfig
from relationkit.rules.settings import PromiseConfig
from relationkit.store.base import Store
from relationkit.store.url import open_store

__all__ = ["run", "setup"]

LIGHT = 5
TARGET = 1.3
BUSY_ID = "s-busy"


def setup(
    store: Store, busy_open: int, light_owners: int, clock: Callable[[], float] = WALL
) -> tuple[Relations, Side, Side]:
    """A service on ``store`` with a busy owner (``busy_open`` open promises) and
    ``light_owners`` owners of :data:`LIGHT`; the busy side and the light side, timed by
    ``clock``."""
    lights = [f"s-light-{k:03d}" for k in range(light_owners)]
    staff = [Staff(id=member, name=member, roles={"agent"}) for member in (BUSY_ID, *lights)]
    config = CareConfig().evolve(promises=PromiseConfig(capacity=1_000_000))
    rk = relations(store, config=config, staff=staff)
    seed(store, open_promises(BUSY_ID, busy_open, prefix="b9-busy"), 10_000)
    for member in lights:
        seed(store, open_promises(member, LIGHT, prefix=f"b9-{member}"), 10_000)
    remaining = iter(lights)
    due = START.add(days=90)
    make = rk.promises.make

    def by(owner: Any) -> Side:
        def side(n: int) -> float:
            actor = owner()
            start = clock()
            for _ in range(n):
                make(
                    actor=actor,
                    party=CLIENT_ID,
                    what="A replacement parcel",
                    offering=OFFERING_ID,
                    scope=("replacement parcel",),
                    due=due,
                )
            return clock() - start

        return side

    return rk, by(lambda: BUSY_ID), by(lambda: next(remaining))


def _measure(ctx: Context, label: str, store: Store, clock: Callable[[], float]) -> Row:
    sizes = ctx.sizes
    slices = sizes.b9_slices
    _, busy, light = setup(store, sizes.b9_open, 2 + sizes.b9_rounds * slices, clock)
    timings = interleave(
        [("busy", busy), ("light", light)],
        slice_ops=sizes.b9_slice,
        slices=slices,
        rounds=sizes.b9_rounds,
    )
    ops = sizes.b9_slice * slices * sizes.b9_rounds
    return timings.row(
        "B9",
        f"promises.make {label}, owner with {sizes.b9_open:,} open promises vs {LIGHT}",
        "busy",
        "light",
        peer_label=f"the same promise by an owner with {LIGHT} open",
        scale=1e3,
        unit="ms",
        target=TARGET,
        target_on="ratio",
        note=f"{ops} promises each, in turns of {sizes.b9_slice}; {CLOCK_NOTES[clock]}",
    )


def run(ctx: Context) -> list[Row]:
    """B9's rows."""
    rows = [_measure(ctx, "in memory", MemoryStore(), CPU)]
    store = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'b9.db')}")
    try:
        rows.append(_measure(ctx, "on SQLite", store, WALL))
    finally:
        store.close()
    return rows
