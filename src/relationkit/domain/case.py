"""The Case aggregate: one concern, request or problem raised by a party, and its commands.

A case records what the client said, the staff member's paraphrase of it and whether the
client confirmed it ("I have been heard"), any time bought to think it over, colleagues
consulted, the decision, the resolution and closing. Commands are small frozen values;
:meth:`Relations.handle <relationkit.Relations.handle>` runs them through the command
pipeline: authority, the care rules, the case workflow.

The :class:`Case` keeps what the care rules and reports need now (the latest paraphrase, how
many statements, the colleagues consulted this round …), so a command costs the same on the
tenth event as on the ten-thousandth; every statement, paraphrase, deferral, consultation,
decision and reopening is in its :class:`CaseHistory`, read from the timeline.

Example:
    >>> from relationkit.domain.case import Acknowledge, Decline
    >>> Acknowledge(paraphrase="You want the March invoice refunded.").NAME
    'acknowledge'
    >>> Decline(reason="The refund window closed.", clause_id="refunds-30d").EVENT
    'RequestDeclined'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.events import Event
from relationkit.domain.service_levels import (
    WAIT_REASONS,
    ClockChange,
    ServiceLevels,
    sweep_breach,
    sweep_warn,
)
from relationkit.domain.values import (
    an_id,
    aware,
    flag,
    optional,
    optional_id,
    required,
    texts,
    to_pendulum,
)
from relationkit.exceptions import InvalidInput
from relationkit.serialization import datetime_from_text

__all__ = [
    "ACCEPT",
    "COMPROMISE",
    "DECLINE",
    "REFER",
    "Accept",
    "Acknowledge",
    "BreachServiceLevels",
    "Case",
    "CaseHistory",
    "ChangePriority",
    "Close",
    "Compromise",
    "ConfirmHeard",
    "Consult",
    "Consultation",
    "CorrectParaphrase",
    "Decision",
    "Decline",
    "Defer",
    "Deferral",
    "EndWait",
    "Escalate",
    "Expectation",
    "ExpectationKeys",
    "MatchExpectation",
    "OpenCase",
    "Paraphrase",
    "PostUpdate",
    "RecordExpectation",
    "RecordStatement",
    "Refer",
    "Reopen",
    "Reopening",
    "ResetExpectation",
    "Resolution",
    "Resolve",
    "StartWork",
    "Statement",
    "TrackServiceLevels",
    "Wait",
    "WarnServiceLevels",
]

ACCEPT = "accept"
"""A decision's kind (``Decision.kind``): the request is granted."""
DECLINE = "decline"
"""A decision's kind: the request is refused, with a reason and a clause of the policy (R2)."""
COMPROMISE = "compromise"
"""A decision's kind: each side gives something, and the decision says what (R2)."""
REFER = "refer"
"""A decision's kind: the client is sent to someone named, with a hand-off note (R6)."""


def _required() -> Any:
    return attrs.field(validator=required)


def _optional() -> Any:
    return attrs.field(default=None, validator=optional)


def _id() -> Any:
    return attrs.field(validator=an_id)


def _optional_id() -> Any:
    return attrs.field(default=None, validator=optional_id)


def _evidence(value: Any) -> tuple[str, ...]:
    return texts(value, "evidence")


# --- values kept on a case --------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Statement:
    """Something the client said, in their words, as staff recorded it."""

    text: str
    recorded_by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Paraphrase:
    """Staff's restatement of the concern and the client's answer to it.

    ``outcome`` is ``None`` while the client has not answered, then ``"confirmed"`` or
    ``"corrected"`` (with the client's ``correction``).
    """

    text: str
    by: str
    at: pendulum.DateTime
    outcome: str | None = None
    correction: str | None = None


