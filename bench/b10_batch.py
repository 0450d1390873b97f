"""B10: 1,000 commands in one batch against 1,000 commands each in its own transaction.

relationkit: ``with rk.batch(): ...`` around 1,000 ``Relations.handle(case_id,
Acknowledge(...))`` on different opened cases (one transaction, one commit), against the
same 1,000 commands without the batch (a transaction and a commit each), on SQLite with
``synchronous=FULL`` (read from the live connection and printed), where each commit waits
for the disk. The figure is the time per command, the batch's commit included; the target
is that a batched command costs at most a fifth of a single one. The two sides take turns,
in rotating order.
"""

from __future__ import annotations

import os
import time

from bench.harness import Context, Row, Side, interleave
from bench.world import AGENT_ID, relations, seed_cases
from relationkit.cases import Acknowledge
from relationkit.store.url import open_store

__all__ = ["run"]

TARGET = 0.2


def run(ctx: Context) -> list[Row]:
    """B10's rows."""
    sizes = ctx.sizes
    per_turn = sizes.b10_commands
    warmup = max(1, per_turn // 10)
    store = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'b10.db')}?synchronous=full")
    try:
        rk = relations(store)
        count = 2 * (warmup + per_turn * sizes.b10_rounds)
        ids = iter(seed_cases(store, count, prefix="b10", paths=[()]))
        command = Acknowledge(paraphrase="Your order is two weeks late and you got no answer.")
        handle = rk.handle

        def single(n: int) -> float:
            chosen = [next(ids) for _ in range(n)]
            start = time.perf_counter()
            for case_id in chosen:
                handle(case_id, command, actor=AGENT_ID)
            return time.perf_counter() - start

        def batched(n: int) -> float:
            chosen = [next(ids) for _ in range(n)]
            start = time.perf_counter()
            with rk.batch():
                for case_id in chosen:
                    handle(case_id, command, actor=AGENT_ID)
            return time.perf_counter() - start

        sides: list[tuple[str, Side]] = [("batch", batched), ("single", single)]
        timings = interleave(
            sides, slice_ops=per_turn, slices=1, rounds=sizes.b10_rounds, warmup=warmup
        )
        with store.unit_of_work() as uow:
            level = uow.session.query("PRAGMA synchronous")[0][0]
            journal = uow.session.query("PRAGMA journal_mode")[0][0]
    finally:
        store.close()
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    setting = f"journal_mode={str(journal).upper()}, synchronous={names.get(level, level)}"
    return [
        timings.row(
            "B10",
            f"{per_turn:,} acknowledge commands in one batch on SQLite, per command",
            "batch",
            "single",
            peer_label=f"the same {per_turn:,} commands, one transaction each",
            scale=1e3,
            unit="ms",
            target=TARGET,
            target_on="ratio",
            ok=None if level == 2 else False,
            note=f"{sizes.b10_rounds} rounds; read from the live connection: {setting}",
        )
    ]
