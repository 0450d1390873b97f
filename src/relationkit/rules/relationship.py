"""Care rule R9 — no one alone ends a relationship — as named rules, and its settings.

A relationship ends only through a severance proposal that

* cites cases showing a real attempt to resolve: the client was heard and a compromise was
  offered or a reasoned decline given (``R9.evidence``);
* is approved by enough distinct colleagues, never the proposer, nobody twice, and never by
  someone acting for the proposer (``R9.approvers``, ``R9.quorum``);
* has at least one approver holding an authority role (``R9.authority``);
* still holds: approvals and the proposal itself expire (``R9.expiry``);
* and records how the parting went (``R9.exit``).

Delegated approval authority has a date range and does not pass on (``R9.delegation``); one
rejection rejects, or more if so configured (``R9.rejection``); an ended relationship is taken
up again only by someone with authority (``R9.reengage``).

:class:`RelationshipConfig` holds the settings of R9 and of the vendor liaison (R8). Its
validation refuses any quorum that would let the proposer alone, or the proposer plus nobody,
end a relationship.

Example:
    >>> from relationkit.relationships import RelationshipConfig
    >>> from relationkit.rules.relationship import relationship_rules
    >>> RelationshipConfig().quorum, sorted(RelationshipConfig().authority_roles)
    (2, ['manager', 'partner'])
    >>> [r.id for r in relationship_rules()][:3]
    ['R9.evidence', 'R9.approvers', 'R9.authority']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pendulum

from relationkit.domain.case import Case
from relationkit.domain.parties import Staff
from relationkit.domain.relationship import (
    Approve,
    Delegate,
    End,
    ProposeSeverance,
    Relationship,
    RevokeDelegation,
)
from relationkit.rules.base import Attempt
from relationkit.rules.settings import RelationshipConfig

if TYPE_CHECKING:
    from relationkit.domain.relationship import Approval, Delegation, SeveranceProposal

__all__ = [
    "ApprovalsExpire",
    "AttemptToResolve",
    "AuthorityAmongApprovers",
    "DelegationLimits",
    "DistinctApprovers",
    "ExitRecorded",
    "QuorumOfApprovals",
    "ReEngagedByAuthority",
    "RejectionRejects",
    "attempt_to_resolve",
    "relationship_rules",
]


def _settings(attempt: Attempt) -> RelationshipConfig:
    found = getattr(attempt.config, "relationships", None)
    return found if isinstance(found, RelationshipConfig) else RelationshipConfig()


# --- helpers -------------------------------------------------------------------------------------


def attempt_to_resolve(case: Case) -> bool:
    """True if ``case`` shows an attempt to resolve: the client confirmed being heard, and a
    compromise was offered or a reasoned decline given."""
    return case.heard_once and case.resolution_attempted


def _no_open_proposal() -> str:
    return "there is no open severance proposal; propose one first (propose_severance)"


def _authority(staff: Staff | None, roles: frozenset[str]) -> bool:
    return staff is not None and staff.has_role(*roles)


# --- the rules -----------------------------------------------------------------------------------


@attrs.frozen
class AttemptToResolve:
    """R9.evidence — do the hard thing and try to resolve before parting.

    A severance proposal carries its reason and cites cases of this relationship's party
    that show a real attempt to resolve: the client was heard (they confirmed a paraphrase)
    and a compromise was offered or a reasoned decline given. Without one, it is refused.
    """

    id: ClassVar[str] = "R9.evidence"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"propose_severance"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check every cited case, and that at least one shows an attempt to resolve."""
        command = attempt.command
        directory = attempt.directory
        if not isinstance(command, ProposeSeverance):
            # Only cases that may be cited: the party's own, of this relationship (or of none).
            cases = directory.select(Case, client_id=subject.party_id)
            if not any(
                c.relationship_id in (None, subject.id) and attempt_to_resolve(c) for c in cases
            ):
                yield (
                    f"no case of {subject.party_id!r} shows an attempt to resolve; hear the "
                    "client and offer a compromise or a reasoned decline first"
                )
            return
        settings = _settings(attempt)
        latest = attempt.now + settings.proposal_valid_for
        if command.expires_at <= attempt.now or command.expires_at > latest:
            yield (
                f"the proposal would expire at {command.expires_at.isoformat()}; it must lie "
                f"after now and no later than {latest.isoformat()} (proposal_valid_for)"
            )
        if not command.evidence:
            yield (
                "a severance proposal must cite the cases that show an attempt to resolve; "
                "pass evidence=[case ids]"
            )
            return
        shown = False
        for case_id in command.evidence:
            case = directory.find(Case, case_id)
            if case is None:
                yield f"evidence case {case_id!r} does not exist; cite a stored case"
            elif case.client_id != subject.party_id:
                yield (
                    f"evidence case {case_id!r} is of {case.client_id!r}, not of this "
                    f"relationship's party {subject.party_id!r}; cite the party's own cases"
                )
            elif case.relationship_id not in (None, subject.id):
                yield (
                    f"evidence case {case_id!r} belongs to another relationship "
                    f"({case.relationship_id!r}); cite this relationship's cases"
                )
            elif attempt_to_resolve(case):
                shown = True
        if not shown:
            yield (
                "none of the cited cases shows an attempt to resolve (the client confirmed "
                "being heard and a compromise or a reasoned decline was given); make that "
                "attempt first"
            )


