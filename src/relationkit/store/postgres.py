"""The PostgreSQL store, for several application processes sharing one database.

It needs the ``postgres`` extra (``pip install '.[postgres]'`` in the source folder:
psycopg 3 and its connection pool); relationkit imports psycopg only when a PostgreSQL store
is opened.

Each unit of work borrows a pooled connection and runs one ``READ COMMITTED`` transaction.
Writes are race-safe: an aggregate is saved with ``UPDATE … WHERE id = %s AND version = %s``
(a second writer waits for the first one's row lock, then finds the version moved on and
gets :class:`~relationkit.exceptions.ConcurrencyError`), and events are unique on
``(kind, aggregate_id, sequence)``. :meth:`~relationkit.store.base.UnitOfWork.claim` selects
with ``FOR UPDATE SKIP LOCKED``, so sweeps in several processes split the due work between
them. Driver errors become :class:`~relationkit.exceptions.StoreError`, except deadlocks,
serialization failures and lock timeouts (SQLSTATE 40P01, 40001, 55P03), which become
:class:`~relationkit.exceptions.TransactionConflict`: a
:class:`~relationkit.exceptions.ConcurrencyError` that :func:`~relationkit.retry` re-runs;
and a value PostgreSQL cannot take (SQLSTATE classes 22 and 54: a NUL character, a number
out of range, an index entry too large), which is the caller's mistake:
:class:`~relationkit.exceptions.InvalidInput` (the checks every store shares,
:mod:`relationkit.store.codec`, refuse such values before they are sent).

Connections that the server dropped while they sat in the pool (a server restart, a
failover, an administrator) are noticed when a unit of work takes one, without a round trip
for a healthy one, and the pool replaces them, so the first command after a restart runs on
a fresh connection. A connection that breaks while a unit of work runs on it raises
:class:`~relationkit.exceptions.ConnectionLost`: nothing was stored, and it is retryable
(:func:`~relationkit.retry` re-runs it); one that breaks while committing raises
:class:`~relationkit.exceptions.OutcomeUnknown`, which is not, since the commit may have
happened.

The URL's ``schema`` parameter keeps relationkit's tables in a schema of their own (created
if missing), e.g. ``postgresql://app@db/main?schema=relations``; ``pool_size`` sets the
largest number of pooled connections (10 by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import select
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from relationkit.domain.aggregate import Aggregate
from relationkit.exceptions import (
    ConnectionLost,
    InvalidInput,
    OutcomeUnknown,
    ReadOnlyStore,
    RelationkitError,
    StoreError,
    TransactionConflict,
)
from relationkit.store.base import redact
from relationkit.store.schema import POSTGRES, KindTable, check_schema, ensure_kind, prepare
from relationkit.store.sql import IntegrityProblem, Session, SqlStore

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresStore"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

_RETRYABLE = {
    "40001": "serialization failure",
    "40P01": "deadlock detected",
    "55P03": "lock not available",
}
"""SQLSTATEs that mean "another transaction was in the way; run this one again"."""

_CALLER_CLASSES = ("22", "54")
"""SQLSTATE classes of a value PostgreSQL cannot take (data exception, program limit
exceeded): the caller's mistake, reported as :class:`~relationkit.exceptions.InvalidInput`."""