@attrs.frozen(kw_only=True)
class Deferral:
    """Time bought to think a hard answer over: a reply is owed by ``reply_by`` (R3)."""

    reply_by: pendulum.DateTime
    reason: str
    by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Consultation:
    """A colleague's input on the case, recorded before a hard decision (R3)."""

    colleague_id: str
    note: str
    by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Decision:
    """The answer given on a case.

    Attributes:
        kind: ``"accept"``, ``"decline"``, ``"compromise"`` or ``"refer"``.
        reason: why (a decline's explanation).
        clause_id: the policy clause a decline cites (R2).
        we_give: a compromise: what the business gives.
        client_gives: a compromise: what the client gives.
        referred_to: a referral: the party or colleague the client is sent to (R6).
        handoff_note: a referral: what was handed over with the client.
        note: any further words.
        evidence: facts the decision rests on (R12).
    """

    kind: str
    by: str
    at: pendulum.DateTime
    reason: str | None = None
    clause_id: str | None = None
    we_give: str | None = None
    client_gives: str | None = None
    referred_to: str | None = None
    handoff_note: str | None = None
    note: str | None = None
    evidence: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Resolution:
    """How the case was resolved."""

    summary: str
    by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Reopening:
    """Why and when a resolved or closed case was opened again."""

    reason: str
    by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Expectation:
    """Something the client expects from the business (R5), and how it was settled.

    Attributes:
        key: how commands refer to it (``"A"``, or its number ``"1"``, ``"2"`` …).
        text: what the client expects, in their words.
        status: ``"open"``, ``"matched"`` (to an offering's scope item) or ``"reset"``
            (with the client, the conversation recorded).
        offering_id: a matched expectation: the offering that covers it.
        scope_item: a matched expectation: the scope item that covers it.
        conversation: a reset expectation: what was said with the client and what they
            agreed to.
        replaced_by: a reset expectation: what the client expects instead, if anything.
    """

    key: str
    text: str
    by: str
    at: pendulum.DateTime
    status: str = "open"
    offering_id: str | None = None
    scope_item: str | None = None
    conversation: str | None = None
    replaced_by: str | None = None
    settled_by: str | None = None
    settled_at: pendulum.DateTime | None = None

    @property
    def settled(self) -> bool:
        """True once matched to scope or reset with the client."""
        return self.status != "open"


def _number(key: str) -> int | None:
    """``key`` as a number when it is one written plainly ("7", not "07" or "0")."""
    if key.isascii() and key.isdigit() and key[0] != "0":
        return int(key)
    return None


@attrs.frozen
class ExpectationKeys:
    """Every key a case has recorded an expectation under, kept small: numbered keys
    ("1", "2" … as given when no key is) as runs of numbers, the others by name. R5 reads
    it to refuse a key used before and to know which expectations a command may name.

    Example:
        >>> keys = ExpectationKeys().with_key("1").with_key("2").with_key("A")
        >>> "2" in keys, "3" in keys, keys.runs, keys.names
        (True, False, ((1, 2),), ('A',))
    """

    runs: tuple[tuple[int, int], ...] = attrs.field(default=())
    names: tuple[str, ...] = ()

    @runs.validator
    def _check_runs(self, _: attrs.Attribute[Any], value: object) -> None:
        """Runs are pairs of whole numbers from 1, each low to high, in order and apart."""
        last = 0
        for run in value if isinstance(value, tuple) else (value,):
            if not (
                isinstance(run, tuple)
                and len(run) == 2
                and all(type(n) is int for n in run)
                and 1 <= run[0] <= run[1]
                and (last == 0 or run[0] > last + 1)
            ):
                raise InvalidInput(
                    f"refused: {run!r} among the runs of expectation keys; each run is a pair "
                    "(low, high) of whole numbers from 1, low <= high, in order with a gap "
                    "between runs; build the keys with ExpectationKeys().with_key(key).",
                    field="runs",
                )
            last = run[1]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        number = _number(key)
        if number is None:
            return key in self.names
        return any(low <= number <= high for low, high in self.runs)

    def with_key(self, key: str) -> ExpectationKeys:
        """These keys and ``key``."""
        if key in self:
            return self
        number = _number(key)
        if number is None:
            return ExpectationKeys(self.runs, (*self.names, key))
        runs = sorted([*self.runs, (number, number)])
        merged: list[tuple[int, int]] = []
        for low, high in runs:
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return ExpectationKeys(tuple(merged), self.names)

    def described(self) -> str:
        """The keys in words: names, then numbers ("A, B, 1-3, 7")."""
        numbers = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.runs]
        return ", ".join([*self.names, *numbers])


# --- commands ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OpenCase(Command):
    """Open a case with the client's first statement, in their words.

    ``escalated`` marks a heated or escalated matter, for which R3 asks for a colleague's
    view before any decline.
    """

    NAME: ClassVar[str] = "open"
    EVENT: ClassVar[str] = "CaseOpened"

    client_id: str = _id()
    subject: str = _required()
    statement: str = _required()
    escalated: bool = attrs.field(default=False, validator=flag)
    relationship_id: str | None = _optional_id()
    product: str | None = _optional()
    category: str | None = _optional()
    problem_key: str | None = _optional()
    recurrence_of: str | None = _optional_id()
    priority: str | None = _optional_id()


@attrs.frozen(kw_only=True)
class RecordStatement(Command):
    """Record more of what the client said; any pending or confirmed paraphrase lapses."""

    NAME: ClassVar[str] = "record_statement"
    EVENT: ClassVar[str] = "StatementRecorded"

    text: str = _required()


