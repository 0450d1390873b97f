"""Service levels: policies of targets per priority, and the clocks that measure them.

A :class:`ServiceLevelPolicy` is data attached to contracts (the entitlements parties name,
R10), never to a person. For each priority it sets targets for up to four metrics:

* ``first_reply``: from the opening of a case to staff's first reply;
* ``next_reply``: from the oldest client statement staff have not answered yet to the next
  reply (every client statement after the first reply arms it, unless it is armed already);
* ``periodic_update``: while work is in progress, from the start of the work (or the last
  update) to the next update posted to the client;
* ``resolution``: from the opening (or a reopening) of a case to its resolution.

Each target is an amount of business time on the policy's calendar, or of elapsed time
around the clock when the policy names no calendar.

A :class:`Clock` measures one target on one case. It is ``running``, ``paused``, ``met``,
``breached`` or ``stopped`` (ended without a verdict: the periodic updates stop when the case
is resolved). A breached clock stays breached ("a failed target stays failed") and goes on
counting by how much until it is fulfilled. The functions here are pure: they read no clock
and no store, and take the calendar they count on (``None`` counts around the clock).

Example:
    >>> import pendulum
    >>> from relationkit.domain.calendar import BusinessCalendar
    >>> from relationkit.domain.service_levels import start_clock, end_clock, remaining
    >>> office = BusinessCalendar(id="office", timezone="Europe/Paris")
    >>> friday = pendulum.datetime(2026, 3, 6, 17, 50, tz="Europe/Paris")
    >>> clock = start_clock("first_reply", pendulum.duration(hours=1), friday, office)
    >>> clock.due_at.in_timezone("Europe/Paris").isoformat()
    '2026-03-09T10:00:00+01:00'
    >>> monday = pendulum.datetime(2026, 3, 9, 9, tz="Europe/Paris")
    >>> remaining(clock, monday, office).in_minutes()
    60
    >>> end_clock(clock, monday.add(minutes=40), office, met=True).state
    'met'
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pendulum

from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.values import an_id, optional
from relationkit.exceptions import InvalidInput

__all__ = [
    "CLOCK_STATES",
    "FIRST_REPLY",
    "METRICS",
    "NEXT_REPLY",
    "PAUSABLE",
    "PERIODIC_UPDATE",
    "REPLIES",
    "RESOLUTION",
    "STATEMENTS",
    "WAIT_REASONS",
    "Clock",
    "ClockChange",
    "ServiceLevelPolicy",
    "ServiceLevels",
    "Tally",
    "Target",
    "breach_clock",
    "counted",
    "end_clock",
    "follow",
    "overrun",
    "pause_clock",
    "remaining",
    "resume_clock",
    "retarget_clock",
    "start_clock",
    "sweep_breach",
    "sweep_warn",
    "warn_clock",
]

FIRST_REPLY = "first_reply"
"""The metric from a case's opening to staff's first reply."""
NEXT_REPLY = "next_reply"
"""The metric from the oldest unanswered client statement to staff's next reply."""
PERIODIC_UPDATE = "periodic_update"
"""The metric from the start of work (or the last update) to the next update."""
RESOLUTION = "resolution"
"""The metric from a case's opening (or reopening) to its resolution."""
METRICS = (FIRST_REPLY, NEXT_REPLY, PERIODIC_UPDATE, RESOLUTION)
"""Every metric a policy may set targets for, in the order reports show them."""
PAUSABLE = frozenset({PERIODIC_UPDATE, RESOLUTION})
"""The metrics whose clocks pause while the case waits: a reply is owed whatever the case
waits on (and asking the client a question is itself a reply)."""
WAIT_REASONS = frozenset({"client", "vendor"})
"""What a case may wait on: the client (after a question) or a third party (a vendor)."""
CLOCK_STATES = ("running", "paused", "met", "breached", "stopped")
"""The states of a :class:`Clock`."""

_ZERO = _dt.timedelta(0)


# --- the policy -------------------------------------------------------------------------------


def _positive_span(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, _dt.timedelta) or value <= _ZERO:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; a target is an amount of time ahead; "
            "give a positive pendulum.duration (hours=4, minutes=30 …).",
            field=attribute.name,
        )
    if not math.isfinite(value.total_seconds()) or value > _dt.timedelta(days=3650):
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; that is beyond the supported horizon of "
            "about ten years; give a shorter target.",
            field=attribute.name,
        )


