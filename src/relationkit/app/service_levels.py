"""Service levels: :class:`ServiceLevelService`, reached as ``Relations.service_levels``.

Policies of targets per priority are attached to contracts (``define``). A case whose
contract has one gets live clocks: right after every case event that moves a clock (a
reply, a client statement, a wait, a priority change …), relationkit records the clocks on
the case's timeline (``ServiceClocksChanged``), as its service account, in the same
transaction. The sweep (``run``, also part of ``rk.sweeps.run``) warns once when a share of
a target has been used and records a breach once when a due time passes.

Example:
    >>> import pendulum
    >>> from relationkit import Client, ManualClock, Relations, Staff
    >>> from relationkit.calendars import BusinessCalendar
    >>> from relationkit.equality import Entitlement
    >>> from relationkit.service_levels import ServiceLevelPolicy
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 6, 16, 50)))
    >>> rk.register(Client(id="c-ana", name="Ana", contract="gold"),
    ...             Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> rk.calendars.register(BusinessCalendar(id="paris", timezone="Europe/Paris"))
    >>> rk.equality.entitle(Entitlement(id="gold", response_within=pendulum.duration(hours=1),
    ...                                 resolution_within=pendulum.duration(days=2)))
    >>> rk.service_levels.define(ServiceLevelPolicy(id="gold-sla", contracts=("gold",),
    ...     targets={"normal": {"first_reply": pendulum.duration(hours=1)}},
    ...     default_priority="normal", calendar_id="paris"))
    >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Invoice",
    ...                     statement="I was billed twice.", case_id="k-1")
    >>> [(s.metric, s.state, s.due_at.isoformat()) for s in rk.service_levels.clocks("k-1")]
    [('first_reply', 'running', '2026-03-09T10:00:00+01:00')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from relationkit.app.directory import entry_changes, register_entries, run_on_entry
from relationkit.app.sweeps import process_due, sweeper_for
from relationkit.domain.aggregate import FollowUp
from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.case import (
    BreachServiceLevels,
    Case,
    TrackServiceLevels,
    WarnServiceLevels,
)
from relationkit.domain.entries import (
    Change,
    ChangeServiceLevels,
    DefineServiceLevels,
    ServiceLevelEntry,
)
from relationkit.domain.parties import Party
from relationkit.domain.relationship import Relationship
from relationkit.domain.service_levels import (
    ServiceLevelPolicy,
    ServiceLevels,
    follow,
    overrun,
    remaining,
)
from relationkit.domain.values import ident, instant
from relationkit.exceptions import AlreadyRegistered, InvalidInput, NotFound
from relationkit.rules.service_levels import CLOCK_COMMANDS

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Aggregate, Command, Written
    from relationkit.domain.directory import Directory
    from relationkit.domain.events import Event
    from relationkit.rules.base import Attempt
    from relationkit.store.base import UnitOfWork

__all__ = [
    "Attainment",
    "ClockStatus",
    "ServiceLevelService",
    "ServiceLevelSweep",
    "attainment",
    "clock_statuses",
]


@attrs.frozen(kw_only=True)
class ClockStatus:
    """Where one clock of a case stands, as of ``at``.

    Attributes:
        metric: what it measures.
        state: ``running``, ``paused``, ``met``, ``breached`` or ``stopped``.
        target: the (business) time it allows.
        started_at: when it started.
        due_at: when it is due, while it counts towards its target.
        remaining: the (business) time left before it is due (zero once used up).
        paused: whether it is paused now (the case waits).
        warned: whether the sweep warned about it.
        met: it was met in time.
        breached: it was breached.
        by: for a met clock, the time it had left; for a breached one, by how much it went
            over (so far, while it is still owed); zero otherwise.
        ended_at: when it was met, fulfilled late, or stopped.
        at: the time the figures are for.
    """

    metric: str
    state: str
    target: pendulum.Duration
    started_at: pendulum.DateTime
    due_at: pendulum.DateTime | None
    remaining: pendulum.Duration
    paused: bool
    warned: bool
    met: bool
    breached: bool
    by: pendulum.Duration
    ended_at: pendulum.DateTime | None
    at: pendulum.DateTime


def clock_statuses(
    levels: ServiceLevels | None,
    now: pendulum.DateTime,
    calendar: BusinessCalendar | None,
    *,
    zone: str = "UTC",
) -> tuple[ClockStatus, ...]:
    """Where each clock of ``levels`` stands as of ``now`` (times shown in ``zone``)."""
    if levels is None:
        return ()
    found = []
    for clock in levels.clocks:
        left = remaining(clock, now, calendar)
        over = overrun(clock, now, calendar)
        found.append(
            ClockStatus(
                metric=clock.metric,
                state=clock.state,
                target=clock.target,
                started_at=clock.started_at.in_timezone(zone),
                due_at=None if clock.due_at is None else clock.due_at.in_timezone(zone),
                remaining=left,
                paused=clock.paused,
                warned=clock.warned_at is not None,
                met=clock.state == "met",
                breached=clock.state == "breached",
                by=over
                if clock.state == "breached"
                else left
                if clock.state == "met"
                else (pendulum.duration()),
                ended_at=None if clock.ended_at is None else clock.ended_at.in_timezone(zone),
                at=now,
            )
        )
    return tuple(found)


@attrs.frozen
class ServiceLevelSweep:
    """What one run of the service-level sweep did.

    Attributes:
        at: the time it swept for.
        warned: ids of cases warned about (a clock used its warning share).
        breached: ids of cases with a clock breached in this run.
        failures: ``(case id, reason)`` for cases that could not be handled.
    """

    at: pendulum.DateTime
    warned: tuple[str, ...] = ()
    breached: tuple[str, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()


@attrs.frozen(kw_only=True)
class Attainment:
    """How often targets were met, in one group of cases.

    Attributes:
        key: the group: ``(policy, priority, party kind, metric)``, with ``"*"`` for all.
        met: clocks met in time.
        breached: clocks breached (a breached clock stays breached).
        cases: how many cases the group holds.
    """

    key: tuple[str, str, str, str]
    met: int
    breached: int
    cases: int

    @property
    def rate(self) -> float | None:
        """The share of ended clocks met in time, or ``None`` when none ended."""
        total = self.met + self.breached
        return None if total == 0 else self.met / total


def attainment(
    cases: Iterable[Case], kinds: Mapping[str, str], *, by: Iterable[str] = ("policy", "priority")
) -> list[Attainment]:
    """SLA attainment of ``cases`` grouped by the dimensions ``by`` (out of ``policy``,
    ``priority``, ``kind`` (the client's party kind) and ``metric``); ``kinds`` maps
    client ids to party kinds. A clock counts at the priority the case had when it was
    met or breached, so raising a case's priority later does not move its earlier
    results. Groups come sorted by key."""
    dims = tuple(by)
    unknown = [d for d in dims if d not in ("policy", "priority", "kind", "metric")]
    if unknown:
        raise InvalidInput(
            f"refused: grouping attainment by {', '.join(map(repr, unknown))}; group by "
            "policy, priority, kind or metric.",
            field="by",
        )
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    members: dict[tuple[str, str, str, str], set[str]] = {}
    for case in cases:
        levels = case.service_levels
        if levels is None:
            continue
        for tally in levels.tallies:
            key = (
                levels.policy_id if "policy" in dims else "*",
                (tally.priority or levels.priority) if "priority" in dims else "*",
                kinds.get(case.client_id, "?") if "kind" in dims else "*",
                tally.metric if "metric" in dims else "*",
            )
            counts = groups.setdefault(key, [0, 0])
            counts[0] += tally.met
            counts[1] += tally.breached
            members.setdefault(key, set()).add(case.id)
    return [
        Attainment(key=key, met=counts[0], breached=counts[1], cases=len(members[key]))
        for key, counts in sorted(groups.items())
    ]


class ServiceLevelService:
    """Service-level policies, live clocks, the sweep and attainment, reached as
    ``Relations.service_levels``.

    Args:
        pipeline: the command pipeline whose store it reads and writes; it registers the
            hook that records the clocks after each case event.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline
        pipeline.add_hook(self._track)

    # --- policies --------------------------------------------------------------------------

    def define(
        self, *policies: ServiceLevelPolicy, actor: str | None = None, reason: str | None = None
    ) -> None:
        """Define service-level policies, all in one transaction or none: each gets an entry
        whose timeline starts with its definition by ``actor`` (``define_service_levels``:
        managers and partners by default; the setup actor if omitted, while nobody may).
        Each contract it names must have an entitlement (``rk.equality.entitle``) and no
        other policy; a calendar it names must be registered (``rk.calendars.register``)
        (``DIR.service_levels``). Cases opened afterwards get clocks; cases opened before
        keep none.

        Raises:
            InvalidInput: something else than a policy, two with one id, or one contract in
                two of them.
            AlreadyRegistered: a policy of that id is defined already (change it with
                :meth:`change`).
            RuleViolation: a contract without an entitlement or covered by another policy,
                or a calendar not registered (``DIR.service_levels``).
            ActorRequired: no actor, and someone may define service-level policies now.
            NotPermitted: the actor may not define service-level policies.
        """
        seen: set[str] = set()
        claimed: dict[str, str] = {}
        for policy in policies:
            if not isinstance(policy, ServiceLevelPolicy):
                raise InvalidInput(
                    f"refused: {policy!r} as a service-level policy; build a "
                    "ServiceLevelPolicy(id=…, contracts=…, targets=…, default_priority=…).",
                    field="policies",
                )
            if policy.id in seen:
                raise InvalidInput(
                    f"refused: two service-level policies with the id {policy.id!r}; pass "
                    "each once.",
                    field="policies",
                )
            seen.add(policy.id)
            for contract in policy.contracts:
                if contract in claimed:
                    raise InvalidInput(
                        f"refused: contract {contract!r} in policies {claimed[contract]!r} "
                        f"and {policy.id!r}; a contract has one service-level policy.",
                        field="contracts",
                    )
                claimed[contract] = policy.id

        def work(uow: UnitOfWork) -> Written:
            for policy in policies:
                if (
                    uow.find(ServiceLevelEntry, policy.id) is not None
                    or uow.find_record(ServiceLevelPolicy, policy.id) is not None
                ):
                    raise AlreadyRegistered(
                        policy.id,
                        "service-level policy",
                        "service-level policy",
                        "change it with rk.service_levels.change, with the reason, or define "
                        "the new policy under an id of its own",
                    )
            commands = [(p.id, DefineServiceLevels(policy=p, reason=reason)) for p in policies]
            return register_entries(self._p, uow, ServiceLevelEntry, commands, actor)

        self._p.write(work)

    def change(
        self, policy: ServiceLevelPolicy, *, reason: str, actor: str | None = None
    ) -> ServiceLevelPolicy:
        """Change a defined service-level policy (``change_service_levels``: managers and
        partners by default): ``policy`` is the policy as it is to be from now on, under the
        id of the one it changes. Returns the policy as lookups now read it.

        Cases keep the terms their clocks started with: a case opened before the change
        keeps its targets, calendar, pauses and warning share (its running clocks keep
        their due times, and clocks it starts later take the targets it was opened with);
        cases opened after the change get the new terms. Changing a case's priority reads
        the policy as it is then: the case takes the targets the policy now has at its new
        priority.

        Raises:
            InvalidInput: ``policy`` is not a policy, or ``reason`` is missing.
            NotFound: no policy of that id is defined.
            RuleViolation: a contract without an entitlement or covered by another policy,
                a calendar not registered, or nothing changes (``DIR.service_levels``).
            ActorRequired: no actor, and someone may change service-level policies now.
            NotPermitted: the actor may not change service-level policies.
        """
        if not isinstance(policy, ServiceLevelPolicy):
            raise InvalidInput(
                f"refused: changing a service-level policy to a {type(policy).__name__}; pass "
                "the ServiceLevelPolicy as it is to be, under the id of the one it changes.",
                field="policy",
            )
        command = ChangeServiceLevels(policy=policy, reason=reason)
        return run_on_entry(self._p, ServiceLevelEntry, policy.id, command, actor).policy

    def changes(self, policy_id: str) -> list[Change]:
        """Who defined and changed a service-level policy, when and why, oldest first, read
        from its timeline (its hash chain checked).

        Raises:
            NotFound: no policy of that id is defined.
            TimelineBroken: its timeline was tampered with.
        """
        return entry_changes(
            self._p,
            ServiceLevelEntry,
            policy_id,
            what="service-level policy",
            fix="define it (rk.service_levels.define)",
        )

    def policies(self) -> list[ServiceLevelPolicy]:
        """Every stored policy, by id."""
        with self._p.reading() as uow:
            return sorted(uow.records(ServiceLevelPolicy), key=lambda p: p.id)

    def policy(self, policy_id: str) -> ServiceLevelPolicy:
        """The stored policy with that id.

        Raises:
            NotFound: no such policy.
        """
        with self._p.reading() as uow:
            found = uow.find_record(ServiceLevelPolicy, ident(policy_id, "policy_id"))
        if found is None:
            raise NotFound(
                "service-level policy", policy_id, "define it (rk.service_levels.define)"
            )
        return found

    # --- clocks ----------------------------------------------------------------------------

    def clocks(
        self, case_id: str, *, now: pendulum.DateTime | None = None
    ) -> tuple[ClockStatus, ...]:
        """Where each clock of the case stands as of ``now`` (the clock's time if omitted):
        due when, how much (business) time is left, paused or not, met or breached and by
        how much. Times are shown in the calendar's zone. A case without a policy has none.
        """
        when = self._p.now() if now is None else instant(now, "now")
        with self._p.reading() as uow:
            case = uow.get(Case, ident(case_id, "case_id"))
            levels = case.service_levels
            calendar = None if levels is None else _calendar(uow, levels)
        zone = "UTC" if calendar is None else calendar.timezone
        return clock_statuses(levels, when, calendar, zone=zone)

    def breaching_within(
        self,
        within: pendulum.Duration,
        *,
        now: pendulum.DateTime | None = None,
        limit: int | None = None,
    ) -> list[Case]:
        """Cases with a clock due within ``within`` of ``now`` (or due already and not yet
        recorded as breached), earliest due first; read from an index."""
        when = self._p.now() if now is None else instant(now, "now")
        if not isinstance(within, pendulum.Duration) or within.total_seconds() < 0:
            raise InvalidInput(
                f"refused: within = {within!r}; give a pendulum.duration of zero or more.",
                field="within",
            )
        with self._p.reading() as uow:
            return uow.select(
                Case, order_by="sla_due_at", limit=limit, sla_due_at__le=when + within
            )

    def breached(self, *, limit: int | None = None) -> list[Case]:
        """Cases with a breached clock still owed its reply, update or resolution (read
        from an index)."""
        with self._p.reading() as uow:
            return uow.select(Case, order_by="id", limit=limit, sla_breached=True)

    # --- the sweep -------------------------------------------------------------------------

    def run(self, now: pendulum.DateTime | None = None, *, batch: int = 100) -> ServiceLevelSweep:
        """Warn once about each clock that used its warning share, and record once each
        breach of a due time passed, as of ``now``. Running it again for the same time
        changes nothing; it is safe to run from several processes at once (on PostgreSQL
        they share the work with ``SKIP LOCKED``). Listeners hear ``ServiceLevelWarning``
        and ``ServiceLevelBreached``."""
        when = self._p.now() if now is None else instant(now, "now")
        failures: list[tuple[str, str]] = []
        breached = self._sweep(
            "service-levels-breach",
            {"sla_due_at__lt": when},
            lambda case: BreachServiceLevels(
                metrics=tuple(
                    c.metric for c in _levels(case).clocks if c.due_at and c.due_at < when
                )
            ),
            when,
            batch,
            failures,
        )
        warned = self._sweep(
            "service-levels-warn",
            {"sla_warn_at__le": when},
            lambda case: WarnServiceLevels(
                metrics=tuple(
                    c.metric for c in _levels(case).clocks if c.warn_at and c.warn_at <= when
                )
            ),
            when,
            batch,
            failures,
        )
        return ServiceLevelSweep(when, warned, breached, tuple(failures))

    def _sweep(
        self,
        name: str,
        due: dict[str, Any],
        make: Any,
        now: pendulum.DateTime,
        batch: int,
        failures: list[tuple[str, str]],
    ) -> tuple[str, ...]:
        def process(uow: UnitOfWork, case: Case) -> Written:
            command: Command = make(case)
            sweeper = sweeper_for(self._p.config, command.NAME)
            return self._p.run_on(uow, case, command, actor=sweeper, now=now)

        result = process_due(self._p, Case, due, process, name=name, batch=batch)
        failures.extend((item, str(exc)) for item, exc in result.refused)
        return result.processed

    # --- reports ---------------------------------------------------------------------------

    def attainment(
        self,
        *,
        by: Iterable[str] = ("policy", "priority"),
        since: pendulum.DateTime | None = None,
    ) -> list[Attainment]:
        """SLA attainment of the cases opened since ``since``, grouped by ``by`` (out of
        ``policy``, ``priority``, ``kind`` and ``metric``)."""
        start = None if since is None else instant(since, "since")
        with self._p.reading() as uow:
            cases = [c for c in uow.select(Case) if start is None or c.opened_at >= start]
            kinds = {p.id: p.kind for p in uow.records(Party)}
        return attainment(cases, kinds, by=by)

    # --- the hook --------------------------------------------------------------------------

    def _track(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """After a case event: the clocks it moved, recorded on the same case."""
        if not isinstance(subject, Case) or attempt.command_name in CLOCK_COMMANDS:
            return ()
        name = attempt.command_name
        directory = attempt.directory
        levels = subject.service_levels
        targets = None
        priority = None
        if name == "open":
            policy, contract = _policy_for(subject, directory)
            if policy is None:
                return ()
            priority = subject.priority or policy.default_priority
            _check_priority(policy, priority, subject.id)
            levels = ServiceLevels.of(policy, priority, contract=contract)
        elif levels is None:
            return ()
        elif name == "change_priority":
            policy = directory.find_record(ServiceLevelPolicy, levels.policy_id)
            if policy is None:
                raise NotFound(
                    "service-level policy",
                    levels.policy_id,
                    f"case {subject.id!r} is measured against it; define it again",
                )
            priority = subject.priority or policy.default_priority
            _check_priority(policy, priority, subject.id)
            targets = ServiceLevels.of(policy, priority).targets
        calendar = _calendar(directory, levels)
        question = name == "wait" and getattr(attempt.command, "on", None) == "client"
        after, changes = follow(
            levels,
            name,
            at=event.at,
            calendar=calendar,
            waiting_on=subject.waiting_on,
            working=subject.state == "in_progress",
            answered=subject.first_response_at is not None,
            ask=question,
            targets=targets,
            priority=priority,
        )
        if after == subject.service_levels and not changes:
            return ()
        command = TrackServiceLevels(levels=after, clock_changes=changes, cause=event.name)
        return [
            FollowUp(
                aggregate=Case,
                command=command,
                aggregate_id=subject.id,
                why=f"recording the service-level clocks after {event.name}",
                actor=sweeper_for(self._p.config, command.NAME),
            )
        ]


def _levels(case: Case) -> ServiceLevels:
    assert case.service_levels is not None  # the due lookups select cases with clocks
    return case.service_levels


def _check_priority(policy: ServiceLevelPolicy, priority: str, case_id: str) -> None:
    if priority not in policy.priorities:
        raise InvalidInput(
            f"refused: priority {priority!r} for case {case_id!r}; its service-level policy "
            f"{policy.id!r} has targets for {', '.join(policy.priorities)}; use one of those.",
            field="priority",
        )


def _policy_for(case: Case, directory: Directory) -> tuple[ServiceLevelPolicy | None, str | None]:
    """The policy of the case's contract (its relationship's contract, else its client's),
    and that contract."""
    contract = None
    if case.relationship_id is not None:
        relationship = directory.find(Relationship, case.relationship_id)
        if relationship is not None:
            contract = relationship.contract
    if contract is None:
        party = directory.find_party(case.client_id)
        if party is None:
            return None, None
        contract = party.contract
    if contract is None:  # no contract, no policy: nothing more to read
        return None, None
    for policy in directory.records(ServiceLevelPolicy):
        if contract in policy.contracts:
            return policy, contract
    return None, contract


def _calendar(directory: Directory | UnitOfWork, levels: ServiceLevels) -> BusinessCalendar | None:
    if levels.calendar_id is None:
        return None
    found = directory.find_record(BusinessCalendar, levels.calendar_id)
    if found is None:
        raise NotFound(
            "calendar",
            levels.calendar_id,
            "the case's service levels count on it; if its record was removed, rewrite it "
            "from its timeline (rk.directory.restore_record(calendar_id, CalendarEntry)), "
            "else register it (rk.calendars.register)",
        )
    return found
