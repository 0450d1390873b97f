"""Shared fixtures: PostgreSQL for the store tests; the Hypothesis profiles.

``postgres_url`` gives each test a schema of its own in the database named by
``RELATIONKIT_TEST_POSTGRES_URL`` and drops it afterwards. Without that variable the test is
skipped, unless ``CI=true``: continuous integration must not pass by skipping, so there a
missing variable or an unreachable server fails the test.

Hypothesis runs under the profile named by ``RELATIONKIT_HYPOTHESIS``: ``fast`` (the default,
Hypothesis' own 100 examples a test) or ``thorough`` (:data:`strategies.THOROUGH` times as
many), which continuous integration selects. Tests that choose their own number of examples
write it as ``examples(n)``, which scales ``n`` the same way.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from strategies import FAST_EXAMPLES, THOROUGH

POSTGRES_ENV = "RELATIONKIT_TEST_POSTGRES_URL"

HYPOTHESIS_ENV = "RELATIONKIT_HYPOTHESIS"

settings.register_profile("fast", max_examples=FAST_EXAMPLES)
settings.register_profile("thorough", max_examples=FAST_EXAMPLES * THOROUGH)
_profile = os.environ.get(HYPOTHESIS_ENV, "").strip() or "fast"
if _profile not in ("fast", "thorough"):
    raise pytest.UsageError(
        f"{HYPOTHESIS_ENV}={_profile!r} names no Hypothesis profile; "
        "use 'fast' (the default) or 'thorough'"
    )
settings.load_profile(_profile)


def pytest_report_header() -> str:
    """The Hypothesis profile in force, at the top of pytest's report."""
    return f"hypothesis profile: {_profile} ({settings().max_examples} examples a test)"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but PostgreSQL is unavailable: {reason}")
    pytest.skip(reason)


def with_schema(url: str, schema: str) -> str:
    """``url`` with relationkit's ``schema`` parameter added."""
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test database's URL, checked to be reachable."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        _unavailable(f"{POSTGRES_ENV} is not set; set it to a PostgreSQL URL to run these tests")
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=5).close()
    except Exception as exc:
        _unavailable(f"cannot connect to {POSTGRES_ENV}: {exc}")
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose tables live in a fresh schema, dropped after the test."""
    import psycopg

    schema = f"rk_test_{uuid.uuid4().hex[:12]}"
    yield with_schema(postgres_server, schema)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty SQL store: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relations.db'}"
    return str(request.getfixturevalue("postgres_url"))


RawSql = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def raw_sql(sql_url: str) -> RawSql:
    """Run SQL (with ``?`` markers) straight on ``sql_url``'s database, as a disk or an
    administrator could, and commit it."""

    def run(statement: str, *params: Any) -> list[tuple[Any, ...]]:
        if sql_url.startswith("sqlite:///"):
            conn = sqlite3.connect(sql_url.removeprefix("sqlite:///"))
            try:
                with conn:
                    return conn.execute(statement, params).fetchall()
            finally:
                conn.close()
        import psycopg

        base, _, schema = sql_url.rpartition("?schema=")
        with psycopg.connect(base, options=f"-c search_path={schema}") as conn:
            cur = conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    return run
