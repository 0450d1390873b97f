"""The care rules of a case, one by one (R1, R2, R3, R6, W1), and several at once."""

from __future__ import annotations

import datetime
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings

from relationkit import (
    CareConfig,
    RelationkitError,
    Relations,
    RuleViolation,
    RuleViolations,
)
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Escalate,
    Refer,
    Reopen,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Command
from relationkit.policy import Clause
from relationkit.rules.case import (
    BuyingTime,
    HeardBeforeDeciding,
    ReasonedAnswers,
    RespectfulReferral,
    WorkFollowsAgreement,
    later,
)
from relationkit.testing import ManualClock
from strategies import examples, spans, wall_times
from world import ANA, CASE_RULES, LEGAL, MIA, REFUNDS, SAM, START, world

DECLINE = Decline(reason="The refund window closed.", clause_id="refunds-30d")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def make_relations(
    clock: ManualClock, config: CareConfig = CASE_RULES, policy: bool = True
) -> Relations:
    clauses = (REFUNDS, Clause(id="no-cash", text="No cash refunds."))
    return world(
        ANA, SAM, MIA, LEGAL, clock=clock, config=config, policy=clauses if policy else None
    )


@pytest.fixture
def rk(clock: ManualClock) -> Relations:
    return make_relations(clock)


def open_case(rk: Relations, *, escalated: bool = False) -> Case:
    return rk.open_case(
        actor="s-sam",
        client="c-ana",
        subject="Refund",
        statement="I want my money back!",
        escalated=escalated,
    )


def heard(rk: Relations, *, escalated: bool = False) -> Case:
    case = open_case(rk, escalated=escalated)
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    return rk.handle(case.id, ConfirmHeard(), actor="c-ana")


def refused(rk: Relations, case: Case, command: Command, actor: str = "s-sam") -> RuleViolation:
    """Run a command that must be refused by exactly one rule, and check nothing changed."""
    before, timeline = rk.case(case.id), rk.timeline(case.id)
    with pytest.raises(RuleViolation) as caught:
        rk.handle(case.id, command, actor=actor)
    assert rk.case(case.id) == before
    assert rk.timeline(case.id) == timeline
    error = caught.value
    assert error.aggregate_id == case.id
    assert error.actor_id == actor
    assert error.command == command.NAME
    assert str(error).startswith(f"[{error.rule_id}] refused {command.NAME!r} on {case.id!r}: ")
    return error


def refused_all(
    rk: Relations, case: Case, command: Command, actor: str = "s-sam"
) -> RuleViolations:
    before, timeline = rk.case(case.id), rk.timeline(case.id)
    with pytest.raises(RuleViolations) as caught:
        rk.handle(case.id, command, actor=actor)
    assert rk.case(case.id) == before
    assert rk.timeline(case.id) == timeline
    return caught.value


def test_every_built_in_rule_is_documented_and_in_force() -> None:
    rules = (
        HeardBeforeDeciding(),
        ReasonedAnswers(),
        BuyingTime(),
        RespectfulReferral(),
        WorkFollowsAgreement(),
    )
    in_force = CareConfig().rulebook
    assert in_force.ids()[1:6] == tuple(r.id for r in rules) == CASE_RULES.rulebook.ids()[1:]
    assert in_force.ids()[0] == "ROLE"  # authority: the gate every command passes first
    assert len(set(in_force.ids())) == len(in_force.ids())  # every id names one rule
    for r in rules:
        assert r.kind == "case"
        assert r.commands
    for documented in in_force:
        doc = documented.__doc__
        assert doc is not None
        assert len(doc.split()) > 20, f"{documented.id} should explain its rationale"


