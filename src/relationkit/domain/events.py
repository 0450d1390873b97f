"""Events and the tamper-evident timeline.

Every accepted command appends one immutable :class:`Event` to its aggregate's timeline. Each
event's ``hash`` covers its content and the previous event's hash, so altering, removing or
reordering any stored event breaks the chain, and :func:`verify_timeline` names the first
event that fails.

Example:
    >>> import pendulum
    >>> from relationkit.domain.events import chain, verify_timeline
    >>> at = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
    >>> first = chain(None, aggregate_id="case-1", name="CaseOpened", actor_id="s-1",
    ...               at=at, data={"subject": "Refund"})
    >>> second = chain(first, aggregate_id="case-1", name="CaseClosed", actor_id="s-1",
    ...                at=at, data={})
    >>> verify_timeline("case-1", [first, second])
    >>> second.sequence, second.previous == first.hash
    (2, True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pendulum

from relationkit.exceptions import InvalidInput, TimelineBroken
from relationkit.serialization import canonical_json, datetime_to_text

__all__ = ["GENESIS", "Event", "chain", "event_hash", "next_event", "verify_timeline"]

GENESIS = "0" * 64
"""The ``previous`` hash of an aggregate's first event."""

_UTC = pendulum.UTC


@attrs.frozen(kw_only=True)
class Event:
    """One accepted change, as it is kept forever.

    Attributes:
        aggregate_id: whose timeline it belongs to.
        sequence: its 1-based position on that timeline (also the aggregate's new version).
        name: past-tense name such as ``"CaseAcknowledged"``.
        actor_id: who issued the command.
        at: when, in UTC.
        data: the command's JSON-ready payload.
        previous: the hash of the event before (``GENESIS`` for the first).
        hash: SHA-256 over all of the above.
    """

    aggregate_id: str
    sequence: int
    name: str
    actor_id: str
    at: pendulum.DateTime
    data: Mapping[str, Any]
    previous: str
    hash: str
    data_json: str | None = attrs.field(default=None, init=False, eq=False, repr=False)
    """The data as the canonical JSON text the hash covers, when the event was just made
    by :func:`next_event` (a store keeps that text as it is instead of encoding the data
    again). Not an argument: an event built or evolved by hand has ``None`` here, so its
    text is always made from its own data."""

    def recomputed_hash(self) -> str:
        """The hash this event's content yields now (differs from ``hash`` if altered)."""
        return event_hash(
            self.aggregate_id,
            self.sequence,
            self.name,
            self.actor_id,
            self.at,
            self.data,
            self.previous,
        )


_text = json.JSONEncoder(ensure_ascii=False).encode


def _digest(
    aggregate_id: str,
    sequence: int,
    name: str,
    actor_id: str,
    at: pendulum.DateTime,
    data_json: str,
    previous: str,
) -> str:
    # canonical_json of [aggregate_id, sequence, name, actor_id, at, data, previous], with
    # the data already in its canonical text: the same characters, built without encoding
    # the data twice.
    body = (
        f"[{_text(aggregate_id)},{sequence},{_text(name)},{_text(actor_id)},"
        f"{_text(datetime_to_text(at))},{data_json},{_text(previous)}]"
    )
    try:
        encoded = body.encode()
    except UnicodeEncodeError as exc:  # an application's command without text validators
        raise InvalidInput(
            f"refused: the event {name!r} of {aggregate_id!r}; its data holds a lone surrogate "
            f"({exc.object[exc.start]!r}), half of a character that cannot be written as "
            "UTF-8, so it can be neither hashed nor stored; check the command's texts where "
            "they enter (the attrs validators relationkit.domain.values.required and optional "
            "do).",
            field="data",
        ) from None
    return hashlib.sha256(encoded).hexdigest()


def event_hash(
    aggregate_id: str,
    sequence: int,
    name: str,
    actor_id: str,
    at: pendulum.DateTime,
    data: Mapping[str, Any],
    previous: str,
) -> str:
    """The SHA-256 hex digest that chains an event to its predecessor: over the canonical
    JSON (sorted keys, no spaces) of ``[aggregate_id, sequence, name, actor_id, at, data,
    previous]``."""
    return _digest(aggregate_id, sequence, name, actor_id, at, canonical_json(data), previous)


