"""How aggregates, events and records become JSON text for storage, and back, and what
every backend accepts.

Every backend stores the same JSON, produced by :data:`relationkit.serialization.converter`.
Decoding failures become :class:`~relationkit.exceptions.AggregateCorrupted` naming the
stored thing, so one bad row never hides the others.

Every backend also accepts and refuses the same things, checked here before any of it
reaches a database (so that a caller's mistake is an
:class:`~relationkit.exceptions.InvalidInput` naming what was wrong, on every backend,
never a driver error):

* ids follow :func:`~relationkit.domain.values.ident` (at most
  :data:`~relationkit.domain.values.MAX_ID_LENGTH` characters, no white space around them,
  no NUL, no lone surrogate): :func:`check_id` refuses a write under another, and a read by
  another finds nothing (:func:`can_hold`);
* an indexed value that is text holds at most :data:`MAX_INDEXED_TEXT` characters, a whole
  number fits in 64 bits, a number is finite: :func:`check_indexed`;
* a lookup's value is one of those scalars (or a time), and ``__in`` takes at most
  :data:`MAX_IN_VALUES` of them: :func:`lookups`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import cattrs
import pendulum

from relationkit._gc import collector_paused
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.equality import Entitlement
from relationkit.domain.events import Event
from relationkit.domain.health import Contact
from relationkit.domain.offering import Offering
from relationkit.domain.parties import Party, Staff, party_kinds
from relationkit.domain.policy import Acknowledgement, Policy, PolicyLapseFlag
from relationkit.domain.service_levels import ServiceLevelPolicy
from relationkit.domain.values import check_storable, ident
from relationkit.exceptions import AggregateCorrupted, InvalidInput
from relationkit.serialization import converter, is_immutable, make_decoder, make_encoder

__all__ = [
    "BUILTIN_RECORD_TYPES",
    "LOOKUPS",
    "MAX_INDEXED_TEXT",
    "MAX_IN_VALUES",
    "RecordType",
    "can_hold",
    "attribute_hints",
    "attribute_value",
    "check_attributes",
    "check_id",
    "check_indexed",
    "check_limit",
    "check_sort_keys",
    "column_readers",
    "decode_aggregate",
    "decode_aggregates",
    "decode_event",
    "decode_record",
    "decode_records",
    "decoder",
    "encode_aggregate",
    "encode_event",
    "encode_record",
    "encoder",
    "index_value",
    "lookups",
    "record_row",
    "record_sort_key",
    "record_type",
    "record_types",
    "register_record_type",
    "snapshot_version",
    "sort_keyed",
    "split_lookup",
    "upgrade_snapshot_text",
]

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

_DECODE_ERRORS = (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError)


_UTC = _dt.UTC

LOOKUPS = ("lt", "le", "gt", "ge", "ne", "in")
"""The comparison suffixes :meth:`UnitOfWork.select` understands (``due_at__lt``)."""


def index_value(value: Any) -> Any:
    """An indexed attribute's value as stored in an index column: times become fixed-width
    UTC text (so text order is time order), everything else stays as it is."""
    if isinstance(value, pendulum.DateTime) and value.tzinfo is not None:
        # The instant through a plain datetime: the standard library converts it to UTC
        # and writes it as text many times faster than pendulum's formatter would.
        plain = _dt.datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
        )
        return plain.astimezone(_UTC).replace(tzinfo=None).isoformat("T", "microseconds") + "Z"
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSSSSS") + "Z"
    if isinstance(value, _dt.datetime):
        return index_value(pendulum.instance(value))
    return value


def attribute_hints(cls: type[Aggregate]) -> dict[str, Any]:
    """The declared type of each indexed attribute of ``cls`` (a property's by its return
    annotation; ``str`` where none is declared)."""
    found = _HINTS.get(cls)
    if found is not None:
        return found
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - unresolvable annotations
        hints = {}
    found = {}
    for name in cls.INDEXED:
        hint = hints.get(name)
        if hint is None:
            made = getattr(cls, name, None)
            if isinstance(made, property) and made.fget is not None:
                try:
                    hint = typing.get_type_hints(made.fget).get("return")
                except (NameError, TypeError):  # pragma: no cover
                    hint = None
        found[name] = str if hint is None else hint
    _HINTS[cls] = found
    return found


_HINTS: dict[type, dict[str, Any]] = {}


def _plain_hint(hint: Any) -> Any:
    """``X | None`` → ``X``; any other union → ``str`` (kept as text)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _plain_hint(args[0]) if len(args) == 1 else str
    return hint


