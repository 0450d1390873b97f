"""The service-level rule: clocks are kept by relationkit, never set by hand.

A case's service-level clocks change only through the events relationkit records on its
timeline: right after the case event that moved them, and by the service-level sweep
(warnings, breaches). Both run as relationkit's service account; anyone else who tries to
record clocks, a warning or a breach is refused, so every figure a report shows follows from
what happened on the case.

Example:
    >>> from relationkit.rules.service_levels import ClocksKeptBySystem
    >>> ClocksKeptBySystem.id, sorted(ClocksKeptBySystem().commands)[0]
    ('SLA', 'breach_service_levels')
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from relationkit.rules.policy import SWEEPER_ID

if TYPE_CHECKING:
    from relationkit.rules.base import Attempt

__all__ = ["CLOCK_COMMANDS", "ClocksKeptBySystem", "service_level_rules"]

CLOCK_COMMANDS = frozenset({"track_service_levels", "warn_service_levels", "breach_service_levels"})
"""The commands that record service-level clocks: relationkit's own."""


@attrs.frozen
class ClocksKeptBySystem:
    """SLA — service-level clocks are kept by relationkit.

    The clocks, their warnings and their breaches are recorded by relationkit's service
    account, from what happened on the case and from the calendar; nobody records them by
    hand, so attainment cannot be edited into shape.
    """

    id: ClassVar[str] = "SLA"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = CLOCK_COMMANDS

    def check(self, subject: Any, attempt: Attempt) -> Iterator[str]:
        """Refuse a clock command from anyone but the service account."""
        if attempt.actor.id != SWEEPER_ID:
            yield (
                f"service-level clocks are recorded by relationkit from the case's events, "
                f"not by {attempt.actor.id!r}; record what happened on the case (a reply, a "
                "wait, a priority change) and the clocks follow"
            )


def service_level_rules() -> tuple[Any, ...]:
    """Fresh instances of the built-in service-level rules."""
    return (ClocksKeptBySystem(),)
