"""Small validated values shared by every domain object: texts, instants, zones and ids.

Domain code never reads the wall clock; times arrive from a :class:`~relationkit.typing.Clock`
or from the caller, and are checked here.

Example:
    >>> import pendulum
    >>> from relationkit.domain.values import instant, text
    >>> instant(pendulum.datetime(2026, 3, 1, 9, tz="Europe/Paris"), "due").timezone_name
    'Europe/Paris'
    >>> text("  Refund please ", "statement")
    'Refund please'
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
    "aware",
    "instant",
    "known_zone",
    "new_id",
    "optional",
    "optional_aware",
    "optional_text",
    "required",
    "text",
    "to_pendulum",
    "utc",
    "zone",
]


def text(value: object, field: str) -> str:
    """Return ``value`` stripped, refusing a non-string or a blank one with :class:`EmptyText`."""
    if not isinstance(value, str):
        raise InvalidInput(
            f"refused: {field!r} must be text, not {type(value).__name__}; "
            "relationkit records words people said or wrote; pass a str.",
            field=field,
        )
    stripped = value.strip()
    if not stripped:
        raise EmptyText(field)
    return stripped


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
