"""The one cattrs converter that turns domain objects into plain JSON-ready data and back.

Storage backends, timeline hashing and event payloads all go through :data:`converter`, so a
value is written the same way everywhere. Times keep their zone: a
:class:`pendulum.DateTime` becomes ``"2026-05-04T09:00:00+02:00[Europe/Paris]"``.

It is strict: a text field takes text, a whole number an ``int`` (not a ``bool``, not a
``float``), a number an ``int`` or a ``float``, a flag a ``bool``, and nothing is coerced
(cattrs alone would read ``true`` as the text ``"True"`` and ``"yes"`` as ``True``). Data
that does not fit the class is refused with one
:class:`~relationkit.exceptions.InvalidFields`, an
:class:`~relationkit.exceptions.InvalidInput` naming the fields.

Applications that store their own attrs classes next to relationkit's can build their own
converter with :func:`make_converter`, or add relationkit's hooks to one they already have
with :func:`configure_converter`.

Example:
    >>> import pendulum
    >>> from relationkit.serialization import converter
    >>> text = converter.unstructure(pendulum.datetime(2026, 5, 4, 9, tz="Europe/Paris"))
    >>> text
    '2026-05-04T09:00:00+02:00[Europe/Paris]'
    >>> converter.structure(text, pendulum.DateTime).timezone_name
    'Europe/Paris'
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
import types
import typing
from collections import Counter
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

import attrs
import cattrs
import pendulum
from cattrs.preconf.json import JsonConverter
from cattrs.preconf.json import configure_converter as _configure_json

from relationkit.exceptions import InvalidFields, InvalidInput

__all__ = [
    "canonical_json",
    "configure_converter",
    "converter",
    "datetime_from_text",
    "datetime_to_text",
    "is_immutable",
    "copier",
    "make_converter",
    "make_decoder",
    "make_encoder",
]

T = TypeVar("T")


_Timezone = pendulum.Timezone


def datetime_to_text(value: pendulum.DateTime) -> str:
    """``ISO-8601[zone]``: the instant and the name of its time zone."""
    zone = value.tzinfo
    if zone.__class__ is _Timezone:  # the usual case, without pendulum's property lookups
        return f"{value.isoformat()}[{zone.key}]"
    return f"{value.isoformat()}[{value.timezone_name}]"


_ZONES: dict[str, pendulum.Timezone | pendulum.FixedTimezone] = {}
_DateTime = pendulum.DateTime
_fromisoformat = _dt.datetime.fromisoformat


def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    """The time zone called ``name``, built once and then shared (zones are immutable)."""
    zone = _ZONES.get(name)
    if zone is None:
        zone = pendulum.timezone(name)
        if len(_ZONES) < 1024:
            _ZONES[name] = zone
    return zone


def datetime_from_text(value: str) -> pendulum.DateTime:
    """The inverse of :func:`datetime_to_text`; a plain ISO string is accepted too.

    The text's wall time, offset, zone and fold come back exactly: two texts of one
    ambiguous wall time (``02:30+02:00[Europe/Paris]`` and ``02:30+01:00[Europe/Paris]``
    on the night clocks go back) give the two different instants they name.

    Raises:
        TypeError: ``value`` is not text.
        ValueError: ``value`` is not an aware ISO-8601 date-time, or names an unknown
            time zone.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 text, got {type(value).__name__}")
    cut = value.rfind("[")
    if cut > 0 and value[-1] == "]" and value[cut + 1] not in "+-]":
        # What datetime_to_text writes: the wall time and offset in the zone, then the
        # zone's name. The standard library parses that much faster than pendulum; the
        # wall time is kept and the fold chosen so that the offset is the written one.
        try:
            fixed = _fromisoformat(value[:cut])
        except ValueError:
            fixed = None
        if fixed is not None and fixed.tzinfo is not None:
            zone = _zone(value[cut + 1 : -1])
            offset = fixed.utcoffset()
            # The zone reads the wall time and fold of a plain datetime (a pendulum one
            # would make it go through Python attributes, several times slower).
            if zone.utcoffset(fixed) == offset:  # (a fold=0 keyword costs as much again)
                return _DateTime(
                    fixed.year,
                    fixed.month,
                    fixed.day,
                    fixed.hour,
                    fixed.minute,
                    fixed.second,
                    fixed.microsecond,
                    zone,
                )
            if zone.utcoffset(fixed.replace(fold=1)) == offset:  # the second of two
                return _DateTime(
                    fixed.year,
                    fixed.month,
                    fixed.day,
                    fixed.hour,
                    fixed.minute,
                    fixed.second,
                    fixed.microsecond,
                    zone,
                    fold=1,
                )
            # The offset is not one the zone has at that wall time: keep the instant.
            x = fixed.astimezone(zone)
            return _DateTime(
                x.year,
                x.month,
                x.day,
                x.hour,
                x.minute,
                x.second,
                x.microsecond,
                tzinfo=x.tzinfo,
                fold=x.fold,
            )
    iso, _, rest = value.partition("[")
    name = rest[:-1] if rest.endswith("]") else ""
    # tz=None: text without an offset stays naive (pendulum would otherwise read it as UTC)
    # and is refused below, like a naive datetime passed in Python.
    parsed = pendulum.parse(iso, tz=None)
    if not isinstance(parsed, pendulum.DateTime) or parsed.tzinfo is None:
        raise ValueError(
            f"{value!r} is not an aware date-time: it names no offset or time zone; "
            "write one, e.g. 2026-03-03T12:00:00+01:00 or 2026-03-03T11:00:00Z"
        )
    if name and name[0] not in "+-" and name != parsed.timezone_name:
        parsed = parsed.in_timezone(name)
    return parsed