def _has_input(fileno: int) -> bool:
    """Whether something waits to be read on the socket ``fileno``, without waiting (true
    when that cannot be told, so that the caller checks)."""
    try:
        if hasattr(select, "poll"):  # no limit on descriptor numbers, unlike select()
            poller = select.poll()
            poller.register(fileno, select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        readable, _, _ = select.select([fileno], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


def _url(scheme: str, netloc: str, path: str, query: str) -> str:
    """A connection URL from its parts; unlike ``urlunsplit``, it keeps the ``//`` of an
    empty host (``postgresql:///db?host=/run/postgresql``, libpq's form for a socket)."""
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _driver() -> Any:
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise StoreError(
            "refused: opening a PostgreSQL store; psycopg 3 and psycopg_pool are not "
            f"installed ({exc}); install them with: pip install '.[postgres]' in relationkit's "
            "source folder."
        ) from exc
    return psycopg, psycopg_pool


class _PgSession(Session):
    dialect = POSTGRES

    def __init__(self, store: PostgresStore, conn: psycopg.Connection[Any]) -> None:
        self.store = store
        self.conn = conn
        self._active = False
        self._wrote = False

    def _cursor_run(self, sql: str, params: Sequence[Any]) -> Any:
        psycopg = self.store._psycopg
        self._active = True
        cur = self.conn.cursor()
        try:
            cur.execute(POSTGRES.sql(sql), params)
        except psycopg.errors.IntegrityError as exc:
            raise IntegrityProblem(str(exc)) from exc
        except psycopg.Error as exc:
            raise self.store._translate(exc, self.conn) from exc
        return cur

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self._cursor_run(sql, params)
        rows: list[tuple[Any, ...]] = cur.fetchall() if cur.description else []
        cur.close()
        return rows

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self._cursor_run(sql, params)
        count: int = cur.rowcount
        cur.close()
        return count

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        psycopg = self.store._psycopg
        self._active = True
        try:
            with self.conn.cursor() as cur:
                cur.executemany(POSTGRES.sql(sql), rows)
        except psycopg.errors.IntegrityError as exc:
            raise IntegrityProblem(str(exc)) from exc
        except psycopg.Error as exc:
            raise self.store._translate(exc, self.conn) from exc

    def begin_write(self) -> None:
        if self.store.read_only:
            raise ReadOnlyStore(self.store.url)
        self._wrote = True

    @property
    def writing(self) -> bool:
        return self._wrote

    def commit(self) -> None:
        if self._active:
            self._active = self._wrote = False
            try:
                self.conn.commit()
            except self.store._psycopg.Error as exc:
                raise self.store._translate(exc, self.conn, committing=True) from exc

    def rollback(self) -> None:
        if self._active:
            self._active = self._wrote = False
            with contextlib.suppress(self.store._psycopg.Error):  # the connection is lost
                self.conn.rollback()

    def table_exists(self, name: str) -> bool:
        return bool(
            self.query(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (name,),
            )
        )

    def columns(self, table: str) -> set[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {row[0] for row in rows}

    def lock_schema(self, schema: str) -> None:
        """Serialise schema changes between processes (held until the transaction ends)."""
        key = int.from_bytes(hashlib.sha1(f"relationkit:{schema}".encode()).digest()[:8], "big")
        self.query("SELECT pg_advisory_xact_lock(?)", (key - (1 << 63),))


class PostgresStore(SqlStore):
    """A store in a PostgreSQL database, shared by any number of processes.

    Args:
        url: ``postgresql://user:password@host:port/database`` with optional ``schema``,
            ``pool_size`` and libpq parameters.
        connect_timeout: seconds to wait for the server when opening.
        read_only: every transaction is read-only (``default_transaction_read_only``): the
            schema must exist and be this relationkit's; nothing is created, migrated or
            written, and every write raises
            :class:`~relationkit.exceptions.ReadOnlyStore`.

    Raises:
        StoreError: the server cannot be reached, or psycopg is not installed.
        SchemaError: the database was written by a newer relationkit.
        MigrationNeeded: read-only, and the database holds no schema yet or an older one.
    """

    dialect = POSTGRES

    def __init__(self, url: str, *, connect_timeout: float = 10.0, read_only: bool = False) -> None:
        super().__init__(read_only=read_only)
        self._psycopg, pool_module = _driver()
        self._pool_module = pool_module
        parts = urlsplit(url)
        scheme = "postgresql"
        options = dict(parse_qsl(parts.query))
        self.url = redact(_url(scheme, parts.netloc, parts.path, parts.query))
        # The passwords as given and as decoded, hidden from the driver's messages too
        # (those of a few characters would hide every such word, and are not worth it).
        secrets = [parts.password or ""]
        secrets += [v for k, v in parse_qsl(parts.query) if k.lower().endswith("password")]
        secrets += [unquote(v) for v in secrets]
        self._secrets = sorted({v for v in secrets if len(v) >= 4}, key=len, reverse=True)
        self.schema = options.pop("schema", "") or "public"
        if not _IDENTIFIER.match(self.schema):
            raise InvalidInput(
                f"refused: schema={self.schema!r}; a schema name is letters, digits and "
                "underscores (at most 63); pick such a name.",
                field="url",
            )
        try:
            size = int(options.pop("pool_size", "10"))
        except ValueError:
            raise InvalidInput(
                f"refused: opening {redact(url)!r}; pool_size is not a whole number; "
                "give e.g. pool_size=10.",
                field="url",
            ) from None
        if size < 2:
            raise InvalidInput(
                f"refused: pool_size={size}; a store needs at least 2 connections (one for a "
                "unit of work, one to create a new aggregate kind's table); pass 2 or more.",
                field="url",
            )
        options.setdefault("connect_timeout", str(max(1, round(connect_timeout))))
        if self.schema != "public":
            options["options"] = (
                options.get("options", "") + f" -c search_path={self.schema}"
            ).strip()
        if read_only:
            options["options"] = (
                options.get("options", "") + " -c default_transaction_read_only=on"
            ).strip()
        query = urlencode(options, quote_via=quote)
        conninfo = _url(scheme, parts.netloc, parts.path, query)
        try:  # one plain connection first, so a bad URL fails at once with the server's words
            self._psycopg.connect(conninfo).close()
        except self._psycopg.Error as exc:
            raise self._translate(exc) from exc
        self._pool: ConnectionPool[Any] = pool_module.ConnectionPool(
            conninfo,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": False},
            open=False,
            timeout=connect_timeout,
            name=f"relationkit:{self.schema}",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except pool_module.PoolTimeout as exc:
            self._pool.close()
            raise StoreError(
                f"refused: opening {self.url}; the PostgreSQL server did not accept a "
                f"connection within {connect_timeout:g} s; check that it runs, the URL, and "
                "the credentials."
            ) from exc
        session = self._acquire()
        try:
            if read_only:
                check_schema(session, self.url)
            else:
                session.lock_schema(self.schema)
                if self.schema != "public":
                    session.run(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                prepare(session, self.url)
            session.commit()
        except BaseException:
            session.rollback()
            self._release(session)
            self._pool.close()
            raise
        self._release(session)

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    def _translate(
        self,
        exc: Exception,
        conn: psycopg.Connection[Any] | None = None,
        *,
        committing: bool = False,
    ) -> RelationkitError:
        """The error to raise for a driver error; ``conn`` is the connection it happened
        on (``None`` while connecting), ``committing`` whether it broke a commit."""
        psycopg = self._psycopg
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        for secret in self._secrets:
            first = first.replace(secret, "***")
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if sqlstate in _RETRYABLE:
            return TransactionConflict(
                self.url, f"{_RETRYABLE[sqlstate]}, SQLSTATE {sqlstate}: {first}"
            )
        if sqlstate[:2] in _CALLER_CLASSES or isinstance(exc, psycopg.DataError):
            # What the shared checks (relationkit.store.codec) let through and PostgreSQL
            # cannot take: the caller's value, not the server, is at fault.
            code = f"SQLSTATE {sqlstate}: " if sqlstate else ""
            return InvalidInput(
                f"refused: an operation on {self.url}; PostgreSQL cannot take a value it was "
                f"given ({code}{first}); check the ids, texts and numbers passed.",
                field="",
            )
        if conn is None and isinstance(exc, psycopg.OperationalError):
            return StoreError(
                f"refused: talking to {self.url}; the connection failed ({first}); check that "
                "the server runs, the URL and the credentials."
            )
        if conn is not None and (conn.broken or conn.closed or sqlstate[:2] == "08"):
            # The server went away under the unit of work (a restart, a failover): it rolled
            # the transaction back, unless it was committing, when nobody can tell.
            if committing:
                return OutcomeUnknown(self.url, first)
            return ConnectionLost(self.url, first)
        return StoreError(
            f"refused: an operation on {self.url}; PostgreSQL reported "
            f"{type(exc).__name__}: {first}; check the database and retry."
        )

    def _getconn(self) -> psycopg.Connection[Any]:
        try:
            conn: psycopg.Connection[Any] = self._pool.getconn()
        except self._psycopg.Error as exc:
            raise self._translate(exc) from exc
        except Exception as exc:  # PoolTimeout, PoolClosed
            raise StoreError(
                f"refused: a unit of work on {self.url}; no connection was free or the pool "
                f"is closed ({exc}); close units of work promptly, or raise pool_size."
            ) from exc
        return conn

    def _usable(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether a pooled connection still works. An idle connection the server has
        closed (a restart, a failover, an administrator) has something to read on its
        socket: only then is it asked, with a round trip, so a healthy one costs none."""
        if conn.closed or conn.broken:
            return False
        if not _has_input(conn.fileno()):
            return True
        try:
            self._pool_module.ConnectionPool.check_connection(conn)
        except self._psycopg.Error:
            return False
        return True

    def _acquire(self) -> _PgSession:
        conn = self._getconn()
        if not self._usable(conn):
            # One dropped connection means the others idle since were most likely dropped
            # too: let the pool check them all and replace the dead ones, then take one.
            self._pool.putconn(conn)  # broken: the pool closes it and opens another
            self._pool.check()
            for _ in range(self._pool.max_size):
                conn = self._getconn()
                if self._usable(conn):
                    break
                self._pool.putconn(conn)
            else:
                conn = self._getconn()  # a fresh one; if it fails, the error says so
        return _PgSession(self, conn)

    def _release(self, session: Session) -> None:
        assert isinstance(session, _PgSession)
        session.rollback()
        self._pool.putconn(session.conn)

    def _prepare_kind(self, session: Session, cls: type[Aggregate]) -> tuple[KindTable, bool]:
        own = self._acquire()
        try:
            own.lock_schema(self.schema)
            table = ensure_kind(own, cls)
            own.commit()
        finally:
            own.rollback()
            self._release(own)
        return table, False

    def close(self) -> None:
        """Close the connection pool."""
        self._pool.close()
