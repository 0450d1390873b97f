"""B5: the process's memory per hydrated case, against the same cases as plain dicts.

Each measurement runs in a fresh Python process: it opens the database, reads a few cases
first (so that imports, compiled decoders and caches are not charged to the cases), runs
the collector and reads its resident set size (RSS, ``/proc/self/statm``); then it reads
all N cases and keeps them, runs the collector and reads the RSS again. The growth divided
by N is the figure: what holding a case costs the process, allocator overhead and
fragmentation included, rather than what :mod:`tracemalloc` counts.

relationkit: ``uow.select(Case)`` on an :class:`SqliteStore`. Peer: ``sqlite3`` fetching
the same snapshots and ``json.loads``-ing each into a dict (the same data, as plain
Python). The two kinds of process take turns.

A context row counts the same in :mod:`tracemalloc`'s way (the bytes still allocated,
in processes of their own, since tracing costs memory too): the difference from the RSS is
what the allocator keeps beyond the objects themselves.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import Context, Row, rss_bytes, skipped
from bench.world import PATHS, shared_cases_db

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2048


def _grow(side: str, path: str, traced: bool = False) -> tuple[float, int]:
    """In a fresh process: RSS growth per case after reading all cases (bytes still
    allocated, as :mod:`tracemalloc` counts them, if ``traced``), and how many."""
    import sqlite3
    import tracemalloc

    def measure() -> int | None:
        return tracemalloc.get_traced_memory()[0] if traced else rss_bytes()

    from relationkit.cases import Case
    from relationkit.store.schema import kind_table
    from relationkit.store.url import open_store

    sql = f'SELECT snapshot FROM "{kind_table(Case).name}" ORDER BY id'
    if side == "relationkit":
        store = open_store(f"sqlite:///{path}")
        with store.unit_of_work() as uow:
            uow.select(Case, limit=50)
        gc.collect()
        if traced:
            tracemalloc.start()
        before = measure()
        with store.unit_of_work() as uow:
            kept: list[object] = list(uow.select(Case))
    else:
        conn = sqlite3.connect(path)
        [json.loads(s) for (s,) in conn.execute(sql + " LIMIT 50").fetchall()]
        gc.collect()
        if traced:
            tracemalloc.start()
        before = measure()
        kept = [json.loads(s) for (s,) in conn.execute(sql).fetchall()]
    gc.collect()
    after = measure()
    assert before is not None
    assert after is not None
    return (after - before) / len(kept), len(kept)


def _fresh(side: str, path: str, how: str = "rss") -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.b5_memory", how, side, path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(done.stdout)["bytes"])


def run(ctx: Context) -> list[Row]:
    """B5's rows."""
    count = ctx.sizes.b5_cases
    what = f"process memory (RSS growth) per hydrated case, {count:,} cases"
    if rss_bytes() is None:
        return [skipped("B5", what, "the RSS cannot be read here (/proc/self/statm)", unit="B")]
    path = shared_cases_db(ctx.workdir, count, ctx.log)
    found: dict[tuple[str, str], list[float]] = {}
    for turn in range(ctx.sizes.fresh_runs):
        order = ("relationkit", "json") if turn % 2 == 0 else ("json", "relationkit")
        for how in ("rss", "traced"):
            for side in order:
                found.setdefault((how, side), []).append(_fresh(side, path, how))

    def median(how: str, side: str) -> float:
        return statistics.median(found[(how, side)])

    return [
        Row(
            "B5",
            what,
            median("rss", "relationkit"),
            "B",
            peer="the same snapshots as dicts from json.loads",
            peer_figure=median("rss", "json"),
            target=TARGET,
            note=(
                f"cases follow {len(PATHS)} histories of 1 to {max(map(len, PATHS)) + 1} "
                f"events; median of {ctx.sizes.fresh_runs} fresh process(es) per side"
            ),
        ),
        Row(
            "B5",
            "context: the same, counted by tracemalloc (bytes still allocated)",
            median("traced", "relationkit"),
            "B",
            peer="the same dicts, counted by tracemalloc",
            peer_figure=median("traced", "json"),
        ),
    ]


def _main(argv: Sequence[str]) -> int:
    if len(argv) == 3 and argv[0] in ("rss", "traced"):
        per_case, count = _grow(argv[1], argv[2], traced=argv[0] == "traced")
        print(json.dumps({"bytes": per_case, "count": count}))
        return 0
    print("usage: python -m bench.b5_memory rss|traced relationkit|json PATH")
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