def _duration_to_seconds(value: pendulum.Duration) -> float:
    return value.total_seconds()


def _duration_from_seconds(value: Any, _: Any) -> pendulum.Duration:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number of seconds, got {type(value).__name__}")
    return pendulum.duration(seconds=value)


def _shown(value: Any) -> str:
    return f"{type(value).__name__} ({value!r:.40})"


def _strict_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"must be text, not {_shown(value)}")


def _strict_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"must be a whole number, not {_shown(value)}")


def _strict_float(value: Any, _: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"must be a number, not {_shown(value)}")


def _strict_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"must be true or false, not {_shown(value)}")


def configure_converter(conv: cattrs.Converter) -> cattrs.Converter:
    """Teach ``conv`` relationkit's value types (date-times with zones, durations, sets),
    and make it strict about text, numbers and flags: ``str`` takes only text, ``int`` only
    whole numbers (not ``bool``), ``float`` only numbers (not ``bool``), ``bool`` only
    ``True`` or ``False``; anything else raises :class:`TypeError` instead of being
    converted."""
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_unstructure_hook(pendulum.DateTime, datetime_to_text)
    conv.register_structure_hook(pendulum.DateTime, lambda v, _: datetime_from_text(v))
    conv.register_unstructure_hook(pendulum.Duration, _duration_to_seconds)
    conv.register_structure_hook(pendulum.Duration, _duration_from_seconds)
    conv.register_unstructure_hook(frozenset, lambda v: sorted(conv.unstructure(x) for x in v))
    return conv


