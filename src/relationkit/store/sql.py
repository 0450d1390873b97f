"""What the SQLite and PostgreSQL stores share: one unit of work written against a small
:class:`Session` (one connection in use by one unit of work).

A unit of work reads in a transaction and writes in the same one; the write of an aggregate
is ``UPDATE … WHERE id = ? AND version = ?`` (or an insert that does nothing when the id
exists), so a writer holding a stale version changes no row and gets
:class:`~relationkit.exceptions.ConcurrencyError`; events are unique on
``(kind, aggregate_id, sequence)``, so no two writers can both append event *n*.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.events import Event
from relationkit.exceptions import (
    AggregateCorrupted,
    ColumnOutOfStep,
    ConcurrencyError,
    InvalidInput,
    NotFound,
    ReadOnlyStore,
    StoreError,
)
from relationkit.serialization import datetime_to_text
from relationkit.store.base import Store, StoredAggregate, StoredRecord, UnitOfWork, page_size
from relationkit.store.codec import (
    can_hold,
    check_attributes,
    check_id,
    check_indexed,
    check_limit,
    check_sort_keys,
    column_readers,
    decode_aggregate,
    decode_aggregates,
    decode_event,
    decode_record,
    decode_records,
    encode_aggregate,
    encode_event,
    index_value,
    lookups,
    record_row,
    record_type,
    snapshot_version,
    sort_keyed,
    split_lookup,
)
from relationkit.store.schema import Dialect, KindTable, check_kind, current_kind, ensure_kind

__all__ = ["IntegrityProblem", "Session", "SqlStore", "SqlUnitOfWork"]

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

_EVENT_COLUMNS = "aggregate_id, sequence, name, actor_id, at, data, previous, hash"

_FITS: dict[str, Any] = {
    "text": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "real": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
"""Whether a value (not ``None``) is of a column type's own kind: one that is not is converted
by the database when stored, and :meth:`SqlUnitOfWork.column_values` asks it how."""


class IntegrityProblem(StoreError):
    """A write broke a unique key (raised by sessions; the unit of work turns it into
    :class:`~relationkit.exceptions.ConcurrencyError` where that is what it means)."""


class Session(abc.ABC):
    """One database connection, used by one unit of work at a time.

    Statements are written with ``?`` markers; a session runs them in its dialect. A session
    starts a transaction at its first statement; :meth:`begin_write` makes sure the
    transaction may write (SQLite takes the database's write lock there).
    """

    dialect: Dialect

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a statement."""

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Like :meth:`query`, rows given as they are fetched, a batch at a time, so that a
        long result is never held whole (read it to the end before the next statement).
        This default fetches them all first."""
        yield from self.query(sql, params)

    @abc.abstractmethod
    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; its row count."""

    @abc.abstractmethod
    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per parameter row."""

    @abc.abstractmethod
    def begin_write(self) -> None:
        """Make the current transaction a writing one."""

    @property
    @abc.abstractmethod
    def writing(self) -> bool:
        """Whether the open transaction may already have written."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Commit the open transaction, if any."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Roll back the open transaction, if any."""

    @abc.abstractmethod
    def table_exists(self, name: str) -> bool:
        """Whether a table of that name exists."""

    @abc.abstractmethod
    def columns(self, table: str) -> set[str]:
        """The column names of a table."""


class SqlStore(Store):
    """A store over a SQL database: subclasses provide sessions and kind tables.

    Args:
        read_only: open it read-only: it creates, migrates and writes nothing (see
            ``read_only`` of :class:`~relationkit.store.base.Store`).
    """

    dialect: Dialect

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self._ready: dict[type[Aggregate], KindTable] = {}
        self._ready_lock = threading.Lock()
        self._forms: dict[tuple[str, str, Any], Any] = {}  # see SqlUnitOfWork._as_column

    @abc.abstractmethod
    def _acquire(self) -> Session:
        """A session for a unit of work."""

    @abc.abstractmethod
    def _release(self, session: Session) -> None:
        """Take back a session (its transaction is over)."""

    @abc.abstractmethod
    def _prepare_kind(self, session: Session, cls: type[Aggregate]) -> tuple[KindTable, bool]:
        """Make sure ``cls`` has its table; return it and whether it was made inside the
        session's own transaction (then it only counts once that commits)."""

    def kind(self, session: Session, cls: type[A]) -> tuple[KindTable | None, bool]:
        """The table of ``cls`` (made on first use); ``None`` in a read-only store that has
        none yet (nothing of the kind was ever stored there)."""
        found = self._ready.get(cls)
        if found is not None:
            return found, False
        if self.read_only:
            table = check_kind(session, cls, self.url)
            if table is not None:
                self._mark_ready(cls, table)
            return table, False
        # Usually all there is to it: one read. Only outside a write, which could have
        # made the kind itself and not committed yet.
        found = None if session.writing else current_kind(session, cls)
        if found is not None:
            self._mark_ready(cls, found)
            return found, False
        made, pending = self._prepare_kind(session, cls)
        if not pending:
            self._mark_ready(cls, made)
        return made, pending

    def _mark_ready(self, cls: type[Aggregate], table: KindTable) -> None:
        with self._ready_lock:
            self._ready[cls] = table

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new transaction."""
        return SqlUnitOfWork(self)

    def _ensure_in(self, session: Session, cls: type[Aggregate]) -> KindTable:
        return ensure_kind(session, cls)


_NOT_RARE = object()


def _lookup_sql(column: str, op: str, value: Any) -> tuple[str, list[Any]]:
    if op == "in":
        wanted = [index_value(v) for v in value]
        present = [w for w in wanted if w is not None]
        parts = []
        params: list[Any] = []
        if present:
            parts.append(f"{column} IN ({', '.join('?' for _ in present)})")
            params.extend(present)
        if len(present) != len(wanted):
            parts.append(f"{column} IS NULL")
        return ("(" + " OR ".join(parts) + ")" if parts else "1 = 0"), params
    value = index_value(value)
    if op == "eq":
        return (f"{column} IS NULL", []) if value is None else (f"{column} = ?", [value])
    if op == "ne":
        if value is None:
            return f"{column} IS NOT NULL", []
        return f"({column} <> ? OR {column} IS NULL)", [value]
    if value is None:
        return "1 = 0", []
    sign = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
    return f"{column} {sign} ?", [value]


def _column(kt: KindTable, name: str) -> str:
    return name if name in ("id", "version") else kt.column_for(name)


class SqlUnitOfWork(UnitOfWork):
    """A unit of work over one :class:`Session` (one transaction)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._session: Session | None = None
        self._pending: list[tuple[type[Aggregate], KindTable]] = []
        self._committed = False
        # What this transaction wrote or already read, so that reading it again (a command
        # hook looking at the case or the actor once more) costs no statement: snapshots
        # appended here, and record texts (None: known to be absent).
        self._written: dict[tuple[type[Aggregate], str], str] = {}
        self._known: dict[tuple[str, str], str | None] = {}

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        """The session this unit of work runs on (acquired on first use)."""
        if self._session is None:
            self._session = self._store._acquire()
        return self._session

    def _table(self, cls: type[Aggregate]) -> KindTable | None:
        """The table of ``cls``; ``None`` in a read-only store that has none (then there is
        nothing of the kind to read)."""
        table, pending = self._store.kind(self.session, cls)
        if pending and table is not None:
            self._pending.append((cls, table))
        return table

    def _kind(self, cls: type[Aggregate]) -> KindTable:
        table = self._table(cls)
        if table is None:  # only a read-only store has no table to give: it writes nothing
            raise ReadOnlyStore(self._store.url)
        return table

    def _where(self, cls: type[A], kt: KindTable, where: dict[str, Any]) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        rare = cls.RARE if self._store.dialect.name == "sqlite" else {}
        for name, op, value in lookups(cls, where):
            clause, values = _lookup_sql(_column(kt, name), op, value)
            if (
                op == "eq"
                and name in rare
                and type(value) is type(rare[name])
                and value == rare[name]
            ):
                # SQLite's statistics say a two-valued column halves the table, and its
                # planner would scan; a few rows hold this value, so say so (likelihood)
                clause = f"likelihood({clause}, 0.001)"
            clauses.append(clause)
            params.extend(values)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _rows(
        self,
        cls: type[A],
        order_by: str | None,
        limit: int | None,
        where: dict[str, Any],
        suffix: str = "",
    ) -> list[A]:
        query = self._query(cls, "id, snapshot", order_by, limit, where)
        if query is None:
            return []
        sql, params = query
        return decode_aggregates(
            cls, self.session.stream(sql + suffix, params), self.skip_unreadable
        )

    def _query(
        self,
        cls: type[A],
        columns: str | Sequence[str],
        order_by: str | None,
        limit: int | None,
        where: dict[str, Any],
    ) -> tuple[str, list[Any]] | None:
        """The ``SELECT`` of ``columns`` (SQL text, or attribute names) of the aggregates
        of ``cls`` matching ``where``, ordered and limited as :meth:`select` says; ``None``
        when a read-only store has no table of ``cls`` (nothing of the kind to read)."""
        check_limit(limit)
        kt = self._table(cls)
        if kt is None:
            lookups(cls, where)  # a wrong lookup is refused all the same
            return None
        if not isinstance(columns, str):
            columns = ", ".join(_column(kt, name) for name in columns)
        clause, params = self._where(cls, kt, where)
        # Filtered and ordered by id, SQLite walks the primary key (a full scan) instead of
        # the index the filter could use; "+id" gives the same order without that plan.
        # (Ordered by id explicitly, the same: ``order_by="id"`` is the default order.)
        order = "+id" if clause and self._store.dialect.name == "sqlite" else "id"
        if order_by is not None and order_by != "id":
            name, _ = split_lookup(cls, order_by.lstrip("-"))
            column = _column(kt, name)
            if order_by.startswith("-"):
                order = f"{column} DESC NULLS LAST, id"
            else:
                order = f"{column} ASC NULLS FIRST, id"
        sql = f'SELECT {columns} FROM "{kt.name}"{clause} ORDER BY {order}'
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return sql, params

    # --- aggregates -------------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        if not can_hold(aggregate_id):
            return None
        written = self._written.get((cls, aggregate_id))
        if written is not None:
            return decode_aggregate(cls, aggregate_id, written)
        kt = self._table(cls)
        if kt is None:
            return None
        rows = self.session.query(f'SELECT snapshot FROM "{kt.name}" WHERE id = ?', (aggregate_id,))
        return decode_aggregate(cls, aggregate_id, rows[0][0]) if rows else None

    def get_for_update(self, cls: type[A], aggregate_id: str) -> A:
        lock = self._store.dialect.row_lock
        if not lock or (cls, aggregate_id) in self._written or not can_hold(aggregate_id):
            return self.get(cls, aggregate_id)
        self.session.begin_write()
        kt = self._kind(cls)
        rows = self.session.query(
            f'SELECT snapshot FROM "{kt.name}" WHERE id = ?{lock}', (aggregate_id,)
        )
        if not rows:
            raise NotFound(cls.KIND, aggregate_id)
        return decode_aggregate(cls, aggregate_id, rows[0][0])

    def events(self, cls: type[A], aggregate_id: str) -> list[Event]:
        if not can_hold(aggregate_id):
            return []
        rows = self.session.query(
            f"SELECT {_EVENT_COLUMNS} FROM rk_events WHERE kind = ? AND aggregate_id = ? "
            "ORDER BY sequence",
            (cls.KIND, aggregate_id),
        )
        return [
            decode_event(
                cls.KIND,
                aggregate_id=row[0],
                sequence=row[1],
                name=row[2],
                actor_id=row[3],
                at=row[4],
                data=row[5],
                previous=row[6],
                hash=row[7],
            )
            for row in rows
        ]

    def _conflict(
        self, kt: KindTable, aggregate_id: str, expected: int
    ) -> ConcurrencyError | ColumnOutOfStep:
        """Why the row of an aggregate read at version ``expected`` was not written: another
        writer moved it on, or its version column is out of step with its snapshot."""
        rows = self.session.query(
            f'SELECT version, snapshot FROM "{kt.name}" WHERE id = ?', (aggregate_id,)
        )
        if not rows:
            return ConcurrencyError(kt.kind, aggregate_id, expected, None)
        stored, saved = rows[0][0], snapshot_version(rows[0][1])
        # Versions only grow, and a writer changes the column and the snapshot together.
        if type(stored) is not int or stored < expected or saved not in (None, stored):
            truth = expected if saved is None else saved
            return ColumnOutOfStep(kt.kind, aggregate_id, "version", stored, truth)
        return ConcurrencyError(kt.kind, aggregate_id, expected, stored)

    def append(self, aggregate: A, events: Sequence[Event]) -> None:
        if not events:
            return
        expected = aggregate.version - len(events)
        if events[-1].sequence != aggregate.version:
            raise InvalidInput(
                f"refused: appending events up to {events[-1].sequence} to "
                f"{aggregate.KIND} {aggregate.id!r} at version {aggregate.version}; the "
                "aggregate's version must count its events; apply each event before appending.",
                field="events",
            )
        check_id(aggregate.id)
        check_indexed(aggregate)
        session = self.session
        session.begin_write()
        kt = self._kind(type(aggregate))
        names = [attr for attr, _ in kt.indexed]
        values = [index_value(getattr(aggregate, attr)) for attr in names]
        snapshot = encode_aggregate(aggregate)
        columns = "".join(f", {kt.column_for(a)}" for a in names)
        if expected == 0:
            marks = ", ?" * len(names)
            changed = session.run(
                f'INSERT INTO "{kt.name}" (id, version, snapshot{columns}) '
                f"VALUES (?, ?, ?{marks}) ON CONFLICT (id) DO NOTHING",
                (aggregate.id, aggregate.version, snapshot, *values),
            )
        else:
            sets = "".join(f", {kt.column_for(a)} = ?" for a in names)
            changed = session.run(
                f'UPDATE "{kt.name}" SET version = ?, snapshot = ?{sets} '
                "WHERE id = ? AND version = ?",
                (aggregate.version, snapshot, *values, aggregate.id, expected),
            )
        if changed != 1:
            raise self._conflict(kt, aggregate.id, expected)
        rows = [
            (
                aggregate.KIND,
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
        insert = (
            f"INSERT INTO rk_events (kind, {_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        try:
            if len(rows) == 1:  # one round trip, the common case
                session.run(insert, rows[0])
            else:
                session.run_many(insert, rows)
        except IntegrityProblem as exc:
            raise ConcurrencyError(aggregate.KIND, aggregate.id, expected, None) from exc
        self._written[(type(aggregate), aggregate.id)] = snapshot

    def select(
        self,
        cls: type[A],
        *,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[A]:
        return self._rows(cls, order_by, limit, where)

    def values(
        self,
        cls: type[A],
        *attributes: str,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[tuple[Any, ...]]:
        names = check_attributes(cls, attributes)
        readers = column_readers(cls, names)
        query = self._query(cls, ("id", *names), order_by, limit, where)
        if query is None:
            return []
        sql, params = query
        found: list[tuple[Any, ...]] = []
        for row in self.session.stream(sql, params):
            try:
                found.append(tuple(read(v) for read, v in zip(readers, row[1:], strict=True)))
            except ValueError as exc:
                self.skip_unreadable(
                    AggregateCorrupted(cls.KIND, row[0], f"unreadable column ({exc})")
                )
        return found

    def claim(
        self, cls: type[A], *, limit: int = 100, order_by: str | None = None, **where: Any
    ) -> list[A]:
        self.session.begin_write()
        return self._rows(cls, order_by, limit, where, self._store.dialect.lock_suffix)

    def count(self, cls: type[A], **where: Any) -> int:
        kt = self._table(cls)
        if kt is None:
            lookups(cls, where)
            return 0
        clause, params = self._where(cls, kt, where)
        rows = self.session.query(f'SELECT COUNT(*) FROM "{kt.name}"{clause}', params)
        return int(rows[0][0])

    def ids(self, cls: type[A]) -> list[str]:
        kt = self._table(cls)
        if kt is None:
            return []
        return [row[0] for row in self.session.query(f'SELECT id FROM "{kt.name}" ORDER BY id')]

    # --- what is stored, as stored ---------------------------------------------------------

    def _stored_sql(self, kt: KindTable) -> str:
        columns = "".join(f", {kt.column_for(a)}" for a, _ in kt.indexed)
        return f'SELECT id, version, snapshot{columns} FROM "{kt.name}"'

    @staticmethod
    def _stored(kt: KindTable, row: Sequence[Any]) -> StoredAggregate:
        names = [a for a, _ in kt.indexed]
        return StoredAggregate(
            kt.kind, row[0], row[1], row[2], dict(zip(names, row[3:], strict=True))
        )

    def stored_aggregate(self, cls: type[A], aggregate_id: str) -> StoredAggregate | None:
        kt = self._table(cls)
        if kt is None:
            return None
        rows = self.session.query(self._stored_sql(kt) + " WHERE id = ?", (aggregate_id,))
        return self._stored(kt, rows[0]) if rows else None

    def column_values(self, aggregate: Aggregate) -> dict[str, Any]:
        kt = self._kind(type(aggregate))
        values: dict[str, Any] = {"version": aggregate.version}
        for name, kind in kt.indexed:
            value = index_value(getattr(aggregate, name))
            fits = _FITS.get(kind)
            if value is not None and fits is not None and not fits(value):
                value = self._as_column(kind, value)
            values[name] = value
        return values

    def _as_column(self, kind: str, value: Any) -> Any:
        """``value`` as the database stores it in a column of abstract type ``kind``."""
        cache = self._store._forms
        key = (kind, type(value).__name__, value)
        if key not in cache:
            if len(cache) >= 1024:
                cache.clear()
            sql_type = self._store.dialect.types[kind].partition(" COLLATE")[0]
            rows = self.session.query(f"SELECT CAST(? AS {sql_type})", (value,))
            cache[key] = rows[0][0]
        return cache[key]

    def stored_aggregates(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[StoredAggregate]:
        page_size(limit)
        kt = self._table(cls)
        if kt is None:
            return []
        sql = self._stored_sql(kt)
        params: list[Any] = []
        if after is not None:
            sql += " WHERE id > ?"
            params.append(after)
        rows = self.session.query(sql + " ORDER BY id LIMIT ?", [*params, limit])
        return [self._stored(kt, row) for row in rows]

    def timelines_without_row(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        page_size(limit)
        kt = self._table(cls)
        sql = "SELECT DISTINCT e.aggregate_id FROM rk_events e WHERE e.kind = ?"
        params: list[Any] = [cls.KIND]
        if after is not None:
            sql += " AND e.aggregate_id > ?"
            params.append(after)
        if kt is not None:
            sql += f' AND NOT EXISTS (SELECT 1 FROM "{kt.name}" a WHERE a.id = e.aggregate_id)'
        rows = self.session.query(sql + " ORDER BY e.aggregate_id LIMIT ?", [*params, limit])
        return [row[0] for row in rows]

    def stored_records(
        self, *, after: tuple[str, str] | None = None, limit: int = 500
    ) -> list[StoredRecord]:
        page_size(limit)
        sql = "SELECT kind, id, data, sort_key FROM rk_records"
        params: list[Any] = []
        if after is not None:
            sql += " WHERE (kind, id) > (?, ?)"
            params.extend(after)
        rows = self.session.query(sql + " ORDER BY kind, id LIMIT ?", [*params, limit])
        return [StoredRecord(*row) for row in rows]

    def rewrite_columns(self, cls: type[A], aggregate_id: str) -> StoredAggregate:
        session = self.session
        session.begin_write()
        kt = self._kind(cls)
        before = self.stored_aggregate(cls, aggregate_id)
        if before is None:
            raise NotFound(cls.KIND, aggregate_id)
        aggregate = decode_aggregate(cls, aggregate_id, before.snapshot)
        names = [attr for attr, _ in kt.indexed]
        sets = "".join(f", {kt.column_for(a)} = ?" for a in names)
        values = [index_value(getattr(aggregate, a)) for a in names]
        changed = session.run(
            f'UPDATE "{kt.name}" SET version = ?{sets} WHERE id = ? AND snapshot = ?',
            (aggregate.version, *values, aggregate_id, before.snapshot),
        )
        if changed != 1:  # the snapshot was replaced in between (PostgreSQL reads committed)
            raise ConcurrencyError(cls.KIND, aggregate_id, aggregate.version, None)
        return before

    # --- records ----------------------------------------------------------------------------

    def put(self, record: Any) -> None:
        kind, record_id, text, sort_key = record_row(record)
        session = self.session
        session.begin_write()
        statement = (
            "INSERT INTO rk_records (kind, id, data, sort_key) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, "
            "sort_key = excluded.sort_key"
        )
        if record_type(record).keep_latest:  # only a later one replaces it
            statement += (
                " WHERE rk_records.sort_key IS NULL OR rk_records.sort_key <= excluded.sort_key"
            )
            self._known.pop((kind, record_id), None)  # which one is kept, the store knows
        else:
            self._known[(kind, record_id)] = text
        session.run(statement, (kind, record_id, text, sort_key))

    def records_between(
        self, cls: type[R], start: str | None = None, stop: str | None = None
    ) -> list[R]:
        kind = sort_keyed(cls).name
        check_sort_keys(start, stop)
        sql = "SELECT id, data FROM rk_records WHERE kind = ? AND sort_key IS NOT NULL"
        params: list[Any] = [kind]
        if start is not None:
            sql += " AND sort_key >= ?"
            params.append(start)
        if stop is not None:
            sql += " AND sort_key < ?"
            params.append(stop)
        rows = self.session.query(sql + " ORDER BY sort_key, id", params)
        found = decode_records(kind, rows, self.skip_unreadable)
        return [r for r in found if isinstance(r, cls)]

    def last_record(self, cls: type[R]) -> R | None:
        kind = sort_keyed(cls).name
        rows = self.session.query(
            "SELECT id, data FROM rk_records WHERE kind = ? AND sort_key IS NOT NULL "
            "ORDER BY sort_key DESC, id DESC LIMIT 1",
            (kind,),
        )
        if not rows:
            return None
        found = decode_record(kind, rows[0][0], rows[0][1])
        return found if isinstance(found, cls) else None

    def find_record(self, cls: type[R], record_id: str) -> R | None:
        kind = record_type(cls).name
        if not can_hold(record_id):
            return None
        key = (kind, record_id)
        if key in self._known:
            text = self._known[key]
        else:
            rows = self.session.query(
                "SELECT data FROM rk_records WHERE kind = ? AND id = ?", (kind, record_id)
            )
            text = self._known[key] = rows[0][0] if rows else None
        if text is None:
            return None
        found = decode_record(kind, record_id, text)
        return found if isinstance(found, cls) else None

    def find_first_record(self, classes: Sequence[type], record_id: str) -> Any | None:
        kinds = [record_type(cls).name for cls in classes]
        if not can_hold(record_id):
            return None
        unknown = [kind for kind in kinds if (kind, record_id) not in self._known]
        if unknown:
            marks = ", ".join("?" for _ in unknown)
            rows = self.session.query(
                f"SELECT kind, data FROM rk_records WHERE kind IN ({marks}) AND id = ?",
                (*unknown, record_id),
            )
            stored = dict(rows)
            for kind in unknown:
                self._known[(kind, record_id)] = stored.get(kind)
        for cls, kind in zip(classes, kinds, strict=True):
            text = self._known[(kind, record_id)]
            if text is not None:
                found = decode_record(kind, record_id, text)
                if isinstance(found, cls):
                    return found
        return None

    def records(self, cls: type[R]) -> list[R]:
        kind = record_type(cls).name
        rows = self.session.query(
            "SELECT id, data FROM rk_records WHERE kind = ? ORDER BY id", (kind,)
        )
        found = decode_records(kind, rows, self.skip_unreadable)
        return [r for r in found if isinstance(r, cls)]

    # --- transaction ------------------------------------------------------------------------

    def begin_write(self) -> None:
        self.session.begin_write()

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()
        for cls, table in self._pending:
            self._store._mark_ready(cls, table)
        self._pending = []
        self._written.clear()
        self._known.clear()
        self._committed = True

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        self._pending = []
        self._written.clear()
        self._known.clear()

    def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            self._store._release(session)
