"""B5: memory per hydrated case, against one python-statemachine instance.

Both are measured with :mod:`tracemalloc`: the memory still allocated after building and
keeping N cases loaded from a store (domain objects, no machines), and after building and
keeping M machines restored from those cases' states, each divided by its count.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from bench.harness import Context, Row
from bench.world import PATHS, relations, seed_cases
from relationkit import MemoryStore
from relationkit.cases import Case
from relationkit.workflows.case import CaseFlow

__all__ = ["bytes_per_item", "run"]


def bytes_per_item(build: Callable[[], list[Any]]) -> tuple[float, list[Any]]:
    """Bytes still allocated per item after ``build()`` returns its list (kept alive)."""
    gc.collect()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        items = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if started:
            tracemalloc.stop()
    return (after - before) / max(1, len(items)), items


def run(ctx: Context) -> list[Row]:
    """B5's rows."""
    sizes = ctx.sizes
    store = MemoryStore()
    relations(store)
    seed_cases(store, sizes.b5_cases)

    def hydrate() -> list[Case]:
        with store.unit_of_work() as uow:
            return uow.select(Case)

    hydrate()  # warm caches (time zones, converters) so they are not charged to the cases
    per_case, cases = bytes_per_item(hydrate)
    states = [c.state for c in cases[: sizes.b5_machines]]
    CaseFlow(start_value=states[0])
    per_machine, _ = bytes_per_item(lambda: [CaseFlow(start_value=s) for s in states])
    return [
        Row(
            "B5",
            f"bytes per hydrated case ({len(cases):,} cases)",
            per_case,
            "B",
            peer="python-statemachine: one instance",
            peer_figure=per_machine,
            target=2048,
            note=f"cases follow {len(PATHS)} histories of 1 to {max(map(len, PATHS)) + 1} events",
        )
    ]
