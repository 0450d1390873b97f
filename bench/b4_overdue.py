"""B4: the overdue promises among 10k, 100k and 1M stored promises (SQLite, PostgreSQL).

relationkit: ``Relations.promises.overdue(now)``, the promises still counted on whose due
time has passed, hydrated as :class:`Promise` objects. Peer: the same statement the store
runs (``WHERE open_due_at < ? ORDER BY open_due_at, id``) through the raw driver
(``sqlite3``, ``psycopg``), fetching ``(id, snapshot)`` tuples.

Each size has a database of its own (an SQLite file, a PostgreSQL schema), all loaded
before measuring, so that the sizes are measured side by side too: every query of one
size is followed by the same query on the others, relationkit and the raw driver taking
turns. Each query asks as of a different minute of the last hour (all give the same
answer), so no query simply repeats the one before. Reported per size:

* the first query in a fresh process (a store just opened: "cold"; the operating
  system's file cache and the server's buffers are whatever loading left, as they would
  be after a restart of the application, not of the machine);
* the median over rounds of the queries that follow;
* flatness: the median at the largest size over the median at the smallest.

The data: N promises made over the past year, with their real events (hashed and
chained). Nine in ten were kept (two events); one in ten is still open and due within
four weeks; :data:`OVERDUE` of the open ones are past due, at every size. Rows are built
with the store's own encoders into the tables the store itself created for
:class:`Promise` (with its indexes), written in bulk (SQLite ``executemany``, PostgreSQL
``COPY``), then ``ANALYZE``d.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.bulk import run_on_databases
from bench.harness import Context, Row, Side, interleave
from bench.world import AGENT_ID, START

__all__ = ["OVERDUE", "promise_rows", "run"]

OVERDUE = 100
"""Promises overdue at :data:`bench.world.START`, at every size (fewer for tiny sizes)."""

TARGET_MS = 20.0
FLAT = 1.5
"""The median at the largest size may be at most this many times that at the smallest."""

ROOT = Path(__file__).resolve().parents[1]


def promise_rows(
    start: int, stop: int, overdue: int
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """``(aggregate row, event rows)`` of promises ``start`` to ``stop``, as the store
    writes them: ``(id, version, snapshot, *indexed values)`` and the event columns."""
    from relationkit.domain.events import next_event
    from relationkit.domain.promise import KeepPromise, MakePromise, Promise
    from relationkit.serialization import converter, datetime_to_text
    from relationkit.store.codec import encode_aggregate, encode_event, index_value
    from relationkit.store.schema import kind_table
    from relationkit.workflows.promise import PROMISE_WORKFLOW

    indexed = [attr for attr, _ in kind_table(Promise).indexed]
    keep = KeepPromise()
    keep_data = converter.unstructure(keep)
    kept_state = PROMISE_WORKFLOW.table.transitions["made"]["keep"]
    for i in range(start, stop):
        if i % 10 == 0:  # open and due within four weeks
            made_at = START.subtract(days=3, minutes=i % 1440)
            due_at = START.add(days=1 + i % 27, minutes=i % 600)
            settle = False
            if i < overdue * 10:  # a few open ones are past due
                due_at = START.subtract(hours=1 + i % 72)
        else:  # kept
            made_at = START.subtract(days=30 + i % 330, minutes=i % 1440)
            due_at = made_at.add(days=14)
            settle = True
        command = MakePromise(
            owner_id=AGENT_ID,
            party_id=f"c-{i % 50:03d}",
            what="Replace the damaged parcel",
            due_at=due_at,
            kind="reply",
            case_id=f"case-{i:07d}",
        )
        promise, made = PROMISE_WORKFLOW.start(f"p-{i:07d}", command, AGENT_ID, made_at)
        events = [made]
        if settle:
            kept = next_event(
                promise.id,
                promise.version,
                promise.head,
                name=keep.EVENT,
                actor_id=AGENT_ID,
                at=due_at.subtract(days=1),
                data=keep_data,
            )
            promise.apply(kept, keep, kept_state)
            events.append(kept)
        row = (
            promise.id,
            promise.version,
            encode_aggregate(promise),
            *(index_value(getattr(promise, attr)) for attr in indexed),
        )
        event_rows = [
            (
                Promise.KIND,
                e.aggregate_id,
                e.sequence,
                e.name,
                e.actor_id,
                datetime_to_text(e.at),
                encode_event(e),
                e.previous,
                e.hash,
            )
            for e in events
        ]
        yield row, event_rows


def _columns() -> tuple[str, list[str], str]:
    from relationkit.domain.promise import Promise
    from relationkit.store.schema import kind_table

    kt = kind_table(Promise)
    return (
        kt.name,
        ["id", "version", "snapshot", *(kt.column_for(a) for a, _ in kt.indexed)],
        (kt.column_for("open_due_at")),
    )


NOWS = [START.subtract(minutes=k) for k in range(60)]
"""The times the queries ask as of, in turn: every minute of the hour before START (the
promises overdue are due an hour or more before it, so each gives the same answer)."""


def _cold(backend: str, side: str, target: str, runs: int) -> float:
    """The first query in a fresh process, in milliseconds (the median of ``runs``)."""
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "bench.b4_overdue", "cold", backend, side, target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(json.loads(done.stdout)["ms"])
    found.sort()
    return float(found[len(found) // 2])


def _first_query(backend: str, side: str, target: str) -> float:
    """In a fresh process: open, then time the first query (milliseconds)."""
    now = START
    if side == "relationkit":
        from relationkit import ManualClock, Relations
        from relationkit.store.url import open_store

        store = open_store(target)
        rk = Relations(store, clock=ManualClock(START))
        begin = time.perf_counter()
        found = rk.promises.overdue(now)
        spent = time.perf_counter() - begin
        store.close()
    else:
        _, run = _raw(backend, target)
        begin = time.perf_counter()
        found = run(now)
        spent = time.perf_counter() - begin
    assert found
    return spent * 1000


def _raw(backend: str, target: str) -> tuple[str, Callable[[Any], list[Any]]]:
    """The store's statement and a function running it through the raw driver."""
    from relationkit.store.codec import index_value

    table, _, open_due = _columns()
    sql = (
        f'SELECT id, snapshot FROM "{table}" WHERE {open_due} < ? '
        f"ORDER BY {open_due} ASC NULLS FIRST, id"
    )
    if backend == "sqlite":
        conn = sqlite3.connect(target)
        return sql, lambda now: conn.execute(sql, (index_value(now),)).fetchall()
    import psycopg

    url, _, schema = target.rpartition("#")
    pg = psycopg.connect(url, autocommit=True)
    pg.execute(f'SET search_path TO "{schema}"')
    pg_sql = sql.replace("?", "%s")
    return sql, lambda now: pg.execute(pg_sql, (index_value(now),)).fetchall()