def chain(
    last: Event | None,
    *,
    aggregate_id: str,
    name: str,
    actor_id: str,
    at: pendulum.DateTime,
    data: Mapping[str, Any],
) -> Event:
    """Make the event that follows ``last`` (or the first one, when ``last`` is ``None``)."""
    return next_event(
        aggregate_id,
        0 if last is None else last.sequence,
        GENESIS if last is None else last.hash,
        name=name,
        actor_id=actor_id,
        at=at,
        data=data,
    )


def next_event(
    aggregate_id: str,
    version: int,
    head: str,
    *,
    name: str,
    actor_id: str,
    at: pendulum.DateTime,
    data: Mapping[str, Any],
) -> Event:
    """Make the event that follows an aggregate at ``version`` whose last hash is ``head``."""
    if at.tzinfo is not _UTC:  # the service's clock gives UTC; converting it again is costly
        at = at.in_timezone("UTC")
    sequence = version + 1
    data_json = canonical_json(data)
    digest = _digest(aggregate_id, sequence, name, actor_id, at, data_json, head)
    event = Event(
        aggregate_id=aggregate_id,
        sequence=sequence,
        name=name,
        actor_id=actor_id,
        at=at,
        data=data,
        previous=head,
        hash=digest,
    )
    object.__setattr__(event, "data_json", data_json)
    return event


def verify_timeline(
    aggregate_id: str,
    events: Sequence[Event],
    *,
    version: int | None = None,
    head: str | None = None,
    kind: str = "",
) -> None:
    """Check a timeline's hash chain; raise :class:`TimelineBroken` at the first bad event,
    naming what happened to it.

    The chain says which event follows which (each event names its predecessor's hash), so
    a damaged timeline tells how it was damaged:

    - ``"altered"``: an event's content, sequence number or hash was changed, or the event
      was replaced by another (the next event does not follow it);
    - ``"removed"``: an event is missing: the one stored next follows an event that is not
      stored (even when the later events were renumbered to close the gap);
    - ``"reordered"``: the event that follows is stored, but at another place;
    - ``"truncated"``: the latest events are missing (``version`` and ``head`` say so);
    - ``"added"``: events follow the one the aggregate recorded as its last (``head``).

    Args:
        aggregate_id: whose timeline this is.
        events: the events in stored order.
        version: the aggregate's stored version, if known: fewer events means the latest
            ones were removed (``"truncated"``).
        head: the aggregate's stored last hash, if known.
        kind: the aggregate's kind, for the error (``"case"``).

    Example:
        >>> import pendulum
        >>> at = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
        >>> first = chain(None, aggregate_id="k", name="Opened", actor_id="s", at=at, data={})
        >>> second = chain(first, aggregate_id="k", name="Noted", actor_id="s", at=at, data={})
        >>> third = chain(second, aggregate_id="k", name="Closed", actor_id="s", at=at, data={})
        >>> for stored in ([first, third, second], [first, third]):
        ...     try:
        ...         verify_timeline("k", stored)
        ...     except TimelineBroken as broken:
        ...         print(broken.sequence, broken.problem)
        2 reordered
        2 removed
    """
    problem = _first_break(aggregate_id, events, version, head)
    if problem is not None:
        sequence, name, detail = problem
        raise TimelineBroken(aggregate_id, sequence, name, detail, kind=kind)


_Break = tuple[int, str, str]
"""Where a timeline breaks (its 1-based position), the problem's name and the details."""

_RENUMBERED_SEARCH = 10_000
"""How many later sequence numbers to try when looking for the one an event was chained at."""