# --- R1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        Accept(),
        DECLINE,
        Compromise(we_give="a credit", client_gives="patience"),
        Refer(to="p-legal", handoff_note="Over to you."),
        Defer(reply_by=START.add(days=1), reason="Let me check."),
    ],
    ids=lambda c: c.NAME,
)
def test_R1_no_answer_before_the_concern_was_acknowledged(rk: Relations, command: Command) -> None:
    case = rk.handle(open_case(rk).id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    case = rk.handle(case.id, CorrectParaphrase(correction="I want it today."), actor="c-ana")
    error = refused(rk, case, command)
    assert error.rule_id == "R1.case"
    assert "corrected the last paraphrase" in error.reason


def test_R1_reasons_follow_the_listening_so_far(rk: Relations) -> None:
    case = open_case(rk)
    error = refused(rk, case, Accept())
    assert error.rule_id == "R1.case"
    assert "not yet acknowledged" in error.reason
    assert "(acknowledge)" in error.reason

    case = rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    error = refused(rk, case, Accept())
    assert "not yet confirmed the paraphrase" in error.reason
    assert "confirm_heard" in error.reason


def test_R1_allows_answers_once_the_client_confirmed(rk: Relations, clock: ManualClock) -> None:
    case = heard(rk)
    case = rk.handle(
        case.id, Defer(reply_by=clock.now().add(days=1), reason="Check."), actor="s-sam"
    )
    assert case.heard
    assert rk.handle(case.id, Accept(), actor="s-sam").state == "decided"


# --- R2 -----------------------------------------------------------------------------------


def test_R2_a_decline_needs_a_reason(rk: Relations) -> None:
    error = refused(rk, heard(rk), Decline(clause_id="refunds-30d"))
    assert error.rule_id == "R2"
    assert "needs its reason" in error.reason


def test_R2_a_decline_cites_a_clause(rk: Relations) -> None:
    error = refused(rk, heard(rk), Decline(reason="Too late."))
    assert error.rule_id == "R2"
    assert "pass clause_id" in error.reason


def test_R2_the_clause_must_exist(rk: Relations) -> None:
    error = refused(rk, heard(rk), Decline(reason="Too late.", clause_id="refunds-90d"))
    assert error.rule_id == "R2"
    assert "'refunds-90d' does not exist in policy version 1" in error.reason
    assert "cite one of: refunds-30d, no-cash" in error.reason


def test_R2_no_clause_without_a_published_policy(clock: ManualClock) -> None:
    rk = make_relations(clock, policy=False)
    error = refused(rk, heard(rk), DECLINE)
    assert error.rule_id == "R2"
    assert "publish one first" in error.reason


def test_R2_a_decline_with_reason_and_clause_is_recorded(rk: Relations) -> None:
    case = rk.handle(heard(rk).id, DECLINE, actor="s-sam")
    assert case.decision is not None
    assert (case.decision.kind, case.decision.reason, case.decision.clause_id) == (
        "decline",
        "The refund window closed.",
        "refunds-30d",
    )


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (Compromise(client_gives="a year's commitment"), "what we give"),
        (Compromise(we_give="a credit"), "what the client gives"),
    ],
)
def test_R2_a_compromise_names_both_sides(rk: Relations, command: Compromise, missing: str) -> None:
    error = refused(rk, heard(rk), command)
    assert error.rule_id == "R2"
    assert missing in error.reason


def test_R2_a_full_compromise_is_recorded(rk: Relations) -> None:
    case = rk.handle(
        heard(rk).id, Compromise(we_give="a credit", client_gives="a year"), actor="s-sam"
    )
    assert case.decision is not None
    assert (case.decision.we_give, case.decision.client_gives) == ("a credit", "a year")


# --- R3 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [pendulum.duration(0), pendulum.duration(hours=-1)])
def test_R3_a_deferral_promises_a_future_reply(
    rk: Relations, clock: ManualClock, offset: pendulum.Duration
) -> None:
    error = refused(rk, heard(rk), Defer(reply_by=clock.now() + offset, reason="Check."))
    assert error.rule_id == "R3"
    assert "not in the future" in error.reason


def test_R3_a_deferral_is_not_longer_than_allowed(rk: Relations, clock: ManualClock) -> None:
    error = refused(rk, heard(rk), Defer(reply_by=clock.now().add(days=15), reason="Check."))
    assert error.rule_id == "R3"
    assert "promise a reply by 2026-03-16T09:00:00+00:00 at the latest" in error.reason
    case = rk.handle(
        heard(rk).id, Defer(reply_by=clock.now().add(days=14), reason="Check."), actor="s-sam"
    )
    assert case.deferral is not None
    assert case.deferral.reply_by == clock.now().add(days=14)


def test_R3_the_longest_deferral_is_configurable(clock: ManualClock) -> None:
    rk = make_relations(clock, CASE_RULES.evolve(max_deferral=None))
    case = rk.handle(
        heard(rk).id, Defer(reply_by=clock.now().add(years=1), reason="Later."), actor="s-sam"
    )
    assert case.state == "deferred"
    rk = make_relations(clock, CASE_RULES.evolve(max_deferral=pendulum.duration(hours=4)))
    error = refused(rk, heard(rk), Defer(reply_by=clock.now().add(hours=5), reason="Later."))
    assert error.rule_id == "R3"


