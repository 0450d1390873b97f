"""The care rules that govern promises and expectations: R4, R5, R1 for promises, and P1.

* **R4 PromiseWithinMeans** — promise only what you can deliver: a delivery promise fits an
  offering's scope, falls due no earlier than the offering's lead time allows on its business
  calendar, and its owner has capacity. A refusal states the earliest honest due time and
  which limit was hit. A *stretch* beyond those limits waits for a manager other than the
  owner to approve it.
* **R5 ExpectationsSettled** — set expectations up front: before a promise or a plan on a case
  is committed, each expectation the client stated is matched to an offering's scope item or
  reset with the client, the conversation recorded.
* **R1 HeardBeforePromising** — no promise on a case before the client confirmed being heard;
  **HeardBeforeUpdating** asks the same of a vendor ticket's update, which promises the next.
* **P1 PromiseTiming** — a promise is kept, renegotiated or withdrawn before it falls due,
  and recorded as broken only after.

Example:
    >>> from relationkit.promises import PromiseConfig
    >>> from relationkit.rules.promise import promise_rules
    >>> [r.id for r in promise_rules()]
    ['R1.promise', 'R1.update', 'R4', 'R3.reply', 'R5.case', 'R5.promise', 'P1']
    >>> PromiseConfig(capacity=3, capacity_by_owner={"s-kim": 8}).capacity_for("s-kim")
    8
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pendulum

from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.case import Case, MatchExpectation, RecordExpectation, ResetExpectation
from relationkit.domain.liaison import FIX_RELAYED, VendorTicket
from relationkit.domain.offering import Offering
from relationkit.domain.parties import Staff
from relationkit.domain.promise import (
    AWAITING_APPROVAL,
    DELIVERY,
    OPEN_STATES,
    REPLY,
    MakePromise,
    Promise,
    RenegotiatePromise,
)
from relationkit.rules.base import each_subject
from relationkit.rules.settings import PromiseConfig

if TYPE_CHECKING:
    from relationkit.domain.directory import Directory
    from relationkit.rules.base import Attempt

__all__ = [
    "EXPECTATION_COMMANDS",
    "PLAN_COMMANDS",
    "ExpectationsSettled",
    "ExpectationsSettledBeforePromising",
    "HeardBeforePromising",
    "HeardBeforeUpdating",
    "HonestDue",
    "PromiseTiming",
    "PromiseWithinMeans",
    "RepliesFollowTheirDeferral",
    "OwnerLoad",
    "honest_due",
    "owner_load",
    "promise_rules",
]

PLAN_COMMANDS = frozenset({"accept", "compromise", "start_work"})
"""Case commands that commit the business to a plan: R5 wants expectations settled first."""
EXPECTATION_COMMANDS = frozenset({"record_expectation", "match_expectation", "reset_expectation"})
"""Case commands that record and settle the client's expectations."""


# --- the earliest honest due time -------------------------------------------------------------


@attrs.frozen
class HonestDue:
    """The earliest due time a promise under an offering can honestly have, and why.

    Attributes:
        earliest: the earliest honest due time (in the calendar's zone).
        by_lead_time: when the offering's lead time, counted from now, runs out.
        limits: the limits that set ``earliest``: ``"lead time"``, plus ``"capacity"``
            when the owner must first settle an open promise.
        open_promises: the owner's open promises.
        capacity: the owner's capacity.
    """

    earliest: pendulum.DateTime
    by_lead_time: pendulum.DateTime
    limits: tuple[str, ...]
    open_promises: int
    capacity: int

    @property
    def at_capacity(self) -> bool:
        """True if the owner holds as many open promises as they may."""
        return self.open_promises >= self.capacity


@attrs.frozen
class OwnerLoad:
    """How busy an owner is, as R4 needs it: how many open promises they hold and, when
    that is at or over their capacity, when enough of them fall due to free a place.

    Read with :func:`owner_load`: one count on an index, and at most ``capacity`` promises
    read, however many the owner holds.

    Attributes:
        held: the owner's open promises.
        frees_at: when the owner is at capacity, the due time at which a place frees (the
            ``capacity``-th latest due time of their open promises); else ``None``.
    """

    held: int
    frees_at: pendulum.DateTime | None = None