def check_attributes(cls: type[Aggregate], attributes: Sequence[object]) -> tuple[str, ...]:
    """``attributes`` checked to name what :meth:`UnitOfWork.values
    <relationkit.store.base.UnitOfWork.values>` can read: ``"id"``, ``"version"`` or an
    indexed attribute of ``cls``.

    Raises:
        InvalidInput: none is named, or one is not text or not indexed.
    """
    if not attributes:
        raise InvalidInput(
            f"refused: reading no attribute of {cls.KIND} aggregates; name the indexed "
            f"attributes to read, such as values({cls.__name__}, 'id', 'state').",
            field="attributes",
        )
    for name in attributes:
        if not isinstance(name, str) or (name not in ("id", "version") and name not in cls.INDEXED):
            kept = ", ".join(("id", "version", *cls.INDEXED))
            raise InvalidInput(
                f"refused: reading {name!r:.60} of {cls.KIND} aggregates from their columns; "
                f"only these are kept in columns: {kept}; name one of them, or read whole "
                "aggregates with select().",
                field="attributes",
            )
    return typing.cast(tuple[str, ...], tuple(attributes))


def attribute_value(value: Any) -> Any:
    """An indexed attribute's value as :meth:`UnitOfWork.values
    <relationkit.store.base.UnitOfWork.values>` gives it: a time in UTC, anything else as
    it is."""
    if isinstance(value, pendulum.DateTime):
        return value if value.tzinfo is _PENDULUM_UTC else value.in_timezone("UTC")
    if isinstance(value, _dt.datetime):
        return pendulum.instance(value).in_timezone("UTC")
    return value


_PENDULUM_UTC = pendulum.UTC


def _time_from_column(text: Any) -> pendulum.DateTime:
    if not isinstance(text, str) or len(text) != 27 or text[-1] != "Z":
        raise ValueError(f"{text!r:.60} is not a stored time")
    plain = _dt.datetime.fromisoformat(text[:-1])
    return pendulum.DateTime(
        plain.year,
        plain.month,
        plain.day,
        plain.hour,
        plain.minute,
        plain.second,
        plain.microsecond,
        tzinfo=_PENDULUM_UTC,
    )


def _bool_from_column(value: Any) -> bool:
    if value in (True, 1, "1", "true", "t"):
        return True
    if value in (False, 0, "0", "false", "f"):
        return False
    raise ValueError(f"{value!r:.60} is not a stored boolean")


def _checked(kind: type) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
            raise ValueError(f"{value!r:.60} is not a stored {kind.__name__}")
        return value

    return read


def column_readers(
    cls: type[Aggregate], attributes: Sequence[str]
) -> tuple[Callable[[Any], Any], ...]:
    """For each of ``attributes`` (see :func:`check_attributes`), how to turn what its
    column holds into the value :meth:`UnitOfWork.values
    <relationkit.store.base.UnitOfWork.values>` gives (``None`` stays ``None``); each
    raises ``ValueError`` on a value the column should not hold."""
    hints = attribute_hints(cls)
    readers: list[Callable[[Any], Any]] = []
    for name in attributes:
        hint = int if name == "version" else _plain_hint(hints.get(name, str))
        if isinstance(hint, type) and issubclass(hint, _dt.datetime):
            read: Callable[[Any], Any] = _time_from_column
        elif hint is bool:
            read = _bool_from_column
        elif hint in (int, float):
            read = _checked(hint)
        else:
            read = _checked(str)
        readers.append(read)
    return tuple(_or_none(read) for read in readers)


