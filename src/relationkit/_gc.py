"""Bulk work without the cyclic garbage collector's full passes.

Hydrating or judging many records at once allocates many objects that all survive. Each
full pass of Python's cyclic collector walks every tracked object, and the passes come
more often as more objects survive, so without a pause the cost per record of a bulk read
grows with the number of records read (B3, B6 in ``docs/performance.md``).

:func:`collector_paused` turns the collector off for the length of a bulk operation and
back on after it, only if it was on, and only when the last of several nested or
concurrent pauses (from other threads) ends. Reference counting still frees every object
that is no longer used; only reference cycles wait for the next pass, and relationkit's
hydrated objects hold none.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (re-entrant, thread-safe)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