@attrs.frozen(kw_only=True)
class Acknowledge(Command):
    """Staff restate the client's concern in their own words, for the client to confirm."""

    NAME: ClassVar[str] = "acknowledge"
    EVENT: ClassVar[str] = "CaseAcknowledged"

    paraphrase: str = _required()


@attrs.frozen(kw_only=True)
class ConfirmHeard(Command):
    """The client confirms the paraphrase: they have been heard. Only the client may."""

    NAME: ClassVar[str] = "confirm_heard"
    EVENT: ClassVar[str] = "ClientConfirmedHeard"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class CorrectParaphrase(Command):
    """The client corrects the paraphrase; staff must listen and paraphrase again."""

    NAME: ClassVar[str] = "correct_paraphrase"
    EVENT: ClassVar[str] = "ParaphraseCorrected"

    correction: str = _required()


@attrs.frozen(kw_only=True)
class Escalate(Command):
    """Mark the case as escalated (heated, or raised to a higher level)."""

    NAME: ClassVar[str] = "escalate"
    EVENT: ClassVar[str] = "CaseEscalated"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class Defer(Command):
    """Buy time: step back from the conversation and promise a reply by ``reply_by`` (R3)."""

    NAME: ClassVar[str] = "defer"
    EVENT: ClassVar[str] = "DecisionDeferred"

    reply_by: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    reason: str = _required()


@attrs.frozen(kw_only=True)
class Consult(Command):
    """Record a colleague's view on the case (R3)."""

    NAME: ClassVar[str] = "consult"
    EVENT: ClassVar[str] = "ColleagueConsulted"

    colleague_id: str = _id()
    note: str = _required()


@attrs.frozen(kw_only=True)
class Accept(Command):
    """Say yes to the request."""

    NAME: ClassVar[str] = "accept"
    EVENT: ClassVar[str] = "RequestAccepted"

    note: str | None = _optional()
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)


@attrs.frozen(kw_only=True)
class Decline(Command):
    """Say no, with the reason and the policy clause behind it (R2)."""

    NAME: ClassVar[str] = "decline"
    EVENT: ClassVar[str] = "RequestDeclined"

    reason: str | None = _optional()
    clause_id: str | None = _optional_id()
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)


@attrs.frozen(kw_only=True)
class Compromise(Command):
    """Meet in the middle, naming what each side gives (R2)."""

    NAME: ClassVar[str] = "compromise"
    EVENT: ClassVar[str] = "CompromiseOffered"

    we_give: str | None = _optional()
    client_gives: str | None = _optional()
    note: str | None = _optional()
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)


@attrs.frozen(kw_only=True)
class Refer(Command):
    """Send the client to someone better placed, with a hand-off note (R6)."""

    NAME: ClassVar[str] = "refer"
    EVENT: ClassVar[str] = "CaseReferred"

    to: str | None = _optional_id()
    handoff_note: str | None = _optional()


@attrs.frozen(kw_only=True)
class StartWork(Command):
    """Begin the work an acceptance or compromise calls for."""

    NAME: ClassVar[str] = "start_work"
    EVENT: ClassVar[str] = "WorkStarted"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class Resolve(Command):
    """Record how the case was resolved."""

    NAME: ClassVar[str] = "resolve"
    EVENT: ClassVar[str] = "CaseResolved"

    summary: str = _required()


@attrs.frozen(kw_only=True)
class Close(Command):
    """Close a resolved case."""

    NAME: ClassVar[str] = "close"
    EVENT: ClassVar[str] = "CaseClosed"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class Reopen(Command):
    """Open a resolved or closed case again; the client must be heard anew."""

    NAME: ClassVar[str] = "reopen"
    EVENT: ClassVar[str] = "CaseReopened"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class RecordExpectation(Command):
    """Record something the client expects (R5); ``key`` names it (its number if omitted)."""

    NAME: ClassVar[str] = "record_expectation"
    EVENT: ClassVar[str] = "ExpectationRecorded"

    text: str = _required()
    key: str | None = _optional()


@attrs.frozen(kw_only=True)
class MatchExpectation(Command):
    """Match an expectation to a scope item of an offering that covers it (R5)."""

    NAME: ClassVar[str] = "match_expectation"
    EVENT: ClassVar[str] = "ExpectationMatched"

    expectation: str = _required()
    offering_id: str = _id()
    scope_item: str = _required()


@attrs.frozen(kw_only=True)
class ResetExpectation(Command):
    """Reset an expectation with the client: record the conversation in which they were
    told what the business will not do and agreed to it, and what they expect instead."""

    NAME: ClassVar[str] = "reset_expectation"
    EVENT: ClassVar[str] = "ExpectationReset"

    expectation: str = _required()
    conversation: str = _required()
    replaced_by: str | None = _optional()


