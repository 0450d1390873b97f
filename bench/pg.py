"""PostgreSQL for the benchmarks: each works in schemas of its own, dropped afterwards."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["create_schema", "drop_schema", "schema_url", "schemas"]


def schema_url(url: str, schema: str) -> str:
    """``url`` with ``schema=…`` added to its query (relationkit's PostgreSQL store then
    keeps its tables there)."""
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def create_schema(url: str, schema: str) -> None:
    """Create a schema (for a peer that does not create its own)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def drop_schema(url: str, schema: str) -> None:
    """Drop a benchmark schema and everything in it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextlib.contextmanager
def schemas(url: str, *names: str) -> Iterator[list[str]]:
    """Schema names unique to this process (``rk_bench_<name>_<pid>``), dropped on exit."""
    found = [f"rk_bench_{name}_{os.getpid()}" for name in names]
    for schema in found:
        drop_schema(url, schema)
    try:
        yield found
    finally:
        for schema in found:
            drop_schema(url, schema)
