"""The in-memory store: the reference backend, for tests and short-lived programs.

An aggregate read back is a fresh copy, and nothing a caller does to it changes what is
stored until a unit of work commits. It keeps each aggregate as a private copy and writes
the JSON the database backends keep only when asked for it (verifying, say), so reading and
writing cost no JSON; it finds aggregates by an indexed attribute's value through an index
of its own, as the databases do. It is safe to share between threads; it does not outlive
the process.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
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
)
from relationkit.serialization import copier, datetime_to_text
from relationkit.store.base import Store, StoredAggregate, StoredRecord, UnitOfWork, page_size
from relationkit.store.codec import (
    attribute_value,
    can_hold,
    check_attributes,
    check_id,
    check_indexed,
    check_limit,
    decode_aggregate,
    decode_event,
    decode_record,
    decode_records,
    encode_aggregate,
    encode_event,
    index_value,
    lookups,
    record_row,
    record_sort_key,
    record_type,
    record_types,
    snapshot_version,
    sort_keyed,
    split_lookup,
)

__all__ = ["MemoryStore"]

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

_Key = tuple[str, str]


class _Row:
    """One stored aggregate: its version, its indexed values, and the aggregate itself
    (a private copy) or its snapshot's JSON text, each made from the other when asked."""

    __slots__ = ("_held", "_text", "index", "version")

    def __init__(
        self,
        version: int,
        snapshot: str | None,
        index: dict[str, Any],
        held: Aggregate | None = None,
    ) -> None:
        self.version = version
        self.index = index
        self._text = snapshot
        self._held = held

    @property
    def snapshot(self) -> str:
        """The snapshot's JSON text, as the database backends keep it."""
        if self._text is None:
            assert self._held is not None
            self._text = encode_aggregate(self._held)
        return self._text

    @snapshot.setter
    def snapshot(self, text: str) -> None:  # for tests that corrupt what is stored
        self._text = text
        self._held = None

    def aggregate(self, cls: type[A], aggregate_id: str) -> A:
        """A fresh copy of the aggregate (decoded from the text when that is all it has)."""
        held = self._held
        if held is not None and held.__class__ is cls:
            return copier(cls)(held)
        return decode_aggregate(cls, aggregate_id, self.snapshot)

    def saved_version(self) -> int | None:
        """The version the snapshot records (``None`` if its text cannot be read)."""
        if self._held is not None:
            return self._held.version
        return snapshot_version(self.snapshot)


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "aggregate_id": event.aggregate_id,
        "sequence": event.sequence,
        "name": event.name,
        "actor_id": event.actor_id,
        "at": datetime_to_text(event.at),
        "data": encode_event(event),
        "previous": event.previous,
        "hash": event.hash,
    }


def _indexed(key: _Key, row: _Row, name: str) -> Any:
    return key[1] if name == "id" else index_value(row.index.get(name))


_MAX_COMBINATIONS = 256
"""The most value combinations an equality index is asked for in one query (``a__in`` of 20
and ``b__in`` of 20 make 400: the index answers ``a``, the rows answer ``b``)."""


def _values_of(key: _Key, row: _Row, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_indexed(key, row, name) for name in names)


