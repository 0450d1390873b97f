"""The SQLite store: the embedded default, on the standard library's :mod:`sqlite3`.

The database runs in WAL mode, so readers never wait for the writer, and several threads or
processes may share one file: each unit of work takes a connection of its own, reads in a
transaction, and takes the database's write lock (``BEGIN IMMEDIATE``, waiting up to
``timeout`` seconds for another writer) at its first write. A command's events and the
aggregate's new state are committed together or not at all; with ``synchronous="FULL"`` (the
default) a committed command survives a crash of the process and of the machine.

Example:
    >>> import tempfile, pathlib
    >>> from relationkit.store.sqlite import SqliteStore
    >>> from relationkit.domain.parties import Client
    >>> folder = tempfile.mkdtemp()
    >>> with SqliteStore(pathlib.Path(folder) / "relations.db") as store:
    ...     with store.unit_of_work() as uow:
    ...         uow.put(Client(id="c-1", name="Alice"))
    ...         uow.commit()
    ...     with store.unit_of_work() as uow:
    ...         uow.get_record(Client, "c-1").name
    'Alice'
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from relationkit.domain.aggregate import Aggregate
from relationkit.exceptions import (
    InvalidInput,
    ReadOnlyStore,
    RelationkitError,
    StoreError,
    TransactionConflict,
)
from relationkit.store.schema import SQLITE, KindTable, check_schema, ensure_kind, prepare
from relationkit.store.sql import IntegrityProblem, Session, SqlStore

__all__ = ["SqliteStore"]

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_STREAM_BATCH = 256  # rows fetched at a time by a streamed query
_TOO_BIG = ("too big", "too many SQL variables", "too many terms")


class _SqliteSession(Session):
    dialect = SQLITE

    def __init__(self, store: SqliteStore, conn: sqlite3.Connection) -> None:
        self.store = store
        self.conn = conn
        self.pid = os.getpid()
        self._mode = ""  # "", "read" or "write"

    def _fail(self, exc: Exception) -> RelationkitError:
        return self.store._translate(exc)

    def _begin(self) -> None:
        if not self._mode:
            self._execute("BEGIN")
            self._mode = "read"

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityProblem(str(exc)) from exc
        except (sqlite3.Error, OverflowError, UnicodeEncodeError) as exc:
            raise self._fail(exc) from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._begin()
        cursor = self._execute(sql, params)
        try:
            return cursor.fetchall()
        except sqlite3.Error as exc:  # damage met while reading the rows
            raise self._fail(exc) from exc

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        self._begin()
        cursor = self._execute(sql, params)
        while True:
            try:
                rows = cursor.fetchmany(_STREAM_BATCH)
            except (sqlite3.Error, OverflowError, UnicodeEncodeError) as exc:
                raise self._fail(exc) from exc
            if not rows:
                return
            yield from rows

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._begin()
        return self._execute(sql, params).rowcount

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._begin()
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityProblem(str(exc)) from exc
        except (sqlite3.Error, OverflowError, UnicodeEncodeError) as exc:
            raise self._fail(exc) from exc

    def begin_write(self) -> None:
        if self._mode == "write":
            return
        if self.store.read_only:
            raise ReadOnlyStore(self.store.url)
        if self._mode == "read":
            # Nothing was written yet: end the read transaction and wait for the write lock.
            # Writes check versions, so reads made before stay safe to act on.
            self._execute("COMMIT")
        self._execute("BEGIN IMMEDIATE")
        self._mode = "write"

    @property
    def writing(self) -> bool:
        return self._mode == "write"

    def commit(self) -> None:
        if self._mode:
            self._mode = ""
            self._execute("COMMIT")

    def rollback(self) -> None:
        if self._mode:
            self._mode = ""
            with contextlib.suppress(sqlite3.Error):  # nothing left to roll back
                self.conn.execute("ROLLBACK")

    def table_exists(self, name: str) -> bool:
        return bool(
            self.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        )

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.query(f'PRAGMA table_info("{table}")')}


class SqliteStore(SqlStore):
    """A store in one SQLite file.

    Args:
        path: the database file (created if missing; its folder must exist).
        timeout: seconds a writer waits for another writer's lock before
            :class:`~relationkit.exceptions.TransactionConflict` (a retryable
            :class:`~relationkit.exceptions.ConcurrencyError`).
        synchronous: SQLite's ``synchronous`` setting: ``"FULL"`` (every commit reaches
            the disk before it returns) or ``"NORMAL"`` (faster; a power cut may lose the
            latest commits, a crash of the process loses nothing).
        read_only: open the file read-only (SQLite's ``mode=ro``): the file must exist and
            hold this relationkit's schema; nothing is created, migrated or written, and
            every write raises :class:`~relationkit.exceptions.ReadOnlyStore`. (SQLite may
            create the ``-wal`` and ``-shm`` files beside a database in WAL mode, as any
            reader does; the database file itself is left as it was.)

    Raises:
        StoreError: the file cannot be opened or is not a database (read-only: there is no
            such file).
        SchemaError: the database was written by a newer relationkit.
        MigrationNeeded: read-only, and the file holds no schema yet or an older one.
    """

    dialect = SQLITE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        synchronous: str = "FULL",
        read_only: bool = False,
    ) -> None:
        super().__init__(read_only=read_only)
        self.path = Path(path)
        if str(path) in ("", ":memory:"):
            raise InvalidInput(
                f"refused: a SQLite store at {str(path)!r}; each unit of work opens its own "
                "connection, so an in-memory SQLite database would not be shared; use "
                "'memory://' for an in-memory store or give a file path.",
                field="path",
            )
        if synchronous.upper() not in _SYNCHRONOUS:
            raise InvalidInput(
                f"refused: synchronous={synchronous!r}; SQLite knows {', '.join(_SYNCHRONOUS)}; "
                "use FULL (safest) or NORMAL.",
                field="synchronous",
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidInput(
                f"refused: timeout={timeout!r}; it is a number of seconds; pass 0 or more.",
                field="timeout",
            )
        self.timeout = float(timeout)
        self.synchronous = synchronous.upper()
        self.url = f"sqlite:///{self.path}"
        self._lock = threading.Lock()
        self._idle: list[_SqliteSession] = []
        self._open: list[_SqliteSession] = []
        self._closed = False
        if read_only:
            self._open_read_only()
            return
        session = self._connect()
        try:
            try:
                mode = session.conn.execute("PRAGMA journal_mode=WAL").fetchone()
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc
            if mode is None or str(mode[0]).lower() != "wal":  # pragma: no cover
                raise StoreError(
                    f"refused: opening {self.url}; SQLite would not switch it to WAL mode "
                    f"(it stays in {mode and mode[0]!r} mode); put the file on a local disk."
                )
            session.begin_write()
            try:
                prepare(session, self.url)
                session.commit()
            finally:
                session.rollback()
        except BaseException:
            self._discard(session)
            raise
        self._release(session)

    def _open_read_only(self) -> None:
        if not self.path.is_file():
            raise StoreError(
                f"refused: opening {self.url} read-only; there is no database file at "
                f"{str(self.path)!r}; check the path (a writing command creates the store)."
            )
        session = self._connect()
        try:
            check_schema(session, self.url)
            session.commit()
        except BaseException:
            self._discard(session)
            raise
        self._release(session)

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # --- connections ------------------------------------------------------------------------

    def _translate(self, exc: Exception) -> RelationkitError:
        message = str(exc)
        if isinstance(exc, OverflowError | UnicodeEncodeError) or any(
            words in message for words in _TOO_BIG
        ):
            # What the shared checks (relationkit.store.codec) let through and SQLite cannot
            # take: the caller's value, not the database, is at fault.
            return InvalidInput(
                f"refused: an operation on {self.url}; SQLite cannot take a value it was "
                f"given ({message}); check the ids, texts and numbers passed.",
                field="",
            )
        if "locked" in message or "busy" in message:
            return TransactionConflict(
                self.url,
                f"another writer held the database's lock for longer than the "
                f"{self.timeout:g} s timeout: {message}; a longer ?timeout= waits more",
            )
        if "unable to open" in message:
            return StoreError(
                f"refused: opening {self.url}; SQLite cannot open the file ({message}); check "
                "that its folder exists and is writable."
            )
        if "not a database" in message or "malformed" in message:
            return StoreError(
                f"refused: reading {self.url}; the file is not a usable SQLite database "
                f"({message}); check the path, or restore the file from a backup."
            )
        return StoreError(
            f"refused: an operation on {self.url}; SQLite reported {type(exc).__name__}: "
            f"{message}; check the database file and retry."
        )

    def _connect(self) -> _SqliteSession:
        if self._closed:
            raise StoreError(f"refused: using {self.url}; the store was closed; open a new one.")
        try:
            conn = sqlite3.connect(
                f"{self.path.absolute().as_uri()}?mode=ro" if self.read_only else self.path,
                timeout=self.timeout,
                isolation_level=None,
                check_same_thread=False,
                uri=self.read_only,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        session = _SqliteSession(self, conn)
        with self._lock:
            self._open.append(session)
        return session

    def _acquire(self) -> _SqliteSession:
        pid = os.getpid()
        with self._lock:
            while self._idle:
                session = self._idle.pop()
                if session.pid == pid:
                    return session
        return self._connect()

    def _release(self, session: Session) -> None:
        assert isinstance(session, _SqliteSession)
        session.rollback()
        with self._lock:
            if not self._closed and session.pid == os.getpid():
                self._idle.append(session)
                return
        self._discard(session)

    def _discard(self, session: _SqliteSession) -> None:
        with self._lock:
            if session in self._open:
                self._open.remove(session)
        if session.pid == os.getpid():
            session.conn.close()

    def _prepare_kind(self, session: Session, cls: type[Aggregate]) -> tuple[KindTable, bool]:
        if session.writing:
            return ensure_kind(session, cls), True
        session.begin_write()
        try:
            table = ensure_kind(session, cls)
            session.commit()
        finally:
            session.rollback()
        return table, False

    def integrity_check(self) -> list[str]:
        """What SQLite's ``PRAGMA quick_check`` finds wrong with the file (its pages,
        b-trees and free lists; not whether indexes match their tables), one line each;
        empty when it finds nothing. It reads the whole file once.

        Raises:
            TransactionConflict: another connection held the file locked past the timeout.
            StoreError: the file cannot be read for another reason than damage.
        """
        session = self._acquire()
        try:
            rows = session.conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            if "malformed" in str(exc) or "not a database" in str(exc):
                return [str(exc)]
            raise self._translate(exc) from exc
        finally:
            self._release(session)
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    def close(self) -> None:
        """Close every idle connection; connections in use close when their unit of work
        ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for session in idle:
            self._discard(session)
