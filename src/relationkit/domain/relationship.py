"""The Relationship aggregate: the business's standing with one party, and how it may end.

A relationship goes from prospect to active; it may be marked at risk, and from there a
member of staff may propose to end it (severance). Care rule R9 decides when a proposal may
become an end: never on one person's word. Approvals are recorded here with who gave them,
on whose behalf (a delegation of approval authority), when, and until when they hold. The
end records how the parting went: amicably ("we agree to disagree", with the exit
conversation) or not. An ended relationship stays ended until a manager re-engages it.

Example:
    >>> import pendulum
    >>> from relationkit.domain.relationship import Approval
    >>> at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    >>> a = Approval(approver_id="s-kim", acting_for="s-lee", at=at, expires_at=at.add(days=7))
    >>> a.principal, sorted(a.people), a.valid_at(at.add(days=8))
    ('s-lee', ['s-kim', 's-lee'], False)
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.events import Event
from relationkit.domain.values import (
    an_id,
    aware,
    flag,
    frozen_roles,
    ident,
    optional,
    optional_id,
    required,
    texts,
    to_pendulum,
)
from relationkit.serialization import datetime_from_text

__all__ = [
    "ACTIVE",
    "AT_RISK",
    "ENDED",
    "PROSPECT",
    "SEVERANCE_PROPOSED",
    "Activate",
    "Approval",
    "Approve",
    "Delegate",
    "Delegation",
    "Dissent",
    "End",
    "Exit",
    "ExpireProposal",
    "MarkAtRisk",
    "OpenRelationship",
    "ReEngage",
    "Recover",
    "Reject",
    "Rejection",
    "Relationship",
    "RelationshipHistory",
    "RevokeDelegation",
    "RiskNote",
    "SeveranceProposal",
    "ProposeSeverance",
    "Withdraw",
]

PROSPECT = "prospect"
"""A relationship's state: the business does not work for the party yet."""
ACTIVE = "active"
"""A relationship's state: the business works for the party."""
AT_RISK = "at_risk"
"""A relationship's state: something is wrong; it may recover, or someone may propose to
end it."""
SEVERANCE_PROPOSED = "severance_proposed"
"""A relationship's state: someone proposed to end it, and approvals are awaited (R9)."""
ENDED = "ended"
"""A relationship's state: it ended; it takes no new case until someone with authority
re-engages it."""


def _required() -> Any:
    return attrs.field(validator=required)


def _optional() -> Any:
    return attrs.field(default=None, validator=optional)


def _id() -> Any:
    return attrs.field(validator=an_id)


def _optional_id() -> Any:
    return attrs.field(default=None, validator=optional_id)


def _case_ids(value: Any) -> tuple[str, ...]:
    return texts(value, "evidence", ident)


def _optional_roles(value: Any) -> frozenset[str] | None:
    return None if value is None else frozen_roles(value)


# --- values kept on a relationship -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Approval:
    """One person's approval of a severance proposal.

    Attributes:
        approver_id: the member of staff who gave it.
        acting_for: the colleague whose approval authority was delegated to the approver,
            if the approver acted on someone's behalf.
        at: when it was given.
        expires_at: when it stops counting (R9: approvals expire).
        note: what the approver said.
        roles: the roles its principal (the colleague acted for, else the approver) held
            when it was given, as the directory had them: R9's authority is judged by them
            when the relationship ends, not by the roles held then. ``None`` for an
            approval recorded before approvals kept roles.
    """

    approver_id: str
    at: pendulum.DateTime
    expires_at: pendulum.DateTime
    acting_for: str | None = None
    note: str | None = None
    roles: frozenset[str] | None = None

    @property
    def principal(self) -> str:
        """Whose approval this is: the person acted for, else the approver."""
        return self.acting_for or self.approver_id

    @property
    def people(self) -> frozenset[str]:
        """Everyone whose word this approval carries (approver and the person acted for)."""
        return frozenset(p for p in (self.approver_id, self.acting_for) if p is not None)

    def valid_at(self, now: pendulum.DateTime) -> bool:
        """True while the approval has not expired."""
        return now < self.expires_at