def _measure(
    ctx: Context,
    backend: str,
    label: str,
    targets: dict[int, tuple[str, str]],
    overdue: int,
) -> list[Row]:
    """Rows for one backend; ``targets`` maps each size to (store URL, raw target)."""
    from relationkit import ManualClock, Relations
    from relationkit.store.url import open_store

    sizes = sorted(targets)
    cold_runs = ctx.sizes.fresh_runs
    cold: dict[int, tuple[float, float]] = {}
    for size in sizes:
        url, raw_target = targets[size]
        cold[size] = (
            _cold(backend, "relationkit", url, cold_runs),
            _cold(backend, "raw", raw_target, cold_runs),
        )
    stores = []
    sides: list[tuple[str, Side]] = []
    samples: dict[str, list[float]] = {}
    found: dict[str, set[int]] = {}

    def timed(key: str, query: Callable[[Any], list[Any]]) -> Side:
        asked = itertools.count()

        def side(n: int) -> float:
            spent = 0.0
            for _ in range(n):
                now = NOWS[next(asked) % len(NOWS)]
                begin = time.perf_counter()
                result = query(now)
                took = time.perf_counter() - begin
                spent += took
                samples.setdefault(key, []).append(took)
                found.setdefault(key, set()).add(len(result))
            return spent

        return side

    for size in sizes:
        url, raw_target = targets[size]
        store = open_store(url)
        stores.append(store)
        rk = Relations(store, clock=ManualClock(START))
        _, run_raw = _raw(backend, raw_target)
        sides.append((f"rk{size}", timed(f"rk{size}", rk.promises.overdue)))
        sides.append((f"raw{size}", timed(f"raw{size}", run_raw)))
    try:
        interleave(
            sides, slice_ops=1, slices=ctx.sizes.b4_queries, rounds=ctx.sizes.rounds, warmup=1
        )
    finally:
        for store in stores:
            store.close()

    def median_ms(key: str) -> float:
        return statistics.median(samples[key][1:]) * 1000  # the warm-up query left out

    rows: list[Row] = []
    raw_driver = "sqlite3" if backend == "sqlite" else "psycopg"
    largest = sizes[-1]
    queries = len(samples[f"rk{largest}"]) - 1
    for size in sizes:
        counts = found[f"rk{size}"] | found[f"raw{size}"]
        right = counts == {overdue}
        target = TARGET_MS if size == largest else None
        rows.append(
            Row(
                "B4",
                f"overdue among {size:,} on {label}: median query",
                median_ms(f"rk{size}"),
                "ms",
                peer=f"same SQL, raw {raw_driver} tuples",
                peer_figure=median_ms(f"raw{size}"),
                target=target,
                ok=None if right else False,
                note=(
                    f"median of {queries} queries per side, wall time; found {sorted(counts)} "
                    f"overdue, {overdue} expected"
                ),
            )
        )
        mine_cold, raw_cold = cold[size]
        rows.append(
            Row(
                "B4",
                f"overdue among {size:,} on {label}: first query, fresh process",
                mine_cold,
                "ms",
                peer=f"same SQL, raw {raw_driver}, fresh process",
                peer_figure=raw_cold,
                target=target,
            )
        )
    rows.append(
        Row(
            "B4",
            f"flat in N on {label}: median at {largest:,} over median at {sizes[0]:,}",
            median_ms(f"rk{largest}"),
            "ms",
            peer=f"relationkit at {sizes[0]:,}",
            peer_figure=median_ms(f"rk{sizes[0]}"),
            target=FLAT,
            target_on="ratio",
        )
    )
    return rows


def run(ctx: Context) -> list[Row]:
    """B4's rows."""
    from relationkit.domain.promise import Promise

    sizes = sorted(ctx.sizes.b4_sizes)
    overdue = min(OVERDUE, sizes[0] // 10)
    table, columns, _ = _columns()
    return run_on_databases(
        ctx,
        bench_id="B4",
        cls=Promise,
        sizes=sizes,
        table=table,
        columns=columns,
        chunk_of=lambda begin, stop: list(promise_rows(begin, stop, overdue)),
        measure=lambda backend, label, targets: _measure(ctx, backend, label, targets, overdue),
        skipped_what="overdue promises on PostgreSQL",
    )


def _main(argv: Sequence[str]) -> int:
    if len(argv) == 4 and argv[0] == "cold":
        print(json.dumps({"ms": _first_query(argv[1], argv[2], argv[3])}))
        return 0
    print("usage: python -m bench.b4_overdue cold sqlite|postgres relationkit|raw TARGET")
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
