"""Clocks: where relationkit gets "now".

:class:`SystemClock` reads the real time; tests and replays use
:class:`relationkit.testing.ManualClock` to travel in time.

Example:
    >>> from relationkit.clock import SystemClock
    >>> SystemClock().now().timezone_name
    'UTC'
"""

from __future__ import annotations

import pendulum

__all__ = ["SystemClock"]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> pendulum.DateTime:
        """The current instant."""
        return pendulum.now("UTC")
