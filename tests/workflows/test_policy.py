"""The written policy (R11): acknowledgements, lapses, reminders, and flag or refuse."""

from __future__ import annotations

import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    InvalidInput,
    MemoryStore,
    NotFound,
    Relations,
    RuleViolation,
    Staff,
)
from relationkit.domain.case import Acknowledge
from relationkit.domain.feedback import FeedbackConfig
from relationkit.domain.policy import (
    CURRENT,
    LAPSED,
    NEVER,
    OUTDATED,
    Acknowledgement,
    acknowledgement_status,
)
from relationkit.policy import Clause, Policy
from relationkit.testing import ManualClock
from world import world

START = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
LAPSE = pendulum.duration(days=90)


def policy(version: int, at: pendulum.DateTime = START) -> Policy:
    return Policy(
        version=version,
        published_at=at,
        clauses=[
            Clause(id="respect", text="Everyone is treated alike, whatever their title."),
            Clause(id="refunds-30d", text="Refunds within 30 days."),
        ],
    )


def make(action: str = "flag") -> tuple[Relations, ManualClock]:
    clock = ManualClock(START)
    config = CareConfig().evolve(
        feedback=FeedbackConfig(policy_ack_lapse=LAPSE, lapsed_action=action)
    )
    rk = world(
        Client(id="c-ana", name="Ana Ruiz"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-kim", name="Kim Berg", roles={"agent"}),
        clock=clock,
        config=config,
        policy=None,
    )
    rk.policy.publish(policy(1))
    return rk, clock


def test_status_rules() -> None:
    p1, p2 = policy(1), policy(2)
    ack = p1.acknowledged_by("s-sam", at=START)
    assert ack.id == "s-sam@1"
    status = acknowledgement_status("s-sam", [ack], p1, now=START.add(days=89), lapse=LAPSE)
    assert (status.state, status.due, status.lapses_at) == (CURRENT, False, START.add(days=90))
    assert (
        acknowledgement_status("s-sam", [ack], p1, now=START.add(days=90), lapse=LAPSE).state
        == LAPSED
    )
    assert acknowledgement_status("s-sam", [ack], p2, now=START, lapse=LAPSE).state == OUTDATED
    assert acknowledgement_status("s-kim", [ack], p1, now=START, lapse=LAPSE).state == NEVER


def test_acknowledging_the_current_version() -> None:
    rk, clock = make()
    clock.advance(hours=1)
    ack = rk.policy.acknowledge("s-sam", note="Read it twice.")
    assert ack == Acknowledgement(
        staff_id="s-sam", version=1, at=clock.now(), note="Read it twice."
    )
    status = rk.policy.acknowledgement("s-sam")
    assert status is not None
    assert status.state == CURRENT


def test_acknowledgement_lapses_after_the_span_and_reminders_list_who_is_due() -> None:
    rk, clock = make()
    assert [s.staff_id for s in rk.policy.reminders()] == ["s-kim", "s-sam"]
    rk.policy.acknowledge("s-sam")
    assert [(s.staff_id, s.state) for s in rk.policy.reminders()] == [("s-kim", NEVER)]
    clock.advance(days=90)
    due = rk.policy.reminders()
    assert [(s.staff_id, s.state) for s in due] == [("s-kim", NEVER), ("s-sam", LAPSED)]
    assert "lapsed" in due[1].describe()
    rk.policy.acknowledge("s-sam")
    assert [s.staff_id for s in rk.policy.reminders()] == ["s-kim"]


def test_a_new_version_makes_every_acknowledgement_outdated() -> None:
    rk, clock = make()
    rk.policy.acknowledge("s-sam")
    rk.policy.acknowledge("s-kim")
    assert rk.policy.reminders() == []
    clock.advance(days=1)
    rk.policy.publish(policy(2, clock.now()))
    due = rk.policy.reminders()
    assert [(s.staff_id, s.state, s.acknowledged_version) for s in due] == [
        ("s-kim", OUTDATED, 1),
        ("s-sam", OUTDATED, 1),
    ]
    assert "version 2" in due[0].describe()
    rk.policy.acknowledge("s-sam", 2)
    assert [s.staff_id for s in rk.policy.reminders()] == ["s-kim"]


def test_acknowledging_a_version_that_does_not_exist_is_refused_and_nothing_changes() -> None:
    rk, _ = make()
    with pytest.raises(NotFound, match="policy version") as refused:
        rk.policy.acknowledge("s-sam", 7)
    assert refused.value.id == "7"
    assert "acknowledge version 1" in str(refused.value)
    with pytest.raises(NotFound):
        rk.policy.acknowledge("s-nobody", 1)
    with pytest.raises(NotFound):
        rk.policy.acknowledge("s-sam", True)  # type: ignore[arg-type]
    with rk.store.unit_of_work() as uow:
        assert uow.records(Acknowledgement) == []
    assert [s.staff_id for s in rk.policy.reminders()] == ["s-kim", "s-sam"]


def test_acknowledging_a_replaced_version_is_refused() -> None:
    rk, _ = make()
    rk.policy.publish(policy(2))
    with pytest.raises(InvalidInput, match="replaced it"):
        rk.policy.acknowledge("s-sam", 1)
    with rk.store.unit_of_work() as uow:
        assert uow.records(Acknowledgement) == []


def test_nothing_to_acknowledge_before_a_policy_is_published() -> None:
    rk = Relations(MemoryStore())
    rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}))
    with pytest.raises(NotFound, match="publish a policy first"):
        rk.policy.acknowledge("s-sam")
    assert rk.policy.reminders() == []
    assert rk.policy.acknowledgement("s-sam") is None