def _path(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _problems(exc: BaseException, path: tuple[str, ...] = ()) -> list[tuple[InvalidInput, bool]]:
    """One :class:`~relationkit.exceptions.InvalidInput` naming its field for each problem
    a cattrs validation error holds, nested classes and lists included, each with whether
    it is about a wrong type or a missing or unknown field."""
    if isinstance(exc, cattrs.ClassValidationError | cattrs.IterableValidationError):
        found = []
        noted, others = exc.group_exceptions()
        for inner, note in noted:
            step = note.name if isinstance(note, cattrs.AttributeValidationNote) else note.index
            found += _problems(inner, (*path, str(step)))
        for inner in others:
            found += _problems(inner, path)
        return found
    if isinstance(exc, cattrs.BaseValidationError):
        return [item for inner in exc.exceptions for item in _problems(inner, path)]
    if isinstance(exc, InvalidInput):  # an attrs validator of the class refused a value
        if not path:
            return [(exc, False)]
        field = _path((*path, exc.field) if exc.field else path)
        return [(InvalidInput(str(exc), field=field), False)]
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        where = f" in {_path(path)!r}" if path else ""
        return [
            (InvalidInput(f"there is no field {name!r}{where}", field=_path((*path, name))), True)
            for name in sorted(exc.extra_fields)
        ]
    if isinstance(exc, KeyError):
        name = str(exc.args[0]) if exc.args else "?"
        field = _path(path if path and path[-1] == name else (*path, name))
        return [(InvalidInput(f"{field!r} is missing", field=field), True)]
    field = _path(path)
    said = str(exc)
    if isinstance(exc, TypeError) and said.startswith("must be "):  # the strict hooks
        return [(InvalidInput(f"{field!r} {said}", field=field), True)]
    return [(InvalidInput(f"{field!r}: {said}" if field else said, field=field), True)]


def _invalid_fields(exc: cattrs.BaseValidationError, cl: Any) -> InvalidFields:
    found = _problems(exc)
    problems = [problem for problem, _ in found]
    said = [str(p).removeprefix("refused: ").rstrip(".") for p in problems]
    if any(typed for _, typed in found):
        said.append("give each field a value of its type (nothing is converted to another)")
    name = getattr(cl, "__name__", str(cl))
    return InvalidFields(
        f"refused: the data for {name}: {'; '.join(said)}.",
        problems,
        exc.cl,
        [p.field for p in problems if p.field],
    )


class _Converter(JsonConverter):
    """cattrs' JSON converter, raising :class:`~relationkit.exceptions.InvalidFields`
    (an :class:`~relationkit.exceptions.InvalidInput` naming the fields) for data that
    does not fit the class asked for."""

    def structure(self, obj: Any, cl: Any) -> Any:
        try:
            return super().structure(obj, cl)
        except cattrs.BaseValidationError as exc:
            if isinstance(exc, InvalidFields):
                raise
            raise _invalid_fields(exc, cl) from exc


def _in_order(items: Any) -> list[Any]:
    """A set's unstructured items as a list in a fixed order, so the same set is written
    the same way in every process (a set's own order follows string hashing, which differs
    from one process to the next): sorted, or by their JSON text when not comparable."""
    found = list(items)
    try:
        return sorted(found)
    except TypeError:
        return sorted(found, key=lambda x: json.dumps(x, sort_keys=True, default=str))


def make_converter() -> cattrs.Converter:
    """A new converter with relationkit's hooks, producing JSON-ready data; it refuses data
    that does not fit with :class:`~relationkit.exceptions.InvalidFields`."""
    conv = _Converter(
        forbid_extra_keys=True,
        unstruct_collection_overrides={AbstractSet: _in_order, Counter: dict},
    )
    _configure_json(conv)
    return configure_converter(conv)


converter: cattrs.Converter = make_converter()
"""The converter relationkit uses for storage, events and hashing."""


def canonical_json(data: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): the form that timeline hashes cover."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- compiled decoders and encoders ------------------------------------------------------------
#
# Hydrating stored aggregates is the hot path of every query. cattrs' generated functions
# dispatch on each field's type at run time; the ones below are compiled once per class from
# its attrs fields and type hints into straight-line code that checks each value, builds
# times from their text, and calls the class's own constructor (so attrs validators and
# converters still run). Types they do not know go through the converter's own hooks.

_MISSING: Any = object()

_INTERNED_FIELDS = frozenset({"state", "kind", "status", "outcome", "by"})


def _interned_field(name: str) -> bool:
    """Fields whose short values repeat across many objects (states, kinds, people's ids)."""
    return name in _INTERNED_FIELDS or name.endswith(("_id", "_by"))


@attrs.frozen
class _FrozenProbe:
    pass


_FROZEN_SETATTR = _FrozenProbe.__setattr__
_EMPTY_FACTORIES: tuple[Any, ...] = (list, tuple, frozenset, set, dict)


def _own(cls: type) -> bool:
    return cls.__module__.startswith("relationkit.")


def _wrong(value: Any, expected: str, where: str) -> Any:
    raise TypeError(f"{where}: expected {expected}, got {type(value).__name__} {value!r:.40}")


def _not_object(value: Any, where: str) -> Any:
    raise TypeError(f"{where}: expected a JSON object, got {type(value).__name__}")


def _extra(known: frozenset[str], data: dict[str, Any], where: str) -> Any:
    unknown = sorted(set(data) - known)
    raise ValueError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, int):  # a bool, as cattrs accepts it
        return int(value)
    return int(_wrong(value, "a whole number", where))


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    return float(_wrong(value, "a number", where))


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, int):  # 0 and 1, as cattrs accepts them
        return bool(value)
    return bool(_wrong(value, "true or false", where))


