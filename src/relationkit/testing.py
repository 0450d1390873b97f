"""Test helpers shipped with relationkit: a clock you can move, and the contract suite every
store backend must pass.

Use them in your application's tests:

    >>> import pendulum
    >>> from relationkit.testing import ManualClock
    >>> clock = ManualClock(pendulum.datetime(2026, 3, 2, 9))
    >>> clock.advance(hours=2).now().hour
    11

:class:`StoreContract` needs pytest; it is imported only when asked for.
"""

from __future__ import annotations

from typing import Any

from relationkit.clock import ManualClock

__all__ = ["ManualClock", "StoreContract"]  # noqa: F822 - StoreContract comes from __getattr__


def __getattr__(name: str) -> Any:
    # The store contract suite needs pytest, so it is imported only when asked for.
    if name == "StoreContract":
        from relationkit.store.contract import StoreContract

        return StoreContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
