"""Care rule R9: no one alone ends a relationship. Each named rule, its settings, and the
bad input a user may try (refused with a typed error, nothing changed)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    InvalidInput,
    InvalidTransition,
    OutOfRange,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.cases import Acknowledge, Compromise, ConfirmHeard, Decline
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.domain.relationship import Approve, ExpireProposal, Relationship
from relationkit.exceptions import RelationshipEnded
from relationkit.policy import Clause, Policy
from relationkit.relationships import RelationshipConfig
from relationkit.sweeps import SWEEPER_ID
from relationkit.testing import ManualClock
from world import START
from world import world as shared_world

ROOT = Path(__file__).resolve().parents[2]

STAFF = (
    Staff(id="s-pat", name="Pat Quinn", roles={"partner"}),
    Staff(id="s-mia", name="Mia Hart", roles={"manager"}),
    Staff(id="s-al", name="Al Reyes", roles={"agent"}),
    Staff(id="s-bo", name="Bo Lind", roles={"agent"}),
    Staff(id="s-cy", name="Cy Moss", roles={"agent"}),
)


class World:
    """A client whose relationship is at risk, with a case that shows an attempt to resolve."""

    def __init__(self, config: CareConfig | None = None) -> None:
        self.clock = ManualClock(START)
        self.rk = shared_world(
            Client(id="c-ana", name="Ana Diaz"),
            Client(id="c-ben", name="Ben Ode"),
            *STAFF,
            clock=self.clock,
            config=config,
            policy=None,
        )
        self.rel = self.rk.relationships.create(actor="s-al", party="c-ana").id
        self.rk.relationships.activate(self.rel, actor="s-al")
        self.case = self.tried_case("c-ana")
        self.rk.relationships.mark_at_risk(
            self.rel, actor="s-al", reason="Third dispute this quarter."
        )

    @property
    def r(self) -> Any:
        return self.rk.relationships

    def tried_case(self, client: str, *, compromise: bool = True) -> str:
        case = self.rk.open_case(
            actor="s-al", client=client, subject="Billing", statement="You overcharged me."
        )
        self.rk.handle(case.id, Acknowledge(paraphrase="You were charged twice."), actor="s-al")
        self.rk.handle(case.id, ConfirmHeard(), actor=client)
        if compromise:
            self.rk.handle(
                case.id,
                Compromise(we_give="A credit note.", client_gives="Pays the rest now."),
                actor="s-al",
            )
        return case.id

    def propose(self, actor: str = "s-pat") -> Relationship:
        return self.r.propose_severance(
            self.rel, actor=actor, reason="Disputes cost more than the work.", evidence=[self.case]
        )

    def snapshot(self) -> tuple[Relationship, list[Any]]:
        return self.r.get(self.rel), self.r.timeline(self.rel)


@pytest.fixture
def world() -> World:
    return World()


def refused(world: World, rule_id: str, action: Any) -> RuleViolation:
    """Run ``action``; it must be refused by ``rule_id`` and change nothing."""
    before = world.snapshot()
    with pytest.raises((RuleViolation, RuleViolations)) as info:
        action()
    assert world.snapshot() == before
    found = info.value.violations if isinstance(info.value, RuleViolations) else (info.value,)
    ids = [v.rule_id for v in found]
    assert rule_id in ids, ids
    return next(v for v in found if v.rule_id == rule_id)


# --- R9.evidence --------------------------------------------------------------------------------


def test_a_proposal_without_evidence_is_refused(world: World) -> None:
    violation = refused(
        world,
        "R9.evidence",
        lambda: world.r.propose_severance(world.rel, actor="s-pat", reason="Enough.", evidence=[]),
    )
    assert "evidence" in violation.reason


def test_evidence_must_show_the_client_heard_and_a_compromise_or_reasoned_decline(
    world: World,
) -> None:
    only_heard = world.tried_case("c-ana", compromise=False)
    refused(
        world,
        "R9.evidence",
        lambda: world.r.propose_severance(
            world.rel, actor="s-pat", reason="Enough.", evidence=[only_heard]
        ),
    )


def test_evidence_of_another_party_or_unknown_cases_does_not_count(world: World) -> None:
    other = world.tried_case("c-ben")
    violation = refused(
        world,
        "R9.evidence",
        lambda: world.r.propose_severance(
            world.rel, actor="s-pat", reason="Enough.", evidence=[other, "case_nope"]
        ),
    )
    assert violation.rule_id == "R9.evidence"


def test_a_reasoned_decline_is_evidence_too() -> None:
    world = World()
    world.rk.policy.publish(
        Policy(version=1, published_at=START, clauses=[Clause(id="c-1", text="No refunds.")]),
        actor="s-mia",
    )
    case = world.tried_case("c-ana", compromise=False)
    world.rk.handle(case, Decline(reason="Past the window.", clause_id="c-1"), actor="s-al")
    rel = world.r.propose_severance(world.rel, actor="s-pat", reason="Enough.", evidence=case)
    assert rel.state == "severance_proposed"
    assert rel.proposal.evidence == (case,)


def test_what_may_i_do_says_why_a_proposal_is_not_possible_yet() -> None:
    clock = ManualClock(START)
    rk = shared_world(Client(id="c-ana", name="Ana"), *STAFF, clock=clock, policy=None)
    rel = rk.relationships.create(actor="s-al", party="c-ana")
    rk.relationships.activate(rel.id, actor="s-al")
    rk.relationships.mark_at_risk(rel.id, actor="s-al", reason="Unpaid invoices.")
    options = {
        o.command: o for o in rk.options_for([rk.relationships.get(rel.id)], actor="s-pat")[rel.id]
    }
    assert not options["propose_severance"].allowed
    assert options["propose_severance"].rule_ids == ("R9.evidence",)


# --- R9.approvers (item 7: own proposal, twice, delegate for the proposer) -----------------------


def test_approving_ones_own_proposal_is_refused(world: World) -> None:
    world.propose("s-pat")
    violation = refused(world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-pat"))
    assert "proposed" in violation.reason


def test_approving_twice_is_refused(world: World) -> None:
    world.propose()
    world.r.approve(world.rel, actor="s-mia")
    refused(world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-mia"))


def test_a_delegate_cannot_act_for_the_proposer(world: World) -> None:
    world.r.delegate(world.rel, actor="s-pat", to="s-al", ends_at=START.add(days=10))
    world.propose("s-pat")
    violation = refused(
        world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-al", acting_for="s-pat")
    )
    assert "proposer" in violation.reason


def test_one_person_counts_once_even_through_a_delegation(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-al", ends_at=START.add(days=10))
    world.propose()
    world.r.approve(world.rel, actor="s-al", acting_for="s-mia")
    refused(world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-al"))
    refused(world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-mia"))


def test_a_delegate_acts_only_within_the_delegations_dates(world: World) -> None:
    world.r.delegate(
        world.rel,
        actor="s-mia",
        to="s-al",
        starts_at=START.add(days=1),
        ends_at=START.add(days=3),
    )
    world.propose()
    refused(
        world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-al", acting_for="s-mia")
    )
    world.clock.advance(days=4)
    refused(
        world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-al", acting_for="s-mia")
    )
    world.clock.set(START.add(days=2))
    rel = world.r.approve(world.rel, actor="s-al", acting_for="s-mia")
    assert rel.proposal.approvals[-1].principal == "s-mia"


def test_delegations_do_not_cascade(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-bo", ends_at=START.add(days=10))
    world.r.delegate(world.rel, actor="s-bo", to="s-cy", ends_at=START.add(days=10))
    world.propose()
    violation = refused(
        world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-cy", acting_for="s-mia")
    )
    assert "do not pass on" in violation.reason


def test_a_revoked_delegation_no_longer_counts(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-al", ends_at=START.add(days=10))
    world.r.revoke_delegation(world.rel, actor="s-mia", to="s-al")
    world.propose()
    refused(
        world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-al", acting_for="s-mia")
    )


# --- R9.delegation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "starts", "ends"),
    [
        ("s-mia", 0, 5),  # to oneself
        ("c-ana", 0, 5),  # not staff
        ("s-al", 5, 2),  # ends before it starts
        ("s-al", -5, -1),  # already over
    ],
)
def test_bad_delegations_are_refused(world: World, to: str, starts: int, ends: int) -> None:
    refused(
        world,
        "R9.delegation",
        lambda: world.r.delegate(
            world.rel,
            actor="s-mia",
            to=to,
            starts_at=START.add(days=starts),
            ends_at=START.add(days=ends),
        ),
    )


# --- R9.quorum and R9.authority ----------------------------------------------------------------


def test_no_end_before_the_quorum_of_approvals(world: World) -> None:
    world.propose()
    refused(world, "R9.quorum", lambda: world.r.end(world.rel, actor="s-pat", amicable=False))
    world.r.approve(world.rel, actor="s-mia")
    violation = refused(
        world, "R9.quorum", lambda: world.r.end(world.rel, actor="s-pat", amicable=False)
    )
    assert "2 approvals" in violation.reason
    assert "1 in force" in violation.reason
    world.r.approve(world.rel, actor="s-al")
    rel = world.r.end(world.rel, actor="s-pat", amicable=False, note="Left angry.")
    assert rel.state == "ended"
    assert rel.exit.approvers == ("s-mia", "s-al")
    assert rel.exit.amicable is False


def test_at_least_one_approver_holds_authority(world: World) -> None:
    world.propose("s-al")
    world.r.approve(world.rel, actor="s-bo")
    world.r.approve(world.rel, actor="s-cy")
    refused(world, "R9.authority", lambda: world.r.end(world.rel, actor="s-al", amicable=False))
    world.r.approve(world.rel, actor="s-mia")
    assert world.r.end(world.rel, actor="s-al", amicable=False).state == "ended"


def test_an_approval_records_the_roles_of_its_principal(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-bo", ends_at=START.add(days=10))
    world.propose("s-al")
    world.r.approve(world.rel, actor="s-cy")
    rel = world.r.approve(world.rel, actor="s-bo", acting_for="s-mia")
    assert [(a.approver_id, a.roles) for a in rel.proposal.approvals] == [
        ("s-cy", {"agent"}),
        ("s-bo", {"manager"}),  # Mia's, whose approval it is
    ]
    (event,) = [e for e in world.r.timeline(world.rel) if e.name == "SeveranceApproved"][1:]
    assert event.data["roles"] == ["manager"]  # on the timeline, so replay gives them back


def test_authority_granted_after_approving_does_not_count(world: World) -> None:
    world.propose("s-al")
    world.r.approve(world.rel, actor="s-bo")
    world.r.approve(world.rel, actor="s-cy")
    world.rk.directory.grant_role("s-bo", "manager", actor="s-mia", reason="Promoted.")
    violation = refused(
        world, "R9.authority", lambda: world.r.end(world.rel, actor="s-al", amicable=False)
    )
    assert "when approving" in violation.reason
    world.r.approve(world.rel, actor="s-mia")
    assert world.r.end(world.rel, actor="s-al", amicable=False).state == "ended"


def test_authority_revoked_after_approving_still_counts(world: World) -> None:
    world.propose("s-al")
    world.r.approve(world.rel, actor="s-mia")
    world.r.approve(world.rel, actor="s-cy")
    world.rk.directory.revoke_role("s-mia", "manager", actor="s-pat", reason="Steps down.")
    world.rk.directory.deactivate("s-mia", actor="s-pat", reason="Left the company.")
    rel = world.r.end(world.rel, actor="s-al", amicable=False)
    assert (rel.state, sorted(rel.exit.approvers)) == ("ended", ["s-cy", "s-mia"])


def test_an_approval_must_record_the_roles_held_now(world: World) -> None:
    world.propose()
    expires = START.add(days=3)
    for roles, reason in (
        (None, "an approval records the roles its principal 's-al' holds when it is given"),
        ({"partner"}, "records the roles partner while 's-al' holds agent"),
    ):
        violation = refused(
            world,
            "R9.approvers",
            lambda roles=roles: world.rk.execute(
                Relationship, world.rel, Approve(expires_at=expires, roles=roles), actor="s-al"
            ),
        )
        assert reason in violation.reason
    rel = world.rk.execute(
        Relationship, world.rel, Approve(expires_at=expires, roles={"agent"}), actor="s-al"
    )
    assert rel.proposal.approvals[0].roles == {"agent"}


def test_nobody_approves_for_a_deactivated_colleague(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-bo", ends_at=START.add(days=10))
    world.propose("s-al")
    world.rk.directory.deactivate("s-mia", actor="s-pat", reason="Left the company.")
    violation = refused(
        world,
        "R9.approvers",
        lambda: world.r.approve(world.rel, actor="s-bo", acting_for="s-mia"),
    )
    assert "'s-mia' was deactivated" in violation.reason


def test_a_delegate_carries_the_delegators_authority(world: World) -> None:
    world.r.delegate(world.rel, actor="s-mia", to="s-bo", ends_at=START.add(days=10))
    world.propose("s-al")
    world.r.approve(world.rel, actor="s-bo", acting_for="s-mia")
    world.r.approve(world.rel, actor="s-cy")
    rel = world.r.end(world.rel, actor="s-al", amicable=False)
    assert set(rel.exit.approvers) == {"s-mia", "s-cy"}


def test_the_quorum_and_authority_roles_are_configurable() -> None:
    config = CareConfig(relationships=RelationshipConfig(quorum=3, authority_roles={"director"}))
    world = World(config)
    world.rk.register(Staff(id="s-dee", name="Dee Park"), actor="s-pat")
    for role in ("agent", "director"):  # nobody may grant roles (no director): the setup does
        world.rk.directory.grant_role("s-dee", role, reason="Joins as director.")
    world.propose()
    for who in ("s-mia", "s-al", "s-bo"):
        world.r.approve(world.rel, actor=who)
    refused(world, "R9.authority", lambda: world.r.end(world.rel, actor="s-pat", amicable=False))
    world.r.approve(world.rel, actor="s-dee")
    assert world.r.end(world.rel, actor="s-pat", amicable=False).state == "ended"


@pytest.mark.parametrize("quorum", [0, -1, True, 1.5, "2"])
def test_a_quorum_that_lets_the_proposer_act_alone_cannot_be_set(quorum: Any) -> None:
    with pytest.raises(InvalidInput):
        RelationshipConfig(quorum=quorum)
    with pytest.raises(InvalidInput):
        RelationshipConfig().evolve(quorum=quorum)


def test_other_settings_are_validated() -> None:
    with pytest.raises(InvalidInput):
        RelationshipConfig(authority_roles=())
    with pytest.raises(OutOfRange):
        RelationshipConfig(rejections_to_reject=0)
    with pytest.raises(InvalidInput):
        RelationshipConfig(approval_valid_for=pendulum.duration(seconds=0))
    with pytest.raises(InvalidInput):
        RelationshipConfig(proposal_valid_for=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="must be a RelationshipConfig"):
        CareConfig(relationships={"quorum": 2})  # type: ignore[arg-type]


def test_a_quorum_of_one_still_needs_someone_other_than_the_proposer() -> None:
    world = World(CareConfig(relationships=RelationshipConfig(quorum=1)))
    world.propose("s-pat")
    refused(world, "R9.approvers", lambda: world.r.approve(world.rel, actor="s-pat"))
    refused(world, "R9.quorum", lambda: world.r.end(world.rel, actor="s-pat", amicable=False))
    world.r.approve(world.rel, actor="s-mia")
    assert world.r.end(world.rel, actor="s-pat", amicable=False).state == "ended"


# --- R9.expiry (item 7: approving after expiry) ------------------------------------------------


def test_approvals_expire(world: World) -> None:
    world.propose()
    world.r.approve(world.rel, actor="s-mia")
    world.clock.advance(days=8)
    world.r.approve(world.rel, actor="s-al")
    refused(world, "R9.quorum", lambda: world.r.end(world.rel, actor="s-pat", amicable=False))
    world.r.approve(world.rel, actor="s-mia")  # renewed once the first lapsed
    assert world.r.end(world.rel, actor="s-pat", amicable=False).state == "ended"


def test_approving_after_the_proposal_expired_is_refused(world: World) -> None:
    world.propose()
    world.clock.advance(days=31)
    violation = refused(world, "R9.expiry", lambda: world.r.approve(world.rel, actor="s-mia"))
    assert "expired" in violation.reason


def test_an_approval_cannot_claim_a_longer_life_than_allowed(world: World) -> None:
    world.propose()
    refused(
        world,
        "R9.expiry",
        lambda: world.rk.execute(
            Relationship,
            world.rel,
            Approve(expires_at=START.add(days=90), roles={"manager"}),
            actor="s-mia",
        ),
    )


def test_the_sweep_expires_lapsed_proposals_once(world: World) -> None:
    world.propose()
    assert [r.id for r in world.r.pending_approvals()] == [world.rel]
    assert world.r.run().expired == ()
    world.clock.advance(days=30)
    report = world.r.run()
    assert report.expired == (world.rel,)
    rel = world.r.get(world.rel)
    assert rel.state == "active"
    assert rel.last_proposal is not None
    assert rel.last_proposal.outcome == "expired"
    assert world.r.timeline(world.rel)[-1].actor_id == SWEEPER_ID
    assert world.r.pending_approvals() == []
    before = world.snapshot()
    assert world.r.run().expired == ()
    assert world.snapshot() == before
    world.rk.verify(world.rel, Relationship)


def test_a_proposal_cannot_be_expired_early(world: World) -> None:
    world.propose()
    refused(
        world,
        "R9.expiry",
        lambda: world.rk.execute(Relationship, world.rel, ExpireProposal(), actor="s-mia"),
    )


# --- R9.rejection ------------------------------------------------------------------------------


def test_one_rejection_rejects(world: World) -> None:
    world.propose()
    world.r.approve(world.rel, actor="s-mia")
    rel = world.r.reject(world.rel, actor="s-al", reason="We have not tried a call yet.")
    assert rel.state == "active"
    assert rel.last_proposal is not None
    assert rel.last_proposal.outcome == "rejected"
    assert rel.proposal is None


def test_the_number_of_rejections_is_configurable() -> None:
    world = World(CareConfig(relationships=RelationshipConfig(rejections_to_reject=2)))
    world.propose()
    rel = world.r.reject(world.rel, actor="s-al", reason="Not yet.")
    assert rel.state == "severance_proposed"
    refused(world, "R9.rejection", lambda: world.r.reject(world.rel, actor="s-al", reason="No."))
    rel = world.r.reject(world.rel, actor="s-bo", reason="Not yet either.")
    assert rel.state == "active"
    assert [e.name for e in world.r.timeline(world.rel)][-2:] == [
        "SeveranceDissentRecorded",
        "SeveranceRejected",
    ]


def test_the_proposer_withdraws_rather_than_rejects(world: World) -> None:
    world.propose()
    refused(world, "R9.rejection", lambda: world.r.reject(world.rel, actor="s-pat", reason="x"))
    refused(world, "R9.rejection", lambda: world.r.withdraw(world.rel, actor="s-al", reason="x"))
    assert world.r.withdraw(world.rel, actor="s-pat", reason="Talked it over.").state == "active"


# --- R9.exit and R9.reengage -------------------------------------------------------------------


def approved(world: World) -> None:
    world.propose()
    world.r.approve(world.rel, actor="s-mia")
    world.r.approve(world.rel, actor="s-al")


def test_an_amicable_end_records_the_exit_conversation(world: World) -> None:
    approved(world)
    refused(world, "R9.exit", lambda: world.r.end(world.rel, actor="s-pat", amicable=True))
    rel = world.r.end(
        world.rel,
        actor="s-pat",
        amicable=True,
        conversation="We agreed to disagree on the scope; they thanked us for listening.",
    )
    assert rel.exit.amicable
    assert "agreed to disagree" in rel.exit.conversation


def test_an_ended_relationship_takes_no_case_until_a_manager_reengages(world: World) -> None:
    approved(world)
    world.r.end(world.rel, actor="s-pat", amicable=False)
    cases = world.rk.cases()
    ended = world.snapshot()
    with pytest.raises(RelationshipEnded) as info:
        world.rk.open_case(actor="s-al", client="c-ana", subject="Hi", statement="Me again.")
    assert info.value.aggregate_id == world.rel
    assert "re-engage" in str(info.value)
    with pytest.raises(RelationshipEnded):
        world.rk.open_case(
            actor="s-al", client="c-ana", subject="Hi", statement="x", relationship=world.rel
        )
    with pytest.raises(RelationshipEnded):
        world.r.create(actor="s-al", party="c-ana")
    assert world.rk.cases() == cases
    assert world.r.select(party_id="c-ana") == [ended[0]]
    assert world.snapshot() == ended
    refused(world, "R9.reengage", lambda: world.r.reengage(world.rel, actor="s-al", reason="x"))
    rel = world.r.reengage(world.rel, actor="s-mia", reason="New owner at the client.")
    assert rel.state == "active"
    assert rel.exit is None
    assert rel.last_exit == ended[0].exit
    assert (rel.exit_count, rel.reengagement_count) == (1, 1)
    assert world.rk.history(world.rel, Relationship).exits == [rel.last_exit]
    case = world.rk.open_case(actor="s-al", client="c-ana", subject="Hi", statement="Me again.")
    assert case.relationship_id == world.rel


def test_severance_commands_follow_the_lifecycle(world: World) -> None:
    before = world.snapshot()
    with pytest.raises(InvalidTransition):
        world.r.approve(world.rel, actor="s-mia")
    with pytest.raises(InvalidTransition):
        world.r.end(world.rel, actor="s-mia", amicable=False)
    assert world.snapshot() == before


# --- the example -------------------------------------------------------------------------------


def test_the_severance_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "ending_a_relationship.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "R9.quorum" in out
    assert "ended" in out
    assert "agree to disagree" in out


def test_a_promise_to_a_party_whose_relationship_ended_still_belongs_to_it(world: World) -> None:
    """An obligation such as a final refund outlives the relationship: it joins the ended one
    rather than starting another."""
    world.rk.calendars.register(BusinessCalendar(id="office", timezone="UTC"), actor="s-mia")
    world.rk.calendars.register_offering(
        Offering(
            id="refund",
            name="Refund",
            scope=("refund",),
            lead_time=BusinessTime(days=2),
            calendar_id="office",
        ),
        actor="s-mia",
    )
    approved(world)
    world.r.end(world.rel, actor="s-pat", amicable=True, conversation="We part as friends.")
    refund = world.rk.promises.make(
        actor="s-mia",
        party="c-ana",
        what="The final refund",
        offering="refund",
        due=START.add(weeks=2),
    )
    assert refund.relationship_id == world.rel
    assert world.r.get(world.rel).state == "ended"