def _optional_of(hint: Any) -> Any:
    """``X`` for ``X | None`` (one other member), else ``None``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1 and len(typing.get_args(hint)) == 2:
            return members[0]
    return None


def _mapping_of(hint: Any) -> tuple[Any, Any] | None:
    """``(K, V)`` for ``dict[K, V]``, else ``None``."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is dict and len(args) == 2:
        return args[0], args[1]
    return None


def _element_of(hint: Any) -> tuple[type, Any] | None:
    """``(list, X)`` for ``list[X]``, ``(tuple, X)`` for ``tuple[X, ...]``,
    ``(frozenset, X)`` for ``frozenset[X]``; ``None`` for anything else."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is list and len(args) == 1:
        return list, args[0]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return tuple, args[0]
    if origin is frozenset and len(args) == 1:
        return frozenset, args[0]
    return None


class _Compiler:
    """Builds the source of one module of decoders or encoders, then runs it once."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.ns: dict[str, Any] = {
            "_MISSING": _MISSING,
            "_intern": sys.intern,
            "_time": datetime_from_text,
            "_text": datetime_to_text,
            "_wrong": _wrong,
            "_not_object": _not_object,
            "_extra": _extra,
            "_as_int": _as_int,
            "_as_float": _as_float,
            "_as_bool": _as_bool,
        }
        self.sources: list[str] = []
        self.names: dict[type, str] = {}
        self.count = 0
        self.immutable_memo: dict[Any, bool] = {}

    def add(self, value: Any, prefix: str) -> str:
        self.count += 1
        name = f"_{prefix}{self.count}"
        self.ns[name] = value
        return name

    def compiled(self, name: str) -> Callable[..., Any]:
        exec("\n\n".join(self.sources), self.ns)  # source built above from type hints
        function: Callable[..., Any] = self.ns[name]
        return function

    @staticmethod
    def fields(cls: type) -> list[tuple[attrs.Attribute[Any], Any]] | None:
        """The fields and their type hints, or ``None`` if the class needs cattrs."""
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # unresolvable hints: leave the class to cattrs
            return None
        found = []
        for a in attrs.fields(cls):
            if not a.init or a.name not in hints:
                return None
            if isinstance(a.default, attrs.Factory) and a.default.takes_self:  # type: ignore[arg-type]
                return None
            found.append((a, hints[a.name]))
        return found

    def immutable(self, hint: Any) -> bool:
        """Whether every value of ``hint`` is immutable (so equal ones may be shared)."""
        if hint in (str, int, float, bool, type(None), pendulum.DateTime, pendulum.Duration):
            return True
        known = self.immutable_memo.get(hint)
        if known is not None:
            return known
        self.immutable_memo[hint] = False  # a class that contains itself: not shared
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            result = all(self.immutable(a) for a in args)
        elif origin is tuple:
            result = all(self.immutable(a) for a in args if a is not Ellipsis)
        elif origin is frozenset:
            result = self.immutable(args[0])
        elif isinstance(hint, type) and attrs.has(hint):
            fields = self.fields(hint)
            result = (
                hint.__setattr__ is _FROZEN_SETATTR
                and fields is not None
                and all(self.immutable(h) for _, h in fields)
            )
        else:
            result = False
        self.immutable_memo[hint] = result
        return result


