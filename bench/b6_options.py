"""B6: "what may I do now" for many cases at once, with no machine per case.

relationkit: :meth:`Relations.options_for` over hydrated cases in the states of
:data:`bench.world.PATHS` (every command each state offers, with the authority check and
the care rules that the state alone decides). Peer: the naive way, one python-statemachine
machine per case restored from its state and asked for ``allowed_events`` (which knows
nothing of roles or rules), timed on a sample and reported per case.
"""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Context, Row
from bench.world import AGENT_ID, relations, seed_cases
from relationkit import MemoryStore
from relationkit.workflows.case import CaseFlow

__all__ = ["run"]


def run(ctx: Context) -> list[Row]:
    """B6's rows."""
    sizes = ctx.sizes
    store = MemoryStore()
    rk = relations(store)
    seed_cases(store, sizes.b6_cases)
    cases = rk.cases()
    sample = cases[: sizes.b6_machines]
    rk.options_for(cases[:10], actor=AGENT_ID)  # warm-up

    mine: list[float] = []
    theirs: list[float] = []
    options = 0
    found: dict[str, list[Any]] = {}
    for _ in range(sizes.rounds):
        found = {}  # the last round's answer is released before the clock starts
        start = time.perf_counter()
        found = rk.options_for(cases, actor=AGENT_ID)
        mine.append((time.perf_counter() - start) / len(cases))
        options = sum(len(v) for v in found.values())
        start = time.perf_counter()
        for case in sample:
            CaseFlow(start_value=case.state).allowed_events  # noqa: B018 - the work measured
        theirs.append((time.perf_counter() - start) / len(sample))
    mine.sort()
    theirs.sort()
    return [
        Row(
            "B6",
            f"options_for {len(cases):,} cases, per case",
            mine[len(mine) // 2] * 1e6,
            "us",
            peer="python-statemachine: machine per case + allowed_events",
            peer_figure=theirs[len(theirs) // 2] * 1e6,
            target=5.0,
            note=f"{options / len(cases):.1f} commands judged per case on average",
        )
    ]