def _by_key(found: tuple[_Key, _Row]) -> _Key:
    return found[0]


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def _prepared(tests: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """The lookups with their values as index columns hold them (an ``in`` list as a set)."""
    return [
        (name, op, frozenset(index_value(w) for w in wanted) if op == "in" else index_value(wanted))
        for name, op, wanted in tests
    ]


def _compare(stored: Any, op: str, wanted: Any) -> bool:
    if op == "in":
        return bool(stored in wanted)
    if op == "eq":
        return bool(stored == wanted)
    if op == "ne":
        return bool(stored != wanted)
    if stored is None or wanted is None:
        return False
    if op == "lt":
        return bool(stored < wanted)
    if op == "le":
        return bool(stored <= wanted)
    if op == "gt":
        return bool(stored > wanted)
    return bool(stored >= wanted)


def _stored(cls: type[Aggregate], aggregate_id: str, row: _Row) -> StoredAggregate:
    columns = {
        name: index_value(row.index.get(name))
        for name in cls.INDEXED
        if name not in ("id", "version")
    }
    return StoredAggregate(cls.KIND, aggregate_id, row.version, row.snapshot, columns)


def _record_sort_key(key: _Key, text: str) -> str | None:
    """The sort key of a stored record: this store keeps none, so it is the one its data
    gives (``None`` when its type keeps none or its data cannot be read)."""
    if not any(r.name == key[0] and r.sort_key is not None for r in record_types()):
        return None
    try:
        return record_sort_key(decode_record(key[0], key[1], text))
    except AggregateCorrupted:
        return None


class MemoryStore(Store):
    """A store in this process's memory.

    Args:
        read_only: refuse every write (:class:`~relationkit.exceptions.ReadOnlyStore`), as
            the database stores do when opened read-only.

    Example:
        >>> from relationkit import MemoryStore, Relations
        >>> rk = Relations(MemoryStore())
    """

    url = "memory://"

    def __init__(self, *, read_only: bool = False) -> None:
        self.read_only = read_only
        self._lock = threading.RLock()
        self._aggregates: dict[_Key, _Row] = {}
        self._by_kind: dict[str, set[_Key]] = {}  # keys of _aggregates per kind, for queries
        self._events: dict[_Key, list[dict[str, Any]]] = {}
        self._records: dict[_Key, str] = {}
        self._record_keys: dict[str, set[_Key]] = {}  # keys of _records per kind
        self._record_sorts: dict[_Key, str | None] = {}  # sort keys of records, as put
        # Equality indexes, each built when first asked for, over the attributes a query
        # compares for equality: (kind, attributes) -> their values -> keys.
        self._values: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], set[_Key]]] = {}

    def _value_index(self, kind: str, names: tuple[str, ...]) -> dict[tuple[Any, ...], set[_Key]]:
        """The keys of ``kind``'s committed aggregates by their values of ``names`` (call
        with the lock held)."""
        index = self._values.get((kind, names))
        if index is None:
            index = {}
            aggregates = self._aggregates
            for key in self._by_kind.get(kind, ()):
                index.setdefault(_values_of(key, aggregates[key], names), set()).add(key)
            self._values[(kind, names)] = index
        return index

    def _reindex(self, key: _Key, old: _Row | None, new: _Row) -> None:
        """Move ``key`` in the built indexes of its kind from ``old``'s values to ``new``'s."""
        for (kind, names), index in self._values.items():
            if kind != key[0]:
                continue
            if old is not None:
                before = _values_of(key, old, names)
                held = index.get(before)
                if held is not None:
                    held.discard(key)
                    if not held:
                        del index[before]
            index.setdefault(_values_of(key, new, names), set()).add(key)

    def unit_of_work(self) -> _MemoryUnitOfWork:
        """A new transaction."""
        return _MemoryUnitOfWork(self)

    # Raw access, for tests that play the part of a corrupting disk -----------------------

    def raw_events(self, kind: str, aggregate_id: str) -> list[dict[str, Any]]:
        """The stored event rows of an aggregate, mutable: for tests of tampering only."""
        return self._events[(kind, aggregate_id)]

    def raw_aggregate(self, kind: str, aggregate_id: str) -> _Row:
        """The stored snapshot row of an aggregate, mutable: for tests of corruption only."""
        return self._aggregates[(kind, aggregate_id)]

    def raw_records(self) -> dict[tuple[str, str], str]:
        """The stored records' JSON texts by ``(kind, id)``, mutable: for tests of
        corruption only."""
        return self._records


