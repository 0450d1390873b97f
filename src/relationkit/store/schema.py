"""The database schema, described once, from which SQLite and PostgreSQL DDL are generated.

The tables are plain data (:class:`Table`, :class:`Column`, :class:`Index`) using abstract
column types (``"text"``, ``"integer"``, ``"boolean"``, ``"real"``); a :class:`Dialect`
turns them into SQL. The two dialects differ only where the databases do: type names, the
parameter placeholder, text collation (PostgreSQL compares text byte-wise with
``COLLATE "C"``, as SQLite and Python do) and row locking for sweeps.

Fixed tables:

* ``rk_schema``: one row per schema version applied (the current version is the largest);
* ``rk_kinds``: which aggregate kinds have a table here, which attributes it indexes, and
  the version of the shape its snapshots are stored in;
* ``rk_events``: every event, unique on ``(kind, aggregate_id, sequence)``;
* ``rk_records``: plain records (parties, staff, policies …) as JSON, with an optional sort
  key (indexed with the kind) for record types that are read by ranges, such as policy
  acknowledgements by version and time.

Each aggregate class gets its own table, ``rk_agg_<kind>``, created the first time the
class is used: ``id``, ``version``, the JSON ``snapshot`` and one column per attribute the
class lists in ``INDEXED``, each with an index (and one on ``(state, attribute)`` when the
class indexes its state), so queries such as "promises made and due before now" read an
index. A class that later indexes more attributes gets the new columns added and filled
from the stored snapshots when it is next used; a class whose ``SNAPSHOT_VERSION`` is newer
than the table's gets its stored snapshots upgraded (:func:`ensure_kind`). ``rk_kinds``
records what each table holds.

Example:
    >>> from relationkit.store.schema import POSTGRES, SQLITE, EVENTS
    >>> print(SQLITE.create_table(EVENTS).splitlines()[1])
      "kind" TEXT NOT NULL,
    >>> print(POSTGRES.create_table(EVENTS).splitlines()[1])
      "kind" TEXT COLLATE "C" NOT NULL,
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate
from relationkit.exceptions import AggregateCorrupted, MigrationNeeded, SchemaError

__all__ = [
    "EVENTS",
    "KINDS",
    "MIGRATIONS",
    "POSTGRES",
    "RECORDS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SQLITE",
    "TABLES",
    "Column",
    "Connection",
    "Dialect",
    "Index",
    "KindTable",
    "Migration",
    "Table",
    "check_kind",
    "check_schema",
    "current_kind",
    "ensure_kind",
    "kind_table",
    "prepare",
    "schema_version",
]

SCHEMA_VERSION = 7
"""The schema version this relationkit writes and reads."""


@attrs.frozen
class Column:
    """A column.

    Attributes:
        name: its name.
        type: an abstract type: ``"text"``, ``"integer"``, ``"boolean"`` or ``"real"``.
        nullable: whether it may hold NULL.
    """

    name: str
    type: str = "text"
    nullable: bool = False


@attrs.frozen
class Index:
    """An index on some columns of a table."""

    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool = False


@attrs.frozen
class Table:
    """A table: its columns, primary key and indexes."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@attrs.frozen