def _or_none(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def or_none(value: Any) -> Any:
        return None if value is None else read(value)

    return or_none


def split_lookup(cls: type[Aggregate], key: str) -> tuple[str, str]:
    """``"due_at__lt"`` → ``("due_at", "lt")``, refusing attributes that are not indexed
    (the id always is: ``id__gt`` pages through aggregates in id order)."""
    name, _, op = key.partition("__")
    op = op or "eq"
    if (name != "id" and name not in cls.INDEXED) or (op != "eq" and op not in LOOKUPS):
        raise InvalidInput(
            f"refused: querying {cls.KIND} by {key!r}; only the id and indexed attributes "
            f"({', '.join(cls.INDEXED)}) with the lookups {', '.join(LOOKUPS)} can be queried "
            "without loading everything; use one of those.",
            field=key,
        )
    return name, op


MAX_IN_VALUES = 1000
"""The most values one ``__in`` lookup takes (a longer list is refused: split it, or ask by
another indexed attribute)."""

MAX_INDEXED_TEXT = 500
"""The longest text an indexed attribute (or a record's sort key) may hold, in characters:
an index entry must fit in a database page (PostgreSQL's B-tree takes some 2700 bytes)."""

_INT64 = (-(2**63), 2**63 - 1)
_SCALARS = (str, int, float, bool, _dt.datetime, type(None))


def check_id(value: object, field: str = "id") -> str:
    """``value`` if a store can keep it as an id (see
    :func:`~relationkit.domain.values.ident`), else :class:`InvalidInput` naming ``field``:
    what every store checks before it writes under an id."""
    return ident(value, field)


def can_hold(value: object) -> bool:
    """Whether anything can be stored under the id ``value``: what every store checks
    before it reads by an id. Text that is no id (``" c-ana "``, ten million characters)
    holds nothing, so a lookup finds nothing, on every backend, without asking the
    database; a value that is not text is a mistake, refused with :class:`InvalidInput`."""
    if not isinstance(value, str):
        ident(value, "id")  # raises, naming the type
    try:
        ident(value, "id")
    except InvalidInput:
        return False
    return True


def _check_scalar(value: Any, field: str, *, indexed: bool) -> None:
    if value.__class__ is str:
        if indexed and len(value) > MAX_INDEXED_TEXT:
            raise InvalidInput(
                f"refused: {field!r} holds {len(value)} characters; an indexed value is at "
                f"most {MAX_INDEXED_TEXT} characters, so that every store can index it; keep "
                "long text in an attribute that is not indexed.",
                field=field,
            )
        check_storable(value, field)
    elif isinstance(value, int) and not isinstance(value, bool):
        if not _INT64[0] <= value <= _INT64[1]:
            raise InvalidInput(
                f"refused: {field!r} = {value}; a stored whole number fits in 64 bits "
                f"({_INT64[0]} to {_INT64[1]}); pass a smaller one.",
                field=field,
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(
                f"refused: {field!r} = {value!r}; stores order and compare finite numbers "
                "only; pass a finite one (or None for no value).",
                field=field,
            )
    elif isinstance(value, str):  # a subclass of str: checked as text
        _check_scalar(str(value), field, indexed=indexed)
    elif not isinstance(value, _SCALARS):
        raise InvalidInput(
            f"refused: {field!r} = {value!r:.60}; an indexed value is text, a number, true "
            f"or false, a time or None, not {type(value).__name__}; pass one of those.",
            field=field,
        )


def check_limit(limit: object) -> int | None:
    """``limit`` if it is ``None`` or a whole number of rows a store can take, else
    :class:`InvalidInput`."""
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= _INT64[1]
    ):
        raise InvalidInput(
            f"refused: limit={limit!r}; a limit counts rows; pass a whole number ≥ 0.",
            field="limit",
        )
    return limit


def check_sort_keys(start: object, stop: object) -> None:
    """Refuse bounds of :meth:`~relationkit.store.base.UnitOfWork.records_between` that are
    neither ``None`` nor text a store can compare."""
    for field, bound in (("start", start), ("stop", stop)):
        if bound is not None:
            if not isinstance(bound, str):
                raise InvalidInput(
                    f"refused: {field}={bound!r:.60}; a sort key is text; pass a str or None.",
                    field=field,
                )
            check_storable(bound, field)


def check_indexed(aggregate: Aggregate) -> None:
    """Refuse, with :class:`InvalidInput` naming the attribute, an indexed value that some
    store could not keep in its index (see the module's list)."""
    for name in aggregate.INDEXED:
        _check_scalar(getattr(aggregate, name), name, indexed=True)


def lookups(cls: type[Aggregate], where: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """``where`` as ``(attribute, op, value)`` triples (see :func:`split_lookup`), each value
    checked to be one a store can compare: a scalar (text, number, boolean, time or None),
    or for ``__in`` a collection of at most :data:`MAX_IN_VALUES` of them.

    Raises:
        InvalidInput: naming the lookup that cannot be asked.
    """
    found = []
    for key, value in where.items():
        name, op = split_lookup(cls, key)
        if op == "in":
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise InvalidInput(
                    f"refused: {key}={value!r:.60}; an '__in' lookup takes a list of values; "
                    f"pass one, such as {key}=[...].",
                    field=key,
                )
            value = list(value)
            if len(value) > MAX_IN_VALUES:
                raise InvalidInput(
                    f"refused: {key} with {len(value)} values; one '__in' lookup takes at "
                    f"most {MAX_IN_VALUES}; ask in parts of at most {MAX_IN_VALUES}, or by "
                    "another indexed attribute.",
                    field=key,
                )
            for item in value:
                _check_scalar(item, key, indexed=False)
        else:
            _check_scalar(value, key, indexed=False)
        found.append((name, op, value))
    return found


_DECODERS: dict[type, Callable[[Any], Any]] = {}
_ENCODERS: dict[type, Callable[[Any], Any]] = {}
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(text: str | bytes) -> Any:
    """``json.loads`` of a stored text, without its per-call set-up for the usual case
    (a text that is one JSON value and nothing else); anything else goes to ``json.loads``,
    which reads it or says what is wrong."""
    if text.__class__ is str:
        try:
            value, end = _scan(text, 0)
        except StopIteration:
            end = -1
        if end == len(text):
            return value
    return json.loads(text)


def decoder(cls: type[T]) -> Callable[[Any], T]:
    """The function that rebuilds a ``cls`` from its stored JSON-ready data (compiled once
    per class by :func:`relationkit.serialization.make_decoder`)."""
    found = _DECODERS.get(cls)
    if found is None:
        found = _DECODERS[cls] = make_decoder(cls)
    return found


def encoder(cls: type[T]) -> Callable[[T], Any]:
    """The function that turns a ``cls`` into the JSON-ready data a store keeps (compiled
    once per class by :func:`relationkit.serialization.make_encoder`: fields that are empty
    by default and empty now are left out)."""
    found = _ENCODERS.get(cls)
    if found is None:
        found = _ENCODERS[cls] = make_encoder(cls)
    return found


def encode_aggregate(aggregate: Aggregate) -> str:
    """The aggregate's snapshot as JSON text (fields left at an empty default are omitted;
    both :func:`decode_aggregate` and the converter read them back as that default)."""
    return _dumps(encoder(type(aggregate))(aggregate))


def decode_aggregate(cls: type[A], aggregate_id: str, text: str | bytes) -> A:
    """Rebuild an aggregate of ``cls`` from its snapshot text.

    Raises:
        AggregateCorrupted: the text is not JSON, or not the snapshot of a ``cls``.
    """
    try:
        return decoder(cls)(_loads(text))
    except _DECODE_ERRORS as exc:
        raise AggregateCorrupted(cls.KIND, aggregate_id, f"unreadable snapshot ({exc})") from exc


def snapshot_version(text: str | bytes) -> int | None:
    """The version a stored snapshot records, read without rebuilding the aggregate;
    ``None`` when the text is not a snapshot's JSON."""
    try:
        found = _loads(text)
    except ValueError:
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return version if type(version) is int else None


def upgrade_snapshot_text(
    cls: type[A], aggregate_id: str, text: str | bytes, from_version: int
) -> tuple[str, A]:
    """A snapshot text written when ``cls`` was at snapshot version ``from_version``, in
    the shape of its current version, with the aggregate it holds (through
    :meth:`Aggregate.upgrade_snapshot
    <relationkit.domain.aggregate.Aggregate.upgrade_snapshot>`, then read and written
    again as a ``cls``, so it is checked and compact like any snapshot written now).

    Raises:
        AggregateCorrupted: the text is not JSON, or not an upgradable snapshot of a ``cls``.
    """
    try:
        data = _loads(text)
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        aggregate = decoder(cls)(cls.upgrade_snapshot(data, from_version))
    except _DECODE_ERRORS as exc:
        raise AggregateCorrupted(
            cls.KIND,
            aggregate_id,
            f"its snapshot of version {from_version} cannot be upgraded to version "
            f"{cls.SNAPSHOT_VERSION} ({exc})",
        ) from exc
    return encode_aggregate(aggregate), aggregate


def decode_aggregates(
    cls: type[A],
    rows: Iterable[Sequence[Any]],
    skip: Callable[[AggregateCorrupted], None] | None = None,
) -> list[A]:
    """:func:`decode_aggregate` of each ``(id, snapshot text)`` row, in order. A row that
    cannot be read raises :class:`AggregateCorrupted`, or, given ``skip``, is handed to it
    and left out (what list queries do: see
    :meth:`UnitOfWork.skip_unreadable <relationkit.store.base.UnitOfWork.skip_unreadable>`)."""
    decode = decoder(cls)
    found: list[A] = []
    append = found.append
    with collector_paused():  # every decoded object survives: no full collector passes
        for row in rows:
            try:
                append(decode(_loads(row[1])))
            except _DECODE_ERRORS as exc:
                error = AggregateCorrupted(cls.KIND, row[0], f"unreadable snapshot ({exc})")
                if skip is None:
                    raise error from exc
                skip(error)
    return found


def encode_event(event: Event) -> str:
    """The event's data (its payload) as JSON text; the other fields go in columns.

    Raises:
        InvalidInput: the event names its aggregate or actor with something that is not an
            id, or its data holds text no store can keep (a lone surrogate).
    """
    check_id(event.aggregate_id, "aggregate_id")
    check_storable(event.actor_id, "actor_id")
    check_storable(event.name, "name")
    if event.data_json is not None:  # the text its hash covers: hashing proved it storable
        return event.data_json
    return check_storable(json.dumps(event.data, separators=(",", ":"), ensure_ascii=False), "data")


def decode_event(
    kind: str,
    *,
    aggregate_id: str,
    sequence: int,
    name: str,
    actor_id: str,
    at: str,
    data: str | bytes | dict[str, Any],
    previous: str,
    hash: str,
) -> Event:
    """Rebuild an event from its stored columns."""
    try:
        payload = json.loads(data) if isinstance(data, str | bytes) else data
        return Event(
            aggregate_id=aggregate_id,
            sequence=sequence,
            name=name,
            actor_id=actor_id,
            at=converter.structure(at, pendulum.DateTime),
            data=payload,
            previous=previous,
            hash=hash,
        )
    except _DECODE_ERRORS as exc:
        raise AggregateCorrupted(
            kind, aggregate_id, f"event {sequence} is unreadable ({exc})"
        ) from exc


@attrs.frozen
class RecordType:
    """How one kind of plain record (not event-sourced) is stored.

    Attributes:
        name: the stored kind (``"party"``, ``"staff"``, ``"policy"``).
        cls: the Python class (a base class is fine if ``decode`` picks subclasses).
        key: the record's id.
        encode: record → JSON-ready data.
        decode: JSON-ready data → record.
        sort_key: an optional text the store keeps in an indexed column, so that
            :meth:`~relationkit.store.base.UnitOfWork.records_between` reads a range of
            records without loading the others (text order must be the order wanted:
            times as :func:`index_value` writes them, numbers zero-padded).
        keep_latest: a record of this type replaces a stored one only if its sort key is
            at least as great (the last contact with a party: a command stamped earlier
            than the one recorded leaves the record as it is). The store decides, so the
            writer need not read the record first.
    """

    name: str
    cls: type
    key: Callable[[Any], str]
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    sort_key: Callable[[Any], str | None] | None = None
    keep_latest: bool = False


def _encode_party(party: Party) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(party)
    data["kind"] = party.kind
    return data


def _decode_party(data: dict[str, Any]) -> Party:
    data = dict(data)
    cls = party_kinds()[data.pop("kind")]
    return decoder(cls)(data)


def _plain(
    name: str,
    cls: type,
    sort_key: Callable[[Any], str | None] | None = None,
    *,
    keep_latest: bool = False,
) -> RecordType:
    return RecordType(
        name,
        cls,
        lambda r: r.id,
        lambda r: encoder(cls)(r),
        lambda d: decoder(cls)(d),
        sort_key,
        keep_latest,
    )


def _contact_key(contact: Contact) -> str:
    """Contacts sort by when they happened."""
    text: str = index_value(contact.at)
    return text


def _policy_key(policy: Policy) -> str:
    """Policy versions sort by their number."""
    return f"{policy.version:09d}"


def _ack_key(ack: Acknowledgement) -> str:
    """Acknowledgements sort by policy version, then by when they were given."""
    return f"{ack.version:09d}@{index_value(ack.at)}"


BUILTIN_RECORD_TYPES: tuple[RecordType, ...] = (
    RecordType("party", Party, lambda p: p.id, _encode_party, _decode_party),
    _plain("staff", Staff),
    _plain("policy", Policy, _policy_key),
    _plain("calendar", BusinessCalendar),
    _plain("offering", Offering),
    _plain("policy_ack", Acknowledgement, _ack_key),
    _plain("policy_flag", PolicyLapseFlag),
    _plain("contact", Contact, _contact_key, keep_latest=True),
    _plain("entitlement", Entitlement),
    _plain("service_level_policy", ServiceLevelPolicy),
)
"""The plain records relationkit itself keeps, by stored kind: people, the written policy
and its acknowledgements and flags, calendars and offerings, last contacts, entitlements,
service-level policies."""

_RECORD_TYPES: dict[str, RecordType] = {r.name: r for r in BUILTIN_RECORD_TYPES}


def register_record_type(record: RecordType) -> None:
    """Let every store keep records of another class: the one way to add an application's
    own record type (a command hook of yours may then return such records to store with
    a command's event). Register it once, at start-up, before the stores are used.

    Raises:
        InvalidInput: ``record`` is not a :class:`RecordType`, or its name is a built-in
            kind (a built-in record type cannot be replaced).
    """
    if not isinstance(record, RecordType):
        raise InvalidInput(
            f"refused: registering {record!r}; describe the record with "
            "relationkit.store.codec.RecordType(name, cls, key, encode, decode).",
            field="record",
        )
    if any(record.name == r.name for r in BUILTIN_RECORD_TYPES):
        raise InvalidInput(
            f"refused: a record type named {record.name!r}; that is a built-in kind, and "
            "replacing it would make stored records unreadable; give yours another name.",
            field="record",
        )
    _RECORD_TYPES[record.name] = record
    _TYPE_OF.clear()


def record_types() -> tuple[RecordType, ...]:
    """Every record type the stores know: the built-in ones, then those registered."""
    return tuple(_RECORD_TYPES.values())


_TYPE_OF: dict[type, RecordType] = {}
"""Each class's record type, once found (forgotten when a type is registered)."""


def record_type(cls_or_obj: Any) -> RecordType:
    """The :class:`RecordType` that stores ``cls_or_obj`` (a class or an instance)."""
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    found = _TYPE_OF.get(cls)
    if found is not None:
        return found
    for record in _RECORD_TYPES.values():
        if issubclass(cls, record.cls):
            _TYPE_OF[cls] = record
            return record
    raise InvalidInput(
        f"refused: storing a {cls.__name__}; it is not a record type a store knows; "
        "register it with relationkit.store.codec.register_record_type first.",
        field="record",
    )


def sort_keyed(cls: type) -> RecordType:
    """The record type of ``cls``, checked to keep a sort key."""
    record = record_type(cls)
    if record.sort_key is None:
        raise InvalidInput(
            f"refused: reading {record.name} records by sort key; that record type keeps "
            "none; read them all with records(), or register the type with a sort_key.",
            field="cls",
        )
    return record


def record_sort_key(obj: Any) -> str | None:
    """The record's sort key (see :class:`RecordType`), or ``None`` if its type keeps none."""
    record = record_type(obj)
    return None if record.sort_key is None else record.sort_key(obj)


def encode_record(obj: Any) -> tuple[str, str, str]:
    """``(kind, id, json text)`` for a record.

    Raises:
        InvalidInput: its id or sort key cannot be kept by every store.
    """
    kind, key, text, _ = record_row(obj)
    return kind, key, text


def record_row(obj: Any) -> tuple[str, str, str, str | None]:
    """``(kind, id, json text, sort key)`` for a record: what a store writes for it.

    Raises:
        InvalidInput: its id or sort key cannot be kept by every store.
    """
    record = record_type(obj)
    key = check_id(record.key(obj), "id")
    sort_key = None
    if record.sort_key is not None:
        sort_key = record.sort_key(obj)
        _check_scalar(sort_key, "sort_key", indexed=True)
    return record.name, key, _dumps(record.encode(obj)), sort_key


def decode_records(
    kind: str,
    rows: Iterable[Sequence[Any]],
    skip: Callable[[AggregateCorrupted], None] | None = None,
) -> list[Any]:
    """:func:`decode_record` of each ``(id, json text)`` row of ``kind``, in order; a row
    that cannot be read raises, or, given ``skip``, is handed to it and left out."""
    found = []
    for row in rows:
        try:
            found.append(decode_record(kind, row[0], row[1]))
        except AggregateCorrupted as error:
            if skip is None:
                raise
            skip(error)
    return found


_RECORD_CACHE: dict[tuple[str, str], tuple[str | bytes, Any]] = {}
_RECORD_CACHE_SIZE = 4096


def decode_record(kind: str, record_id: str, text: str | bytes) -> Any:
    """Rebuild a record of ``kind`` from its JSON text.

    Records that are immutable all the way down (staff, parties, policies …) are kept with
    the text they came from: reading the same text again gives the same object without
    decoding it again (commands look up their actor and the policy every time).
    """
    key = (kind, record_id)
    cached = _RECORD_CACHE.get(key)
    if cached is not None and cached[0] == text:
        return cached[1]
    record = _RECORD_TYPES[kind]
    try:
        found = record.decode(_loads(text))
    except _DECODE_ERRORS as exc:
        raise AggregateCorrupted(kind, record_id, f"unreadable record ({exc})") from exc
    if is_immutable(type(found)):
        if len(_RECORD_CACHE) >= _RECORD_CACHE_SIZE:
            _RECORD_CACHE.clear()
        _RECORD_CACHE[key] = (text, found)
    return found