def _first_break(
    aggregate_id: str, events: Sequence[Event], version: int | None, head: str | None
) -> _Break | None:
    followers: dict[str, list[int]] = {}  # a hash -> the positions of the events that follow it
    for position, event in enumerate(events, start=1):
        followers.setdefault(event.previous, []).append(position)
    previous = GENESIS
    for position, event in enumerate(events, start=1):
        if type(event.sequence) is not int:
            return position, "altered", f"{event.name} has the sequence number {event.sequence!r}"
        if event.aggregate_id != aggregate_id:
            return (
                position,
                "altered",
                f"the event stored here, {event.name}, belongs to the timeline of "
                f"{event.aggregate_id!r}",
            )
        if event.previous != previous:
            return _misplaced(events, position, followers, version)
        if event.recomputed_hash() != event.hash:
            if event.sequence != position and _hashed_at(event, position):
                detail = f"{event.name} is in its place but was renumbered {event.sequence}"
            else:
                detail = f"the content or the hash of {event.name} was changed"
            return position, "altered", detail
        previous = event.hash
    return _end_break(events, version, head)


def _hashed_at(event: Event, sequence: int) -> bool:
    """Whether ``event`` was chained as event ``sequence`` (its content otherwise intact)."""
    at = attrs.evolve(event, sequence=sequence)
    return at.recomputed_hash() == event.hash


def _misplaced(
    events: Sequence[Event],
    position: int,
    followers: Mapping[str, list[int]],
    version: int | None,
) -> _Break:
    """Why the event at ``position`` does not follow the (intact) events before it."""
    event = events[position - 1]
    before = GENESIS if position == 1 else events[position - 2].hash
    here = f"{event.name} (stored as event {event.sequence!r})"
    later = [p for p in followers.get(before, ()) if p > position]
    if later:
        follower = events[later[0] - 1]
        after = "the first event" if position == 1 else f"the event after event {position - 1}"
        return (
            position,
            "reordered",
            f"{after} is {follower.name}, stored at place {later[0]} (as event "
            f"{follower.sequence!r}); {here} is stored in its place",
        )
    if event.recomputed_hash() == event.hash:  # intact itself: what it followed is gone
        if event.sequence > position:
            missing = _span(position, event.sequence - 1)
            return (
                position,
                "removed",
                f"{missing} missing: {here} follows an event that is no longer stored",
            )
        if position > 1:
            replaced = events[position - 2]
            return (
                position - 1,
                "altered",
                f"{replaced.name} is not the event that {here} follows: it was replaced",
            )
        return position, "altered", f"{here} claims to follow an event before the first"
    upper = min(max(version or 0, len(events)) + 1, position + _RENUMBERED_SEARCH)
    for sequence in range(position + 1, upper + 1):
        if _hashed_at(event, sequence):
            missing = _span(position, sequence - 1)
            return (
                position,
                "removed",
                f"{missing} missing and the later events were renumbered to hide it: "
                f"{here} was event {sequence}",
            )
    return position, "altered", f"the content of {here} was changed and it follows no event"


def _end_break(events: Sequence[Event], version: int | None, head: str | None) -> _Break | None:
    """With every stored event intact and in order: does the timeline end where the
    aggregate says it does?"""
    count = len(events)
    last = events[-1].hash if events else GENESIS
    if head is not None and head != last:
        places = {e.hash: p for p, e in enumerate(events, start=1)}
        if head in places:
            recorded = places[head]
            return (
                recorded + 1,
                "added",
                f"the aggregate's last event is event {recorded}, but {count - recorded} "
                f"more follow it, from {events[recorded].name}",
            )
        if version is not None and version > count:
            return _truncated(count, version)
        return (
            max(count, 1),
            "altered",
            "the last event is not the one the aggregate recorded as its last",
        )
    if head is None and version is not None and version != count:
        if version > count:
            return _truncated(count, version)
        return (
            version + 1,
            "added",
            f"the aggregate is at version {version} but its timeline holds {count} events",
        )
    return None


def _truncated(count: int, version: int) -> _Break:
    return (
        count + 1,
        "truncated",
        f"the aggregate is at version {version} but its timeline holds {count} events: "
        f"{_span(count + 1, version)} missing",
    )


def _span(first: int, last: int) -> str:
    return f"event {first} is" if first == last else f"events {first} to {last} are"
