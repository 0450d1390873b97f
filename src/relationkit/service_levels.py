"""Service levels on business calendars: policies of targets per priority attached to
contracts, live clocks on each case that pause while it waits, warnings and breaches from the
sweep, attainment reports. Reached as ``Relations.service_levels``
(:class:`ServiceLevelService`). Policies are entries of the directory
(:class:`ServiceLevelEntry`), each definition and change an event on its own timeline.

Example:
    >>> import pendulum
    >>> from relationkit.service_levels import ServiceLevelPolicy
    >>> policy = ServiceLevelPolicy(id="gold-sla", contracts=("gold",),
    ...     targets={"urgent": {"first_reply": pendulum.duration(minutes=30)},
    ...              "normal": {"first_reply": pendulum.duration(hours=4)}},
    ...     default_priority="normal", calendar_id="paris")
    >>> policy.priorities, policy.warn_share, sorted(policy.pause_when)
    (('urgent', 'normal'), 0.75, ['client', 'vendor'])
"""

from __future__ import annotations

from relationkit.app.service_levels import (
    Attainment,
    ClockStatus,
    ServiceLevelService,
    ServiceLevelSweep,
    attainment,
    clock_statuses,
)
from relationkit.domain.case import (
    BreachServiceLevels,
    ChangePriority,
    EndWait,
    PostUpdate,
    TrackServiceLevels,
    Wait,
    WarnServiceLevels,
)
from relationkit.domain.entries import (
    SERVICE_LEVEL_IMPORT_REASON,
    ChangeServiceLevels,
    DefineServiceLevels,
    ServiceLevelEntry,
)
from relationkit.domain.service_levels import (
    CLOCK_STATES,
    FIRST_REPLY,
    METRICS,
    NEXT_REPLY,
    PAUSABLE,
    PERIODIC_UPDATE,
    REPLIES,
    RESOLUTION,
    STATEMENTS,
    WAIT_REASONS,
    Clock,
    ClockChange,
    ServiceLevelPolicy,
    ServiceLevels,
    Tally,
    Target,
    follow,
    overrun,
    remaining,
)
from relationkit.rules.service_levels import ClocksKeptBySystem

__all__ = [
    "Attainment",
    "BreachServiceLevels",
    "ChangePriority",
    "ChangeServiceLevels",
    "CLOCK_STATES",
    "Clock",
    "ClockChange",
    "ClocksKeptBySystem",
    "ClockStatus",
    "DefineServiceLevels",
    "EndWait",
    "FIRST_REPLY",
    "METRICS",
    "NEXT_REPLY",
    "PAUSABLE",
    "PERIODIC_UPDATE",
    "PostUpdate",
    "REPLIES",
    "RESOLUTION",
    "SERVICE_LEVEL_IMPORT_REASON",
    "STATEMENTS",
    "ServiceLevelEntry",
    "ServiceLevelPolicy",
    "ServiceLevelService",
    "ServiceLevelSweep",
    "ServiceLevels",
    "Tally",
    "Target",
    "TrackServiceLevels",
    "WAIT_REASONS",
    "Wait",
    "WarnServiceLevels",
    "attainment",
    "clock_statuses",
    "follow",
    "overrun",
    "remaining",
]