class Dialect:
    """How one database spells the shared description.

    Attributes:
        name: ``"sqlite"`` or ``"postgresql"``.
        types: abstract column type → SQL type.
        placeholder: the parameter marker (``?`` or ``%s``).
        lock_suffix: what a claiming ``SELECT`` ends with to lock rows other workers skip.
        row_lock: what a ``SELECT`` of the row a command is about to change ends with to
            lock it until the transaction ends (empty where the database cannot).
    """

    name: str
    types: Mapping[str, str]
    placeholder: str
    lock_suffix: str
    row_lock: str = ""

    def column(self, column: Column) -> str:
        """A column definition."""
        null = "" if column.nullable else " NOT NULL"
        return f"{_quote(column.name)} {self.types[column.type]}{null}"

    def create_table(self, table: Table) -> str:
        """``CREATE TABLE IF NOT EXISTS`` for ``table``."""
        lines = [self.column(c) for c in table.columns]
        lines.append(f"PRIMARY KEY ({', '.join(_quote(c) for c in table.primary_key)})")
        body = ",\n  ".join(lines)
        return f"CREATE TABLE IF NOT EXISTS {_quote(table.name)} (\n  {body}\n)"

    def create_index(self, index: Index) -> str:
        """``CREATE INDEX IF NOT EXISTS`` for ``index``."""
        unique = "UNIQUE " if index.unique else ""
        columns = ", ".join(_quote(c) for c in index.columns)
        return (
            f"CREATE {unique}INDEX IF NOT EXISTS {_quote(index.name)} "
            f"ON {_quote(index.table)} ({columns})"
        )

    def add_column(self, table: str, column: Column) -> str:
        """``ALTER TABLE … ADD COLUMN`` (the column must be nullable)."""
        return f"ALTER TABLE {_quote(table)} ADD COLUMN {self.column(column)}"

    def ddl(self, table: Table) -> list[str]:
        """Every statement that creates ``table`` and its indexes."""
        return [self.create_table(table), *(self.create_index(i) for i in table.indexes)]

    def sql(self, statement: str) -> str:
        """``statement`` written with ``?`` markers, in this dialect's markers."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)


SQLITE = Dialect(
    name="sqlite",
    types={"text": "TEXT", "integer": "INTEGER", "boolean": "INTEGER", "real": "REAL"},
    placeholder="?",
    lock_suffix="",
)
"""SQLite 3.30 or later."""

POSTGRES = Dialect(
    name="postgresql",
    types={
        "text": 'TEXT COLLATE "C"',
        "integer": "BIGINT",
        "boolean": "BOOLEAN",
        "real": "DOUBLE PRECISION",
    },
    placeholder="%s",
    lock_suffix=" FOR UPDATE SKIP LOCKED",
    row_lock=" FOR UPDATE",
)
"""PostgreSQL 12 or later."""


# --- the fixed tables -------------------------------------------------------------------------

SCHEMA = Table(
    "rk_schema",
    (Column("version", "integer"), Column("applied_at"), Column("description")),
    ("version",),
)
_SNAPSHOT_VERSION = Column("snapshot_version", "integer", nullable=True)
KINDS = Table(
    "rk_kinds",
    (Column("kind"), Column("table_name"), Column("indexed"), _SNAPSHOT_VERSION),
    ("kind",),
)
EVENTS = Table(
    "rk_events",
    (
        Column("kind"),
        Column("aggregate_id"),
        Column("sequence", "integer"),
        Column("name"),
        Column("actor_id"),
        Column("at"),
        Column("data"),
        Column("previous"),
        Column("hash"),
    ),
    ("kind", "aggregate_id", "sequence"),
)
_SORT_KEY = Column("sort_key", nullable=True)
_RECORDS_BY_SORT_KEY = Index("rk_records__kind__sort_key", "rk_records", ("kind", "sort_key"))
RECORDS = Table(
    "rk_records",
    (Column("kind"), Column("id"), Column("data"), _SORT_KEY),
    ("kind", "id"),
    (_RECORDS_BY_SORT_KEY,),
)
TABLES = (SCHEMA, KINDS, EVENTS, RECORDS)
"""Every fixed table, in creation order."""


# --- one table per aggregate kind ------------------------------------------------------------

_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_BUILTIN_COLUMNS = ("id", "version")


@attrs.frozen
class KindTable:
    """The table that holds one aggregate class.

    Attributes:
        kind: the aggregate kind.
        table: its description.
        indexed: the indexed attributes, each with its column type.
    """

    kind: str
    table: Table
    indexed: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        """The table name."""
        return self.table.name

    def column_for(self, attribute: str) -> str:
        """The quoted column that holds ``attribute``."""
        return _quote(attribute)


def _column_type(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _column_type(args[0]) if len(args) == 1 else "text"
    if hint is bool:
        return "boolean"
    if hint is int:
        return "integer"
    if hint is float:
        return "real"
    return "text"  # text, and times as fixed-width UTC text (ordered like the instants)


def _hints(cls: type[Aggregate]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - unresolvable annotations
        return {}


def _index_name(table: str, columns: Sequence[str]) -> str:
    name = f"{table}__{'__'.join(columns)}"
    if len(name) <= 60:
        return name
    return f"{table[:40]}__{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def kind_table(cls: type[Aggregate]) -> KindTable:
    """The table description for aggregates of ``cls``, from its ``KIND`` and ``INDEXED``."""
    kind = cls.KIND
    if not _KIND_NAME.match(kind):
        raise SchemaError(
            f"refused: storing aggregates of kind {kind!r}; a kind names a table, so it must "
            "be lower-case letters, digits and underscores (at most 41); rename the KIND."
        )
    name = f"rk_agg_{kind}"
    hints = _hints(cls)
    indexed = tuple(
        (attr, _column_type(hints.get(attr, str)))
        for attr in cls.INDEXED
        if attr not in _BUILTIN_COLUMNS
    )
    columns = (
        Column("id"),
        Column("version", "integer"),
        Column("snapshot"),
        *(Column(attr, kind_, nullable=True) for attr, kind_ in indexed),
    )
    indexes: list[Index] = []
    stated = "state" in cls.INDEXED
    for attr, _ in indexed:
        if attr == "state" or not stated:
            indexes.append(Index(_index_name(name, (attr,)), name, (attr,)))
        else:
            indexes.append(Index(_index_name(name, (attr,)), name, (attr,)))
            indexes.append(Index(_index_name(name, ("state", attr)), name, ("state", attr)))
    return KindTable(kind, Table(name, columns, ("id",), tuple(indexes)), indexed)


# --- talking to a database -------------------------------------------------------------------


class Connection(Protocol):
    """What :func:`prepare` and :func:`ensure_kind` need from a backend's connection: run
    statements inside the transaction the caller opened."""

    dialect: Dialect

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a statement written with ``?`` markers; return its rows."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement written with ``?`` markers; return the row count."""

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement written with ``?`` markers once per parameter row."""

    def table_exists(self, name: str) -> bool:
        """Whether a table of that name exists."""

    def columns(self, table: str) -> set[str]:
        """The column names of a table."""


@attrs.frozen
class Migration:
    """One step forward: from ``version - 1`` to ``version``.

    Attributes:
        version: the version it produces.
        description: what changes, in a line.
        steps: statements (written with ``?``) for a dialect, built from the description.
        apply: an optional function for changes SQL alone cannot make (rewriting JSON).
    """

    version: int
    description: str
    steps: Callable[[Dialect], Sequence[str]] = attrs.field(default=lambda _: ())
    apply: Callable[[Connection], None] | None = None


def _fill_sort_keys(conn: Connection) -> None:
    from relationkit.store.codec import decode_record, record_sort_key, record_types

    for record in record_types():
        if record.sort_key is None:
            continue
        rows = conn.query("SELECT id, data FROM rk_records WHERE kind = ?", (record.name,))
        for record_id, data in rows:
            key = record_sort_key(decode_record(record.name, record_id, data))
            conn.run(
                "UPDATE rk_records SET sort_key = ? WHERE kind = ? AND id = ?",
                (key, record.name, record_id),
            )


_DIRECTORY_RECORDS = ("party", "staff", "entitlement", "policy")


def _refill_sort_keys(conn: Connection) -> None:
    """Give every record of a type that keeps a sort key the key its data gives, where the
    stored one differs (record types that keep one since they were first stored, such as
    last contacts); a record that cannot be read is left as it is, for verification to
    name."""
    from relationkit.store.codec import decode_record, record_sort_key, record_types

    for record in record_types():
        if record.sort_key is None:
            continue
        rows = conn.query(
            "SELECT id, data, sort_key FROM rk_records WHERE kind = ?", (record.name,)
        )
        for record_id, data, stored in rows:
            try:
                key = record_sort_key(decode_record(record.name, record_id, data))
            except AggregateCorrupted:
                continue
            if key != stored:
                conn.run(
                    "UPDATE rk_records SET sort_key = ? WHERE kind = ? AND id = ?",
                    (key, record.name, record_id),
                )


def _import_directory(conn: Connection) -> None:
    """Give every party, member of staff, entitlement and policy version stored as a plain
    record a timeline of its own, as an entry of the directory: its registration (or
    definition, or publication) by :data:`~relationkit.domain.entries.MIGRATION_ACTOR`,
    then, for staff, one role granted per role held (see
    :func:`~relationkit.domain.entries.imported`). The records stay as they were.

    A record that cannot be read, or is stored under another id than its data gives, is
    left without a timeline: verifying the store names it. An id held by a party and by a
    member of staff (which this schema's ``register`` allowed) becomes the party's entry;
    verifying names the staff record as written around the directory.

    It also fills in the sort keys of records whose type keeps one since they were stored
    (last contacts).
    """
    from relationkit.domain.entries import EntitlementEntry, PersonEntry, PolicyEntry

    _refill_sort_keys(conn)
    _import_records(conn, _DIRECTORY_RECORDS, (PersonEntry, EntitlementEntry, PolicyEntry))


_CATALOGUE_RECORDS = ("calendar", "offering")


def _import_catalogue(conn: Connection) -> None:
    """Give every business calendar and offering stored as a plain record a timeline of its
    own, as an entry of the directory (:class:`~relationkit.domain.entries.CalendarEntry`,
    :class:`~relationkit.domain.entries.OfferingEntry`): its registration by
    :data:`~relationkit.domain.entries.MIGRATION_ACTOR`, with
    :data:`~relationkit.domain.entries.CATALOGUE_IMPORT_REASON` (see
    :func:`~relationkit.domain.entries.imported`). The records stay as they were.

    A record that cannot be read, or is stored under another id than its data gives, is
    left without a timeline: verifying the store names it. An offering whose calendar is
    missing is imported as it was stored (an import judges no rule).
    """
    from relationkit.domain.entries import CalendarEntry, OfferingEntry

    _import_records(conn, _CATALOGUE_RECORDS, (CalendarEntry, OfferingEntry))


def _import_service_levels(conn: Connection) -> None:
    """Give every service-level policy stored as a plain record a timeline of its own, as an
    entry of the directory (:class:`~relationkit.domain.entries.ServiceLevelEntry`): its
    definition by :data:`~relationkit.domain.entries.MIGRATION_ACTOR`, with
    :data:`~relationkit.domain.entries.SERVICE_LEVEL_IMPORT_REASON` (see
    :func:`~relationkit.domain.entries.imported`). The records stay as they were.

    A record that cannot be read, or is stored under another id than its data gives, is
    left without a timeline: verifying the store names it. A policy whose contract or
    calendar is missing is imported as it was stored (an import judges no rule).
    """
    from relationkit.domain.entries import ServiceLevelEntry

    _import_records(conn, ("service_level_policy",), (ServiceLevelEntry,))


def _import_records(
    conn: Connection, record_kinds: Sequence[str], classes: Sequence[type[Aggregate]]
) -> None:
    """Give each readable record of ``record_kinds``, stored under its own id, the timeline
    of its entry (of one of ``classes``) that :func:`~relationkit.domain.entries.imported`
    gives, unless an entry holds its id already."""
    from relationkit.domain.entries import entry_class, imported
    from relationkit.serialization import datetime_to_text
    from relationkit.store.codec import (
        decode_record,
        encode_aggregate,
        encode_event,
        index_value,
        record_type,
    )

    at = pendulum.now("UTC")
    tables = {cls: ensure_kind(conn, cls) for cls in classes}
    marks = ", ".join("?" for _ in record_kinds)
    rows = conn.query(
        f"SELECT kind, id, data FROM rk_records WHERE kind IN ({marks}) ORDER BY kind, id",
        tuple(record_kinds),
    )
    events = []
    for kind, record_id, data in rows:
        try:
            record = decode_record(kind, record_id, data)
        except AggregateCorrupted:
            continue
        cls = entry_class(record)
        if cls not in tables or record_type(record).key(record) != record_id:
            continue
        entry, written = imported(record, at=at)
        kt = tables[cls]
        names = [a for a, _ in kt.indexed]
        columns = "".join(f", {_quote(a)}" for a in names)
        values = [_plain(index_value(getattr(entry, a))) for a in names]
        inserted = conn.run(
            f"INSERT INTO {_quote(kt.name)} (id, version, snapshot{columns}) "
            f"VALUES (?, ?, ?{', ?' * len(names)}) ON CONFLICT (id) DO NOTHING",
            (entry.id, entry.version, encode_aggregate(entry), *values),
        )
        if inserted != 1:
            continue  # its id is taken by an entry imported already (a party's, for staff)
        events += [
            (
                entry.KIND,
                e.aggregate_id,
                e.sequence,
                e.name,
                e.actor_id,
                datetime_to_text(e.at),
                encode_event(e),
                e.previous,
                e.hash,
            )
            for e in written
        ]
    if events:
        conn.run_many(
            "INSERT INTO rk_events (kind, aggregate_id, sequence, name, actor_id, at, data, "
            "previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )


def _case_service_levels(conn: Connection) -> None:
    """Give the table of cases, if there is one, its columns for service levels (the
    earliest due time, the earliest warning, an open breach), indexed and filled from the
    stored snapshots (a case stored before has no clocks: no due time, no breach)."""
    from relationkit.domain.case import Case

    if conn.table_exists(kind_table(Case).name):
        ensure_kind(conn, Case)


MIGRATIONS: dict[int, Migration] = {
    2: Migration(
        2,
        "records keep an indexed sort key (policy acknowledgements by version and time)",
        steps=lambda d: [
            d.add_column(RECORDS.name, _SORT_KEY),
            d.create_index(_RECORDS_BY_SORT_KEY),
        ],
        apply=_fill_sort_keys,
    ),
    3: Migration(
        3,
        "kinds record the version of their snapshots' shape (aggregates' tables are upgraded "
        "when they are next used)",
        steps=lambda d: [
            d.add_column(KINDS.name, _SNAPSHOT_VERSION),
            f"UPDATE {_quote(KINDS.name)} SET {_quote(_SNAPSHOT_VERSION.name)} = 1",
        ],
    ),
    4: Migration(
        4,
        "people, entitlements and policy versions become entries of the directory, each "
        "with a timeline starting with an import by rk-migration; records get the sort keys "
        "their types keep",
        apply=_import_directory,
    ),
    5: Migration(
        5,
        "cases keep indexed columns for their service-level clocks (sla_due_at, sla_warn_at, "
        "sla_breached), filled from the stored snapshots",
        apply=_case_service_levels,
    ),
    6: Migration(
        6,
        "business calendars and offerings become entries of the directory, each with a "
        "timeline starting with an import by rk-migration",
        apply=_import_catalogue,
    ),
    7: Migration(
        7,
        "service-level policies become entries of the directory, each with a timeline "
        "starting with an import by rk-migration",
        apply=_import_service_levels,
    ),
}
"""Migrations by the version they produce (version 1 is the first published schema). When
the schema changes, add ``Migration(SCHEMA_VERSION + 1, …)`` here, describe the new shape in
the tables above, and raise :data:`SCHEMA_VERSION`."""


def _now_text() -> str:
    return pendulum.now("UTC").format("YYYY-MM-DDTHH:mm:ss") + "Z"


def schema_version(conn: Connection) -> int | None:
    """The schema version stored in the database, or ``None`` if it has no schema yet."""
    if not conn.table_exists(SCHEMA.name):
        return None
    rows = conn.query(f"SELECT MAX(version) FROM {_quote(SCHEMA.name)}")
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def _newer(where: str, found: int) -> SchemaError:
    from relationkit._version import __version__

    return SchemaError(
        f"refused: opening {where}; its schema is version {found}, newer than version "
        f"{SCHEMA_VERSION} that relationkit {__version__} knows, so it could misread or "
        "damage the data; upgrade relationkit to the version that wrote it."
    )


def check_schema(conn: Connection, where: str) -> int:
    """For a store opened read-only: the schema version stored, checked to be the one this
    relationkit reads, without creating or migrating anything.

    Raises:
        MigrationNeeded: the database holds no schema yet, or an older one.
        SchemaError: its schema is newer than this relationkit knows.
    """
    found = schema_version(conn)
    if found is None or found < SCHEMA_VERSION:
        raise MigrationNeeded(where, found, SCHEMA_VERSION)
    if found > SCHEMA_VERSION:
        raise _newer(where, found)
    return found


def prepare(conn: Connection, where: str) -> int:
    """Create the schema in an empty database, migrate an older one forward, or refuse a
    newer one. Run it inside a transaction that holds the database's write lock.

    Args:
        conn: the connection, in an open transaction.
        where: the store's URL (without password), for error messages.

    Returns:
        The schema version found before (0 for an empty database).

    Raises:
        SchemaError: the schema is newer than this relationkit knows.
    """
    found = schema_version(conn)
    if found is None:
        for table in TABLES:
            for statement in conn.dialect.ddl(table):
                conn.run(statement)
        conn.run(
            "INSERT INTO rk_schema (version, applied_at, description) VALUES (?, ?, ?)",
            (SCHEMA_VERSION, _now_text(), "created"),
        )
        return 0
    if found > SCHEMA_VERSION:
        raise _newer(where, found)
    for version in range(found + 1, SCHEMA_VERSION + 1):
        migration = MIGRATIONS.get(version)
        if migration is None:
            raise SchemaError(
                f"refused: migrating {where} to schema version {version}; this relationkit "
                "has no migration to it; upgrade relationkit or restore a newer backup."
            )
        for statement in migration.steps(conn.dialect):
            conn.run(statement)
        if migration.apply is not None:
            migration.apply(conn)
        conn.run(
            "INSERT INTO rk_schema (version, applied_at, description) VALUES (?, ?, ?)",
            (version, _now_text(), migration.description),
        )
    return found


def _backfill(conn: Connection, cls: type[Aggregate], kt: KindTable, new: list[str]) -> None:
    """Fill the ``new`` indexed columns from the snapshots, a batch of
    :data:`UPGRADE_BATCH` rows at a time. A snapshot that cannot be read leaves its
    columns empty: reading it says it is corrupt, and the others are not held back by it."""
    from relationkit.store.codec import decode_aggregate, index_value

    table = _quote(kt.name)
    sets = ", ".join(f"{_quote(a)} = ?" for a in new)
    last = ""
    while True:
        rows = conn.query(
            f"SELECT id, snapshot FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
            (last, UPGRADE_BATCH),
        )
        if not rows:
            return
        filled = []
        for aggregate_id, snapshot in rows:
            try:
                aggregate = decode_aggregate(cls, aggregate_id, snapshot)
            except AggregateCorrupted:
                continue
            values = [_plain(index_value(getattr(aggregate, a))) for a in new]
            filled.append((*values, aggregate_id))
        if filled:
            conn.run_many(f"UPDATE {table} SET {sets} WHERE id = ?", filled)
        last = rows[-1][0]


UPGRADE_BATCH = 500
"""How many snapshots :func:`ensure_kind` reads, upgrades and writes back at a time."""


def _upgrade_snapshots(
    conn: Connection, cls: type[Aggregate], kt: KindTable, from_version: int, columns: list[str]
) -> None:
    """Rewrite the table's snapshots from ``from_version`` to ``cls``'s version, in id
    order, a batch at a time, with the indexed ``columns`` the table has (as the upgraded
    snapshot gives them). A snapshot that cannot be upgraded (it was unreadable already) is
    left as it is: reading it says it is corrupt, as it did before, and the others are not
    held back by it."""
    from relationkit.store.codec import index_value, upgrade_snapshot_text

    table = _quote(kt.name)
    sets = "".join(f", {_quote(c)} = ?" for c in columns)
    last: str | None = None
    while True:
        if last is None:
            rows = conn.query(
                f"SELECT id, snapshot FROM {table} ORDER BY id LIMIT ?", (UPGRADE_BATCH,)
            )
        else:
            rows = conn.query(
                f"SELECT id, snapshot FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
                (last, UPGRADE_BATCH),
            )
        if not rows:
            return
        upgraded = []
        for aggregate_id, snapshot in rows:
            try:
                text, aggregate = upgrade_snapshot_text(cls, aggregate_id, snapshot, from_version)
            except AggregateCorrupted:
                continue
            values = [_plain(index_value(getattr(aggregate, c))) for c in columns]
            upgraded.append((text, *values, aggregate_id))
        if upgraded:
            conn.run_many(f"UPDATE {table} SET snapshot = ?{sets} WHERE id = ?", upgraded)
        last = rows[-1][0]


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime):  # pragma: no cover - index_value turns them to text
        return value.isoformat()
    return value


def current_kind(conn: Connection, cls: type[Aggregate]) -> KindTable | None:
    """The table of ``cls`` if ``rk_kinds`` records it as this class needs it (the same
    indexed attributes, snapshots of its version), else ``None``: one read, no lock, so a
    store can skip :func:`ensure_kind` when there is nothing to make or change."""
    kt = kind_table(cls)
    rows = conn.query("SELECT indexed, snapshot_version FROM rk_kinds WHERE kind = ?", (kt.kind,))
    if not rows:
        return None
    stored = 1 if rows[0][1] is None else int(rows[0][1])
    if stored != cls.SNAPSHOT_VERSION or json.loads(rows[0][0]) != [a for a, _ in kt.indexed]:
        return None
    return kt


def check_kind(conn: Connection, cls: type[Aggregate], where: str) -> KindTable | None:
    """For a store opened read-only: the table of ``cls`` as :func:`ensure_kind` would leave
    it, or ``None`` if the database has none yet (nothing of the kind was ever stored),
    without creating or changing anything.

    Raises:
        MigrationNeeded: the table must be upgraded first (older snapshots, or a column
            for an attribute indexed since).
        SchemaError: the table's snapshots are of a newer version than the class knows.
    """
    kt = kind_table(cls)
    rows = conn.query("SELECT indexed, snapshot_version FROM rk_kinds WHERE kind = ?", (kt.kind,))
    if not rows:
        return None
    recorded = json.loads(rows[0][0])
    stored = 1 if rows[0][1] is None else int(rows[0][1])
    if stored > cls.SNAPSHOT_VERSION:
        raise _newer_snapshots(kt, cls, stored)
    missing = [attr for attr, _ in kt.indexed if attr not in recorded]
    if stored < cls.SNAPSHOT_VERSION or missing:
        upgrade = (
            f"snapshots of version {stored} to upgrade to version {cls.SNAPSHOT_VERSION}"
            if stored < cls.SNAPSHOT_VERSION
            else f"no column yet for {', '.join(missing)}"
        )
        raise MigrationNeeded(
            where,
            SCHEMA_VERSION,
            SCHEMA_VERSION,
            f"its table of {kt.kind} aggregates must be upgraded first ({upgrade})",
        )
    return kt


def _newer_snapshots(kt: KindTable, cls: type[Aggregate], stored: int) -> SchemaError:
    return SchemaError(
        f"refused: reading {kt.kind} aggregates as {cls.__name__}; their snapshots "
        f"are of version {stored}, newer than version {cls.SNAPSHOT_VERSION} that "
        "this class reads, so it could misread or damage them; use the relationkit "
        "(or the version of the class) that wrote them."
    )


def ensure_kind(conn: Connection, cls: type[Aggregate]) -> KindTable:
    """Make sure ``cls`` has its table with a column and index per indexed attribute; upgrade
    the stored snapshots if the class's ``SNAPSHOT_VERSION`` is newer than the table's (a
    batch of :data:`UPGRADE_BATCH` at a time, with the class's ``upgrade_snapshot``); add
    and fill columns for attributes indexed since the table was made. Run it inside a
    transaction that holds the write lock.

    Raises:
        SchemaError: the table's snapshots are of a newer version than the class knows.
    """
    kt = kind_table(cls)
    rows = conn.query("SELECT indexed, snapshot_version FROM rk_kinds WHERE kind = ?", (kt.kind,))
    wanted = [attr for attr, _ in kt.indexed]
    if rows:
        recorded = json.loads(rows[0][0])
        stored = 1 if rows[0][1] is None else int(rows[0][1])
        if stored > cls.SNAPSHOT_VERSION:
            raise _newer_snapshots(kt, cls, stored)
        if stored < cls.SNAPSHOT_VERSION:
            _upgrade_snapshots(conn, cls, kt, stored, [a for a in wanted if a in recorded])
            conn.run(
                "UPDATE rk_kinds SET snapshot_version = ? WHERE kind = ?",
                (cls.SNAPSHOT_VERSION, kt.kind),
            )
        if recorded == wanted:
            return kt
        present = conn.columns(kt.name)
        new = [attr for attr in wanted if attr not in recorded]
        for column in kt.table.columns:
            if column.name not in present:
                conn.run(conn.dialect.add_column(kt.name, column))
        if new:
            _backfill(conn, cls, kt, new)
        for index in kt.table.indexes:
            conn.run(conn.dialect.create_index(index))
        conn.run("UPDATE rk_kinds SET indexed = ? WHERE kind = ?", (json.dumps(wanted), kt.kind))
        return kt
    for statement in conn.dialect.ddl(kt.table):
        conn.run(statement)
    conn.run(
        "INSERT INTO rk_kinds (kind, table_name, indexed, snapshot_version) VALUES (?, ?, ?, ?)",
        (kt.kind, kt.name, json.dumps(wanted), cls.SNAPSHOT_VERSION),
    )
    return kt