class _DecoderCompiler(_Compiler):
    def decoder(self, cls: type) -> str:
        """The name of ``cls``'s decoder ``f(data, memo)`` (compiled on first use)."""
        name = self.names.get(cls)
        if name is not None:
            return name
        fields = self.fields(cls) if _own(cls) else None
        if fields is None:
            hook = self.add(self.conv.get_structure_hook(cls), "hook")
            target = self.add(cls, "type")
            name = self.names[cls] = self.add(None, "dec")
            self.sources.append(f"def {name}(o, memo):\n    return {hook}(o, {target})")
            return name
        name = self.names[cls] = self.add(None, f"dec_{cls.__name__}_")
        target = self.add(cls, "cls")
        keys = self.add(frozenset(a.name for a, _ in fields), "keys")
        where = cls.__name__
        shared = self.immutable(cls)
        lines = [
            f"def {name}(o, memo):",
            "    if o.__class__ is not dict:",
            f"        _not_object(o, {where!r})",
        ]
        if shared:  # an equal object decoded earlier in the same aggregate is reused
            lines += [
                f"    first = memo.get({target})",
                "    if first is not None and first[0] == o:",
                "        return first[1]",
            ]
        required = sum(1 for a, _ in fields if a.default is attrs.NOTHING)
        lines += ["    try:", f"        n = {required}  # the keys read, to find unknown ones"]
        arguments = []
        for i, (a, hint) in enumerate(fields):
            key = a.name
            body = self.convert(hint, f"{where}.{key}", _interned_field(key))
            given: Any = a.default
            if given is attrs.NOTHING:
                lines.append(f"        v = o[{key!r}]")
                lines += [f"        {line}" for line in body]
            else:
                if isinstance(given, attrs.Factory):  # type: ignore[arg-type]
                    default = self.add(given.factory, "factory") + "()"
                else:
                    default = self.add(given, "default")
                lines.append(f"        v = o.get({key!r}, _MISSING)")
                lines.append("        if v is _MISSING:")
                lines.append(f"            v = {default}")
                lines.append("        else:")
                lines.append("            n += 1")
                lines += [f"            {line}" for line in body]
            lines.append(f"        a{i} = v")
            arguments.append(f"{a.alias}=a{i}")
        lines += [
            "    except KeyError as exc:",
            f"        raise ValueError(f'{where}: missing field {{exc}}') from None",
            "    if len(o) != n:",
            f"        _extra({keys}, o, {where!r})",
            f"    obj = {target}({', '.join(arguments)})",
        ]
        if shared:
            lines += ["    if first is None:", f"        memo[{target}] = (o, obj)"]
        lines.append("    return obj")
        self.sources.append("\n".join(lines))
        return name

    def convert(self, hint: Any, where: str, intern: bool) -> list[str]:
        """Lines that check the value ``v`` against ``hint`` and turn it into the field's
        value (in ``v``)."""
        w = repr(where)
        if hint is str:
            lines = ["if v.__class__ is not str:", f"    _wrong(v, 'text', {w})"]
            return [*lines, "v = _intern(v)"] if intern else lines
        if hint is bool:
            return ["if v.__class__ is not bool:", f"    v = _as_bool(v, {w})"]
        if hint is int:
            return ["if v.__class__ is not int:", f"    v = _as_int(v, {w})"]
        if hint is float:
            return ["if v.__class__ is not float:", f"    v = _as_float(v, {w})"]
        if hint is pendulum.DateTime:
            # One aggregate often holds the same time several times (opened, first
            # statement, start of the round): decode it once and share it (immutable).
            return [
                "if v.__class__ is not str:",
                f"    _wrong(v, 'a date-time text', {w})",
                "t = memo.get(v)",
                "if t is None:",
                "    t = memo[v] = _time(v)",
                "v = t",
            ]
        inner = _optional_of(hint)
        if inner is not None:
            return [
                "if v is not None:",
                *(f"    {line}" for line in self.convert(inner, where, intern)),
            ]
        if isinstance(hint, type) and attrs.has(hint):
            return [f"v = {self.decoder(hint)}(v, memo)"]
        collection = _element_of(hint)
        if collection is not None:
            kind, element = collection
            body = self.convert(element, f"{where}[]", intern)
            if isinstance(element, type) and attrs.has(element):
                items = f"[{self.decoder(element)}(x, memo) for x in v]"
            elif body:
                function = self.add(None, "elem")
                self.sources.append(
                    "\n".join(
                        [
                            f"def {function}(v, memo):",
                            *(f"    {line}" for line in body),
                            "    return v",
                        ]
                    )
                )
                items = f"[{function}(x, memo) for x in v]"
            else:
                items = "v"
            check = ["if v.__class__ is not list:", f"    _wrong(v, 'a list', {w})"]
            if kind is list:
                return [*check, f"v = {items}"] if body else check
            if kind is tuple:
                return [*check, f"v = tuple({items}) if v else ()"]
            return [*check, f"v = frozenset({items})"]
        mapping = _mapping_of(hint)
        if mapping is not None and mapping[0] is str:
            # A JSON object: text keys, each value checked like a field's (a new dict, so
            # that no two aggregates share one).
            function = self.add(None, "item")
            body = self.convert(mapping[1], f"{where}[]", intern)
            self.sources.append(
                "\n".join(
                    [
                        f"def {function}(o, memo):",
                        "    d = {}",
                        "    for k, v in o.items():",
                        "        if k.__class__ is not str:",
                        f"            _wrong(k, 'text', {w})",
                        *(f"        {line}" for line in body),
                        "        d[_intern(k)] = v",
                        "    return d",
                    ]
                )
            )
            return [
                "if v.__class__ is not dict:",
                f"    _wrong(v, 'a JSON object', {w})",
                f"v = {function}(v, memo)",
            ]
        hook = self.add(self.conv.get_structure_hook(hint), "hook")
        target = self.add(hint, "type")
        return [f"v = {hook}(v, {target})"]