def _to_duration(value: Any) -> Any:
    if isinstance(value, _dt.timedelta) and not isinstance(value, pendulum.Duration):
        return pendulum.duration(seconds=value.total_seconds())
    return value


def _metric(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in METRICS:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; a service-level metric is one of "
            f"{', '.join(METRICS)}; use one of those.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class Target:
    """One target of a policy: a metric, for a priority, within an amount of time.

    Attributes:
        priority: the priority (or severity) it applies to (``"urgent"``, ``"normal"`` …).
        metric: one of :data:`METRICS`.
        within: business time on the policy's calendar (elapsed time if it has none).
    """

    priority: str = attrs.field(validator=an_id)
    metric: str = attrs.field(validator=_metric)
    within: pendulum.Duration = attrs.field(converter=_to_duration, validator=_positive_span)


def _targets(value: Any) -> tuple[Target, ...]:
    """Targets as given: ``Target`` values, or ``{priority: {metric: duration}}``."""
    if isinstance(value, Mapping):
        found: list[Target] = []
        for priority, metrics in value.items():
            if not isinstance(metrics, Mapping):
                raise InvalidInput(
                    f"refused: the targets of priority {priority!r} as {metrics!r}; give them "
                    "as {metric: duration}, e.g. {'first_reply': pendulum.duration(hours=1)}.",
                    field="targets",
                )
            found += [Target(priority=priority, metric=m, within=w) for m, w in metrics.items()]
        return tuple(found)
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput(
            f"refused: targets = {value!r}; give Target values or "
            "{priority: {metric: duration}}.",
            field="targets",
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, Target):
            raise InvalidInput(
                f"refused: {item!r} as a target; build a Target(priority=…, metric=…, within=…).",
                field="targets",
            )
    return items


def _wait_reasons(value: Any) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput(
            f"refused: pause_when = {value!r}; give a set of what pauses the clocks, out of "
            f"{', '.join(sorted(WAIT_REASONS))}.",
            field="pause_when",
        )
    found = frozenset(value)
    unknown = sorted(str(v) for v in found - WAIT_REASONS)
    if unknown:
        raise InvalidInput(
            f"refused: pause_when naming {', '.join(unknown)}; a case waits on "
            f"{' or '.join(sorted(WAIT_REASONS))}; name only those.",
            field="pause_when",
        )
    return found


def _share(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value < 1
    ):
        raise InvalidInput(
            f"refused: warn_share = {value!r}; the warning comes when that share of a target "
            "has been used; give a number between 0 and 1 (0.75 warns at three quarters).",
            field="warn_share",
        )


def _contracts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise InvalidInput(
            f"refused: contracts = {value!r}; name the contracts the policy applies to.",
            field="contracts",
        )
    return tuple(value)


@attrs.frozen(kw_only=True)
class ServiceLevelPolicy:
    """Targets per priority, attached to contracts (never to a person, R10).

    Store it with ``rk.service_levels.define``. A case gets the policy of its contract (its
    relationship's contract, else its client's), and its clocks take the targets of its
    priority (``default_priority`` when the case names none).

    Attributes:
        id: a stable id.
        contracts: the contracts (entitlement ids) it applies to; a contract has at most one.
        targets: the targets, as :class:`Target` values or ``{priority: {metric:
            duration}}``; a metric a priority has no target for is not measured.
        default_priority: the priority of a case that names none; it must have targets.
        calendar_id: the business calendar the targets count on (``rk.calendars``), or
            ``None`` to count around the clock.
        pause_when: what the pausable clocks (periodic update, resolution) pause for while
            the case waits on it: ``"client"`` (after a question), ``"vendor"`` (a third
            party), both (the default) or neither.
        warn_share: the share of a target after which the sweep warns (0.75 by default).
        title: a name for people.

    Example:
        >>> import pendulum
        >>> gold = ServiceLevelPolicy(id="gold-sla", contracts=("gold",),
        ...     targets={"normal": {"first_reply": pendulum.duration(hours=1)}},
        ...     default_priority="normal", calendar_id="paris")
        >>> gold.target("normal", "first_reply").in_hours(), gold.target("normal", "resolution")
        (1, None)
    """

    id: str = attrs.field(validator=an_id)
    contracts: tuple[str, ...] = attrs.field(converter=_contracts)
    targets: tuple[Target, ...] = attrs.field(converter=_targets)
    default_priority: str = attrs.field(validator=an_id)
    calendar_id: str | None = attrs.field(default=None)
    pause_when: frozenset[str] = attrs.field(
        default=frozenset({"client", "vendor"}), converter=_wait_reasons
    )
    warn_share: float = attrs.field(default=0.75, validator=_share)
    title: str | None = attrs.field(default=None, validator=optional)

    def __attrs_post_init__(self) -> None:
        if not self.contracts:
            raise InvalidInput(
                f"refused: service-level policy {self.id!r} for no contract; a policy is "
                "attached to contracts; name at least one.",
                field="contracts",
            )
        for contract in self.contracts:
            an_id(None, attrs.fields(ServiceLevelPolicy).contracts, contract)
        if len(set(self.contracts)) != len(self.contracts):
            raise InvalidInput(
                f"refused: service-level policy {self.id!r} names a contract twice; name "
                "each once.",
                field="contracts",
            )
        if self.calendar_id is not None:
            an_id(None, attrs.fields(ServiceLevelPolicy).calendar_id, self.calendar_id)
        seen: set[tuple[str, str]] = set()
        for target in self.targets:
            key = (target.priority, target.metric)
            if key in seen:
                raise InvalidInput(
                    f"refused: two targets for {target.metric} at priority "
                    f"{target.priority!r}; give each once.",
                    field="targets",
                )
            seen.add(key)
        if self.default_priority not in self.priorities:
            raise InvalidInput(
                f"refused: default priority {self.default_priority!r} without targets; "
                f"the policy has targets for {', '.join(self.priorities) or 'no priority'}; "
                "name one of those, or give it targets.",
                field="default_priority",
            )

    @property
    def priorities(self) -> tuple[str, ...]:
        """The priorities that have targets, in the order given."""
        return tuple(dict.fromkeys(t.priority for t in self.targets))

    def target(self, priority: str, metric: str) -> pendulum.Duration | None:
        """The target of ``metric`` at ``priority``, or ``None`` if it is not measured."""
        for found in self.targets:
            if found.priority == priority and found.metric == metric:
                return found.within
        return None


# --- clocks -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Clock:
    """One target measured on one case, as its latest event left it.

    Attributes:
        metric: what it measures (:data:`METRICS`).
        target: how much (business) time it allows.
        started_at: when it started.
        state: ``running``, ``paused``, ``met``, ``breached`` or ``stopped``.
        used: the time counted before ``since`` (all of it once the clock ended).
        since: when it last started counting (``None`` while it does not count: paused,
            or ended).
        due_at: while it runs towards its target, when it is due.
        warn_at: while it runs and was not warned yet, when the warning is due.
        warned_at: when the sweep warned, if it did.
        breached_at: when it was breached (the due time it passed), if it was.
        ended_at: when it was met, stopped, or fulfilled after a breach.
        paused: True while it does not count because the case waits (a breached clock
            pauses too, so its overrun does not grow while the case waits).
    """

    metric: str
    target: pendulum.Duration
    started_at: pendulum.DateTime
    state: str = "running"
    used: pendulum.Duration = attrs.field(factory=pendulum.Duration)
    since: pendulum.DateTime | None = None
    due_at: pendulum.DateTime | None = None
    warn_at: pendulum.DateTime | None = None
    warned_at: pendulum.DateTime | None = None
    breached_at: pendulum.DateTime | None = None
    ended_at: pendulum.DateTime | None = None
    paused: bool = False

    @property
    def open(self) -> bool:
        """True until it is met, stopped, or fulfilled after a breach."""
        return self.ended_at is None


def _between(calendar: BusinessCalendar | None, a: pendulum.DateTime, b: pendulum.DateTime) -> Any:
    if b <= a:
        return _ZERO
    if calendar is None:
        return b - a
    return calendar.business_time_between(a, b)


def _plus(
    calendar: BusinessCalendar | None, at: pendulum.DateTime, amount: _dt.timedelta
) -> pendulum.DateTime:
    if amount <= _ZERO:
        return at.in_timezone("UTC")
    if calendar is None:
        return (at + amount).in_timezone("UTC")
    return calendar.add_business_time(at, amount).in_timezone("UTC")


def _span(value: _dt.timedelta) -> pendulum.Duration:
    return pendulum.duration(seconds=value.total_seconds())


def counted(clock: Clock, now: pendulum.DateTime, calendar: BusinessCalendar | None) -> Any:
    """The time ``clock`` has counted by ``now`` (a ``timedelta``)."""
    if clock.since is None:
        return clock.used
    return clock.used + _between(calendar, clock.since, now)


def remaining(
    clock: Clock, now: pendulum.DateTime, calendar: BusinessCalendar | None
) -> pendulum.Duration:
    """The (business) time left before ``clock`` is due, as of ``now``; zero once used up."""
    if not clock.open and clock.state != "breached":
        return _span(max(clock.target - clock.used, _ZERO))
    return _span(max(clock.target - counted(clock, now, calendar), _ZERO))


def overrun(
    clock: Clock, now: pendulum.DateTime, calendar: BusinessCalendar | None
) -> pendulum.Duration:
    """By how much (business) time ``clock`` went past its target, as of ``now`` (zero if it
    did not)."""
    return _span(max(counted(clock, now, calendar) - clock.target, _ZERO))


def _schedule(clock: Clock, share: float, calendar: BusinessCalendar | None) -> Clock:
    """Set the due and warning times of a clock that counts since ``since``."""
    assert clock.since is not None
    left = clock.target - clock.used
    due = _plus(calendar, clock.since, left)
    warn = None
    if clock.warned_at is None:
        warn = _plus(calendar, clock.since, clock.target * share - clock.used)
    return attrs.evolve(clock, due_at=due, warn_at=warn)


def start_clock(
    metric: str,
    target: _dt.timedelta,
    at: pendulum.DateTime,
    calendar: BusinessCalendar | None,
    *,
    share: float = 0.75,
    paused: bool = False,
) -> Clock:
    """A clock for ``target`` that starts counting at ``at`` (or starts paused)."""
    clock = Clock(
        metric=metric,
        target=_span(target),
        started_at=at.in_timezone("UTC"),
        state="paused" if paused else "running",
        used=pendulum.duration(),
        since=None if paused else at.in_timezone("UTC"),
        paused=paused,
    )
    return clock if paused else _schedule(clock, share, calendar)


def pause_clock(clock: Clock, at: pendulum.DateTime, calendar: BusinessCalendar | None) -> Clock:
    """Stop counting at ``at`` (a clock that does not count is left as it is)."""
    if not clock.open or clock.since is None:
        return clock
    return attrs.evolve(
        clock,
        state="paused" if clock.state == "running" else clock.state,
        used=_span(counted(clock, at, calendar)),
        since=None,
        due_at=None,
        warn_at=None,
        paused=True,
    )


def resume_clock(
    clock: Clock, at: pendulum.DateTime, calendar: BusinessCalendar | None, *, share: float
) -> Clock:
    """Count again from ``at`` (a clock that counts or ended is left as it is)."""
    if not clock.open or not clock.paused:
        return clock
    moved = attrs.evolve(
        clock,
        state="running" if clock.state == "paused" else clock.state,
        since=at.in_timezone("UTC"),
        paused=False,
    )
    if moved.state == "breached":
        return moved
    return _schedule(moved, share, calendar)


def end_clock(
    clock: Clock, at: pendulum.DateTime, calendar: BusinessCalendar | None, *, met: bool
) -> Clock:
    """End ``clock`` at ``at``: met (``met=True``; breached if it was due before), or
    stopped without a verdict (``met=False``). An ended clock is left as it is."""
    if not clock.open:
        return clock
    used = _span(counted(clock, at, calendar))
    state = clock.state
    breached_at = clock.breached_at
    if met and state != "breached":
        if used > clock.target:
            state, breached_at = "breached", clock.due_at or at.in_timezone("UTC")
        else:
            state = "met"
    elif not met and state != "breached":
        state = "stopped"
    return attrs.evolve(
        clock,
        state=state,
        used=used,
        since=None,
        due_at=None,
        warn_at=None,
        breached_at=breached_at,
        ended_at=at.in_timezone("UTC"),
        paused=False,
    )


def retarget_clock(
    clock: Clock,
    target: _dt.timedelta,
    at: pendulum.DateTime,
    calendar: BusinessCalendar | None,
    *,
    share: float,
) -> Clock:
    """Give an open clock that is not breached a new target, counted from its start: the
    time it has counted stays, and it is due when that time reaches the new target (at
    ``at`` if it already has). A met, stopped or breached clock is left as it is."""
    if not clock.open or clock.state == "breached":
        return clock
    if clock.since is None:
        return attrs.evolve(clock, target=_span(target))
    moved = attrs.evolve(
        clock,
        target=_span(target),
        used=_span(counted(clock, at, calendar)),
        since=at.in_timezone("UTC"),
    )
    return _schedule(moved, share, calendar)


def warn_clock(clock: Clock, at: pendulum.DateTime) -> Clock:
    """The sweep's warning: the clock was warned at ``at``."""
    return attrs.evolve(clock, warned_at=at.in_timezone("UTC"), warn_at=None)


def breach_clock(clock: Clock) -> Clock:
    """The sweep's breach: the clock passed its due time and stays breached; it keeps
    counting (its overrun) until it is fulfilled."""
    return attrs.evolve(
        clock, state="breached", breached_at=clock.due_at, due_at=None, warn_at=None
    )


@attrs.frozen(kw_only=True)
class Tally:
    """How the ended clocks of one metric went on one case at one priority: how many were
    met in time and how many were breached (a case has one clock per metric at a time, but
    periodic updates, next replies and reopenings measure a metric again).

    Attributes:
        metric: the clocks' metric.
        met: clocks met in time.
        breached: clocks breached.
        priority: the case's priority when they were met or breached (empty in levels
            recorded before tallies kept it: read the case's priority then).
    """

    metric: str
    met: int = 0
    breached: int = 0
    priority: str = ""


def _ordered(tallies: Mapping[tuple[str, str], Tally]) -> tuple[Tally, ...]:
    """Tallies in metric order, then by priority."""
    return tuple(tallies[k] for k in sorted(tallies, key=lambda k: (METRICS.index(k[0]), k[1])))


# --- the clocks of one case -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ClockChange:
    """One change of a clock, as a clock event on the case's timeline names it.

    Attributes:
        metric: the clock's metric.
        change: ``started``, ``paused``, ``resumed``, ``met``, ``breached``, ``fulfilled``
            (a breached clock's reply or resolution came, late), ``stopped``, ``retargeted``
            or ``warned``.
    """

    metric: str
    change: str


@attrs.frozen(kw_only=True)
class ServiceLevels:
    """The service levels of one case: its policy's terms at its priority, and its clocks.

    Attributes:
        policy_id: the policy of the case's contract.
        priority: the priority whose targets the clocks measure.
        targets: the targets at that priority.
        calendar_id: the calendar they count on (``None``: around the clock).
        pause_when: what the pausable clocks pause for.
        warn_share: the share of a target after which the sweep warns.
        waiting_on: what the case waits on now, if the clocks pause for it.
        clocks: the latest clock of each metric measured on the case.
        tallies: how the clocks of each metric went, met or breached.
        contract: the contract the case is served under (its relationship's, else its
            client's) when the clocks started; ``None`` in levels recorded before it was
            kept.
    """

    policy_id: str
    priority: str
    targets: tuple[Target, ...]
    calendar_id: str | None
    pause_when: frozenset[str]
    warn_share: float
    waiting_on: str | None = None
    clocks: tuple[Clock, ...] = ()
    tallies: tuple[Tally, ...] = ()
    contract: str | None = None

    @classmethod
    def of(
        cls, policy: ServiceLevelPolicy, priority: str, *, contract: str | None = None
    ) -> ServiceLevels:
        """The terms of ``policy`` at ``priority``, before any clock started."""
        return cls(
            contract=contract,
            policy_id=policy.id,
            priority=priority,
            targets=tuple(t for t in policy.targets if t.priority == priority),
            calendar_id=policy.calendar_id,
            pause_when=policy.pause_when,
            warn_share=policy.warn_share,
        )

    def clock(self, metric: str) -> Clock | None:
        """The latest clock of ``metric``, or ``None`` if none started."""
        return next((c for c in self.clocks if c.metric == metric), None)

    def target(self, metric: str) -> pendulum.Duration | None:
        """The target of ``metric`` at the case's priority, or ``None``."""
        return next((t.within for t in self.targets if t.metric == metric), None)

    def tally(self, metric: str) -> Tally:
        """How the clocks of ``metric`` went, at every priority together."""
        found = [t for t in self.tallies if t.metric == metric]
        return Tally(
            metric=metric,
            met=sum(t.met for t in found),
            breached=sum(t.breached for t in found),
        )

    @property
    def due_at(self) -> pendulum.DateTime | None:
        """The earliest due time of a clock counting towards its target (what a case shows,
        and what the breach sweep looks up)."""
        found = [c.due_at for c in self.clocks if c.due_at is not None]
        return min(found) if found else None

    @property
    def warn_at(self) -> pendulum.DateTime | None:
        """The earliest warning still to give."""
        found = [c.warn_at for c in self.clocks if c.warn_at is not None]
        return min(found) if found else None

    @property
    def breached(self) -> bool:
        """True while a breached clock is still owed its reply, update or resolution."""
        return any(c.state == "breached" and c.open for c in self.clocks)


STATEMENTS = frozenset({"record_statement", "correct_paraphrase"})
"""Commands that record something new the client said: they arm the next-reply clock."""
REPLIES = frozenset(
    {
        "acknowledge",
        "defer",
        "accept",
        "decline",
        "compromise",
        "refer",
        "post_update",
        "resolve",
    }
)
"""Commands that answer the client: they meet the first- and next-reply clocks (asking the
client a question, ``wait`` on the client, does too). A deferral is a reply: the client is
told when the answer will come, and that promise is kept or broken on its own."""


def follow(
    levels: ServiceLevels,
    command: str,
    *,
    at: pendulum.DateTime,
    calendar: BusinessCalendar | None,
    waiting_on: str | None,
    working: bool,
    answered: bool,
    ask: bool = False,
    targets: tuple[Target, ...] | None = None,
    priority: str | None = None,
) -> tuple[ServiceLevels, tuple[ClockChange, ...]]:
    """The service levels after the case command ``command`` ran at ``at``, and what
    changed.

    Args:
        levels: the levels before.
        command: the command's name (``"open"``, ``"acknowledge"`` …).
        at: when it ran.
        calendar: the calendar of ``levels`` (``None`` around the clock).
        waiting_on: what the case waits on after the command, if anything.
        working: whether work on the case is in progress after it.
        answered: whether staff had replied to the client at least once, after it.
        ask: the command is a question to the client (a ``wait`` on the client).
        targets: for a priority change, the targets at the new ``priority``.
        priority: for a priority change, the new priority.
    """
    share = levels.warn_share
    clocks = {c.metric: c for c in levels.clocks}
    tallies = {(t.metric, t.priority or levels.priority): t for t in levels.tallies}
    changes: list[ClockChange] = []

    def note(metric: str, change: str) -> None:
        changes.append(ClockChange(metric=metric, change=change))

    def count(metric: str, verdict: str) -> None:
        # Counted at the priority in force when the clock ended (a priority change takes
        # effect after the clocks it ends are counted).
        key = (metric, levels.priority)
        old = tallies.get(key, Tally(metric=metric, priority=levels.priority))
        tallies[key] = attrs.evolve(
            old, priority=levels.priority, **{verdict: getattr(old, verdict) + 1}
        )

    # A clock that passed its due time before this command is breached at its due time,
    # whether or not the sweep got there first.
    for metric, clock in list(clocks.items()):
        if clock.due_at is not None and clock.due_at < at:
            clocks[metric] = breach_clock(clock)
            count(metric, "breached")
            note(metric, "breached")

    def start(metric: str) -> None:
        target = levels.target(metric)
        if target is None:
            return
        clocks[metric] = start_clock(metric, target, at, calendar, share=share)
        note(metric, "started")

    def end(metric: str, *, met: bool) -> None:
        clock = clocks.get(metric)
        if clock is None or not clock.open:
            return
        was = clock.state
        ended = end_clock(clock, at, calendar, met=met)
        clocks[metric] = ended
        if was == "breached":
            note(metric, "fulfilled" if met else "stopped")
        elif ended.state == "breached":
            count(metric, "breached")
            note(metric, "breached")
        else:
            if ended.state == "met":
                count(metric, "met")
            note(metric, ended.state)

    def is_open(metric: str) -> bool:
        clock = clocks.get(metric)
        return clock is not None and clock.open

    if command == "open":
        start(FIRST_REPLY)
        start(RESOLUTION)
    replied = answered or FIRST_REPLY in clocks
    if command in STATEMENTS and replied and not is_open(FIRST_REPLY) and not is_open(NEXT_REPLY):
        start(NEXT_REPLY)
    if command in REPLIES or ask:
        end(FIRST_REPLY, met=True)
        end(NEXT_REPLY, met=True)
    if command == "start_work":
        start(PERIODIC_UPDATE)
    if command == "post_update":
        end(PERIODIC_UPDATE, met=True)
        if working:
            start(PERIODIC_UPDATE)
    if command == "resolve":
        end(RESOLUTION, met=True)
        end(PERIODIC_UPDATE, met=False)
    if command == "close":
        for metric in list(clocks):
            end(metric, met=False)
    if command == "reopen":
        start(RESOLUTION)
        if not is_open(NEXT_REPLY):
            start(NEXT_REPLY)
    if command == "change_priority" and targets is not None:
        new = {t.metric: t.within for t in targets}
        for metric, clock in list(clocks.items()):
            if not clock.open or clock.state == "breached":
                continue
            if metric in new:
                if new[metric] != clock.target:
                    clocks[metric] = retarget_clock(clock, new[metric], at, calendar, share=share)
                    note(metric, "retargeted")
            else:
                end(metric, met=False)
    waiting = waiting_on if waiting_on in levels.pause_when else None
    for metric in (m for m in METRICS if m in PAUSABLE):
        pausable = clocks.get(metric)
        if pausable is None or not pausable.open:
            continue
        if waiting is not None and not pausable.paused:
            clocks[metric] = pause_clock(pausable, at, calendar)
            note(metric, "paused")
        elif waiting is None and pausable.paused:
            clocks[metric] = resume_clock(pausable, at, calendar, share=share)
            note(metric, "resumed")
    new_levels = attrs.evolve(
        levels,
        waiting_on=waiting,
        clocks=tuple(clocks[m] for m in METRICS if m in clocks),
        tallies=_ordered(tallies),
    )
    if targets is not None and priority is not None:
        new_levels = attrs.evolve(new_levels, targets=targets, priority=priority)
    return new_levels, tuple(changes)


def sweep_warn(
    levels: ServiceLevels, at: pendulum.DateTime
) -> tuple[ServiceLevels, tuple[str, ...]]:
    """The sweep's warnings as of ``at``: every clock whose warning is due is warned once."""
    warned: list[str] = []
    clocks = []
    for clock in levels.clocks:
        if clock.warn_at is not None and clock.warn_at <= at:
            clock = warn_clock(clock, at)
            warned.append(clock.metric)
        clocks.append(clock)
    return attrs.evolve(levels, clocks=tuple(clocks)), tuple(warned)


def sweep_breach(
    levels: ServiceLevels, at: pendulum.DateTime
) -> tuple[ServiceLevels, tuple[str, ...]]:
    """The sweep's breaches as of ``at``: every clock whose due time passed is breached once."""
    breached: list[str] = []
    clocks = []
    priority = levels.priority
    tallies = {(t.metric, t.priority or priority): t for t in levels.tallies}
    for clock in levels.clocks:
        if clock.due_at is not None and clock.due_at < at:
            clock = breach_clock(clock)
            breached.append(clock.metric)
            key = (clock.metric, priority)
            old = tallies.get(key, Tally(metric=clock.metric, priority=priority))
            tallies[key] = attrs.evolve(old, priority=priority, breached=old.breached + 1)
        clocks.append(clock)
    return (
        attrs.evolve(
            levels,
            clocks=tuple(clocks),
            tallies=_ordered(tallies),
        ),
        tuple(breached),
    )
