"""Test helpers shipped with relationkit: a clock you can move, and ready-made people.

Use them in your application's tests:

    >>> import pendulum
    >>> from relationkit.testing import ManualClock
    >>> clock = ManualClock(pendulum.datetime(2026, 3, 2, 9))
    >>> clock.advance(hours=2).now().hour
    11
"""

from __future__ import annotations

from typing import Any

import pendulum

from relationkit.domain.values import instant

__all__ = ["ManualClock", "StoreContract"]  # noqa: F822 - StoreContract comes from __getattr__


def __getattr__(name: str) -> Any:
    # The store contract suite needs pytest, so it is imported only when asked for.
    if name == "StoreContract":
        from relationkit.store.contract import StoreContract

        return StoreContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