class _EncoderCompiler(_Compiler):
    def encoder(self, cls: type) -> str:
        """The name of ``cls``'s compact encoder ``f(obj)`` (compiled on first use)."""
        name = self.names.get(cls)
        if name is not None:
            return name
        fields = self.fields(cls) if _own(cls) else None
        if fields is None:
            hook = self.add(self.conv.get_unstructure_hook(cls), "hook")
            self.names[cls] = hook
            return hook
        name = self.names[cls] = self.add(None, f"enc_{cls.__name__}_")
        lines = [f"def {name}(obj):", "    d = {}"]
        for a, hint in fields:
            key = a.name
            value = self.value(hint, "v")
            default = a.default
            empty_default = default is None or (
                isinstance(default, attrs.Factory)  # type: ignore[arg-type]
                and default.factory in _EMPTY_FACTORIES
            )
            lines.append(f"    v = obj.{key}")
            if default is None:
                lines += ["    if v is not None:", f"        d[{key!r}] = {value}"]
            elif empty_default or default in ((), frozenset()):
                lines += ["    if v:", f"        d[{key!r}] = {value}"]
            else:
                lines.append(f"    d[{key!r}] = {value}")
        lines.append("    return d")
        self.sources.append("\n".join(lines))
        return name

    def value(self, hint: Any, var: str) -> str:
        """An expression turning ``var`` (a value of ``hint``) into JSON-ready data."""
        if hint in (str, int, bool, float):
            return var
        if hint is pendulum.DateTime:
            return f"_text({var})"
        inner = _optional_of(hint)
        if inner is not None:
            expression = self.value(inner, var)
            return var if expression == var else f"(None if {var} is None else {expression})"
        if isinstance(hint, type) and attrs.has(hint):
            return f"{self.encoder(hint)}({var})"
        collection = _element_of(hint)
        if collection is not None and collection[0] is not frozenset:
            item = self.value(collection[1], "x")
            return f"list({var})" if item == "x" else f"[{item} for x in {var}]"
        mapping = _mapping_of(hint)
        if mapping is not None and mapping[0] is str:
            item = self.value(mapping[1], "x")
            return f"dict({var})" if item == "x" else f"{{k: {item} for k, x in {var}.items()}}"
        hook = self.add(self.conv.get_unstructure_hook(hint), "hook")
        return f"{hook}({var})"


