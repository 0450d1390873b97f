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
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import Context, Row, rss_bytes, skipped
from bench.world import PATHS, shared_cases_db

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2048


def _grow(side: str, path: str) -> tuple[float, int]:
    """In a fresh process: RSS growth per case after reading all cases, and how many."""
    import sqlite3

    from relationkit.cases import Case
    from relationkit.store.schema import kind_table
    from relationkit.store.url import open_store

    sql = f'SELECT snapshot FROM "{kind_table(Case).name}" ORDER BY id'
    if side == "relationkit":
        store = open_store(f"sqlite:///{path}")
        with store.unit_of_work() as uow:
            uow.select(Case, limit=50)
        gc.collect()
        before = rss_bytes()
        with store.unit_of_work() as uow:
            kept: list[object] = list(uow.select(Case))
    else:
        conn = sqlite3.connect(path)
        [json.loads(s) for (s,) in conn.execute(sql + " LIMIT 50").fetchall()]
        gc.collect()
        before = rss_bytes()
        kept = [json.loads(s) for (s,) in conn.execute(sql).fetchall()]
    gc.collect()
    after = rss_bytes()
    assert before is not None
    assert after is not None
    return (after - before) / len(kept), len(kept)


def _fresh(side: str, path: str) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.b5_memory", "grow", side, path],
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
    mine: list[float] = []
    theirs: list[float] = []
    for turn in range(ctx.sizes.fresh_runs):
        order = ("relationkit", "json") if turn % 2 == 0 else ("json", "relationkit")
        for side in order:
            (mine if side == "relationkit" else theirs).append(_fresh(side, path))
    mine.sort()
    theirs.sort()
    return [
        Row(
            "B5",
            what,
            mine[len(mine) // 2],
            "B",
            peer="the same snapshots as dicts from json.loads",
            peer_figure=theirs[len(theirs) // 2],
            target=TARGET,
            note=(
                f"cases follow {len(PATHS)} histories of 1 to {max(map(len, PATHS)) + 1} "
                f"events; median of {len(mine)} fresh process(es) per side"
            ),
        )
    ]


def _main(argv: Sequence[str]) -> int:
    if len(argv) == 3 and argv[0] == "grow":
        per_case, count = _grow(argv[1], argv[2])
        print(json.dumps({"bytes": per_case, "count": count}))
        return 0
    print("usage: python -m bench.b5_memory grow relationkit|json PATH")
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