def _people_of(approvals: Iterable[Approval]) -> set[str]:
    found: set[str] = set()
    for a in approvals:
        found |= a.people
    return found


@attrs.frozen
class DistinctApprovers:
    """R9.approvers — approvals come from distinct colleagues other than the proposer.

    The proposer never approves their own proposal, neither in person nor through a
    delegation; nobody approves twice (an approval still in force counts once, whether given
    in person or on someone's behalf); a delegate never acts on behalf of the proposer, and
    acts only under a delegation in force that was given to them directly (delegations do not
    pass on). Only staff approve.
    """

    id: ClassVar[str] = "R9.approvers"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"approve"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check who approves, and for whom."""
        proposal = subject.proposal
        if proposal is None:
            yield _no_open_proposal()
            return
        actor = attempt.actor_id
        if actor == proposal.proposed_by:
            yield (
                f"{actor!r} proposed this severance and cannot approve it; no one alone "
                "ends a relationship; ask colleagues to approve"
            )
            return
        given = _people_of(proposal.valid_approvals(attempt.now))
        if actor in given:
            yield (
                f"{actor!r} already approved this proposal (in person or on someone's "
                "behalf); one person counts once; ask another colleague"
            )
        command = attempt.command
        if not isinstance(command, Approve):
            return
        yield from _recorded_roles(command, attempt)
        if command.acting_for is None:
            return
        principal = command.acting_for
        if principal == proposal.proposed_by:
            yield (
                f"{actor!r} cannot approve on behalf of {principal!r}, who proposed the "
                "severance; a delegate never acts for the proposer"
            )
            return
        if principal == actor:
            yield "acting_for names the approver themselves; leave acting_for out"
            return
        if principal in given:
            yield (
                f"{principal!r} already approved this proposal; one person counts once; "
                "ask another colleague"
            )
        found = attempt.directory.find_staff(principal)
        if found is None:
            yield f"{principal!r} is not a member of staff; only staff delegate approval"
        elif not found.active:
            yield (
                f"{principal!r} was deactivated in the directory; nobody approves on behalf "
                "of someone who cannot act; approve in your own name"
            )
        elif subject.delegation(principal, actor, attempt.now) is None:
            yield (
                f"no delegation from {principal!r} to {actor!r} is in force now; delegations "
                "are dated and do not pass on; approve in your own name, or have "
                f"{principal!r} delegate to you directly"
            )


def _recorded_roles(command: Approve, attempt: Attempt) -> Iterator[str]:
    """Refuse an approval whose recorded roles are not its principal's roles now."""
    principal = command.acting_for or attempt.actor_id
    if principal == attempt.actor_id:
        person = attempt.actor
        held = person.roles if isinstance(person, Staff) else frozenset()
    else:
        found = attempt.directory.find_staff(principal)
        held = found.roles if found is not None else frozenset()
    shown = ", ".join(sorted(held)) or "no role"
    if command.roles is None:
        yield (
            f"an approval records the roles its principal {principal!r} holds when it is "
            f"given ({shown}), which R9's authority is judged by; pass roles= with them "
            "(rk.relationships.approve fills them in)"
        )
    elif command.roles != held:
        yield (
            f"the approval records the roles {', '.join(sorted(command.roles)) or 'none'} "
            f"while {principal!r} holds {shown}; an approval records the roles held when "
            "it is given"
        )