def make_decoder(cls: type[T], conv: cattrs.Converter | None = None) -> Callable[[Any], T]:
    """A function that builds a ``cls`` from the data :data:`converter` makes of one.

    It gives what ``conv.structure(data, cls)`` gives, faster: the code is compiled once for
    the class and its nested attrs classes and calls their constructors directly (attrs
    validators and converters still run). Along the way it shares what one object holds
    several times: equal times are decoded once, equal immutable parts (such as the current
    decision, also the last of all decisions) become one object, and short values that
    repeat across objects (states, kinds, people's ids) are interned. A field missing from
    the data takes its default; an unknown field, a missing required one or a value of the
    wrong type raises :class:`TypeError` or :class:`ValueError` naming the field.

    Classes defined outside relationkit, and types it does not know, are left to ``conv``
    (:data:`converter` if omitted), with whatever hooks it has.

    Example:
        >>> import pendulum
        >>> from relationkit.domain.case import Statement
        >>> decode = make_decoder(Statement)
        >>> decode({"text": "Late again.", "recorded_by": "s-sam",
        ...         "at": "2026-05-04T09:00:00+02:00[Europe/Paris]"}).at.timezone_name
        'Europe/Paris'
    """
    compiler = _DecoderCompiler(conv if conv is not None else converter)
    name = compiler.decoder(cls)
    function = compiler.compiled(name)

    def decode(data: Any) -> T:
        found: T = function(data, {})
        return found

    decode.__doc__ = f"Build a {cls.__name__} from its JSON-ready data."
    return decode


def make_encoder(cls: type[T], conv: cattrs.Converter | None = None) -> Callable[[T], Any]:
    """A function that turns a ``cls`` into compact JSON-ready data: what
    ``conv.unstructure`` gives, without the fields that hold ``None`` or an empty
    collection when that is also their default. Both :func:`make_decoder` and the converter
    read it back to an equal object (a missing field takes its default).

    Example:
        >>> import pendulum
        >>> from relationkit.domain.case import Paraphrase
        >>> encode = make_encoder(Paraphrase)
        >>> encode(Paraphrase(text="You want a refund.", by="s-sam",
        ...                   at=pendulum.datetime(2026, 5, 4, 9, tz="UTC")))
        {'text': 'You want a refund.', 'by': 's-sam', 'at': '2026-05-04T09:00:00+00:00[UTC]'}
    """
    compiler = _EncoderCompiler(conv if conv is not None else converter)
    name = compiler.encoder(cls)
    if not compiler.sources:  # left to the converter
        hook: Callable[[T], Any] = compiler.ns[name]
        return hook
    return compiler.compiled(name)


_COPIERS: dict[type, Callable[[Any], Any]] = {}


def copier(cls: type[T]) -> Callable[[T], T]:
    """A function that copies a ``cls`` (an attrs class) as deeply as it must: lists, dicts
    and sets are copied, mutable attrs objects inside copied the same way, and what is
    immutable (text, numbers, times, frozen attrs values of immutable parts) shared. The
    copy equals the original and shares nothing a caller could change in it. Compiled once
    per class; much faster than decoding the object's JSON again.

    Example:
        >>> import pendulum
        >>> from relationkit.domain.case import Case
        >>> case = Case(id="k", state="opened", client_id="c", subject="S", opened_by="s",
        ...             opened_at=pendulum.datetime(2026, 3, 2, tz="UTC"))
        >>> copy = copier(Case)(case)
        >>> copy == case, copy is case, copy.expectations is case.expectations
        (True, False, False)
    """
    found = _COPIERS.get(cls)
    if found is None:
        found = _COPIERS[cls] = _compile_copier(cls)
    return found