def owner_load(
    directory: Directory, owner_id: str, capacity: int, *, excluding: str | None = None
) -> OwnerLoad:
    """The :class:`OwnerLoad` of ``owner_id`` with ``capacity``, read from the store.

    ``excluding`` names an open promise of the owner to leave out: the one being
    renegotiated, judged as if it were made anew beside the others.
    """
    held = directory.count(Promise, owner_id=owner_id, state__in=OPEN_STATES)
    if excluding is not None:
        held -= 1
    if held < capacity:
        return OwnerLoad(held)
    # The (held - capacity)-th earliest due time is the capacity-th latest one.
    latest = [
        promise
        for promise in directory.select(
            Promise,
            owner_id=owner_id,
            state__in=OPEN_STATES,
            order_by="-due_at",
            limit=capacity if excluding is None else capacity + 1,
        )
        if promise.id != excluding
    ][:capacity]
    return OwnerLoad(held, latest[-1].due_at if latest else None)


def honest_due(
    offering: Offering,
    calendar: BusinessCalendar,
    owner_id: str,
    now: pendulum.DateTime,
    load: OwnerLoad,
    config: PromiseConfig,
) -> HonestDue:
    """The earliest honest due time of a promise by ``owner_id`` under ``offering``.

    The offering's lead time is counted on ``calendar`` from ``now``. When the owner is at
    capacity (``load``), it is counted instead from the moment enough of their open
    promises fall due to free a place.
    """
    by_lead = calendar.add(now, offering.lead_time)
    capacity = config.capacity_for(owner_id)
    limits = ["lead time"]
    earliest = by_lead
    held = load.held
    if held >= capacity and load.frees_at is not None:
        frees_at = max(now, load.frees_at)
        by_capacity = calendar.add(frees_at, offering.lead_time)
        if by_capacity > by_lead:
            earliest = by_capacity
            limits = ["capacity"]
        else:
            limits.append("capacity")
    return HonestDue(earliest, by_lead, tuple(limits), held, capacity)


def _when(at: pendulum.DateTime) -> str:
    return f"{at.isoformat()} ({at.format('ddd D MMM YYYY HH:mm')} {at.timezone_name})"


# --- R1 for promises --------------------------------------------------------------------------