def test_R3_an_escalated_decline_needs_a_consultation(rk: Relations) -> None:
    case = heard(rk, escalated=True)
    error = refused(rk, case, DECLINE)
    assert error.rule_id == "R3"
    assert "an escalated case needs 1 consultation(s)" in error.reason
    assert "0 recorded" in error.reason
    rk.handle(case.id, Consult(colleague_id="s-mia", note="Hold firm."), actor="s-sam")
    assert rk.handle(case.id, DECLINE, actor="s-sam").state == "decided"


def test_R3_escalating_later_counts_too(rk: Relations) -> None:
    case = heard(rk)
    case = rk.handle(case.id, Escalate(reason="Threatens to leave."), actor="s-sam")
    assert case.escalated
    assert refused(rk, case, DECLINE).rule_id == "R3"


def test_R3_the_decliner_cannot_count_as_their_own_colleague(rk: Relations) -> None:
    case = heard(rk, escalated=True)
    rk.handle(case.id, Consult(colleague_id="s-mia", note="Hold firm."), actor="s-sam")
    error = refused(rk, case, DECLINE, actor="s-mia")
    assert error.rule_id == "R3"


def test_R3_the_number_of_consultations_is_configurable(clock: ManualClock) -> None:
    rk = make_relations(clock, CASE_RULES.evolve(consultations_for_escalated_decline=0))
    assert rk.handle(heard(rk, escalated=True).id, DECLINE, actor="s-sam").state == "decided"

    rk = make_relations(clock, CASE_RULES.evolve(consultations_for_decline=1))
    error = refused(rk, heard(rk), DECLINE)
    assert "declining a case needs 1 consultation(s)" in error.reason

    rk = make_relations(clock, CASE_RULES.evolve(consultations_for_escalated_decline=2))
    case = heard(rk, escalated=True)
    rk.handle(case.id, Consult(colleague_id="s-mia", note="No."), actor="s-sam")
    assert (
        "needs 2 consultation(s) with colleagues, 1 recorded" in refused(rk, case, DECLINE).reason
    )


def test_R3_consultations_of_an_earlier_round_do_not_count(
    rk: Relations, clock: ManualClock
) -> None:
    case = heard(rk, escalated=True)
    rk.handle(case.id, Consult(colleague_id="s-mia", note="No."), actor="s-sam")
    rk.handle(case.id, DECLINE, actor="s-sam")
    rk.handle(case.id, Resolve(summary="Explained."), actor="s-sam")
    rk.handle(case.id, Close(), actor="s-sam")
    clock.advance(days=2)
    rk.handle(case.id, Reopen(reason="Asks again."), actor="s-sam")
    rk.handle(case.id, Acknowledge(paraphrase="You still want a refund."), actor="s-sam")
    case = rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    assert refused(rk, case, DECLINE).rule_id == "R3"


def test_R3_one_consults_a_real_colleague(rk: Relations) -> None:
    case = heard(rk)
    error = refused(rk, case, Consult(colleague_id="s-sam", note="I agree with me."))
    assert (error.rule_id, error.reason) == ("R3", "one cannot consult oneself; name a colleague")
    error = refused(rk, case, Consult(colleague_id="c-ana", note="Ask the client?"))
    assert "'c-ana' is not a member of staff" in error.reason


# --- R6 -----------------------------------------------------------------------------------


def test_R6_a_referral_names_someone(rk: Relations) -> None:
    error = refused(rk, heard(rk), Refer(handoff_note="Over to you."))
    assert error.rule_id == "R6"
    assert "must name who the client is sent to" in error.reason


def test_R6_not_to_the_client_themselves(rk: Relations) -> None:
    error = refused(rk, heard(rk), Refer(to="c-ana", handoff_note="Over to you."))
    assert "cannot be referred to themselves" in error.reason


def test_R6_to_someone_known(rk: Relations) -> None:
    error = refused(rk, heard(rk), Refer(to="p-nobody", handoff_note="Over to you."))
    assert "'p-nobody' is neither a known party nor a member of staff" in error.reason


