"""Hypothesis strategies shared by the test modules, and the number of examples to run.

A test that chooses its own number of examples asks for it as ``examples(n)``: ``n`` under
the ``fast`` profile, :data:`THOROUGH` times ``n`` under the ``thorough`` one (the profiles
are registered in ``conftest.py`` and chosen with ``RELATIONKIT_HYPOTHESIS``).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import settings
from hypothesis import strategies as st

FAST_EXAMPLES = 100
"""Examples a test runs under the ``fast`` profile: Hypothesis' own default."""
THOROUGH = 4
"""How many times more examples every test runs under the ``thorough`` profile."""


def examples(n: int) -> int:
    """``n`` examples scaled by the profile in force: ``n`` when fast, more when thorough."""
    return max(1, n * settings().max_examples // FAST_EXAMPLES)


wall_times = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1))
"""Naive wall-clock times over seventy years, to be read in some time zone."""

spans = st.builds(
    pendulum.duration,
    weeks=st.integers(0, 10),
    days=st.integers(0, 400),
    hours=st.integers(0, 48),
    minutes=st.integers(0, 120),
    seconds=st.integers(0, 120),
    microseconds=st.integers(0, 999_999),
)
"""Non-negative durations built of every unit from weeks down to microseconds."""
