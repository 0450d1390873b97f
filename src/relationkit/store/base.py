"""The storage interface every backend implements: :class:`Store` and :class:`UnitOfWork`.

A unit of work is one transaction. Read what a command needs, :meth:`UnitOfWork.append` its
events with the aggregate's new state, and :meth:`UnitOfWork.commit`: either all of it is
stored or nothing is. Leaving the ``with`` block without committing rolls back.

Every aggregate carries a version (the number of events on its timeline). Appending checks
that the stored version is still the one the command started from; if another writer got
there first, :class:`~relationkit.exceptions.ConcurrencyError` is raised and nothing is
stored.

Example:
    >>> from relationkit.store.memory import MemoryStore
    >>> from relationkit.domain.parties import Client
    >>> store = MemoryStore()
    >>> with store.unit_of_work() as uow:
    ...     uow.put(Client(id="c-1", name="Alice"))
    ...     uow.commit()
    >>> with store.unit_of_work() as uow:
    ...     uow.get_record(Client, "c-1").name
    'Alice'
"""

from __future__ import annotations

import abc
import re
import warnings
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote_plus

import attrs

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.events import Event
from relationkit.domain.parties import Party, Staff
from relationkit.exceptions import AggregateCorrupted, InvalidInput, NotFound, UnreadableSkipped
from relationkit.store.codec import attribute_value, check_attributes

__all__ = [
    "SECRET_PARAMETERS",
    "ReadOnlyView",
    "Store",
    "StoredAggregate",
    "StoredRecord",
    "UnitOfWork",
    "page_size",
    "redact",
]

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")