_SHARE = object()
_HOW_TO_COPY: dict[type, Any] = {
    str: _SHARE,
    int: _SHARE,
    float: _SHARE,
    bool: _SHARE,
    type(None): _SHARE,
    pendulum.DateTime: _SHARE,
    pendulum.Duration: _SHARE,
    frozenset: _SHARE,
}


def _copy_value(value: Any) -> Any:
    kind = value.__class__
    how = _HOW_TO_COPY.get(kind)
    if how is None:
        if kind is list or kind is dict or kind is set or kind is tuple:
            how = kind
        elif attrs.has(kind) and not is_immutable(kind):
            how = copier(kind)
        else:
            how = _SHARE
        _HOW_TO_COPY[kind] = how
    if how is _SHARE:
        return value
    if how is list:
        return [_copy_value(v) for v in value]
    if how is dict:
        return {k: _copy_value(v) for k, v in value.items()}
    if how is set:
        return {_copy_value(v) for v in value}
    if how is tuple:
        return tuple(_copy_value(v) for v in value)
    copy = typing.cast(Callable[[Any], Any], how)
    return copy(value)


def _compile_copier(cls: type[T]) -> Callable[[T], T]:
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - unresolvable annotations
        hints = {}
    slotted = all(isinstance(getattr(cls, f.name, None), _SlotDescriptor) for f in fields)
    lines = ["def copy(value):", "    made = new(cls)"]
    namespace: dict[str, Any] = {
        "new": object.__new__,
        "set_": object.__setattr__,
        "cls": cls,
        "copy_value": _copy_value,
    }
    for number, f in enumerate(fields):
        read = f"value.{f.name}"
        if not _shareable(hints.get(f.name, Any)):
            read = f"copy_value({read})"
        if slotted:  # a slot's own setter: no attribute lookup by name
            namespace[f"put{number}"] = getattr(cls, f.name).__set__
            lines.append(f"    put{number}(made, {read})")
        else:
            lines.append(f"    set_(made, {f.name!r}, {read})")
    lines.append("    return made")
    exec(compile("\n".join(lines), f"<copier of {cls.__qualname__}>", "exec"), namespace)
    found: Callable[[T], T] = namespace["copy"]
    return found


_SlotDescriptor = type(type("_Probe", (), {"__slots__": ("x",)}).x)  # type: ignore[attr-defined]


def _shareable(hint: Any) -> bool:
    """True if values of type ``hint`` can be shared by a copy: nothing in them can be
    changed (text, numbers, times, tuples and frozensets of such, frozen attrs classes made
    only of such)."""
    if hint in (str, int, float, bool, type(None), pendulum.DateTime, pendulum.Duration):
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return all(_shareable(a) for a in typing.get_args(hint))
    if origin is tuple or origin is frozenset:
        return all(_shareable(a) for a in typing.get_args(hint) if a is not Ellipsis)
    if isinstance(hint, type) and attrs.has(hint):
        return is_immutable(hint)
    return False


_IMMUTABLE: dict[type, bool] = {}


def is_immutable(cls: type) -> bool:
    """Whether every ``cls`` is immutable all the way down: a frozen attrs class whose
    fields hold only text, numbers, booleans, times, durations, tuples, frozensets or such
    classes. Equal instances of such a class can be shared.

    Example:
        >>> from relationkit.domain.parties import Staff
        >>> from relationkit.domain.case import Case
        >>> is_immutable(Staff), is_immutable(Case)
        (True, False)
    """
    known = _IMMUTABLE.get(cls)
    if known is None:
        known = _IMMUTABLE[cls] = _Compiler(converter).immutable(cls)
    return known