@attrs.frozen(kw_only=True)
class Rejection:
    """A colleague's "no" to a severance proposal, with the reason."""

    by: str
    at: pendulum.DateTime
    reason: str


@attrs.frozen(kw_only=True)
class SeveranceProposal:
    """A proposal to end the relationship and what became of it.

    Attributes:
        number: 1 for the relationship's first proposal, then 2, 3 …
        proposed_by: who proposed it.
        at: when.
        reason: why the relationship should end.
        evidence: ids of the cases that show an attempt to resolve (R9).
        expires_at: when the proposal lapses unless it ended the relationship.
        approvals: approvals given, in order.
        rejections: rejections (and dissents short of a rejection) given, in order.
        outcome: ``None`` while open; then ``"ended"``, ``"rejected"``, ``"withdrawn"`` or
            ``"expired"``.
        closed_at: when the outcome was reached.
    """

    number: int
    proposed_by: str
    at: pendulum.DateTime
    reason: str
    evidence: tuple[str, ...]
    expires_at: pendulum.DateTime
    approvals: tuple[Approval, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    outcome: str | None = None
    closed_at: pendulum.DateTime | None = None

    def valid_approvals(self, now: pendulum.DateTime) -> tuple[Approval, ...]:
        """The approvals that still count at ``now``."""
        return tuple(a for a in self.approvals if a.valid_at(now))

    def expired_at(self, now: pendulum.DateTime) -> bool:
        """True if the proposal has lapsed by ``now``."""
        return now >= self.expires_at


@attrs.frozen(kw_only=True)
class Delegation:
    """Approval authority lent by one member of staff to another for a while.

    A delegation does not pass on: the delegate acts for the delegator only, never for
    whoever delegated to the delegator.
    """

    from_id: str
    to_id: str
    starts_at: pendulum.DateTime
    ends_at: pendulum.DateTime
    at: pendulum.DateTime
    note: str | None = None
    revoked_at: pendulum.DateTime | None = None

    def covers(self, now: pendulum.DateTime) -> bool:
        """True if the delegation is in force at ``now``."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.starts_at <= now < self.ends_at


@attrs.frozen(kw_only=True)
class Exit:
    """How the relationship ended.

    Attributes:
        amicable: True when both sides parted on good terms ("agree to disagree").
        conversation: what was said in the exit conversation.
        note: anything else worth keeping.
        by: who recorded the end.
        at: when.
        proposal: the number of the proposal that ended it.
        approvers: whose approvals counted, by principal.
    """

    amicable: bool
    by: str
    at: pendulum.DateTime
    proposal: int
    approvers: tuple[str, ...]
    conversation: str | None = None
    note: str | None = None


@attrs.frozen(kw_only=True)
class RiskNote:
    """Why a relationship was marked at risk (or recovered)."""

    reason: str
    by: str
    at: pendulum.DateTime


# --- commands ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OpenRelationship(Command):
    """Start a relationship with a party, as a prospect."""

    NAME: ClassVar[str] = "open_relationship"
    EVENT: ClassVar[str] = "RelationshipOpened"

    party_id: str = _id()
    contract: str = attrs.field(default="standard", validator=an_id)
    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class Activate(Command):
    """The prospect became a client: the relationship is active."""

    NAME: ClassVar[str] = "activate"
    EVENT: ClassVar[str] = "RelationshipActivated"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class MarkAtRisk(Command):
    """Say the relationship is at risk, and why."""

    NAME: ClassVar[str] = "mark_at_risk"
    EVENT: ClassVar[str] = "RelationshipAtRisk"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class Recover(Command):
    """The risk has passed: the relationship is active again."""

    NAME: ClassVar[str] = "recover"
    EVENT: ClassVar[str] = "RelationshipRecovered"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class ProposeSeverance(Command):
    """Propose to end the relationship, citing the cases that show an attempt to resolve.

    ``expires_at`` is when the proposal lapses;
    :meth:`RelationshipService.propose_severance
    <relationkit.app.relationships.RelationshipService.propose_severance>` fills it in from
    the configuration.
    """

    NAME: ClassVar[str] = "propose_severance"
    EVENT: ClassVar[str] = "SeveranceProposed"

    reason: str = _required()
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_case_ids)
    expires_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)


@attrs.frozen(kw_only=True)
class Approve(Command):
    """Approve the open severance proposal, possibly on a colleague's behalf.

    ``expires_at`` is when the approval stops counting; the service fills it in from the
    configuration. ``roles`` are the roles of the approval's principal (the colleague acted
    for, else the approver) as the directory holds them now; the service fills them in, and
    R9 refuses an approval whose roles are not those (``R9.approvers``).
    """

    NAME: ClassVar[str] = "approve"
    EVENT: ClassVar[str] = "SeveranceApproved"

    expires_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    acting_for: str | None = _optional_id()
    note: str | None = _optional()
    roles: frozenset[str] | None = attrs.field(default=None, converter=_optional_roles)


@attrs.frozen(kw_only=True)
class Dissent(Command):
    """Say no to the proposal when more than one "no" is needed to reject it."""

    NAME: ClassVar[str] = "dissent"
    EVENT: ClassVar[str] = "SeveranceDissentRecorded"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class Reject(Command):
    """Say the "no" that rejects the proposal; the relationship is active again."""

    NAME: ClassVar[str] = "reject"
    EVENT: ClassVar[str] = "SeveranceRejected"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class Withdraw(Command):
    """Take the proposal back; the relationship is active again."""

    NAME: ClassVar[str] = "withdraw"
    EVENT: ClassVar[str] = "SeveranceWithdrawn"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class ExpireProposal(Command):
    """Record that the proposal lapsed; the relationship is active again."""

    NAME: ClassVar[str] = "expire"
    EVENT: ClassVar[str] = "SeveranceExpired"


@attrs.frozen(kw_only=True)
class End(Command):
    """End the relationship as approved, recording how the parting went.

    An amicable end ("agree to disagree") carries the exit conversation.
    """

    NAME: ClassVar[str] = "end"
    EVENT: ClassVar[str] = "RelationshipEnded"

    amicable: bool = attrs.field(validator=flag)
    conversation: str | None = _optional()
    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class ReEngage(Command):
    """Take an ended relationship up again (a manager's decision)."""

    NAME: ClassVar[str] = "reengage"
    EVENT: ClassVar[str] = "RelationshipReEngaged"

    reason: str = _required()


@attrs.frozen(kw_only=True)
class Delegate(Command):
    """Lend one's approval authority to a colleague from ``starts_at`` until ``ends_at``."""

    NAME: ClassVar[str] = "delegate"
    EVENT: ClassVar[str] = "ApprovalAuthorityDelegated"

    to: str = _id()
    starts_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    ends_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class RevokeDelegation(Command):
    """Take back every delegation of one's approval authority to ``to`` still in force."""

    NAME: ClassVar[str] = "revoke_delegation"
    EVENT: ClassVar[str] = "ApprovalAuthorityRevoked"

    to: str = _id()


# --- the history and the aggregate ---------------------------------------------------------------


def _delegation(command: Delegate, event: Event) -> Delegation:
    return Delegation(
        from_id=event.actor_id,
        to_id=command.to,
        starts_at=command.starts_at,
        ends_at=command.ends_at,
        at=event.at,
        note=command.note,
    )


def _revoked(
    delegations: list[Delegation], from_id: str, to_id: str, at: pendulum.DateTime
) -> list[Delegation]:
    """``delegations`` with those from ``from_id`` to ``to_id`` not yet over at ``at``
    marked revoked then."""
    return [
        attrs.evolve(d, revoked_at=at)
        if d.from_id == from_id and d.to_id == to_id and d.revoked_at is None and d.ends_at > at
        else d
        for d in delegations
    ]


@attrs.define(kw_only=True)
class RelationshipHistory(History):
    """Everything that happened to a relationship's standing, from its timeline
    (:meth:`Relations.history <relationkit.app.relations.Relations.history>`).

    Attributes:
        risk: why it was marked at risk, each time, and recoveries.
        proposals: every severance proposal, closed ones with their outcome.
        exits: every end, including those later re-engaged.
        reengagements: why and by whom an end was taken back.
        delegations: every delegation of approval authority, revoked ones marked so.
    """

    risk: list[RiskNote] = attrs.Factory(list)
    proposals: list[SeveranceProposal] = attrs.Factory(list)
    exits: list[Exit] = attrs.Factory(list)
    reengagements: list[RiskNote] = attrs.Factory(list)
    delegations: list[Delegation] = attrs.Factory(list)

    def _noted(self, subject: Relationship) -> None:
        assert subject.last_risk_note is not None
        self.risk.append(subject.last_risk_note)

    def _on_mark_at_risk(self, subject: Relationship, command: MarkAtRisk, event: Event) -> None:
        self._noted(subject)

    def _on_recover(self, subject: Relationship, command: Recover, event: Event) -> None:
        self._noted(subject)

    def _on_propose_severance(
        self, subject: Relationship, command: ProposeSeverance, event: Event
    ) -> None:
        assert subject.last_proposal is not None
        self.proposals.append(subject.last_proposal)

    def _proposal_changed(self, subject: Relationship) -> None:
        assert subject.last_proposal is not None
        self.proposals[-1] = subject.last_proposal

    def _on_approve(self, subject: Relationship, command: Approve, event: Event) -> None:
        self._proposal_changed(subject)

    def _on_dissent(self, subject: Relationship, command: Dissent, event: Event) -> None:
        self._proposal_changed(subject)

    def _on_reject(self, subject: Relationship, command: Reject, event: Event) -> None:
        self._proposal_changed(subject)

    def _on_withdraw(self, subject: Relationship, command: Withdraw, event: Event) -> None:
        self._proposal_changed(subject)

    def _on_expire(self, subject: Relationship, command: ExpireProposal, event: Event) -> None:
        self._proposal_changed(subject)

    def _on_end(self, subject: Relationship, command: End, event: Event) -> None:
        self._proposal_changed(subject)
        assert subject.last_exit is not None
        self.exits.append(subject.last_exit)

    def _on_reengage(self, subject: Relationship, command: ReEngage, event: Event) -> None:
        assert subject.last_reengagement is not None
        self.reengagements.append(subject.last_reengagement)

    def _on_delegate(self, subject: Relationship, command: Delegate, event: Event) -> None:
        self.delegations.append(_delegation(command, event))

    def _on_revoke_delegation(
        self, subject: Relationship, command: RevokeDelegation, event: Event
    ) -> None:
        self.delegations = _revoked(self.delegations, event.actor_id, command.to, event.at)


@attrs.define(kw_only=True)
class Relationship(Aggregate):
    """The business's standing with one party.

    A relationship keeps what the care rules and queries need now, and stays the same size
    however long it lasts; every risk note, proposal, end, re-engagement and delegation is
    in its :class:`RelationshipHistory`, read from the timeline.

    Attributes:
        party_id: the party.
        contract: the contract or entitlement in force (R10).
        opened_by: who started it.
        opened_at: when.
        last_risk_note: why it was last marked at risk, or why it last recovered.
        risk_note_count: how many times it was marked at risk or recovered.
        at_risk_since: when it was last marked at risk, while it is at risk.
        proposal: the open severance proposal, if any.
        last_proposal: the latest proposal, open or closed with its outcome.
        proposal_count: how many proposals were made (the latest is number
            ``proposal_count``).
        delegations: approval authority lent between colleagues for this relationship,
            as far as it may still count: a revoked delegation is dropped when it is
            revoked, and each time authority is delegated, those ended by then are dropped
            (all are in the :class:`RelationshipHistory`).
        exit: how it ended, while it is ended.
        last_exit: the latest end, including one later re-engaged.
        exit_count: how many times it ended.
        last_reengagement: why and by whom the latest end was taken back.
        reengagement_count: how many times an end was taken back.
        awaiting_approval: a severance proposal is open (indexed, for "pending approvals").
        proposal_expires_at: when the open proposal lapses (indexed, for the sweep).
    """

    KIND: ClassVar[str] = "relationship"
    INDEXED: ClassVar[tuple[str, ...]] = (
        "state",
        "party_id",
        "contract",
        "awaiting_approval",
        "proposal_expires_at",
        "at_risk_since",
    )
    SNAPSHOT_VERSION: ClassVar[int] = 2
    HISTORY: ClassVar[type[History]] = RelationshipHistory

    party_id: str
    contract: str
    opened_by: str
    opened_at: pendulum.DateTime
    last_risk_note: RiskNote | None = None
    risk_note_count: int = 0
    at_risk_since: pendulum.DateTime | None = None
    proposal: SeveranceProposal | None = None
    last_proposal: SeveranceProposal | None = None
    proposal_count: int = 0
    delegations: list[Delegation] = attrs.Factory(list)
    exit: Exit | None = None
    last_exit: Exit | None = None
    exit_count: int = 0
    last_reengagement: RiskNote | None = None
    reengagement_count: int = 0
    awaiting_approval: bool = False
    proposal_expires_at: pendulum.DateTime | None = None

    @classmethod
    def opened(cls, event: Event, command: OpenRelationship, state: str) -> Relationship:
        """The relationship that ``event`` (a ``RelationshipOpened``) creates."""
        relationship = cls(
            id=event.aggregate_id,
            state=state,
            party_id=command.party_id,
            contract=command.contract,
            opened_by=event.actor_id,
            opened_at=event.at,
        )
        relationship.version = event.sequence
        relationship.head = event.hash
        return relationship

    # Derived views ---------------------------------------------------------------------------

    def involves(self, party_id: str) -> bool:
        """True for the relationship's own party."""
        return party_id == self.party_id

    def delegations_to(self, staff_id: str, now: pendulum.DateTime) -> list[Delegation]:
        """Delegations in force at ``now`` that let ``staff_id`` act for someone."""
        return [d for d in self.delegations if d.to_id == staff_id and d.covers(now)]

    def delegation(self, from_id: str, to_id: str, now: pendulum.DateTime) -> Delegation | None:
        """The delegation from ``from_id`` to ``to_id`` in force at ``now``, if any."""
        for d in self.delegations:
            if d.from_id == from_id and d.to_id == to_id and d.covers(now):
                return d
        return None

    # Event handlers --------------------------------------------------------------------------

    def _close_proposal(self, outcome: str, event: Event) -> None:
        if self.proposal is not None:
            self.last_proposal = attrs.evolve(self.proposal, outcome=outcome, closed_at=event.at)
        self.proposal = None
        self.awaiting_approval = False
        self.proposal_expires_at = None
        self.at_risk_since = None

    def _set_proposal(self, proposal: SeveranceProposal) -> None:
        self.proposal = proposal
        self.last_proposal = proposal

    def _note_risk(self, note: RiskNote) -> None:
        self.last_risk_note = note
        self.risk_note_count += 1

    def _on_mark_at_risk(self, command: MarkAtRisk, event: Event) -> None:
        self._note_risk(RiskNote(reason=command.reason, by=event.actor_id, at=event.at))
        self.at_risk_since = event.at

    def _on_recover(self, command: Recover, event: Event) -> None:
        self._note_risk(
            RiskNote(reason=f"recovered: {command.reason}", by=event.actor_id, at=event.at)
        )
        self.at_risk_since = None

    def _on_propose_severance(self, command: ProposeSeverance, event: Event) -> None:
        self.proposal_count += 1
        self._set_proposal(
            SeveranceProposal(
                number=self.proposal_count,
                proposed_by=event.actor_id,
                at=event.at,
                reason=command.reason,
                evidence=command.evidence,
                expires_at=command.expires_at,
            )
        )
        self.awaiting_approval = True
        self.proposal_expires_at = command.expires_at

    def _on_approve(self, command: Approve, event: Event) -> None:
        assert self.proposal is not None  # the workflow state guarantees it
        approval = Approval(
            approver_id=event.actor_id,
            acting_for=command.acting_for,
            at=event.at,
            expires_at=command.expires_at,
            note=command.note,
            roles=command.roles,
        )
        self._set_proposal(
            attrs.evolve(self.proposal, approvals=(*self.proposal.approvals, approval))
        )

    def _reject(self, reason: str, event: Event) -> None:
        assert self.proposal is not None
        rejection = Rejection(by=event.actor_id, at=event.at, reason=reason)
        self._set_proposal(
            attrs.evolve(self.proposal, rejections=(*self.proposal.rejections, rejection))
        )

    def _on_dissent(self, command: Dissent, event: Event) -> None:
        self._reject(command.reason, event)

    def _on_reject(self, command: Reject, event: Event) -> None:
        self._reject(command.reason, event)
        self._close_proposal("rejected", event)

    def _on_withdraw(self, command: Withdraw, event: Event) -> None:
        self._close_proposal("withdrawn", event)

    def _on_expire(self, command: ExpireProposal, event: Event) -> None:
        self._close_proposal("expired", event)

    def _on_end(self, command: End, event: Event) -> None:
        assert self.proposal is not None
        approvers = tuple(a.principal for a in self.proposal.valid_approvals(event.at))
        ended = Exit(
            amicable=command.amicable,
            conversation=command.conversation,
            note=command.note,
            by=event.actor_id,
            at=event.at,
            proposal=self.proposal.number,
            approvers=approvers,
        )
        self.exit = ended
        self.last_exit = ended
        self.exit_count += 1
        self._close_proposal("ended", event)

    def _on_reengage(self, command: ReEngage, event: Event) -> None:
        self.last_reengagement = RiskNote(reason=command.reason, by=event.actor_id, at=event.at)
        self.reengagement_count += 1
        self.exit = None

    def _on_delegate(self, command: Delegate, event: Event) -> None:
        # Delegations ended by now are dropped (this one too, if it is over already): by
        # the event's time, so that replay drops the same ones.
        at = event.at
        given = [*self.delegations, _delegation(command, event)]
        self.delegations = [d for d in given if d.ends_at > at]

    def _on_revoke_delegation(self, command: RevokeDelegation, event: Event) -> None:
        # The delegations it revokes are dropped.
        revoked = _revoked(self.delegations, event.actor_id, command.to, event.at)
        self.delegations = [d for d in revoked if d.revoked_at is None]

    # Stored snapshots of earlier versions ----------------------------------------------------

    @classmethod
    def upgrade_snapshot(cls, data: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Version 1 kept every risk note, proposal, end, re-engagement and delegation;
        version 2 keeps the latest of each with counts, and the delegations neither revoked
        nor ended when authority was last delegated."""
        if from_version < 2:
            data = _relationship_v2(data)
            from_version = 2
        return super().upgrade_snapshot(data, from_version)


def _relationship_v2(old: dict[str, Any]) -> dict[str, Any]:
    """A version 1 relationship snapshot in the shape of version 2."""
    data = dict(old)
    for name, last, count in (
        ("risk", "last_risk_note", "risk_note_count"),
        ("proposals", "last_proposal", "proposal_count"),
        ("exits", "last_exit", "exit_count"),
        ("reengagements", "last_reengagement", "reengagement_count"),
    ):
        items = data.pop(name, None) or []
        data[count] = len(items)
        if items:
            data[last] = items[-1]
    delegations = data.pop("delegations", None) or []
    if delegations:
        at = datetime_from_text(delegations[-1]["at"])  # when authority was last delegated
        data["delegations"] = [
            d
            for d in delegations
            if d.get("revoked_at") is None and datetime_from_text(d["ends_at"]) > at
        ]
    return data
