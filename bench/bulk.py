"""Large stores for the query benchmarks (B4, B11): one database per size on SQLite and,
when configured, PostgreSQL, each with the table the store itself creates, filled in bulk
and ``ANALYZE``d.

Rows are built once, in chunks, and each chunk is written to every database whose size
covers it, so the sizes hold the same rows in the same order.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.harness import NO_POSTGRES, Context, Row, skipped
from bench.pg import drop_schema, schema_url, schemas
from bench.world import prepare_kinds

__all__ = ["Chunk", "EVENT_COLUMNS", "Targets", "profile_stores", "run_on_databases"]

EVENT_COLUMNS = (
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
"""The columns of ``rk_events`` the loaders write, in this order."""

Chunk = list[tuple[tuple[Any, ...], Sequence[tuple[Any, ...]]]]
"""Rows to write: each aggregate's row with the rows of its events (maybe none)."""

Targets = dict[int, tuple[str, str]]
"""Per size: the store URL a query opens, and what a raw driver connects to."""


class _Sqlite:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")  # loading only: nothing to keep safe

    def write(self, table: str, columns: Sequence[str], chunk: Chunk) -> None:
        marks = ", ".join("?" * len(columns))
        event_marks = ", ".join("?" * len(EVENT_COLUMNS))
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', (r for r, _ in chunk)
        )
        self.conn.executemany(
            f"INSERT INTO rk_events ({', '.join(EVENT_COLUMNS)}) VALUES ({event_marks})",
            (e for _, events in chunk for e in events),
        )
        self.conn.execute("COMMIT")

    def finish(self) -> None:
        self.conn.execute("ANALYZE")
        self.conn.close()


class _Postgres:
    def __init__(self, url: str, schema: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute(f'SET search_path TO "{schema}"')

    def write(self, table: str, columns: Sequence[str], chunk: Chunk) -> None:
        with self.conn.cursor() as cursor:
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row, _ in chunk:
                    copy.write_row(row)
            if any(events for _, events in chunk):
                statement = f"COPY rk_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for _, events in chunk:
                        for event in events:
                            copy.write_row(event)
        self.conn.commit()

    def finish(self) -> None:
        self.conn.autocommit = True
        self.conn.execute("ANALYZE")
        self.conn.close()


def _load(
    ctx: Context,
    writers: dict[int, list[Any]],
    table: str,
    columns: Sequence[str],
    chunk_of: Callable[[int, int], Chunk],
    label: str,
) -> None:
    """Build the rows once, in chunks, and write each chunk to every database whose size
    covers it; then ``ANALYZE`` each."""
    largest = max(writers)
    step = 50_000
    started = time.perf_counter()
    for begin in range(0, largest, step):
        chunk = chunk_of(begin, min(largest, begin + step))
        for size, targets in writers.items():
            part = chunk[: max(0, min(len(chunk), size - begin))]
            if part:
                for writer in targets:
                    writer.write(table, columns, part)
        spent = time.perf_counter() - started
        ctx.log(f"{label} loaded {min(largest, begin + step):,} ({spent:.0f} s)")
    for targets in writers.values():
        for writer in targets:
            writer.finish()


def run_on_databases(
    ctx: Context,
    *,
    bench_id: str,
    cls: type,
    sizes: Sequence[int],
    table: str,
    columns: Sequence[str],
    chunk_of: Callable[[int, int], Chunk],
    measure: Callable[[str, str, Targets], list[Row]],
    skipped_what: str,
) -> list[Row]:
    """Make and fill a store of ``cls`` per size on SQLite (and PostgreSQL when configured),
    then return ``measure(backend, backend label, targets)`` for each backend."""
    from relationkit.store.url import open_store

    prefix = bench_id.lower()
    writers: dict[int, list[Any]] = {size: [] for size in sizes}
    sqlite_targets: Targets = {}
    for size in sizes:
        path = os.path.join(ctx.workdir, f"{prefix}-{size}.db")
        url = f"sqlite:///{path}"
        store = open_store(url)
        prepare_kinds(store, cls)  # the store makes the table and its indexes
        store.close()
        writers[size].append(_Sqlite(path))
        sqlite_targets[size] = (url, path)
    pg_url = ctx.postgres_url
    if not pg_url:
        _load(ctx, writers, table, columns, chunk_of, bench_id)
        rows = measure("sqlite", "SQLite", sqlite_targets)
        rows.append(skipped(bench_id, skipped_what, NO_POSTGRES, unit="ms"))
        return rows
    with schemas(pg_url, *(f"{prefix}_{size}" for size in sizes)) as names:
        pg_targets: Targets = {}
        for size, schema in zip(sizes, names, strict=True):
            url = schema_url(pg_url, schema)
            store = open_store(url)
            prepare_kinds(store, cls)
            store.close()
            writers[size].append(_Postgres(pg_url, schema))
            pg_targets[size] = (url, f"{pg_url}#{schema}")
        _load(ctx, writers, table, columns, chunk_of, bench_id)
        rows = measure("sqlite", "SQLite", sqlite_targets)
        rows.extend(measure("postgres", "PostgreSQL", pg_targets))
    return rows


def profile_stores(
    ctx: Context,
    *,
    cls: type,
    size: int,
    table: str,
    columns: Sequence[str],
    chunk_of: Callable[[int, int], Chunk],
    label: str,
) -> tuple[list[str], str | None]:
    """One filled store of ``size`` on SQLite (and PostgreSQL when configured), for a
    profile: their URLs, and the PostgreSQL schema to drop afterwards (``None`` without)."""
    from relationkit.store.url import open_store

    path = os.path.join(ctx.workdir, f"profile-{label.lower()}.db")
    urls = [f"sqlite:///{path}"]
    store = open_store(urls[0])
    prepare_kinds(store, cls)
    store.close()
    writers: list[Any] = [_Sqlite(path)]
    schema = None
    if ctx.postgres_url:
        schema = f"rk_bench_profile_{os.getpid()}"
        drop_schema(ctx.postgres_url, schema)
        urls.append(schema_url(ctx.postgres_url, schema))
        store = open_store(urls[1])
        prepare_kinds(store, cls)
        store.close()
        writers.append(_Postgres(ctx.postgres_url, schema))
    _load(ctx, {size: writers}, table, columns, chunk_of, label)
    return urls, schema
