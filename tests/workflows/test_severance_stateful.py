"""Severance under R9, driven by Hypothesis: random proposers, approvers, rejections,
delegations, sweeps and clock jumps. After every step, every end the relationship ever had
rests on at least a quorum of distinct approvers, none of them the proposer nor acting for
the proposer, one of them with authority, all unexpired at the time of the end. A refused
command changes nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relationkit import CareConfig, Client, RelationkitError, Staff
from relationkit.cases import Acknowledge, Compromise, ConfirmHeard
from relationkit.domain.relationship import Relationship
from relationkit.rules.authority import RoleAuthority
from relationkit.rules.case import case_rules
from relationkit.rules.relationship import relationship_rules
from relationkit.rules.settings import RelationshipConfig
from relationkit.testing import ManualClock
from strategies import examples
from world import START, world

STAFF = {
    "s-pat": {"partner"},
    "s-mia": {"manager"},
    "s-al": {"agent"},
    "s-bo": {"agent"},
    "s-cy": {"agent"},
}
AUTHORITY = {"manager", "partner"}
people = st.sampled_from(sorted(STAFF))
acting = st.sampled_from([None, None, None, *sorted(STAFF)])
rarely = st.integers(min_value=0, max_value=4)
"""Rejections and withdrawals end a proposal at once; drawn this way, most of them are
skipped, so that runs also reach the ends whose approvals the invariant checks."""


class Severance(RuleBasedStateMachine):
    quorum = 2

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        config = CareConfig(
            rules=(RoleAuthority(), *case_rules(), *relationship_rules()),
            relationships=RelationshipConfig(quorum=self.quorum),
        )
        self.rk = world(
            Client(id="c-ana", name="Ana"),
            *(Staff(id=k, name=k, roles=v) for k, v in STAFF.items()),
            clock=self.clock,
            config=config,
            policy=None,
        )
        r = self.rk.relationships
        self.rel = r.create(actor="s-al", party="c-ana").id
        r.activate(self.rel, actor="s-al")
        case = self.rk.open_case(actor="s-al", client="c-ana", subject="Bill", statement="Wrong.")
        self.rk.handle(case.id, Acknowledge(paraphrase="The bill is wrong."), actor="s-al")
        self.rk.handle(case.id, ConfirmHeard(), actor="c-ana")
        self.rk.handle(case.id, Compromise(we_give="Credit.", client_gives="Pays."), actor="s-al")
        self.case = case.id
        self.proposers_approved: list[str] = []

    def attempt(self, action: Any) -> None:
        """Run ``action``; if it is refused, nothing may have changed."""
        r = self.rk.relationships
        before = (r.get(self.rel), r.timeline(self.rel))
        try:
            action()
        except RelationkitError:
            assert (r.get(self.rel), r.timeline(self.rel)) == before

    def state(self) -> str:
        return str(self.rk.relationships.get(self.rel).state)

    @precondition(lambda self: self.state() in ("active", "at_risk"))
    @rule(who=people)
    def propose(self, who: str) -> None:
        r = self.rk.relationships
        if r.get(self.rel).state == "active":
            r.mark_at_risk(self.rel, actor="s-al", reason="Disputes.")
        self.attempt(
            lambda: r.propose_severance(self.rel, actor=who, reason="Enough.", evidence=self.case)
        )

    @precondition(lambda self: self.state() == "severance_proposed")
    @rule(who=people, acting_for=acting)
    def approve(self, who: str, acting_for: str | None) -> None:
        r = self.rk.relationships
        self.attempt(lambda: r.approve(self.rel, actor=who, acting_for=acting_for))

    @precondition(lambda self: self.state() == "severance_proposed")
    @rule(whos=st.lists(people, min_size=2, max_size=4, unique=True), closer=people)
    def rally(self, whos: list[str], closer: str) -> None:
        """Several colleagues approve one after the other, each in their own name, and
        someone then tries to end the relationship."""
        for who in whos:
            self.approve(who, None)
        self.end(closer, False)

    @precondition(lambda self: self.state() == "severance_proposed")
    @rule(who=people, skip=rarely)
    def reject(self, who: str, skip: int) -> None:
        if skip:
            return
        r = self.rk.relationships
        self.attempt(lambda: r.reject(self.rel, actor=who, reason="Not yet."))

    @precondition(lambda self: self.state() == "severance_proposed")
    @rule(who=people, skip=rarely)
    def withdraw(self, who: str, skip: int) -> None:
        if skip:
            return
        r = self.rk.relationships
        self.attempt(lambda: r.withdraw(self.rel, actor=who, reason="Talked."))

    @precondition(lambda self: len(self.rk.relationships.get(self.rel).delegations) < 4)
    @rule(
        who=people,
        to=people,
        start=st.integers(min_value=-3, max_value=5),
        days=st.integers(min_value=1, max_value=10),
    )
    def delegate(self, who: str, to: str, start: int, days: int) -> None:
        r = self.rk.relationships
        starts = self.clock.now().add(days=start)
        self.attempt(
            lambda: r.delegate(
                self.rel, actor=who, to=to, starts_at=starts, ends_at=starts.add(days=days)
            )
        )

    @rule(who=people, to=people)
    def revoke(self, who: str, to: str) -> None:
        r = self.rk.relationships
        self.attempt(lambda: r.revoke_delegation(self.rel, actor=who, to=to))

    @rule(hours=st.sampled_from([1, 6, 24, 24 * 3, 24 * 8, 24 * 31]))
    def jump(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def sweep(self) -> None:
        self.rk.relationships.run()

    @precondition(lambda self: self.state() == "severance_proposed")
    @rule(who=people, amicable=st.booleans())
    def end(self, who: str, amicable: bool) -> None:
        r = self.rk.relationships
        self.attempt(
            lambda: r.end(
                self.rel,
                actor=who,
                amicable=amicable,
                conversation="We agree to disagree." if amicable else None,
            )
        )

    @precondition(lambda self: self.state() == "ended")
    @rule(who=people)
    def reengage(self, who: str) -> None:
        r = self.rk.relationships
        self.attempt(lambda: r.reengage(self.rel, actor=who, reason="Fresh start."))

    @invariant()
    def every_end_rests_on_a_quorum(self) -> None:
        rel: Relationship = self.rk.relationships.get(self.rel)
        history = self.rk.history(self.rel, Relationship)
        ended = [p for p in history.proposals if p.outcome == "ended"]
        assert len(ended) == len(history.exits) == rel.exit_count
        for proposal, exit in zip(ended, history.exits, strict=True):
            at = exit.at
            valid = [a for a in proposal.approvals if a.at <= at < a.expires_at]
            principals = {a.principal for a in valid}
            assert len(principals) >= self.quorum
            assert len(valid) == len(principals)  # nobody counted twice
            for a in proposal.approvals:
                assert proposal.proposed_by not in a.people
            assert principals & {k for k, v in STAFF.items() if v & AUTHORITY}
            assert set(exit.approvers) <= principals
            assert len(exit.approvers) >= self.quorum
            assert at < proposal.expires_at
        if rel.state == "ended":
            assert rel.exit == rel.last_exit == history.exits[-1]

    def teardown(self) -> None:
        self.rk.verify(self.rel, Relationship)


class SeveranceQuorumOne(Severance):
    quorum = 1


TestSeverance = Severance.TestCase
TestSeverance.settings = settings(max_examples=examples(40), stateful_step_count=30, deadline=None)
TestSeveranceQuorumOne = SeveranceQuorumOne.TestCase
TestSeveranceQuorumOne.settings = settings(
    max_examples=examples(15), stateful_step_count=30, deadline=None
)