@attrs.frozen
class AuthorityAmongApprovers:
    """R9.authority — someone with authority stands behind every end.

    Among the approvals that count when the relationship ends, at least one is given by (or
    on behalf of) a person holding one of the configured authority roles when the approval
    was given: each approval records the roles it relied on, and those decide, not the
    roles anyone holds when the relationship ends (a role granted after approving adds no
    authority to the approval; one revoked after approving takes none away). An approval
    recorded before approvals kept roles is judged by its principal's roles now. Authority
    comes from roles, never from a title.
    """

    id: ClassVar[str] = "R9.authority"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"end"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check that a counted approval carries authority."""
        proposal = subject.proposal
        if proposal is None:
            return
        roles = _settings(attempt).authority_roles
        for approval in _counted(proposal, attempt.now):
            if approval.roles is not None:
                if not approval.roles.isdisjoint(roles):
                    return
            elif _authority(attempt.directory.find_staff(approval.principal), roles):
                return
        yield (
            f"no approval in force comes from someone who held {', '.join(sorted(roles))} "
            "when approving; ask a colleague with authority to approve"
        )


def _counted(proposal: SeveranceProposal, now: pendulum.DateTime) -> list[Approval]:
    """The approvals in force at ``now`` that may count: none by or for the proposer, each
    person once (the first approval in force wins)."""
    seen: set[str] = set()
    counted: list[Approval] = []
    for approval in proposal.valid_approvals(now):
        people = approval.people
        if proposal.proposed_by in people or people & seen:
            continue
        seen |= people
        counted.append(approval)
    return counted


@attrs.frozen
class QuorumOfApprovals:
    """R9.quorum — no one alone should have the authority to sever a relationship.

    A relationship ends only when the open proposal holds at least ``quorum`` approvals in
    force, from distinct people other than the proposer. Approvals the proposer gave, or
    that were given on the proposer's behalf, never count.
    """

    id: ClassVar[str] = "R9.quorum"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"end"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Count the approvals in force."""
        proposal = subject.proposal
        if proposal is None:
            yield _no_open_proposal()
            return
        needed = _settings(attempt).quorum
        have = len(_counted(proposal, attempt.now))
        if have < needed:
            yield (
                f"ending needs {needed} approvals in force from distinct colleagues other "
                f"than the proposer; {have} in force so far; ask {needed - have} more "
                "colleague(s) to approve"
            )


@attrs.frozen
class ApprovalsExpire:
    """R9.expiry — a severance is decided on fresh agreement.

    Approvals count only until they expire (``approval_valid_for``) and the proposal lapses
    after ``proposal_valid_for``; once it has lapsed nobody may approve, reject or end on
    it: it returns the relationship to active (the sweep records that, or ``expire``). An
    approval's expiry lies after now and no further off than ``approval_valid_for``.
    """

    id: ClassVar[str] = "R9.expiry"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"approve", "dissent", "reject", "end", "expire"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check the proposal's and the approval's time limits."""
        proposal = subject.proposal
        if proposal is None:
            return
        lapsed = proposal.expired_at(attempt.now)
        if attempt.command_name == "expire":
            if not lapsed:
                yield (
                    f"the proposal is open until {proposal.expires_at.isoformat()}; it "
                    "cannot be expired before then; withdraw it instead"
                )
            return
        if lapsed:
            yield (
                f"the proposal expired at {proposal.expires_at.isoformat()}; nothing more "
                "can be decided on it; let it expire (expire) and propose anew if need be"
            )
        command = attempt.command
        if isinstance(command, Approve):
            latest = attempt.now + _settings(attempt).approval_valid_for
            if command.expires_at <= attempt.now or command.expires_at > latest:
                yield (
                    f"the approval would expire at {command.expires_at.isoformat()}; it "
                    f"must lie after now and no later than {latest.isoformat()} "
                    "(approval_valid_for)"
                )


@attrs.frozen
class RejectionRejects:
    """R9.rejection — a colleague's "no" is heard.

    ``rejections_to_reject`` rejections reject the proposal (one, by default): the last of
    them is a ``reject`` (the relationship is active again) and any before it a ``dissent``
    (recorded, the proposal stays open). The proposer does not reject their own proposal
    (they withdraw it), and nobody says no twice.
    """

    id: ClassVar[str] = "R9.rejection"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"reject", "dissent", "withdraw"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check who says no and whether this "no" is the deciding one."""
        proposal = subject.proposal
        if proposal is None:
            yield _no_open_proposal()
            return
        actor = attempt.actor_id
        if attempt.command_name == "withdraw":
            staff = attempt.directory.find_staff(actor)
            if actor != proposal.proposed_by and not _authority(
                staff, _settings(attempt).authority_roles
            ):
                yield (
                    f"only the proposer ({proposal.proposed_by!r}) or someone with authority "
                    "may withdraw a proposal; reject it instead"
                )
            return
        if actor == proposal.proposed_by:
            yield "the proposer does not reject their own proposal; withdraw it instead"
            return
        if any(r.by == actor for r in proposal.rejections):
            yield f"{actor!r} already said no to this proposal; one person counts once"
        needed = _settings(attempt).rejections_to_reject
        deciding = len(proposal.rejections) + 1 >= needed
        if attempt.command_name == "reject" and not deciding:
            yield (
                f"{needed} rejections reject a proposal and this would be number "
                f"{len(proposal.rejections) + 1}; record it as a dissent (dissent)"
            )
        if attempt.command_name == "dissent" and deciding:
            yield "this no reaches the number that rejects the proposal; reject it (reject)"