@attrs.frozen(kw_only=True)
class ChangePriority(Command):
    """Change the case's priority, with the reason; its open service-level clocks take the
    targets of the new priority, counted from their start."""

    NAME: ClassVar[str] = "change_priority"
    EVENT: ClassVar[str] = "CasePriorityChanged"

    priority: str = _id()
    reason: str = _required()


def _wait_reason(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in WAIT_REASONS:
        from relationkit.exceptions import InvalidInput

        raise InvalidInput(
            f"refused: waiting on {value!r}; a case waits on the client (after a question) "
            "or on a vendor; say on='client' or on='vendor'.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class Wait(Command):
    """The case waits: on the client, after a question put to them (``on="client"``, which
    is a reply to the client), or on a third party such as a vendor (``on="vendor"``). The
    client's next words end a wait on the client; :class:`EndWait` ends any wait."""

    NAME: ClassVar[str] = "wait"
    EVENT: ClassVar[str] = "CaseWaiting"

    on: str = attrs.field(validator=_wait_reason)
    note: str = _required()


@attrs.frozen(kw_only=True)
class EndWait(Command):
    """The case no longer waits (the vendor answered, say)."""

    NAME: ClassVar[str] = "end_wait"
    EVENT: ClassVar[str] = "CaseWaitEnded"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class PostUpdate(Command):
    """Tell the client how the work is going (a reply, and the periodic update)."""

    NAME: ClassVar[str] = "post_update"
    EVENT: ClassVar[str] = "CaseUpdatePosted"

    text: str = _required()


def _clock_changes(value: Any) -> tuple[ClockChange, ...]:
    return tuple(value)


def _metric_names(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TrackServiceLevels(Command):
    """The case's service-level clocks after the event ``cause``: recorded by relationkit's
    service account right after each case event that changes a clock, never by people."""

    NAME: ClassVar[str] = "track_service_levels"
    EVENT: ClassVar[str] = "ServiceClocksChanged"

    levels: ServiceLevels = attrs.field(validator=attrs.validators.instance_of(ServiceLevels))
    clock_changes: tuple[ClockChange, ...] = attrs.field(
        default=(),
        converter=_clock_changes,
        validator=attrs.validators.deep_iterable(attrs.validators.instance_of(ClockChange)),
    )
    cause: str = _required()


@attrs.frozen(kw_only=True)
class WarnServiceLevels(Command):
    """The sweep's warning: most of the time of the clocks ``metrics`` has been used."""

    NAME: ClassVar[str] = "warn_service_levels"
    EVENT: ClassVar[str] = "ServiceLevelWarning"

    metrics: tuple[str, ...] = attrs.field(default=(), converter=_metric_names)


@attrs.frozen(kw_only=True)
class BreachServiceLevels(Command):
    """The sweep's breach: the clocks ``metrics`` passed their due time."""

    NAME: ClassVar[str] = "breach_service_levels"
    EVENT: ClassVar[str] = "ServiceLevelBreached"

    metrics: tuple[str, ...] = attrs.field(default=(), converter=_metric_names)


# --- the history and the aggregate ------------------------------------------------------------


@attrs.define(kw_only=True)
class CaseHistory(History):
    """Everything said and done on a case, from its timeline
    (:meth:`Relations.history <relationkit.app.relations.Relations.history>`).

    Attributes:
        statements: what the client said, the first statement first.
        paraphrases: staff's paraphrases, each with the client's answer.
        deferrals: each time a reply was deferred (R3).
        consultations: colleagues consulted, in every round (R3).
        decisions: every decision given, in every round.
        reopenings: why it was reopened, each time.
        expectations: every expectation recorded, with how it was settled (R5).
    """

    statements: list[Statement] = attrs.Factory(list)
    paraphrases: list[Paraphrase] = attrs.Factory(list)
    deferrals: list[Deferral] = attrs.Factory(list)
    consultations: list[Consultation] = attrs.Factory(list)
    decisions: list[Decision] = attrs.Factory(list)
    reopenings: list[Reopening] = attrs.Factory(list)
    expectations: list[Expectation] = attrs.Factory(list)

    def expectation(self, key: str) -> Expectation | None:
        """The expectation recorded under ``key``, settled or not, or ``None``."""
        return next((e for e in self.expectations if e.key == key), None)

    def _on_record_expectation(
        self, subject: Case, command: RecordExpectation, event: Event
    ) -> None:
        self.expectations.append(subject.expectations[-1])

    def _settled(self, command: MatchExpectation | ResetExpectation, event: Event) -> None:
        for i, found in enumerate(self.expectations):
            if found.key == command.expectation:
                self.expectations[i] = _settle(found, command, event)

    def _on_match_expectation(self, subject: Case, command: MatchExpectation, event: Event) -> None:
        self._settled(command, event)

    def _on_reset_expectation(self, subject: Case, command: ResetExpectation, event: Event) -> None:
        self._settled(command, event)

    def _on_open(self, subject: Case, command: OpenCase, event: Event) -> None:
        self.statements.append(
            Statement(text=command.statement, recorded_by=event.actor_id, at=event.at)
        )

    def _on_record_statement(self, subject: Case, command: RecordStatement, event: Event) -> None:
        self.statements.append(
            Statement(text=command.text, recorded_by=event.actor_id, at=event.at)
        )

    def _on_acknowledge(self, subject: Case, command: Acknowledge, event: Event) -> None:
        assert subject.paraphrase is not None
        self.paraphrases.append(subject.paraphrase)

    def _answered(self, subject: Case) -> None:
        assert subject.paraphrase is not None
        self.paraphrases[-1] = subject.paraphrase

    def _on_confirm_heard(self, subject: Case, command: ConfirmHeard, event: Event) -> None:
        self._answered(subject)

    def _on_correct_paraphrase(
        self, subject: Case, command: CorrectParaphrase, event: Event
    ) -> None:
        self._answered(subject)

    def _on_defer(self, subject: Case, command: Defer, event: Event) -> None:
        assert subject.last_deferral is not None
        self.deferrals.append(subject.last_deferral)

    def _on_consult(self, subject: Case, command: Consult, event: Event) -> None:
        self.consultations.append(
            Consultation(
                colleague_id=command.colleague_id,
                note=command.note,
                by=event.actor_id,
                at=event.at,
            )
        )

    def _decided(self, subject: Case) -> None:
        assert subject.decision is not None
        self.decisions.append(subject.decision)

    def _on_accept(self, subject: Case, command: Accept, event: Event) -> None:
        self._decided(subject)

    def _on_decline(self, subject: Case, command: Decline, event: Event) -> None:
        self._decided(subject)

    def _on_compromise(self, subject: Case, command: Compromise, event: Event) -> None:
        self._decided(subject)

    def _on_refer(self, subject: Case, command: Refer, event: Event) -> None:
        self._decided(subject)

    def _on_reopen(self, subject: Case, command: Reopen, event: Event) -> None:
        self.reopenings.append(Reopening(reason=command.reason, by=event.actor_id, at=event.at))


@attrs.define(kw_only=True)
class Case(Aggregate):
    """One concern raised by a client, from first words to closing.

    A case keeps what the care rules and the reports need now, and stays the same size
    however long the conversation goes on; every statement, paraphrase, deferral,
    consultation, decision and reopening is in its :class:`CaseHistory`, read from the
    timeline (:meth:`Relations.history <relationkit.app.relations.Relations.history>`).

    Attributes:
        client_id: the party who raised it.
        subject: a short title.
        opened_by: the staff member who opened it.
        opened_at: when.
        owner_id: the staff member looking after it (the opener, until someone else
            acknowledges it).
        relationship_id: the relationship it belongs to; :meth:`Relations.open_case
            <relationkit.Relations.open_case>` always sets it, starting the client's
            relationship with their first case (``None`` only on cases created directly with
            an ``OpenCase`` that names none).
        product: the product the problem concerns, if any (part of its signature, R8).
        category: the kind of problem, if given (part of its signature).
        problem_key: the application's own key for the problem (part of its signature).
        recurrence_of: the earlier, resolved case this one repeats, if it is a recurrence.
        escalated: the matter is heated or was escalated (R3).
        heard: the client confirmed the latest paraphrase and said nothing new since (R1).
        statement_count: how many statements the client made (the first one included).
        last_statement_at: when the client last said something.
        paraphrase: staff's latest paraphrase, with the client's answer to it, if any.
        heard_once: the client confirmed a paraphrase at some point, in any round (part of
            an attempt to resolve, R9).
        last_deferral: the latest time a reply was deferred (R3); see :attr:`deferral` for
            the one in force.
        consulted: colleagues consulted in the current round (since the case was opened or
            last reopened), each with how many times (R3); see :meth:`consultation_count`.
        decision: the current decision, if any.
        first_decision: the first decision ever given on the case (R10 compares outcomes).
        resolution_attempted: a compromise was offered or a reasoned decline given, in any
            round (part of an attempt to resolve, R9).
        first_response_at: when staff first answered the client: the earliest of the first
            paraphrase, the first deferral and the first decision (R10).
        resolution: how it was resolved, if it is.
        closed_at: when it was closed, if it is.
        reopen_count: how many times it was reopened.
        expectations: what the client expects and is not settled yet (R5), in the order
            recorded; every expectation, with how it was settled, is in the case's history
            (:class:`CaseHistory`).
        expectation_keys: every key an expectation was recorded under (R5).
        expectation_count: how many expectations were recorded.
        cycle_started_at: when the current round began (opening or the latest reopening).
        priority: the case's priority (or severity), if one was given; its service levels
            measure the targets of their policy at this priority (the policy's default
            priority when it is ``None``).
        waiting_on: what the case waits on, ``"client"`` or ``"vendor"``, if anything.
        last_update_at: when staff last posted an update to the client.
        service_levels: the service-level clocks, if the case's contract has a policy.
        sla_due_at: the earliest due time of a clock counting towards its target.
        sla_warn_at: the earliest warning the sweep still owes.
        sla_breached: a breached clock is still owed its reply, update or resolution.
    """

    KIND: ClassVar[str] = "case"
    INDEXED: ClassVar[tuple[str, ...]] = (
        "state",
        "client_id",
        "owner_id",
        "relationship_id",
        "opened_at",
        "sla_due_at",
        "sla_warn_at",
        "sla_breached",
    )
    RARE: ClassVar[Mapping[str, object]] = {"sla_breached": True}
    SNAPSHOT_VERSION: ClassVar[int] = 3
    HISTORY: ClassVar[type[History]] = CaseHistory

    client_id: str
    subject: str
    opened_by: str
    opened_at: pendulum.DateTime
    owner_id: str | None = None
    relationship_id: str | None = None
    product: str | None = None
    category: str | None = None
    problem_key: str | None = None
    recurrence_of: str | None = None
    escalated: bool = False
    heard: bool = False
    statement_count: int = 0
    last_statement_at: pendulum.DateTime | None = None
    paraphrase: Paraphrase | None = None
    heard_once: bool = False
    last_deferral: Deferral | None = None
    consulted: dict[str, int] = attrs.Factory(dict)
    decision: Decision | None = None
    first_decision: Decision | None = None
    resolution_attempted: bool = False
    first_response_at: pendulum.DateTime | None = None
    resolution: Resolution | None = None
    closed_at: pendulum.DateTime | None = None
    reopen_count: int = 0
    expectations: list[Expectation] = attrs.Factory(list)
    expectation_keys: ExpectationKeys = ExpectationKeys()
    expectation_count: int = 0
    cycle_started_at: pendulum.DateTime | None = None
    priority: str | None = None
    waiting_on: str | None = None
    last_update_at: pendulum.DateTime | None = None
    service_levels: ServiceLevels | None = None
    sla_due_at: pendulum.DateTime | None = None
    sla_warn_at: pendulum.DateTime | None = None
    sla_breached: bool = False

    @classmethod
    def opened(cls, event: Event, command: OpenCase, state: str) -> Case:
        """The case that ``event`` (a ``CaseOpened``) creates."""
        case = cls(
            id=event.aggregate_id,
            state=state,
            client_id=command.client_id,
            subject=command.subject,
            opened_by=event.actor_id,
            opened_at=event.at,
            owner_id=event.actor_id,
            relationship_id=command.relationship_id,
            product=command.product,
            category=command.category,
            problem_key=command.problem_key,
            recurrence_of=command.recurrence_of,
            escalated=command.escalated,
            statement_count=1,
            last_statement_at=event.at,
            cycle_started_at=event.at,
            priority=command.priority,
        )
        case.version = event.sequence
        case.head = event.hash
        return case

    # Derived views -------------------------------------------------------------------------

    def involves(self, party_id: str) -> bool:
        """True for the case's own client."""
        return party_id == self.client_id

    @property
    def pending_paraphrase(self) -> Paraphrase | None:
        """The latest paraphrase if the client has not answered it yet."""
        found = self.paraphrase
        return found if found is not None and found.outcome is None else None

    @property
    def deferral(self) -> Deferral | None:
        """The deferral in force (the latest one of this round without a decision after it)."""
        return self.last_deferral if self.state == "deferred" else None

    def expectation(self, key: str) -> Expectation | None:
        """The unsettled expectation recorded under ``key``, or ``None`` (a settled one is
        in the case's history: ``rk.history(case_id).expectation(key)``)."""
        return next((e for e in self.expectations if e.key == key), None)

    def has_expectation(self, key: str) -> bool:
        """True if an expectation was ever recorded under ``key``, settled or not."""
        return key in self.expectation_keys

    @property
    def unsettled_expectations(self) -> list[Expectation]:
        """Expectations neither matched to scope nor reset with the client (R5)."""
        return list(self.expectations)

    def consultation_count(self, *, excluding: str | None = None) -> int:
        """How many consultations were recorded since the case was opened or last reopened,
        leaving out those whose colleague is ``excluding`` (a person cannot consult
        themselves, so R3 leaves out the person declining)."""
        return sum(n for colleague, n in self.consulted.items() if colleague != excluding)

    # Event handlers ------------------------------------------------------------------------

    def _responded(self, at: pendulum.DateTime) -> None:
        """Staff answered for the first time in one way (paraphrase, deferral, decision)."""
        if self.first_response_at is None or at < self.first_response_at:
            self.first_response_at = at

    def _client_spoke(self) -> None:
        if self.waiting_on == "client":
            self.waiting_on = None

    def _on_record_statement(self, command: RecordStatement, event: Event) -> None:
        self.statement_count += 1
        self.last_statement_at = event.at
        self.heard = False
        self._client_spoke()

    def _on_acknowledge(self, command: Acknowledge, event: Event) -> None:
        if self.paraphrase is None:
            self._responded(event.at)
        self.paraphrase = Paraphrase(text=command.paraphrase, by=event.actor_id, at=event.at)
        self.owner_id = event.actor_id
        self.heard = False

    def _answer(self, outcome: str, correction: str | None) -> None:
        assert self.paraphrase is not None  # the workflow state guarantees it
        self.paraphrase = attrs.evolve(self.paraphrase, outcome=outcome, correction=correction)

    def _on_confirm_heard(self, command: ConfirmHeard, event: Event) -> None:
        self._answer("confirmed", None)
        self.heard = True
        self.heard_once = True
        self._client_spoke()

    def _on_correct_paraphrase(self, command: CorrectParaphrase, event: Event) -> None:
        self._answer("corrected", command.correction)
        self.heard = False
        self._client_spoke()

    def _on_record_expectation(self, command: RecordExpectation, event: Event) -> None:
        key = command.key
        if key is None:
            number = self.expectation_count + 1
            while str(number) in self.expectation_keys:
                number += 1
            key = str(number)
        self.expectations.append(
            Expectation(key=key, text=command.text, by=event.actor_id, at=event.at)
        )
        self.expectation_keys = self.expectation_keys.with_key(key)
        self.expectation_count += 1

    def _settle_expectation(self, key: str) -> None:
        # Settled: no longer needed now (its history keeps how it was settled).
        self.expectations = [e for e in self.expectations if e.key != key]

    def _on_match_expectation(self, command: MatchExpectation, event: Event) -> None:
        self._settle_expectation(command.expectation)

    def _on_reset_expectation(self, command: ResetExpectation, event: Event) -> None:
        self._settle_expectation(command.expectation)

    def _on_escalate(self, command: Escalate, event: Event) -> None:
        self.escalated = True

    def _on_defer(self, command: Defer, event: Event) -> None:
        if self.last_deferral is None:
            self._responded(event.at)
        self.last_deferral = Deferral(
            reply_by=command.reply_by, reason=command.reason, by=event.actor_id, at=event.at
        )

    def _on_consult(self, command: Consult, event: Event) -> None:
        colleague = command.colleague_id
        self.consulted[colleague] = self.consulted.get(colleague, 0) + 1

    def _decide(self, event: Event, kind: str, **fields: Any) -> None:
        decision = Decision(kind=kind, by=event.actor_id, at=event.at, **fields)
        if self.first_decision is None:
            self._responded(event.at)
            self.first_decision = decision
        if kind == COMPROMISE or (kind == DECLINE and decision.reason is not None):
            self.resolution_attempted = True
        self.decision = decision

    def _on_accept(self, command: Accept, event: Event) -> None:
        self._decide(event, ACCEPT, note=command.note, evidence=command.evidence)

    def _on_decline(self, command: Decline, event: Event) -> None:
        self._decide(
            event,
            DECLINE,
            reason=command.reason,
            clause_id=command.clause_id,
            evidence=command.evidence,
        )

    def _on_compromise(self, command: Compromise, event: Event) -> None:
        self._decide(
            event,
            COMPROMISE,
            we_give=command.we_give,
            client_gives=command.client_gives,
            note=command.note,
            evidence=command.evidence,
        )

    def _on_refer(self, command: Refer, event: Event) -> None:
        self._decide(event, REFER, referred_to=command.to, handoff_note=command.handoff_note)

    def _on_resolve(self, command: Resolve, event: Event) -> None:
        self.resolution = Resolution(summary=command.summary, by=event.actor_id, at=event.at)
        self.waiting_on = None

    def _on_close(self, command: Close, event: Event) -> None:
        self.closed_at = event.at
        self.waiting_on = None

    def _on_change_priority(self, command: ChangePriority, event: Event) -> None:
        self.priority = command.priority

    def _on_wait(self, command: Wait, event: Event) -> None:
        self.waiting_on = command.on

    def _on_end_wait(self, command: EndWait, event: Event) -> None:
        self.waiting_on = None

    def _on_post_update(self, command: PostUpdate, event: Event) -> None:
        self.last_update_at = event.at

    def _levels(self, levels: ServiceLevels) -> None:
        self.service_levels = levels
        self.sla_due_at = levels.due_at
        self.sla_warn_at = levels.warn_at
        self.sla_breached = levels.breached

    def _on_track_service_levels(self, command: TrackServiceLevels, event: Event) -> None:
        self._levels(command.levels)

    def _on_warn_service_levels(self, command: WarnServiceLevels, event: Event) -> None:
        if self.service_levels is not None:
            self._levels(sweep_warn(self.service_levels, event.at)[0])

    def _on_breach_service_levels(self, command: BreachServiceLevels, event: Event) -> None:
        if self.service_levels is not None:
            self._levels(sweep_breach(self.service_levels, event.at)[0])

    def _on_reopen(self, command: Reopen, event: Event) -> None:
        self.reopen_count += 1
        self.consulted = {}
        self.decision = None
        self.resolution = None
        self.closed_at = None
        self.heard = False
        self.cycle_started_at = event.at
        self.waiting_on = None

    # Stored snapshots of earlier versions ----------------------------------------------------

    @classmethod
    def upgrade_snapshot(cls, data: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Version 1 kept every statement, paraphrase, deferral, consultation, decision and
        reopening; version 2 keeps what the rules and reports read (see the attributes).
        Version 2 kept every expectation, settled or not; version 3 keeps the unsettled
        ones, the keys of all and how many were recorded.

        A version 1 snapshot counted a consultation in the current round by its time (at or
        after the start of the round); the upgrade does the same, as that is all the
        snapshot says. Since version 2 the order of the events decides.
        """
        if from_version < 2:
            data = _case_v2(data)
            from_version = 2
        if from_version < 3:
            data = _case_v3(data)
            from_version = 3
        return super().upgrade_snapshot(data, from_version)


def _case_v2(old: dict[str, Any]) -> dict[str, Any]:
    """A version 1 case snapshot in the shape of version 2."""
    data = dict(old)
    statements = data.pop("statements", None) or []
    paraphrases = data.pop("paraphrases", None) or []
    deferrals = data.pop("deferrals", None) or []
    consultations = data.pop("consultations", None) or []
    decisions = data.pop("decisions", None) or []
    reopenings = data.pop("reopenings", None) or []
    data["statement_count"] = len(statements)
    if statements:
        data["last_statement_at"] = statements[-1]["at"]
    if paraphrases:
        data["paraphrase"] = paraphrases[-1]
    data["heard_once"] = any(p.get("outcome") == "confirmed" for p in paraphrases)
    if deferrals:
        data["last_deferral"] = deferrals[-1]
    since = datetime_from_text(data.get("cycle_started_at") or data["opened_at"])
    consulted: dict[str, int] = {}
    for consultation in consultations:
        if datetime_from_text(consultation["at"]) >= since:
            colleague = consultation["colleague_id"]
            consulted[colleague] = consulted.get(colleague, 0) + 1
    data["consulted"] = consulted
    if decisions:
        data["first_decision"] = decisions[0]
    data["resolution_attempted"] = any(
        d["kind"] == COMPROMISE or (d["kind"] == DECLINE and d.get("reason") is not None)
        for d in decisions
    )
    firsts = [found[0]["at"] for found in (paraphrases, deferrals, decisions) if found]
    if firsts:  # the earliest instant; the first of equal ones, as min() picks
        data["first_response_at"] = min(firsts, key=datetime_from_text)
    data["reopen_count"] = len(reopenings)
    return data


def _case_v3(old: dict[str, Any]) -> dict[str, Any]:
    """A version 2 case snapshot in the shape of version 3."""
    data = dict(old)
    recorded = data.get("expectations") or []
    keys = ExpectationKeys()
    for expectation in recorded:
        keys = keys.with_key(expectation["key"])
    data["expectations"] = [e for e in recorded if e.get("status", "open") == "open"]
    data["expectation_keys"] = {"runs": [list(r) for r in keys.runs], "names": list(keys.names)}
    data["expectation_count"] = len(recorded)
    return data


def _settle(
    found: Expectation, command: MatchExpectation | ResetExpectation, event: Event
) -> Expectation:
    """``found`` as ``command`` settled it."""
    if isinstance(command, MatchExpectation):
        return attrs.evolve(
            found,
            status="matched",
            offering_id=command.offering_id,
            scope_item=command.scope_item,
            conversation=None,
            replaced_by=None,
            settled_by=event.actor_id,
            settled_at=event.at,
        )
    return attrs.evolve(
        found,
        status="reset",
        offering_id=None,
        scope_item=None,
        conversation=command.conversation,
        replaced_by=command.replaced_by,
        settled_by=event.actor_id,
        settled_at=event.at,
    )
