"""Clocks: where relationkit gets "now".

Domain code never reads the wall clock: :class:`~relationkit.app.relations.Relations` asks
its clock. :class:`SystemClock` reads the real time; :class:`ManualClock` stands still until
you move it, for tests, replays and reports "as of" another moment. Any object with a
``now()`` that returns an aware pendulum time is a clock
(:class:`relationkit.typing.Clock`).

Example:
    >>> import pendulum
    >>> from relationkit.clock import ManualClock, SystemClock
    >>> SystemClock().now().timezone_name
    'UTC'
    >>> clock = ManualClock(pendulum.datetime(2026, 3, 2, 9))
    >>> clock.advance(hours=2).now().hour
    11
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pendulum

from relationkit.domain.values import instant

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Where relationkit gets the time. Domain code never reads the wall clock itself."""

    def now(self) -> pendulum.DateTime:
        """The current instant, time-zone aware."""
        ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> pendulum.DateTime:
        """The current instant."""
        return pendulum.now("UTC")


class ManualClock:
    """A clock that stands still until you move it.

    Args:
        start: the first "now" (aware); 2026-01-05 09:00 UTC if omitted.
    """

    def __init__(self, start: pendulum.DateTime | None = None) -> None:
        self._now = instant(start or pendulum.datetime(2026, 1, 5, 9), "start")

    def now(self) -> pendulum.DateTime:
        """The current (manual) time."""
        return self._now

    def set(self, when: pendulum.DateTime) -> ManualClock:
        """Jump to ``when`` (aware; it may be in the past, for replays)."""
        self._now = instant(when, "when")
        return self

    def advance(self, **duration: Any) -> ManualClock:
        """Move forward by a duration given as pendulum keywords (``hours=2``, ``days=1``)."""
        self._now = self._now.add(**duration)
        return self