# --- flag or refuse ---------------------------------------------------------------------------


def test_commands_by_staff_with_a_lapsed_acknowledgement_are_flagged() -> None:
    rk, clock = make("flag")
    rk.policy.acknowledge("s-sam")
    case = rk.open_case(actor="s-sam", client="c-ana", subject="A", statement="B.")
    assert rk.policy.flags() == []
    clock.advance(days=91)
    rk.handle(case.id, Acknowledge(paraphrase="B."), actor="s-sam")
    flags = rk.policy.flags(aggregate_id=case.id)
    event = rk.timeline(case.id)[-1]
    assert [(f.sequence, f.event_hash, f.staff_id, f.status) for f in flags] == [
        (2, event.hash, "s-sam", LAPSED)
    ]
    assert flags[0].event_name == "CaseAcknowledged"
    # a flag is stored with the event; the client's own commands are never flagged
    clock.advance(hours=1)
    rk.open_case(actor="s-kim", client="c-ana", subject="C", statement="D.")
    assert [f.staff_id for f in rk.policy.flags()] == ["s-sam", "s-kim"]
    assert rk.policy.flags(staff_id="s-kim")[0].status == NEVER


def test_commands_by_staff_with_a_lapsed_acknowledgement_are_refused_when_so_configured() -> None:
    rk, clock = make("refuse")
    rk.policy.acknowledge("s-sam")
    case = rk.open_case(actor="s-sam", client="c-ana", subject="A", statement="B.")
    with pytest.raises(RuleViolation) as refused:
        rk.open_case(actor="s-kim", client="c-ana", subject="C", statement="D.")
    assert refused.value.rule_id == "R11"
    assert "never acknowledged" in refused.value.reason
    assert [c.id for c in rk.cases()] == [case.id]
    clock.advance(days=91)
    before = (rk.case(case.id), rk.timeline(case.id))
    with pytest.raises(RuleViolation, match="R11"):
        rk.handle(case.id, Acknowledge(paraphrase="B."), actor="s-sam")
    assert (rk.case(case.id), rk.timeline(case.id)) == before
    rk.policy.acknowledge("s-sam")
    assert rk.handle(case.id, Acknowledge(paraphrase="B."), actor="s-sam").state == "acknowledged"
    assert rk.policy.flags() == []


def test_options_report_r11_wherever_handle_would_refuse_with_it() -> None:
    rk, clock = make("refuse")
    rk.policy.acknowledge("s-sam")
    case = rk.open_case(actor="s-sam", client="c-ana", subject="A", statement="B.")
    clock.advance(days=91)  # Sam's acknowledgement lapsed; Kim never gave one
    for actor in ("s-sam", "s-kim"):
        offered = {o.command: o for o in rk.options(case.id, actor=actor)}
        assert offered["acknowledge"].allowed is False
        assert "R11" in offered["acknowledge"].rule_ids
        with pytest.raises(RuleViolation, match="R11"):
            rk.handle(case.id, Acknowledge(paraphrase="B."), actor=actor)
    rk.policy.acknowledge("s-sam")
    offered = {o.command: o for o in rk.options(case.id, actor="s-sam")}
    assert offered["acknowledge"].allowed
    assert rk.handle(case.id, Acknowledge(paraphrase="B."), actor="s-sam").state == "acknowledged"


def test_lapses_can_be_ignored() -> None:
    rk, _ = make("ignore")
    rk.open_case(actor="s-kim", client="c-ana", subject="C", statement="D.")
    assert rk.policy.flags() == []


def test_without_a_published_policy_nothing_is_flagged() -> None:
    rk = Relations(MemoryStore())
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    rk.open_case(actor="s-sam", client="c-ana", subject="A", statement="B.")
    assert rk.policy.flags() == []


def test_lapsed_action_is_validated() -> None:
    with pytest.raises(InvalidInput, match="lapsed_action"):
        FeedbackConfig(lapsed_action="shout")
