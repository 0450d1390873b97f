"""Small validated values shared by every domain object: texts, instants, zones and ids.

Domain code never reads the wall clock; times arrive from a :class:`~relationkit.typing.Clock`
or from the caller, and are checked here.

Text is checked where it enters, so that every store can keep it: a text or an id never
holds a NUL character (``"\\x00"``, which PostgreSQL cannot store) or a lone surrogate
(``"\\ud800"``, half of a character that cannot be written as UTF-8). An id follows one
rule everywhere (:func:`ident`): text of 1 to :data:`MAX_ID_LENGTH` characters, without white
space around it, since ids are matched exactly.

Example:
    >>> import pendulum
    >>> from relationkit.domain.values import ident, instant, text
    >>> instant(pendulum.datetime(2026, 3, 1, 9, tz="Europe/Paris"), "due").timezone_name
    'Europe/Paris'
    >>> text("  Refund please ", "statement")
    'Refund please'
    >>> from relationkit.exceptions import InvalidInput
    >>> try:
    ...     ident(" c-ana", "client")
    ... except InvalidInput as refusal:
    ...     print(refusal.field, "-", str(refusal).split("; ")[0])
    client - refused: 'client' = ' c-ana' has white space around it
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

import attrs
import pendulum
from pendulum.tz.exceptions import InvalidTimezone

from relationkit.exceptions import EmptyText, InvalidInput, NaiveDateTime, UnknownTimeZone

__all__ = [
    "later",
    "MAX_ID_LENGTH",
    "an_id",
    "aware",
    "check_storable",
    "flag",
    "ident",
    "instant",
    "known_zone",
    "new_id",
    "optional",
    "optional_aware",
    "optional_id",
    "optional_ident",
    "optional_text",
    "required",
    "text",
    "texts",
    "to_pendulum",
    "utc",
    "zone",
]


MAX_ID_LENGTH = 200
"""The longest id relationkit takes, in characters (an id is kept in indexed columns, and
every store must be able to index it)."""


def check_storable(value: str, field: str) -> str:
    """Return ``value`` if every store can keep it, else raise
    :class:`~relationkit.exceptions.InvalidInput` naming ``field``: text holds no NUL
    character (PostgreSQL cannot store one) and no lone surrogate (half of a UTF-8
    character, which no store can write).

    Example:
        >>> check_storable("Ana", "name")
        'Ana'
        >>> try:
        ...     check_storable("Ana\\ud800", "name")
        ... except InvalidInput as refusal:
        ...     print(refusal.field, "-", str(refusal).split("; ")[0])
        name - refused: 'name' contains a lone surrogate ('\\ud800') at position 3
    """
    if "\x00" in value:
        raise InvalidInput(
            f"refused: {field!r} contains a NUL character ('\\x00') at position "
            f"{value.index(chr(0))}; no store can keep one in text (PostgreSQL refuses it); "
            "remove it.",
            field=field,
        )
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput(
                f"refused: {field!r} contains a lone surrogate ({value[exc.start]!r}) at "
                f"position {exc.start}; it is half of a character and cannot be written as "
                "UTF-8, so no store can keep it; decode the text properly (a surrogate "
                "usually comes from bytes read with errors='surrogateescape').",
                field=field,
            ) from None
    return value


def text(value: object, field: str) -> str:
    """Return ``value`` stripped, refusing a non-string or a blank one with :class:`EmptyText`,
    and text no store can keep (see :func:`check_storable`) with :class:`InvalidInput`."""
    if not isinstance(value, str):
        raise InvalidInput(
            f"refused: {field!r} must be text, not {type(value).__name__}; "
            "relationkit records words people said or wrote; pass a str.",
            field=field,
        )
    stripped = value.strip()
    if not stripped:
        raise EmptyText(field)
    return check_storable(stripped, field)


def ident(value: object, field: str) -> str:
    """Return ``value`` if it is an id, else raise
    :class:`~relationkit.exceptions.InvalidInput` naming ``field``.

    One rule for every id relationkit is given (a party's, a case's, an actor's …): text of
    1 to :data:`MAX_ID_LENGTH` characters (a blank one is :class:`EmptyText`) that every
    store can keep (no NUL, no lone surrogate) and without white space around it. Ids are
    matched exactly, so ``" c-ana "`` is refused rather than quietly read as ``"c-ana"``:
    normalising it would hide the mistake that produced it.
    """
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.isprintable()
        and not value[0].isspace()
        and not value[-1].isspace()
    ):
        # The usual id, checked in a few C calls: printable text has no NUL and no lone
        # surrogate. Anything else is looked at closely below.
        return value
    if not isinstance(value, str):
        raise InvalidInput(
            f"refused: {field!r} must be an id (text), not {type(value).__name__}; "
            "pass the id as a str, such as 'c-ana'.",
            field=field,
        )
    if not value or value.isspace():
        raise EmptyText(field)
    if len(value) > MAX_ID_LENGTH:
        raise InvalidInput(
            f"refused: {field!r} = {value[:20]!r}… is {len(value)} characters long; an id is "
            f"at most {MAX_ID_LENGTH} characters, so that every store can index it; use a "
            "shorter id.",
            field=field,
        )
    if value[0].isspace() or value[-1].isspace():
        raise InvalidInput(
            f"refused: {field!r} = {value!r} has white space around it; ids are matched "
            f"exactly, so {value!r} and {value.strip()!r} would name two different things; "
            f"pass {value.strip()!r}.",
            field=field,
        )
    return check_storable(value, field)


def optional_ident(value: object, field: str) -> str | None:
    """Like :func:`ident`, but ``None`` stays ``None``."""
    return None if value is None else ident(value, field)


def optional_text(value: object, field: str) -> str | None:
    """Like :func:`text`, but ``None`` stays ``None`` (an absent value, not a blank one)."""
    return None if value is None else text(value, field)


def instant(value: object, field: str) -> pendulum.DateTime:
    """Return an aware :class:`pendulum.DateTime` for ``value``, keeping its time zone.

    Accepts pendulum or standard-library datetimes that carry a time zone. A naive one
    raises :class:`~relationkit.exceptions.NaiveDateTime`; anything else
    :class:`~relationkit.exceptions.InvalidInput`.
    """
    if isinstance(value, pendulum.DateTime):
        if value.tzinfo is None:
            raise NaiveDateTime(field, value)
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDateTime(field, value)
        return pendulum.instance(value)
    raise InvalidInput(
        f"refused: {field!r} must be a datetime, not {type(value).__name__}; "
        "relationkit needs an instant in time; pass an aware pendulum.DateTime.",
        field=field,
    )


def optional_instant(value: object, field: str) -> pendulum.DateTime | None:
    """Like :func:`instant`, but ``None`` stays ``None``."""
    return None if value is None else instant(value, field)


def utc(value: pendulum.DateTime) -> pendulum.DateTime:
    """The same instant in UTC."""
    return value.in_timezone("UTC")


def zone(name: object, field: str = "timezone") -> str:
    """Return ``name`` if it is a known IANA time zone, else raise ``UnknownTimeZone``."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownTimeZone(field, str(name))
    try:
        pendulum.timezone(name)
    except (InvalidTimezone, ValueError, KeyError) as exc:
        raise UnknownTimeZone(field, name) from exc
    return name


def new_id(prefix: str) -> str:
    """A fresh, unique id such as ``'case_1f0c…'``."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def texts(value: object, field: str, one: Any = text) -> tuple[str, ...]:
    """A text or a collection of texts as a tuple, each checked by ``one`` (:func:`text`,
    or :func:`ident` for ids); anything else is refused with
    :class:`~relationkit.exceptions.InvalidInput` naming ``field``."""
    if isinstance(value, str):
        return (one(value, field),)
    if isinstance(value, bytes | dict) or not hasattr(value, "__iter__"):
        raise InvalidInput(
            f"refused: {field!r} must be a text or a list of texts, not "
            f"{type(value).__name__}; pass a str or a list of them.",
            field=field,
        )
    return tuple(one(v, field) for v in value)


def frozen_roles(value: Any) -> frozenset[str]:
    """Normalise a collection of role names into a frozenset of non-empty strings."""
    if isinstance(value, str):
        value = (value,)
    return frozenset(text(v, "role") for v in value)


# --- attrs validators and converters (field names come from the attribute) --------------------


def required(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a non-blank text."""
    text(value, attribute.name)


def optional(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or a non-blank text."""
    optional_text(value, attribute.name)


def flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``True`` or ``False``, and nothing that merely looks like one (not
    ``1``, not ``"yes"``)."""
    if not isinstance(value, bool):
        raise InvalidInput(
            f"refused: {attribute.name!r} must be True or False, not "
            f"{type(value).__name__} ({value!r:.40}); pass a bool.",
            field=attribute.name,
        )


def an_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: an id (see :func:`ident`)."""
    ident(value, attribute.name)


def optional_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or an id (see :func:`ident`)."""
    if value is not None:
        ident(value, attribute.name)


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: an aware :class:`pendulum.DateTime`."""
    if not isinstance(value, pendulum.DateTime):
        instant(value, attribute.name)  # raises with the right message
        raise InvalidInput(
            f"refused: {attribute.name!r} must be a pendulum.DateTime; pass one.",
            field=attribute.name,
        )
    instant(value, attribute.name)


def optional_aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: ``None`` or an aware :class:`pendulum.DateTime`."""
    if value is not None:
        aware(instance, attribute, value)


def known_zone(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: an IANA time zone name."""
    zone(value, attribute.name)


def to_pendulum(value: Any) -> Any:
    """attrs converter: an aware standard-library datetime becomes a pendulum one; anything
    else is left for the validator to judge."""
    if (
        isinstance(value, _dt.datetime)
        and not isinstance(value, pendulum.DateTime)
        and value.tzinfo is not None
        and value.utcoffset() is not None
    ):
        return pendulum.instance(value)
    return value


def later(at: pendulum.DateTime, span: pendulum.Duration) -> pendulum.DateTime:
    """``at + span``, as pendulum adds them.

    In UTC, a span without years or months is a fixed amount of time, and the standard
    library adds it to the same result about twenty times faster than pendulum, which
    works out calendar arithmetic first; anything else is left to pendulum.

    Example:
        >>> import pendulum
        >>> from relationkit.domain.values import later
        >>> later(pendulum.datetime(2026, 3, 2, 9, tz="UTC"), pendulum.duration(days=14))
        DateTime(2026, 3, 16, 9, 0, 0, tzinfo=Timezone('UTC'))
    """
    if at.tzinfo is _UTC and not span.years and not span.months:
        result: pendulum.DateTime = _add(at, span)
        return result
    return at + span


_UTC = pendulum.UTC
_add = _dt.datetime.__add__