class _MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._staged: dict[_Key, tuple[int, _Row, list[dict[str, Any]]]] = {}
        self._staged_records: dict[_Key, str] = {}
        self._staged_sorts: dict[_Key, str | None] = {}
        self._committed = False

    def _writable(self) -> None:
        if self._store.read_only:
            raise ReadOnlyStore(self._store.url)

    def begin_write(self) -> None:
        self._writable()

    def _row(self, key: _Key) -> _Row | None:
        staged = self._staged.get(key)
        if staged is not None:
            return staged[1]
        return self._store._aggregates.get(key)

    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        if not can_hold(aggregate_id):
            return None
        row = self._row((cls.KIND, aggregate_id))
        return None if row is None else row.aggregate(cls, aggregate_id)

    def events(self, cls: type[A], aggregate_id: str) -> list[Event]:
        if not can_hold(aggregate_id):
            return []
        key = (cls.KIND, aggregate_id)
        rows = list(self._store._events.get(key, ()))
        staged = self._staged.get(key)
        if staged is not None:
            rows.extend(staged[2])
        return [decode_event(cls.KIND, **row) for row in rows]

    def append(self, aggregate: A, events: Sequence[Event]) -> None:
        if not events:
            return
        self._writable()
        key = (aggregate.KIND, aggregate.id)
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
        current = self._row(key)
        held = 0 if current is None else current.version
        if current is not None and held != expected:
            # Versions only grow, and a writer changes the row and the snapshot together.
            saved = current.saved_version()
            if type(held) is not int or held < expected or saved not in (None, held):
                truth = expected if saved is None else saved
                raise ColumnOutOfStep(aggregate.KIND, aggregate.id, "version", held, truth)
        if held != expected:
            raise ConcurrencyError(aggregate.KIND, aggregate.id, expected, held)
        kept = copier(type(aggregate))(aggregate)  # the caller may go on changing theirs
        row = _Row(aggregate.version, None, aggregate.index_values(), kept)
        first_expected, _, previous_rows = self._staged.get(key, (expected, row, []))
        self._staged[key] = (
            first_expected,
            row,
            previous_rows + [_event_row(e) for e in events],
        )

    def _keys(self, kind: str) -> list[_Key]:
        keys = set(self._store._by_kind.get(kind, ()))
        keys |= {k for k in self._staged if k[0] == kind}
        return sorted(keys)

    def _matching(self, cls: type[A], where: dict[str, Any]) -> list[tuple[_Key, _Row]]:
        """The aggregates of ``cls`` that pass ``where``, in id order.

        Committed aggregates are found through the equality index of the ``eq``/``in``
        lookups and checked one by one only against the others; the aggregates this unit
        of work staged are checked against every lookup.
        """
        kind = cls.KIND
        tests = _prepared(lookups(cls, where))
        staged = [k for k in self._staged if k[0] == kind]
        parts, rest = self._committed_matching(kind, tests)
        committed = set().union(*parts)
        if staged:
            committed.difference_update(staged)
        found = []
        aggregates = self._store._aggregates
        for key in committed:
            row = aggregates[key]
            if all(_compare(_indexed(key, row, name), op, value) for name, op, value in rest):
                found.append((key, row))
        for key in staged:
            row = self._staged[key][1]
            if all(_compare(_indexed(key, row, name), op, value) for name, op, value in tests):
                found.append((key, row))
        found.sort(key=_by_key)
        return found

    def _committed_matching(
        self, kind: str, tests: list[tuple[str, str, Any]], *, copy: bool = True
    ) -> tuple[list[set[_Key]], list[tuple[str, str, Any]]]:
        """The committed keys of ``kind`` that pass the lookups an equality index answers,
        as disjoint sets, and the lookups left to check row by row. With ``copy=False``
        the sets may be the index's own, to be counted and not kept."""
        store = self._store
        names: list[str] = []
        choices: list[Any] = []
        rest = []
        combinations = 1
        for test in tests:
            name, op, wanted = test
            values = wanted if op == "in" else (wanted,)
            if (
                op not in ("eq", "in")
                or name in names
                or combinations * len(values) > _MAX_COMBINATIONS
                or any(v.__hash__ is None for v in values)
            ):
                rest.append(test)
                continue
            names.append(name)
            choices.append(values)
            combinations *= len(values)
        with store._lock:
            if not names:
                return [set(store._by_kind.get(kind, ()))], rest
            if names == ["id"]:
                held = store._aggregates
                return [{(kind, v) for v in choices[0] if (kind, v) in held}], rest
            index = store._value_index(kind, tuple(names))
            parts = [index[c] for c in itertools.product(*choices) if c in index]
            return ([set(p) for p in parts] if copy or rest else parts), rest

    def _ordered(
        self, cls: type[A], order_by: str | None, limit: int | None, where: dict[str, Any]
    ) -> list[tuple[_Key, _Row]]:
        check_limit(limit)
        rows = self._matching(cls, where)
        if order_by is not None:
            name, _ = split_lookup(cls, order_by.lstrip("-"))
            rows.sort(
                key=lambda kr: _sort_key(_indexed(kr[0], kr[1], name)),
                reverse=order_by.startswith("-"),
            )
        return rows if limit is None else rows[:limit]

    def values(
        self,
        cls: type[A],
        *attributes: str,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[tuple[Any, ...]]:
        names = check_attributes(cls, attributes)
        return [
            tuple(
                key[1]
                if name == "id"
                else row.version
                if name == "version"
                else attribute_value(row.index.get(name))
                for name in names
            )
            for key, row in self._ordered(cls, order_by, limit, where)
        ]

    def select(
        self,
        cls: type[A],
        *,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[A]:
        found: list[A] = []
        for key, row in self._ordered(cls, order_by, limit, where):
            try:
                found.append(row.aggregate(cls, key[1]))
            except AggregateCorrupted as error:
                self.skip_unreadable(error)
        return found

    def count(self, cls: type[A], **where: Any) -> int:
        kind = cls.KIND
        if any(k[0] == kind for k in self._staged):
            return len(self._matching(cls, where))
        tests = _prepared(lookups(cls, where))
        parts, rest = self._committed_matching(kind, tests, copy=False)
        if not rest:
            return sum(len(part) for part in parts)
        aggregates = self._store._aggregates
        return sum(
            1
            for part in parts
            for key in part
            if all(
                _compare(_indexed(key, aggregates[key], name), op, value)
                for name, op, value in rest
            )
        )

    def ids(self, cls: type[A]) -> list[str]:
        return [key[1] for key in self._keys(cls.KIND)]

    # --- what is stored, as stored -----------------------------------------------------------

    def stored_aggregate(self, cls: type[A], aggregate_id: str) -> StoredAggregate | None:
        row = self._row((cls.KIND, aggregate_id))
        return None if row is None else _stored(cls, aggregate_id, row)

    def stored_aggregates(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[StoredAggregate]:
        page_size(limit)
        found: list[StoredAggregate] = []
        for key in self._keys(cls.KIND):
            row = self._row(key)
            if row is not None and (after is None or key[1] > after):
                found.append(_stored(cls, key[1], row))
                if len(found) == limit:
                    break
        return found

    def timelines_without_row(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        page_size(limit)
        kind = cls.KIND
        with self._store._lock:
            ids = sorted(
                key[1]
                for key, rows in self._store._events.items()
                if key[0] == kind and rows and self._row(key) is None
            )
        return [i for i in ids if after is None or i > after][:limit]

    def stored_records(
        self, *, after: tuple[str, str] | None = None, limit: int = 500
    ) -> list[StoredRecord]:
        page_size(limit)
        merged = dict(self._store._records)
        merged.update(self._staged_records)
        keys = sorted(k for k in merged if after is None or k > after)[:limit]
        return [StoredRecord(k[0], k[1], merged[k], _record_sort_key(k, merged[k])) for k in keys]

    def rewrite_columns(self, cls: type[A], aggregate_id: str) -> StoredAggregate:
        self._writable()
        key = (cls.KIND, aggregate_id)
        row = self._row(key)
        if row is None:
            raise NotFound(cls.KIND, aggregate_id)
        aggregate = row.aggregate(cls, aggregate_id)
        repaired = _Row(aggregate.version, row.snapshot, aggregate.index_values(), aggregate)
        expected, _, event_rows = self._staged.get(key, (row.version, row, []))
        self._staged[key] = (expected, repaired, event_rows)
        return _stored(cls, aggregate_id, row)

    # --- records ------------------------------------------------------------------------------

    def put(self, record: Any) -> None:
        self._writable()
        kind, record_id, text, new = record_row(record)
        key = (kind, record_id)
        if record_type(record).keep_latest:  # only a later one replaces it
            old = self._sort_of(key)
            if old is not None and new is not None and old > new:
                return
        self._staged_records[key] = text
        self._staged_sorts[key] = new

    def _sort_of(self, key: _Key) -> str | None:
        """The sort key of the record stored (or staged) under ``key``, if any."""
        if key in self._staged_sorts:
            return self._staged_sorts[key]
        store = self._store
        text = store._records.get(key)
        if text is None:
            return None
        if key not in store._record_sorts:  # written to by a test, say: read it
            return _record_sort_key(key, text)
        return store._record_sorts[key]

    def last_record(self, cls: type[R]) -> R | None:
        kind = sort_keyed(cls).name
        keys = set(self._store._record_keys.get(kind, ()))
        keys.update(k for k in self._staged_records if k[0] == kind)
        keyed = [(sort, key) for key in keys if (sort := self._sort_of(key)) is not None]
        if not keyed:
            return None
        _, key = max(keyed)
        text = self._staged_records.get(key)
        if text is None:
            text = self._store._records[key]
        found = decode_record(kind, key[1], text)
        return found if isinstance(found, cls) else None

    def find_record(self, cls: type[R], record_id: str) -> R | None:
        kind = record_type(cls).name
        if not can_hold(record_id):
            return None
        text = self._staged_records.get((kind, record_id))
        if text is None:
            text = self._store._records.get((kind, record_id))
        if text is None:
            return None
        found = decode_record(kind, record_id, text)
        return found if isinstance(found, cls) else None

    def records(self, cls: type[R]) -> list[R]:
        kind = record_type(cls).name
        stored = self._store._records
        merged = {k: stored[k] for k in self._store._record_keys.get(kind, ()) if k in stored}
        merged.update({k: v for k, v in self._staged_records.items() if k[0] == kind})
        rows = [(k[1], merged[k]) for k in sorted(merged)]
        found = decode_records(kind, rows, self.skip_unreadable)
        return [r for r in found if isinstance(r, cls)]

    def commit(self) -> None:
        store = self._store
        with store._lock:
            for key, (expected, _, _) in self._staged.items():
                row = store._aggregates.get(key)
                held = 0 if row is None else row.version
                if held != expected:
                    self.rollback()
                    raise ConcurrencyError(key[0], key[1], expected, held)
            for key, (_, row, event_rows) in self._staged.items():
                if store._values:
                    store._reindex(key, store._aggregates.get(key), row)
                store._aggregates[key] = row
                store._by_kind.setdefault(key[0], set()).add(key)
                store._events.setdefault(key, []).extend(event_rows)
            store._records.update(self._staged_records)
            store._record_sorts.update(self._staged_sorts)
            for key in self._staged_records:
                store._record_keys.setdefault(key[0], set()).add(key)
        self._staged = {}
        self._staged_records = {}
        self._staged_sorts = {}
        self._committed = True

    def rollback(self) -> None:
        self._staged = {}
        self._staged_records = {}
        self._staged_sorts = {}