SECRET_PARAMETERS = ("password", "sslpassword")
"""URL parameters whose value is a secret (libpq's ``password`` and ``sslpassword``);
:func:`redact` hides them, and any other parameter whose name ends in ``password``."""

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _secret_parameter(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in SECRET_PARAMETERS or name.endswith("password")


def redact(url: str) -> str:
    """``url`` with every password replaced by ``***``, for messages, logs and
    ``store.url``: the one in the user information (``user:password@``) and the values of
    query parameters that hold one (``?password=…``, ``&sslpassword=…``; see
    :data:`SECRET_PARAMETERS`).

    Example:
        >>> redact("postgresql://ana:secret@db.example:5432/care")
        'postgresql://ana:***@db.example:5432/care'
        >>> redact("postgresql://ana@db.example/care?sslmode=require&password=secret")
        'postgresql://ana@db.example/care?sslmode=require&password=***'
    """
    match = _SCHEME.match(url)
    if match is not None:
        start = match.end()
        end = len(url)
        for stop in "/?#":
            found = url.find(stop, start)
            if found != -1:
                end = min(end, found)
        authority = url[start:end]
        at = authority.rfind("@")  # a password may hold an "@" of its own
        colon = authority.find(":", 0, at)
        if at != -1 and colon != -1:
            url = f"{url[: start + colon]}:***{url[start + at :]}"
    query = url.find("?")
    if query == -1:
        return url
    fragment = url.find("#", query)
    end = len(url) if fragment == -1 else fragment
    pairs = []
    for pair in url[query + 1 : end].split("&"):
        name, equals, _ = pair.partition("=")
        pairs.append(f"{name}=***" if equals and _secret_parameter(name) else pair)
    return f"{url[: query + 1]}{'&'.join(pairs)}{url[end:]}"


@attrs.frozen
class StoredAggregate:
    """One aggregate as its store holds it, column by column and not decoded: what
    verification compares with the snapshot, and what a repair rewrites.

    Attributes:
        kind: the aggregate's kind.
        id: its id.
        version: the version column as stored: a whole number when all is well (SQLite
            keeps whatever was written there, text included).
        snapshot: the snapshot as stored (JSON text).
        columns: the column of each indexed attribute (``INDEXED``, but for ``id`` and
            ``version``) as stored: times as UTC text, booleans as the database gives them
            back (SQLite: 0 or 1).
    """

    kind: str
    id: str
    version: Any
    snapshot: Any
    columns: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class StoredRecord:
    """One plain record (party, staff member, policy …) as its store holds it, not decoded.

    Attributes:
        kind: the record's kind (``"party"``, ``"staff"`` …).
        id: the id it is stored under.
        data: its JSON text, as stored.
        sort_key: the sort key stored beside it (``None`` when its type keeps none); a
            store without such a column gives the key the record's data yields.
    """

    kind: str
    id: str
    data: Any
    sort_key: str | None


def page_size(limit: Any) -> int:
    """``limit`` checked to be a page size: a whole number of at least 1.

    Raises:
        InvalidInput: it is not.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(
            f"refused: limit={limit!r}; a page holds at least one row; pass a whole number "
            "of 1 or more.",
            field="limit",
        )
    return limit


def _record_id(record: Any) -> str:
    from relationkit.store.codec import record_type

    return record_type(record).key(record)


class UnitOfWork(abc.ABC):
    """One transaction against a store. Use it as a context manager.

    A list query (:meth:`select`, :meth:`claim`, :meth:`records`, :meth:`records_between`)
    returns what it can read: a stored aggregate or record whose data is corrupt is left
    out, given as an :class:`~relationkit.exceptions.UnreadableSkipped` warning and kept in
    :attr:`unreadable`. Reading one by its id (:meth:`find`, :meth:`get`,
    :meth:`find_record`) raises :class:`~relationkit.exceptions.AggregateCorrupted`.
    """

    _committed: bool = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.rollback()
        self.close()

    @property
    def unreadable(self) -> list[AggregateCorrupted]:
        """What list queries of this unit of work left out because its stored data cannot
        be read, in the order they met it (one error per row and query)."""
        found: list[AggregateCorrupted] | None = self.__dict__.get("_unreadable")
        if found is None:
            found = self.__dict__["_unreadable"] = []
        return found

    def skip_unreadable(self, error: AggregateCorrupted) -> None:
        """Leave a row a list query cannot read out of its results: keep ``error`` in
        :attr:`unreadable` and give it as an
        :class:`~relationkit.exceptions.UnreadableSkipped` warning (backends call this)."""
        self.unreadable.append(error)
        warnings.warn(UnreadableSkipped(error), stacklevel=3)

    # --- aggregates ---------------------------------------------------------------------

    @abc.abstractmethod
    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        """The stored aggregate, or ``None``."""

    def get(self, cls: type[A], aggregate_id: str) -> A:
        """The stored aggregate; :class:`NotFound` if there is none."""
        found = self.find(cls, aggregate_id)
        if found is None:
            raise NotFound(cls.KIND, aggregate_id)
        return found

    def get_for_update(self, cls: type[A], aggregate_id: str) -> A:
        """:meth:`get`, for a command about to change the aggregate: a store that can lock
        one row (PostgreSQL) locks it until this unit of work ends, so that commands on one
        busy aggregate take turns instead of all but one failing with
        :class:`~relationkit.exceptions.ConcurrencyError` at the end. The others return
        :meth:`get` (SQLite's writers already take turns on its write lock; the in-memory
        store checks versions at commit)."""
        return self.get(cls, aggregate_id)

    @abc.abstractmethod
    def events(self, cls: type[A], aggregate_id: str) -> list[Event]:
        """The aggregate's timeline, oldest first (empty if it does not exist)."""

    @abc.abstractmethod
    def append(self, aggregate: A, events: Sequence[Event]) -> None:
        """Stage ``events`` and the aggregate's new state.

        The aggregate must have been read at version ``aggregate.version - len(events)``
        (0 for a new one); if the store holds another version,
        :class:`~relationkit.exceptions.ConcurrencyError` is raised, now or at commit.
        """

    @abc.abstractmethod
    def select(
        self,
        cls: type[A],
        *,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[A]:
        """Aggregates matching ``where``, using only indexed attributes (``cls.INDEXED``).

        A key is an attribute name (equality) or ``name__op`` with ``op`` one of ``lt``,
        ``le``, ``gt``, ``ge``, ``ne``, ``in``: ``select(Promise, state="made",
        due_at__lt=now)``. ``None`` matches a missing value. ``order_by`` names an indexed
        attribute (prefix ``-`` for descending); results are otherwise ordered by id.
        """

    @abc.abstractmethod
    def count(self, cls: type[A], **where: Any) -> int:
        """How many aggregates :meth:`select` would return for ``where``."""

    def values(
        self,
        cls: type[A],
        *attributes: str,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[tuple[Any, ...]]:
        """The named indexed attributes of the aggregates :meth:`select` would return, one
        tuple per aggregate, in the same order: a list view that reads the index columns
        and never decodes a snapshot, so it costs a fraction of :meth:`select`.

        ``attributes`` are ``"id"``, ``"version"`` or names in ``cls.INDEXED``; times come
        back as UTC :class:`pendulum.DateTime`. ``values(Case, "id", "state",
        client_id="c-ana")`` → ``[("case-1", "open"), …]``. This default reads through
        :meth:`select`; the built-in stores read the columns.

        Raises:
            InvalidInput: no attribute is named, or one is not indexed.
        """
        names = check_attributes(cls, attributes)
        return [
            tuple(attribute_value(getattr(a, n)) for n in names)
            for a in self.select(cls, order_by=order_by, limit=limit, **where)
        ]

    def claim(
        self, cls: type[A], *, limit: int = 100, order_by: str | None = None, **where: Any
    ) -> list[A]:
        """Like :meth:`select`, for sweeps run by several workers at once: a backend that
        can lock rows (PostgreSQL) locks the returned aggregates until this unit of work
        ends and skips rows other workers hold, so no two workers get the same one; SQLite
        takes the database's write lock, so claiming workers take turns."""
        return self.select(cls, limit=limit, order_by=order_by, **where)

    @abc.abstractmethod
    def ids(self, cls: type[A]) -> list[str]:
        """The ids of every stored aggregate of ``cls``, sorted."""

    # --- plain records (parties, staff, policies …) -------------------------------------------

    @abc.abstractmethod
    def put(self, record: Any) -> None:
        """Stage a record (insert or replace)."""

    @abc.abstractmethod
    def find_record(self, cls: type[R], record_id: str) -> R | None:
        """The stored record of ``cls`` (or a subclass) with that id, or ``None``."""

    def get_record(self, cls: type[R], record_id: str) -> R:
        """The stored record; :class:`NotFound` if there is none."""
        found = self.find_record(cls, record_id)
        if found is None:
            raise NotFound(getattr(cls, "__name__", "record").lower(), record_id)
        return found

    def find_first_record(self, classes: Sequence[type], record_id: str) -> Any | None:
        """The record with that id of the first of ``classes`` that has one, or ``None``
        (a command's actor is a staff member or a party). Stores that can look them all up
        at once do (the SQL stores, in one query)."""
        for cls in classes:
            found = self.find_record(cls, record_id)
            if found is not None:
                return found
        return None

    @abc.abstractmethod
    def records(self, cls: type[R]) -> list[R]:
        """Every stored record of ``cls``, by id."""

    def records_between(
        self, cls: type[R], start: str | None = None, stop: str | None = None
    ) -> list[R]:
        """Records of ``cls`` whose sort key (``sort_key`` of its
        :class:`~relationkit.store.codec.RecordType`) is at least ``start`` and below
        ``stop`` (either end open when ``None``), by sort key then id. The SQL stores read
        an index; this default filters :meth:`records`.

        Raises:
            InvalidInput: records of ``cls`` keep no sort key.
        """
        from relationkit.store.codec import check_sort_keys, record_sort_key, sort_keyed

        sort_keyed(cls)
        check_sort_keys(start, stop)
        found = [(record_sort_key(r), _record_id(r), r) for r in self.records(cls)]
        return [
            r
            for key, _, r in sorted(found, key=lambda f: (f[0] or "", f[1]))
            if key is not None and (start is None or key >= start) and (stop is None or key < stop)
        ]

    def last_record(self, cls: type[R]) -> R | None:
        """The record of ``cls`` with the greatest sort key (the latest version of the
        written policy, say), or ``None`` if none has one: one row read, however many
        there are. This default reads :meth:`records_between`.

        Raises:
            InvalidInput: records of ``cls`` keep no sort key.
            AggregateCorrupted: that record cannot be read.
        """
        before = len(self.unreadable)
        found = self.records_between(cls)
        for error in self.unreadable[before:]:
            raise error
        return found[-1] if found else None

    # --- what is stored, as stored: verification and repair (optional) ---------------------

    def stored_aggregate(self, cls: type[A], aggregate_id: str) -> StoredAggregate | None:
        """The aggregate's row as stored, column by column, or ``None`` if there is none.

        Optional, like the other ``stored_*`` methods: a store that cannot show its rows
        raises :class:`NotImplementedError`, and verification then checks timelines and
        snapshots without comparing columns.
        """
        raise NotImplementedError(f"{type(self).__name__} does not show its stored rows")

    def column_values(self, aggregate: Aggregate) -> dict[str, Any]:
        """What this store keeps in the version and indexed columns of ``aggregate``, as its
        database gives it back: what :meth:`stored_aggregate` shows in ``version`` and
        ``columns`` when the row is in step with the snapshot. A SQL store asks its
        database how it stores a value of another type than the column's (a property
        whose type the schema does not know gets a text column)."""
        from relationkit.store.codec import index_value

        values: dict[str, Any] = {"version": aggregate.version}
        for name in aggregate.INDEXED:
            if name not in ("id", "version"):
                values[name] = index_value(getattr(aggregate, name))
        return values

    def stored_aggregates(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[StoredAggregate]:
        """Up to ``limit`` stored rows of ``cls`` whose id sorts after ``after`` (from the
        first when ``None``), by id: a page at a time, so that checking a million
        aggregates never holds them all. Pass the last id of a page to get the next one; an
        empty page is the end.

        Raises:
            InvalidInput: ``limit`` is not a whole number of at least 1.
        """
        raise NotImplementedError(f"{type(self).__name__} does not show its stored rows")

    def timelines_without_row(
        self, cls: type[A], *, after: str | None = None, limit: int = 500
    ) -> list[str]:
        """Up to ``limit`` ids, sorted, after ``after``, of aggregates of ``cls`` that have
        events stored but no row (their snapshot and columns were deleted behind
        relationkit's back): a page at a time, as :meth:`stored_aggregates` gives rows.

        Raises:
            InvalidInput: ``limit`` is not a whole number of at least 1.
        """
        raise NotImplementedError(f"{type(self).__name__} does not show its stored rows")

    def stored_records(
        self, *, after: tuple[str, str] | None = None, limit: int = 500
    ) -> list[StoredRecord]:
        """Up to ``limit`` stored records of every kind, by kind then id, after the
        ``(kind, id)`` given (from the first when ``None``): a page at a time.

        Raises:
            InvalidInput: ``limit`` is not a whole number of at least 1.
        """
        raise NotImplementedError(f"{type(self).__name__} does not show its stored rows")

    def rewrite_columns(self, cls: type[A], aggregate_id: str) -> StoredAggregate:
        """Rewrite the aggregate's version and indexed columns from its own snapshot,
        leaving the snapshot and the timeline as they are: the repair of columns that went
        out of step with the snapshot. Check the snapshot against the timeline first
        (:meth:`Relations.repair_columns
        <relationkit.app.relations.Relations.repair_columns>` does); commit to keep it.

        Returns:
            The row as it was before.

        Raises:
            NotFound: there is no such aggregate.
            AggregateCorrupted: its snapshot cannot be read, so nothing can be derived.
            ConcurrencyError: its snapshot changed while the columns were rewritten.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot rewrite its columns")

    # --- transaction ----------------------------------------------------------------------

    def begin_write(self) -> None:  # noqa: B027 - optional hook
        """Say that this unit of work will write: a store may take its write lock now rather
        than at the first write (SQLite begins with ``BEGIN IMMEDIATE``), so what it reads
        cannot change before it writes. Doing nothing is correct too: writes check
        versions."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Store everything staged, atomically."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget everything staged."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (a connection); called when the ``with`` block ends."""

    def read_only(self) -> ReadOnlyView:
        """A read-only view of this unit of work: what rules and health signals are given
        (a :class:`~relationkit.typing.Directory`)."""
        return ReadOnlyView(self)


class ReadOnlyView:
    """Read access to a unit of work and nothing else: the
    :class:`~relationkit.typing.Directory` rules and health signals read through. It is
    valid while its unit of work is open."""

    __slots__ = ("_uow",)

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def find_party(self, party_id: str) -> Party | None:
        """The party with that id, or ``None``."""
        return self._uow.find_record(Party, party_id)

    def find_staff(self, staff_id: str) -> Staff | None:
        """The staff member with that id, or ``None``."""
        return self._uow.find_record(Staff, staff_id)

    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        """A stored aggregate, or ``None``."""
        return self._uow.find(cls, aggregate_id)

    def select(self, cls: type[A], **where: Any) -> list[A]:
        """Stored aggregates matching ``where`` (see :meth:`UnitOfWork.select`)."""
        return self._uow.select(cls, **where)

    def count(self, cls: type[A], **where: Any) -> int:
        """How many stored aggregates match ``where``."""
        return self._uow.count(cls, **where)

    def values(self, cls: type[A], *attributes: str, **where: Any) -> list[tuple[Any, ...]]:
        """Indexed attributes of the matching aggregates (see :meth:`UnitOfWork.values`)."""
        return self._uow.values(cls, *attributes, **where)

    def find_record(self, cls: type[R], record_id: str) -> R | None:
        """A stored record (party, staff, policy …), or ``None``."""
        return self._uow.find_record(cls, record_id)

    def records(self, cls: type[R]) -> list[R]:
        """Every stored record of ``cls``."""
        return self._uow.records(cls)


class Store(abc.ABC):
    """Where aggregates, their timelines and records live.

    Attributes:
        url: where it is (without password).
        read_only: true for a store opened read-only (``read_only=True``,
            :func:`~relationkit.store.url.open_store`): it creates no schema, migrates
            nothing, upgrades no table and writes nothing (a write raises
            :class:`~relationkit.exceptions.ReadOnlyStore`); a database without this
            relationkit's schema, or with an older one, is refused when opened
            (:class:`~relationkit.exceptions.MigrationNeeded`). What reading commands
            (``relationkit verify``, ``report``, ``due``) open.
    """

    url: str = ""
    read_only: bool = False

    @abc.abstractmethod
    def unit_of_work(self) -> UnitOfWork:
        """A new transaction."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the store's resources."""

    def integrity_check(self) -> list[str]:
        """What the database's own consistency check finds wrong with its files, one line
        each (SQLite: ``PRAGMA quick_check``); empty when it finds nothing, or when the
        store has no such check (the memory and PostgreSQL stores). It reads the whole
        database once."""
        return []

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