@attrs.frozen
class HeardBeforePromising:
    """R1 — no promise on a case before the client confirmed being heard.

    A promise made before the concern is understood promises the wrong thing. This is the
    case rule R1 (:class:`~relationkit.rules.case.HeardBeforeDeciding`) applied to promises
    that name a case: the case must carry the client's confirmation of the paraphrase.
    """

    id: ClassVar[str] = "R1.promise"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset({"make"})

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Refuse a promise on a case whose client has not confirmed being heard."""
        command = attempt.command
        if not isinstance(command, MakePromise) or command.case_id is None:
            return
        case = attempt.directory.find(Case, command.case_id)
        if case is None:
            yield f"no case {command.case_id!r} exists; open the case first or name another"
        elif not case.heard:
            yield (
                f"the client of case {case.id!r} has not confirmed being heard; restate their "
                "concern (acknowledge) and have them confirm it before promising anything"
            )


@attrs.frozen
class HeardBeforeUpdating:
    """R1 — no promise on a case before the client confirmed being heard, for the updates a
    vendor ticket promises.

    An update given to the client (``update_client``) while the ticket's cadence runs (until
    the fix is relayed) promises the next one a cadence later, on the ticket's case (see
    :class:`~relationkit.rules.liaison.UpdatesFollowTheTicket`). Like any promise on a case
    (:class:`HeardBeforePromising`), it waits until the client confirmed being heard: when
    they said something new since, restate their concern and have them confirm it first.
    Judged on the ticket, so that "what may I do now" names it too.
    """

    id: ClassVar[str] = "R1.update"
    kind: ClassVar[str] = "vendor_ticket"
    commands: frozenset[str] = frozenset({"update_client"})

    def check(self, subject: VendorTicket, attempt: Attempt) -> Iterator[str]:
        """Refuse an update that promises the next one while the client of the ticket's
        case has not confirmed being heard."""
        if subject.next_update_due is None or subject.state == FIX_RELAYED:
            return  # the cadence is over: this update promises nothing more
        case = attempt.directory.find(Case, subject.case_id)
        if case is not None and not case.heard:
            yield (
                "an update given now promises the client the next one, and the client of "
                f"case {case.id!r} has not confirmed being heard since saying something new; "
                "restate their concern (acknowledge) and have them confirm it first"
            )


# --- R4 ----------------------------------------------------------------------------------------


@attrs.frozen
class PromiseWithinMeans:
    """R4 — promise only what you can deliver.

    A delivery promise names an offering from the catalogue; what it promises lies within the
    offering's scope; its due time is no earlier than the offering's lead time, counted in
    business time on the offering's calendar, allows; and its owner, a member of staff, holds
    fewer open promises than their capacity. A refusal states the earliest honest due time
    and which limit was hit. Going beyond these limits is a *stretch*: it must say why, and
    a manager other than the owner must approve it before the party can count on it.

    A renegotiated due time is judged the same way against the lead time, counted from the
    renegotiation: it may be no earlier than the earliest honest due time, unless it is no
    earlier than the time it replaces (moving a promise later never makes it less honest).
    A shorter time than that needs a new promise, made as a stretch.
    """

    id: ClassVar[str] = "R4"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset({"make", "approve_stretch", "renegotiate"})

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Check the owner, offering, scope, lead time and capacity; and who approves."""
        if attempt.command_name == "approve_stretch":
            yield from self._approval(subject, attempt)
            return
        if attempt.command_name == "renegotiate":
            yield from self._renegotiated(subject, attempt)
            return
        command = attempt.command
        if not isinstance(command, MakePromise):
            return
        directory = attempt.directory
        if directory.find_staff(command.owner_id) is None:
            yield (
                f"the owner {command.owner_id!r} is not a member of staff; a promise is owned "
                "by a person of the business who answers for it; name a registered colleague"
            )
            return
        if command.kind != DELIVERY:  # a reply (R3) or an update (R8): no offering
            if command.case_id is None:
                yield f"a promised {command.kind} answers a case; pass case_id"
            return
        if command.offering_id is None:
            yield (
                "a promise must name the offering it is delivered under; pass offering_id "
                "(register offerings with rk.calendars.register_offering)"
            )
            return
        offering = directory.find_record(Offering, command.offering_id)
        if offering is None:
            yield (
                f"no offering {command.offering_id!r} is in the catalogue; promise only what "
                "the business offers; register the offering or name another"
            )
            return
        calendar = directory.find_record(BusinessCalendar, offering.calendar_id)
        if calendar is None:
            yield (
                f"offering {offering.id!r} counts its lead time on calendar "
                f"{offering.calendar_id!r}, which is not registered; register it first"
            )
            return
        if command.stretch:
            if command.stretch_reason is None:
                yield "a stretch promise must say why it is worth it; pass stretch_reason"
            return
        outside = [item for item in command.scope if not offering.covers(item)]
        if outside:
            yield (
                f"limit hit: scope; {', '.join(repr(i) for i in outside)} is not in the scope of "
                f"offering {offering.id!r} ({', '.join(offering.scope)}); promise only what it "
                "covers and refer the rest, or make it a stretch for a manager to approve"
            )
        if command.due_at <= attempt.now:
            return  # P1 refuses a due time that is not in the future
        config = attempt.config.promises
        load = owner_load(directory, command.owner_id, config.capacity_for(command.owner_id))
        estimate = honest_due(offering, calendar, command.owner_id, attempt.now, load, config)
        if command.due_at >= estimate.earliest:
            return
        if command.due_at < estimate.by_lead_time:
            yield (
                f"limit hit: lead time; offering {offering.id!r} needs {offering.lead_time} on "
                f"calendar {calendar.id!r}; the earliest honest due time is "
                f"{_when(estimate.earliest)}; promise that or later, or make it a stretch for a "
                "manager to approve"
            )
        if estimate.at_capacity and "capacity" in estimate.limits:
            yield (
                f"limit hit: capacity; {command.owner_id!r} holds {estimate.open_promises} open "
                f"promise(s) and a capacity of {estimate.capacity}, so the work starts when one "
                f"falls due; the earliest honest due time is {_when(estimate.earliest)}; "
                "promise that or later, hand the promise to a colleague, or make it a stretch "
                "for a manager to approve"
            )

    def _renegotiated(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        command = attempt.command
        if not isinstance(command, RenegotiatePromise) or subject.offering_id is None:
            return  # judged with its arguments; a reply or an update has no offering
        if command.due_at <= attempt.now or command.due_at >= subject.due_at:
            return  # P1 refuses a time not ahead; a later time is never less honest
        directory = attempt.directory
        offering = directory.find_record(Offering, subject.offering_id)
        calendar = (
            None
            if offering is None
            else directory.find_record(BusinessCalendar, offering.calendar_id)
        )
        if offering is None or calendar is None:
            return  # no lead time to count (the promise was made without one)
        config = attempt.config.promises
        capacity = config.capacity_for(subject.owner_id)
        held = subject.id if subject.is_open else None
        load = owner_load(directory, subject.owner_id, capacity, excluding=held)
        estimate = honest_due(offering, calendar, subject.owner_id, attempt.now, load, config)
        if command.due_at >= estimate.earliest:
            return
        instead = (
            "renegotiate to that or later (or keep the current time); a shorter time needs a "
            "new promise, made as a stretch for a manager to approve"
        )
        if command.due_at < estimate.by_lead_time:
            yield (
                f"limit hit: lead time; offering {offering.id!r} needs {offering.lead_time} on "
                f"calendar {calendar.id!r}, so the earliest honest due time now is "
                f"{_when(estimate.earliest)}; {instead}"
            )
        if estimate.at_capacity and "capacity" in estimate.limits:
            yield (
                f"limit hit: capacity; {subject.owner_id!r} holds {estimate.open_promises} "
                f"other open promise(s) and a capacity of {estimate.capacity}, so the work "
                "starts when one falls due; the earliest honest due time now is "
                f"{_when(estimate.earliest)}; {instead}"
            )

    def _approval(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        actor = attempt.actor
        roles = attempt.config.promises.approver_roles
        if not isinstance(actor, Staff) or not actor.has_role(*roles):
            yield (
                f"approving a stretch needs one of the roles {', '.join(sorted(roles))}; "
                f"{actor.id!r} holds none; ask a manager"
            )
        elif actor.id == subject.owner_id:
            yield (
                f"{actor.id!r} owns this promise and cannot approve their own stretch; ask "
                "another manager"
            )


# --- R5 ----------------------------------------------------------------------------------------


@attrs.frozen
class ExpectationsSettled:
    """R5 — set expectations up front.

    The client's expectations are recorded on the case. Before the business commits to a
    plan (accepting, offering a compromise, starting work), each one is matched to a scope
    item of an offering or reset with the client, the conversation recorded, so nobody
    finds out at the end that A, B and C were expected and only A was ever on offer.
    """

    id: ClassVar[str] = "R5.case"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = PLAN_COMMANDS | EXPECTATION_COMMANDS

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Check expectation commands name real expectations and scope items; refuse a plan
        while an expectation is unsettled."""
        command = attempt.command
        if attempt.command_name in PLAN_COMMANDS:
            yield from _unsettled(subject, "committing to a plan")
        elif command is None:
            if attempt.command_name in SETTLING_COMMANDS and not subject.expectations:
                yield _nothing_to_settle(attempt.command_name)
        elif isinstance(command, RecordExpectation):
            if command.key is not None and subject.has_expectation(command.key):
                yield (
                    f"the case already records an expectation {command.key!r}; give the new "
                    "one another key"
                )
        elif isinstance(command, MatchExpectation | ResetExpectation):
            if not subject.has_expectation(command.expectation):
                known = subject.expectation_keys.described() or "none yet"
                yield (
                    f"the case records no expectation {command.expectation!r} (recorded: "
                    f"{known}); record it first (record_expectation)"
                )
            if isinstance(command, MatchExpectation):
                offering = attempt.directory.find_record(Offering, command.offering_id)
                if offering is None:
                    yield (
                        f"no offering {command.offering_id!r} is in the catalogue; match the "
                        "expectation to an offering the business has, or reset it"
                    )
                elif not offering.covers(command.scope_item):
                    yield (
                        f"{command.scope_item!r} is not in the scope of offering "
                        f"{offering.id!r} ({', '.join(offering.scope)}); match it to a "
                        "scope item it has, or reset the expectation with the client"
                    )

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterable[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``: a plan waits for unsettled expectations;
        matching or resetting one needs the case to record one; the rest of an expectation
        command is judged with its arguments."""
        if attempt.command_name in PLAN_COMMANDS:
            return [
                (position, reason)
                for position, subject in enumerate(subjects)
                if subject.expectations
                for reason in _unsettled(subject, "committing to a plan")
            ]
        if attempt.command is None:
            if attempt.command_name not in SETTLING_COMMANDS:
                return ()
            reason = _nothing_to_settle(attempt.command_name)
            return [(p, reason) for p, subject in enumerate(subjects) if not subject.expectations]
        return each_subject(self, subjects, attempt)


SETTLING_COMMANDS = frozenset({"match_expectation", "reset_expectation"})
"""Expectation commands that settle an expectation the case records."""


def _nothing_to_settle(command: str) -> str:
    return (
        f"the case records no expectation to settle yet, so there is nothing to {command}; "
        "record the client's expectation first (record_expectation)"
    )


def _unsettled(case: Case, what: str) -> Iterable[str]:
    open_ = case.unsettled_expectations
    if open_:
        listed = ", ".join(f"{e.key} ({e.text!r})" for e in open_)
        yield (
            f"{what} on case {case.id!r} while the client's expectations {listed} are "
            "unsettled; match each to an offering's scope item (match_expectation) or reset "
            "it with the client and record the conversation (reset_expectation)"
        )


@attrs.frozen
class ExpectationsSettledBeforePromising:
    """R5 — set expectations up front, for promises made on a case.

    A delivery promise on a case is committed only when each expectation the case records
    is matched to an offering's scope or reset with the client (see
    :class:`ExpectationsSettled`).
    """

    id: ClassVar[str] = "R5.promise"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset({"make"})

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Refuse a delivery promise on a case with unsettled expectations."""
        command = attempt.command
        if not isinstance(command, MakePromise) or command.case_id is None:
            return
        if command.kind != DELIVERY:
            return
        case = attempt.directory.find(Case, command.case_id)
        if case is not None:
            yield from _unsettled(case, "promising")


# --- P1 ----------------------------------------------------------------------------------------


@attrs.frozen
class RepliesFollowTheirDeferral:
    """R3.reply — a promised reply follows the deferral that promised it.

    Deferring a case promises the client a reply by the deferral's time (R3), under the
    longest deferral allowed (``max_deferral``). That reply promise and the case must never
    disagree: its due time moves only with the case, by deferring the case again, which
    renegotiates the promise under the same limit.
    """

    id: ClassVar[str] = "R3.reply"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset({"renegotiate"})

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Refuse a reply promise's new due time unless it is its case's reply-by time."""
        command = attempt.command
        if subject.kind != REPLY or subject.case_id is None:
            return
        case = attempt.directory.find(Case, subject.case_id)
        deferral = None if case is None else case.deferral
        if (
            isinstance(command, RenegotiatePromise)
            and deferral is not None
            and deferral.reply_by == command.due_at
        ):
            return  # the case was deferred again: the promise moves with it
        yield (
            f"this promises a reply on case {subject.case_id!r}, due when the case's deferral "
            "says; to move it, defer the case again (defer, within the longest deferral "
            "allowed), which moves the promise with it"
        )


@attrs.frozen
class PromiseTiming:
    """P1 — a promise is honest about time.

    It falls due in the future when it is made; it is kept, renegotiated (to a new time still
    ahead) or withdrawn before it falls due, never after; a stretch is approved before the
    time it names; it is recorded as broken only once its due time has passed; the sweep
    warns only once its warning time has come.
    """

    id: ClassVar[str] = "P1"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset(
        {"make", "keep", "mark_broken", "renegotiate", "withdraw", "approve_stretch", "warn"}
    )

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Check the command against the promise's due time and the clock."""
        now = attempt.now
        name = attempt.command_name
        command = attempt.command
        if name == "make":
            if isinstance(command, MakePromise):
                yield from self._new_times(command.due_at, command.warn_at, now)
            return
        due = subject.due_at
        if name == "mark_broken":
            if now <= due:
                yield (
                    f"the promise falls due at {due.isoformat()} and can still be kept; it is "
                    "broken only once that time has passed"
                )
            return
        if name == "warn":
            if subject.warn_at is None:
                yield "no warning is pending on this promise (none planned, or already given)"
            elif now < subject.warn_at:
                yield f"the warning is due at {subject.warn_at.isoformat()}, not before"
            return
        if name == "withdraw" and subject.state == AWAITING_APPROVAL:
            return  # never committed: it may be withdrawn at any time
        if now > due:
            what = _PAST.get(name, name)
            yield (
                f"the promise fell due at {due.isoformat()}; it can no longer be {what}; it is "
                "broken (the sweep records that); make a new promise if there is still one "
                "to make"
            )
            return
        if isinstance(command, RenegotiatePromise):
            if command.due_at == due:
                yield "the new due time is the current one; name another time"
            else:
                yield from self._new_times(command.due_at, command.warn_at, now)

    @staticmethod
    def _new_times(
        due: pendulum.DateTime, warn_at: pendulum.DateTime | None, now: pendulum.DateTime
    ) -> Iterator[str]:
        if due <= now:
            yield (
                f"the due time {due.isoformat()} is not in the future (now is "
                f"{now.isoformat()}); promise a time still ahead"
            )
        elif warn_at is not None and not now <= warn_at <= due:
            yield (
                f"the warning time {warn_at.isoformat()} does not lie between now and the due "
                "time; give one in between, or none"
            )


_PAST = {
    "keep": "kept",
    "renegotiate": "renegotiated",
    "withdraw": "withdrawn",
    "approve_stretch": "approved",
}


def promise_rules() -> tuple[Any, ...]:
    """Fresh instances of the built-in promise and expectation rules, in the order they run."""
    return (
        HeardBeforePromising(),
        HeardBeforeUpdating(),
        PromiseWithinMeans(),
        RepliesFollowTheirDeferral(),
        ExpectationsSettled(),
        ExpectationsSettledBeforePromising(),
        PromiseTiming(),
    )
