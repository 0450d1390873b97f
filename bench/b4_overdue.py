"""B4: the overdue promises as of a time, among many stored promises (SQLite, PostgreSQL).

relationkit: ``uow.select(Promise, open_due_at__lt=now)`` (what :meth:`Promises.overdue`
runs), the promises still counted on whose due time has passed, hydrated as
:class:`Promise` objects. ``open_due_at`` is the due time of a made or renegotiated promise
and empty otherwise; the store keeps it in an indexed column, so the database's statistics
on that one column show how few promises are overdue.
Peer: the same query in SQL through the raw driver, fetching ``(id, snapshot)`` tuples.
The target is on relationkit's median.

The data: N promises made over the past year, each with its real events (hashed and
chained). Most were kept (two events); one in ten is still open and due within the next
four weeks; :data:`OVERDUE` (or N/100 if fewer) are open and past due.

Loading: rows are built with the store's own encoders (snapshot, index values, event
columns) into the table the store itself created for :class:`Promise`, and written in bulk:
on SQLite with ``executemany`` in one transaction per 50,000 promises, on PostgreSQL with
``COPY … FROM STDIN``. The rows are built once and written to both databases.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from bench.harness import Context, Row, median_ms, unavailable
from bench.world import AGENT_ID, START, relations

__all__ = ["OVERDUE", "promise_rows", "run"]

OVERDUE = 200
"""Promises that are overdue at :data:`bench.world.START` (fewer for small N)."""

_EVENT_COLUMNS = (
    "kind",
    "aggregate_id",
    "sequence",
    "name",
    "actor_id",
    "at",
    "data",
    "previous",
    "hash",
)


def promise_rows(count: int) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """``(aggregate row, event rows)`` for each of ``count`` promises, as the store writes
    them: ``(id, version, snapshot, *indexed values)`` and the event columns."""
    from relationkit.domain.events import next_event
    from relationkit.domain.promise import KeepPromise, MakePromise, Promise
    from relationkit.serialization import converter, datetime_to_text
    from relationkit.store.codec import encode_aggregate, encode_event, index_value
    from relationkit.store.schema import kind_table
    from relationkit.workflows.promise import PROMISE_WORKFLOW

    indexed = [attr for attr, _ in kind_table(Promise).indexed]
    overdue = min(OVERDUE, max(1, count // 100))
    keep = KeepPromise()
    keep_data = converter.unstructure(keep)
    kept_state = PROMISE_WORKFLOW.table.transitions["made"]["keep"]
    for i in range(count):
        if i % 10 == 0:  # open and due within four weeks
            made_at = START.subtract(days=3, minutes=i % 1440)
            due_at = START.add(days=1 + i % 27, minutes=i % 600)
            settle = False
        else:  # kept
            made_at = START.subtract(days=30 + i % 330, minutes=i % 1440)
            due_at = made_at.add(days=14)
            settle = True
        if i < overdue * 10 and i % 10 == 0:  # a few open ones are past due
            due_at = START.subtract(hours=1 + i % 72)
        command = MakePromise(
            owner_id=AGENT_ID,
            party_id=f"c-{i % 50:03d}",
            what="Replace the damaged parcel",
            due_at=due_at,
            kind="reply",
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
        assert isinstance(promise, Promise)
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


def _insert_sql(table: str, columns: list[str], marker: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([marker] * len(columns))})'


def _load_sqlite(path: str, table: str, columns: list[str], rows: list[Any]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = NORMAL")
        insert_aggregate = _insert_sql(table, columns, "?")
        insert_event = _insert_sql("rk_events", list(_EVENT_COLUMNS), "?")
        for start in range(0, len(rows), 50_000):
            chunk = rows[start : start + 50_000]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert_aggregate, (r for r, _ in chunk))
            conn.executemany(insert_event, (e for _, events in chunk for e in events))
            conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _load_postgres(url: str, schema: str, table: str, columns: list[str], rows: list[Any]) -> None:
    import psycopg

    names = ", ".join(f'"{c}"' for c in columns)
    with psycopg.connect(url) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        with conn.cursor() as cursor:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row, _ in rows:
                    copy.write_row(row)
            event_names = ", ".join(f'"{c}"' for c in _EVENT_COLUMNS)
            with cursor.copy(f"COPY rk_events ({event_names}) FROM STDIN") as copy:
                for _, events in rows:
                    for event in events:
                        copy.write_row(event)
        conn.commit()
        conn.autocommit = True
        conn.execute(f'ANALYZE "{table}"')
        conn.execute("ANALYZE rk_events")


def _measure(ctx: Context, label: str, store: Any, raw_query: Any, expected: int) -> Row:
    from relationkit.domain.promise import Promise

    def query() -> list[Any]:
        with store.unit_of_work() as uow:
            return uow.select(Promise, open_due_at__lt=START)

    times = ctx.sizes.b4_queries
    mine, found = median_ms(query, times)
    theirs, raw = median_ms(raw_query, times)
    ok = len(found) == expected == len(raw)
    return Row(
        "B4",
        f"overdue promises among {ctx.sizes.b4_promises:,} on {label}, median",
        mine,
        "ms",
        peer=f"same SQL, raw {'sqlite3' if label == 'SQLite' else 'psycopg'} tuples",
        peer_figure=theirs,
        target=20.0,
        ok=None if ok else False,
        note=f"{len(found)} overdue found, {expected} expected"
        + ("" if ok else f"; the raw query found {len(raw)}"),
    )


def run(ctx: Context) -> list[Row]:
    """B4's rows."""
    try:
        from relationkit.domain.promise import Promise
        from relationkit.store.schema import kind_table
    except ImportError as exc:
        why = f"the Promise aggregate cannot be imported ({exc})"
        return [
            unavailable("B4", "overdue promises on SQLite", why, unit="ms"),
            unavailable("B4", "overdue promises on PostgreSQL", why, unit="ms"),
        ]
    from relationkit.store.url import open_store

    count = ctx.sizes.b4_promises
    started = time.perf_counter()
    rows = list(promise_rows(count))
    ctx.log(
        f"B4 built {count:,} promises with their events in {time.perf_counter() - started:.1f} s"
    )
    expected = min(OVERDUE, max(1, count // 100))
    kt = kind_table(Promise)
    columns = ["id", "version", "snapshot", *(attr for attr, _ in kt.indexed)]
    # The statement the store runs (SQLite orders by "+id" so that it reads the index).
    sql = f'SELECT id, snapshot FROM "{kt.name}" WHERE open_due_at < ? '
    sqlite_sql = sql + "ORDER BY +id"
    sql += "ORDER BY id"
    from relationkit.store.codec import index_value

    params = (index_value(START),)
    result: list[Row] = []

    # SQLite
    path = os.path.join(ctx.workdir, "b4.db")
    store = open_store(f"sqlite:///{path}")
    try:
        relations(store)
        with store.unit_of_work() as uow:
            uow.count(Promise)  # the store creates the promise table and its indexes
        started = time.perf_counter()
        _load_sqlite(path, kt.name, columns, rows)
        ctx.log(f"B4 loaded SQLite in {time.perf_counter() - started:.1f} s")
        raw = sqlite3.connect(path)
        result.append(
            _measure(
                ctx, "SQLite", store, lambda: raw.execute(sqlite_sql, params).fetchall(), expected
            )
        )
        raw.close()
    finally:
        store.close()
        if os.path.exists(path):
            os.remove(path)

    # PostgreSQL
    if not ctx.postgres_url:
        result.append(
            unavailable(
                "B4",
                "overdue promises on PostgreSQL",
                "no PostgreSQL URL (set RELATIONKIT_BENCH_POSTGRES_URL or pass --postgres-url)",
                unit="ms",
            )
        )
        return result
    import psycopg

    from bench.b7_scaleout import drop_schema, schema_url

    schema = f"rk_bench_b4_{os.getpid()}"
    pg_store = open_store(schema_url(ctx.postgres_url, schema))
    try:
        relations(pg_store)
        with pg_store.unit_of_work() as uow:
            uow.count(Promise)
        started = time.perf_counter()
        _load_postgres(ctx.postgres_url, schema, kt.name, columns, rows)
        ctx.log(f"B4 loaded PostgreSQL in {time.perf_counter() - started:.1f} s")
        del rows
        pg_sql = sql.replace("?", "%s")
        with psycopg.connect(ctx.postgres_url) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            result.append(
                _measure(
                    ctx,
                    "PostgreSQL",
                    pg_store,
                    lambda: conn.execute(pg_sql, params).fetchall(),
                    expected,
                )
            )
    finally:
        pg_store.close()
        drop_schema(ctx.postgres_url, schema)
    return result
