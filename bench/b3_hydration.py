"""B3: hydrating many stored cases as domain objects, against a raw sqlite3 fetch.

relationkit: ``uow.select(Case)`` on a :class:`SqliteStore` holding N cases (the histories
of :data:`bench.world.PATHS`): every row read and decoded into a :class:`Case` with its
statements, paraphrases, decisions and times, no machines. Peer: ``sqlite3`` fetching the
same rows (``id, snapshot`` of the case table, in id order) into tuples. Context rows add
``json.loads`` of each snapshot to the raw fetch (the least any decoding of JSON costs), and
``json.loads`` followed by the cattrs converter's own ``structure`` (what relationkit's
compiled decoders replace).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time

from bench.harness import Context, Row, alternate
from bench.world import relations, seed_cases
from relationkit.cases import Case
from relationkit.serialization import converter
from relationkit.store.schema import kind_table
from relationkit.store.url import open_store

__all__ = ["run"]


def run(ctx: Context) -> list[Row]:
    """B3's rows."""
    sizes = ctx.sizes
    count = sizes.b3_cases
    path = os.path.join(ctx.workdir, "b3.db")
    store = open_store(f"sqlite:///{path}?synchronous=normal")
    try:
        relations(store)
        started = time.perf_counter()
        seed_cases(store, count, prefix="b3", batch=10_000)
        ctx.log(f"B3 stored {count:,} cases in {time.perf_counter() - started:.1f} s")
        table = kind_table(Case).name
        sql = f'SELECT id, snapshot FROM "{table}" ORDER BY id'
        raw = sqlite3.connect(path)

        def mine(_: int) -> float:
            start = time.perf_counter()
            with store.unit_of_work() as uow:
                cases = uow.select(Case)
            spent = time.perf_counter() - start
            assert len(cases) == count
            return spent

        def theirs(_: int) -> float:
            start = time.perf_counter()
            rows = raw.execute(sql).fetchall()
            spent = time.perf_counter() - start
            assert len(rows) == count
            return spent

        def with_json(_: int) -> float:
            start = time.perf_counter()
            rows = [(i, json.loads(s)) for i, s in raw.execute(sql).fetchall()]
            spent = time.perf_counter() - start
            assert len(rows) == count
            return spent

        def with_cattrs(_: int) -> float:
            start = time.perf_counter()
            cases = [converter.structure(json.loads(s), Case) for _, s in raw.execute(sql)]
            spent = time.perf_counter() - start
            assert len(cases) == count
            return spent

        rounds = min(sizes.rounds, 3)
        per_mine, per_theirs = alternate(mine, theirs, ops=1, rounds=rounds)
        per_json, _ = alternate(with_json, theirs, ops=1, rounds=rounds)
        per_cattrs, _ = alternate(with_cattrs, theirs, ops=1, rounds=rounds)
        raw.close()
    finally:
        store.close()
    return [
        Row(
            "B3",
            f"hydrate {count:,} cases (select(Case), no machines), per case",
            per_mine / count * 1e6,
            "us",
            peer="sqlite3 fetch of the same rows into tuples",
            peer_figure=per_theirs / count * 1e6,
            target=3.0,
            target_on="ratio",
        ),
        Row(
            "B3",
            "context: sqlite3 fetch + json.loads of each snapshot, per case",
            per_json / count * 1e6,
            "us",
            peer="sqlite3 fetch of the same rows into tuples",
            peer_figure=per_theirs / count * 1e6,
        ),
        Row(
            "B3",
            "context: fetch + json.loads + cattrs converter.structure, per case",
            per_cattrs / count * 1e6,
            "us",
            peer="sqlite3 fetch of the same rows into tuples",
            peer_figure=per_theirs / count * 1e6,
        ),
    ]
