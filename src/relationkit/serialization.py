"""The one cattrs converter that turns domain objects into plain JSON-ready data and back.

Storage backends, timeline hashing and event payloads all go through :data:`converter`, so a
value is written the same way everywhere. Times keep their zone: a
:class:`pendulum.DateTime` becomes ``"2026-05-04T09:00:00+02:00[Europe/Paris]"``.

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
import functools
import json
from typing import Any

import cattrs
import pendulum
from cattrs.preconf.json import make_converter as _make_json_converter

__all__ = [
    "canonical_json",
    "configure_converter",
    "converter",
    "datetime_from_text",
    "datetime_to_text",
    "make_converter",
]


def datetime_to_text(value: pendulum.DateTime) -> str:
    """``ISO-8601[zone]``: the instant and the name of its time zone."""
    return f"{value.isoformat()}[{value.timezone_name}]"


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    return pendulum.timezone(name)


def datetime_from_text(value: str) -> pendulum.DateTime:
    """The inverse of :func:`datetime_to_text`; a plain ISO string is accepted too."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 text, got {type(value).__name__}")
    iso, _, rest = value.partition("[")
    name = rest[:-1] if rest.endswith("]") else ""
    if name and name[0] not in "+-":
        # Fast path for what datetime_to_text writes (ISO with an offset, then a zone name):
        # the standard library parses and converts it several times faster than pendulum,
        # to the same instant, zone and fold.
        try:
            fast = _dt.datetime.fromisoformat(iso)
        except ValueError:
            fast = None
        if fast is not None and fast.tzinfo is not None:
            x = fast.astimezone(_zone(name))
            return pendulum.DateTime(
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


def configure_converter(conv: cattrs.Converter) -> cattrs.Converter:
    """Teach ``conv`` relationkit's value types (date-times with zones, durations, sets)."""
    conv.register_unstructure_hook(pendulum.DateTime, datetime_to_text)
    conv.register_structure_hook(pendulum.DateTime, lambda v, _: datetime_from_text(v))
    conv.register_unstructure_hook(pendulum.Duration, _duration_to_seconds)
    conv.register_structure_hook(pendulum.Duration, _duration_from_seconds)
    conv.register_unstructure_hook(frozenset, lambda v: sorted(conv.unstructure(x) for x in v))
    return conv


def make_converter() -> cattrs.Converter:
    """A new converter with relationkit's hooks, producing JSON-ready data."""
    return configure_converter(_make_json_converter(forbid_extra_keys=True))


converter: cattrs.Converter = make_converter()
"""The converter relationkit uses for storage, events and hashing."""


def canonical_json(data: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): the form that timeline hashes cover."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
