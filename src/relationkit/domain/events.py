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
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pendulum

from relationkit.exceptions import TimelineBroken
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


def event_hash(
    aggregate_id: str,
    sequence: int,
    name: str,
    actor_id: str,
    at: pendulum.DateTime,
    data: Mapping[str, Any],
    previous: str,
) -> str:
    """The SHA-256 hex digest that chains an event to its predecessor."""
    body = canonical_json(
        [aggregate_id, sequence, name, actor_id, datetime_to_text(at), data, previous]
    )
    return hashlib.sha256(body.encode()).hexdigest()


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
    digest = event_hash(aggregate_id, sequence, name, actor_id, at, data, head)
    return Event(
        aggregate_id=aggregate_id,
        sequence=sequence,
        name=name,
        actor_id=actor_id,
        at=at,
        data=data,
        previous=head,
        hash=digest,
    )


def verify_timeline(
    aggregate_id: str,
    events: Sequence[Event],
    *,
    version: int | None = None,
    head: str | None = None,
) -> None:
    """Check a timeline's hash chain; raise :class:`TimelineBroken` at the first bad event.

    Args:
        aggregate_id: whose timeline this is.
        events: the events in stored order.
        version: the aggregate's stored version, if known: fewer events means the latest
            ones were removed (``"truncated"``).
        head: the aggregate's stored last hash, if known.
    """
    previous = GENESIS
    for position, event in enumerate(events, start=1):
        if event.aggregate_id != aggregate_id:
            raise TimelineBroken(
                aggregate_id, position, "reordered", f"it belongs to {event.aggregate_id!r}"
            )
        if event.sequence != position:
            # The missing sequence number further on means the events were swapped, not lost.
            later = any(e.sequence == position for e in events[position:])
            problem = "removed" if event.sequence > position and not later else "reordered"
            raise TimelineBroken(
                aggregate_id,
                position,
                problem,
                f"expected sequence {position}, found {event.sequence} ({event.name})",
            )
        if event.previous != previous:
            raise TimelineBroken(
                aggregate_id,
                position,
                "removed",
                f"{event.name} does not follow the event before it",
            )
        if event.recomputed_hash() != event.hash:
            raise TimelineBroken(
                aggregate_id, position, "altered", f"the content of {event.name} was changed"
            )
        previous = event.hash
    count = len(events)
    if version is not None and count != version:
        raise TimelineBroken(
            aggregate_id,
            min(count, version) + 1,
            "truncated" if count < version else "altered",
            f"the aggregate is at version {version} but its timeline holds {count} events",
        )
    if head is not None and previous != head:
        raise TimelineBroken(
            aggregate_id, count, "altered", "the last event is not the one the aggregate recorded"
        )