def test_R6_with_a_handoff_note(rk: Relations) -> None:
    error = refused(rk, heard(rk), Refer(to="p-legal"))
    assert error.rule_id == "R6"
    assert "hand-off note" in error.reason


@pytest.mark.parametrize("to", ["p-legal", "s-mia"])
def test_R6_a_respectful_referral_is_recorded(rk: Relations, to: str) -> None:
    case = rk.handle(heard(rk).id, Refer(to=to, handoff_note="Two charges."), actor="s-sam")
    assert case.state == "referred"
    assert case.decision is not None
    assert (case.decision.referred_to, case.decision.handoff_note) == (to, "Two charges.")


# --- W1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "allowed"),
    [
        (Accept(), True),
        (Compromise(we_give="a credit", client_gives="a year"), True),
        (DECLINE, False),
    ],
    ids=["accept", "compromise", "decline"],
)
def test_W1_work_follows_agreement(rk: Relations, decision: Command, allowed: bool) -> None:
    case = rk.handle(heard(rk).id, decision, actor="s-sam")
    if allowed:
        assert rk.handle(case.id, StartWork(), actor="s-sam").state == "in_progress"
    else:
        error = refused(rk, case, StartWork())
        assert error.rule_id == "W1"
        assert "carries a decline" in error.reason
        assert "resolve the case instead" in error.reason


# --- several at once ------------------------------------------------------------------------


def test_several_violations_are_reported_together(rk: Relations) -> None:
    case = open_case(rk, escalated=True)
    group = refused_all(rk, case, Decline(clause_id="refunds-90d"))
    assert group.rule_ids == ("R1.case", "R2", "R2", "R3")
    assert isinstance(group, RelationkitError)
    assert isinstance(group, ExceptionGroup)
    assert all(v.aggregate_id == case.id and v.actor_id == "s-sam" for v in group.violations)
    assert "4 care rules refused 'decline'" in str(group)
    assert "(R1.case, R2, R2, R3)" in str(group)


def test_except_star_catches_a_group_and_a_lone_violation(rk: Relations) -> None:
    case = open_case(rk, escalated=True)
    caught: list[str] = []
    try:
        rk.handle(case.id, Decline(), actor="s-sam")
    except* RuleViolation as group:
        caught.extend(v.rule_id for v in group.exceptions if isinstance(v, RuleViolation))
    assert caught == ["R1.case", "R2", "R2", "R3"]

    caught.clear()
    try:
        rk.handle(case.id, Accept(), actor="s-sam")
    except* RuleViolation as group:
        caught.extend(v.rule_id for v in group.exceptions if isinstance(v, RuleViolation))
    assert caught == ["R1.case"]


def test_a_split_group_keeps_its_type(rk: Relations) -> None:
    case = open_case(rk, escalated=True)
    group = refused_all(rk, case, Decline())
    only_r2, rest = group.split(lambda e: isinstance(e, RuleViolation) and e.rule_id == "R2")
    assert isinstance(only_r2, RuleViolations)
    assert only_r2.rule_ids == ("R2", "R2")
    assert isinstance(rest, RuleViolations)
    assert rest.rule_ids == ("R1.case", "R3")


@given(wall=wall_times, span=spans)
@settings(max_examples=examples(300), deadline=None)
def test_R3_the_latest_reply_time_is_pendulums_sum(wall: datetime.datetime, span: Any) -> None:
    at = pendulum.instance(wall, tz="UTC")
    found = later(at, span)
    assert found == at + span
    assert type(found) is pendulum.DateTime
    assert (found.isoformat(), found.timezone_name) == ((at + span).isoformat(), "UTC")


def test_R3_the_latest_reply_time_keeps_pendulums_calendar_arithmetic() -> None:
    before_dst = pendulum.datetime(2026, 3, 28, 12, tz="Europe/Paris")
    assert later(before_dst, pendulum.duration(days=1)) == before_dst.add(days=1)
    assert later(before_dst, pendulum.duration(days=1)).hour == 12  # a day, not 24 hours
    assert later(before_dst, pendulum.duration(hours=24)).hour == 13  # 24 hours, not a day
    utc = pendulum.datetime(2024, 1, 31, tz="UTC")
    assert later(utc, pendulum.duration(months=1)) == pendulum.datetime(2024, 2, 29, tz="UTC")
    assert later(utc, pendulum.duration(years=1)) == pendulum.datetime(2025, 1, 31, tz="UTC")