@attrs.frozen
class ExitRecorded:
    """R9.exit — how the parting went is recorded.

    An end says whether it was amicable. An amicable end ("agree to disagree") records the
    exit conversation: what was said, so the effort made to understand is kept.
    """

    id: ClassVar[str] = "R9.exit"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"end"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check the exit record."""
        command = attempt.command
        if isinstance(command, End) and command.amicable and command.conversation is None:
            yield (
                "an amicable end records the exit conversation; pass conversation= with "
                "what was said"
            )


@attrs.frozen
class DelegationLimits:
    """R9.delegation — approval authority is lent for a while, to a real colleague.

    A delegation names another member of staff, has a start and an end (the end after the
    start and still ahead), and is given by the delegator in person: it does not pass on.
    Only a delegation one gave and that is not over yet can be revoked.
    """

    id: ClassVar[str] = "R9.delegation"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"delegate", "revoke_delegation"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check the delegate and the date range, or that there is something to revoke."""
        command = attempt.command
        if attempt.command_name == "revoke_delegation" and command is None:
            if not any(_revocable(d, attempt) for d in subject.delegations):
                yield (
                    f"{attempt.actor_id!r} gave no delegation on this relationship that is "
                    "not over; there is nothing to revoke"
                )
            return
        if isinstance(command, RevokeDelegation):
            if not any(
                _revocable(d, attempt) and d.to_id == command.to for d in subject.delegations
            ):
                yield (
                    f"{attempt.actor_id!r} has no delegation to {command.to!r} that is not "
                    "over; there is nothing to revoke"
                )
            return
        if not isinstance(command, Delegate):
            return
        if command.to == attempt.actor_id:
            yield "one cannot delegate to oneself; name a colleague"
        elif attempt.directory.find_staff(command.to) is None:
            yield f"{command.to!r} is not a member of staff; delegate to a colleague"
        if command.ends_at <= command.starts_at:
            yield "a delegation ends after it starts; give ends_at later than starts_at"
        elif command.ends_at <= attempt.now:
            yield "the delegation would already be over; give an ends_at still ahead"


def _revocable(delegation: Delegation, attempt: Attempt) -> bool:
    """True if the actor of ``attempt`` gave ``delegation`` and it is neither revoked nor
    over."""
    return (
        delegation.from_id == attempt.actor_id
        and delegation.revoked_at is None
        and delegation.ends_at > attempt.now
    )


@attrs.frozen
class ReEngagedByAuthority:
    """R9.reengage — an end is taken back only by someone with authority.

    Re-engaging an ended relationship is a recorded decision by a member of staff holding
    one of the authority roles, with the reason.
    """

    id: ClassVar[str] = "R9.reengage"
    kind: ClassVar[str] = "relationship"
    commands: frozenset[str] = frozenset({"reengage"})

    def check(self, subject: Relationship, attempt: Attempt) -> Iterator[str]:
        """Check the actor's authority."""
        roles = _settings(attempt).authority_roles
        actor = attempt.actor
        if not (isinstance(actor, Staff) and actor.has_role(*roles)):
            yield (
                f"re-engaging an ended relationship needs one of the roles "
                f"{', '.join(sorted(roles))}; ask a manager"
            )


def relationship_rules() -> tuple[Any, ...]:
    """Fresh instances of the built-in relationship rules (R9), in the order they run."""
    return (
        AttemptToResolve(),
        DistinctApprovers(),
        AuthorityAmongApprovers(),
        QuorumOfApprovals(),
        ApprovalsExpire(),
        RejectionRejects(),
        ExitRecorded(),
        DelegationLimits(),
        ReEngagedByAuthority(),
    )
