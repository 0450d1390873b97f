"""The case workflow: every transition it offers, and every one it refuses, with typed errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import pendulum
import pytest

from relationkit import (
    AggregateCorrupted,
    InvalidTransition,
    MemoryStore,
    Relations,
    RuleViolation,
    UnknownStateValue,
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
    RecordStatement,
    Refer,
    Reopen,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Command
from relationkit.rules.case import DECIDING_COMMANDS
from relationkit.testing import ManualClock
from relationkit.workflows.case import CASE_WORKFLOW, CaseFlow
from world import ANA, CASE_RULES, LEGAL, MIA, SAM, world

START = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris")


BEFORE_DECISION = ("opened", "listening", "acknowledged", "heard", "deferred")
EXPECTED_TRANSITIONS: dict[str, dict[str, str]] = {
    "opened": {
        "record_statement": "listening",
        "acknowledge": "acknowledged",
        "escalate": "opened",
    },
    "listening": {
        "record_statement": "listening",
        "acknowledge": "acknowledged",
        "escalate": "listening",
        "consult": "listening",
    },
    "acknowledged": {
        "record_statement": "listening",
        "acknowledge": "acknowledged",
        "confirm_heard": "heard",
        "correct_paraphrase": "listening",
        "escalate": "acknowledged",
        "consult": "acknowledged",
    },
    "heard": {"record_statement": "listening", "escalate": "heard", "consult": "heard"},
    "deferred": {"record_statement": "listening", "escalate": "deferred", "consult": "deferred"},
    "decided": {"escalate": "decided", "start_work": "in_progress", "resolve": "resolved"},
    "in_progress": {"escalate": "in_progress", "resolve": "resolved"},
    "referred": {"resolve": "resolved"},
    "resolved": {"close": "closed", "reopen": "listening"},
    "closed": {"reopen": "listening"},
}
for _state in BEFORE_DECISION:
    EXPECTED_TRANSITIONS[_state].update(
        defer="deferred",
        accept="decided",
        decline="decided",
        compromise="decided",
        refer="referred",
    )

COMMANDS: dict[str, tuple[Callable[[pendulum.DateTime], Command], str]] = {
    "record_statement": (lambda now: RecordStatement(text="And it happened twice."), "s-sam"),
    "acknowledge": (lambda now: Acknowledge(paraphrase="You were charged twice."), "s-sam"),
    "confirm_heard": (lambda now: ConfirmHeard(note="Yes, exactly."), "c-ana"),
    "correct_paraphrase": (lambda now: CorrectParaphrase(correction="Three times."), "c-ana"),
    "escalate": (lambda now: Escalate(reason="The client is furious."), "s-sam"),
    "consult": (lambda now: Consult(colleague_id="s-mia", note="Hold firm."), "s-sam"),
    "defer": (lambda now: Defer(reply_by=now.add(days=1), reason="Let me check."), "s-sam"),
    "accept": (lambda now: Accept(note="Refund granted."), "s-sam"),
    "decline": (lambda now: Decline(reason="Too late.", clause_id="refunds-30d"), "s-sam"),
    "compromise": (
        lambda now: Compromise(we_give="a 50% credit", client_gives="keeps the plan a year"),
        "s-sam",
    ),
    "refer": (lambda now: Refer(to="p-legal", handoff_note="Dispute, two charges."), "s-sam"),
    "start_work": (lambda now: StartWork(), "s-sam"),
    "resolve": (lambda now: Resolve(summary="Refund sent."), "s-sam"),
    "close": (lambda now: Close(), "s-sam"),
    "reopen": (lambda now: Reopen(reason="It happened again."), "s-sam"),
}

PATHS: dict[str, tuple[str, ...]] = {
    "opened": (),
    "listening": ("record_statement",),
    "acknowledged": ("acknowledge",),
    "heard": ("acknowledge", "confirm_heard"),
    "deferred": ("acknowledge", "confirm_heard", "defer"),
    "decided": ("acknowledge", "confirm_heard", "accept"),
    "in_progress": ("acknowledge", "confirm_heard", "accept", "start_work"),
    "referred": ("acknowledge", "confirm_heard", "refer"),
    "resolved": ("acknowledge", "confirm_heard", "accept", "resolve"),
    "closed": ("acknowledge", "confirm_heard", "accept", "resolve", "close"),
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def rk(clock: ManualClock) -> Relations:
    return world(ANA, SAM, MIA, LEGAL, clock=clock, config=CASE_RULES)


def run(rk: Relations, case_id: str, name: str) -> Case:
    make, actor = COMMANDS[name]
    return rk.handle(case_id, make(rk.now()), actor=actor)


def case_in(rk: Relations, clock: ManualClock, state: str) -> Case:
    case = rk.open_case(
        actor="s-sam", client="c-ana", subject="Double charge", statement="You charged me twice!"
    )
    for name in PATHS[state]:
        clock.advance(minutes=5)
        case = run(rk, case.id, name)
    assert case.state == state
    return case


def test_the_machine_offers_exactly_the_documented_transitions() -> None:
    assert CASE_WORKFLOW.table.initial == "opened"
    assert CASE_WORKFLOW.table.final == frozenset()  # a closed case can be reopened
    # Commands of other areas (expectations …) are tested with those areas.
    actual = {
        state: {c: t for c, t in targets.items() if c in COMMANDS}
        for state, targets in CASE_WORKFLOW.table.transitions.items()
    }
    assert actual == EXPECTED_TRANSITIONS


def test_every_command_has_a_transition_and_every_event_a_command() -> None:
    assert set(COMMANDS) <= set(CASE_WORKFLOW.table.commands)
    assert set(CASE_WORKFLOW.table.commands) == set(CASE_WORKFLOW.commands_named())
    for command in CASE_WORKFLOW.commands:  # every event name leads back to its command
        assert CASE_WORKFLOW.command_class(command.EVENT) is command
    events = [c.EVENT for c in CASE_WORKFLOW.commands]
    assert len(set(events)) == len(events)


def test_every_non_final_state_has_a_way_out() -> None:
    for state in CaseFlow.states:
        assert CASE_WORKFLOW.table.transitions[state.value], state.value


ALLOWED = [(s, c, t) for s, targets in EXPECTED_TRANSITIONS.items() for c, t in targets.items()]
REFUSED = [
    (s, c) for s in EXPECTED_TRANSITIONS for c in COMMANDS if c not in EXPECTED_TRANSITIONS[s]
]


@pytest.mark.parametrize(("state", "command", "target"), ALLOWED)
def test_every_transition(
    rk: Relations, clock: ManualClock, state: str, command: str, target: str
) -> None:
    case = case_in(rk, clock, state)
    clock.advance(minutes=5)
    if command in DECIDING_COMMANDS and state in ("opened", "listening", "acknowledged"):
        # The transition exists so that "what may I do" can name R1 as the reason it is refused.
        with pytest.raises(RuleViolation) as caught:
            run(rk, case.id, command)
        assert caught.value.rule_id == "R1.case"
        assert rk.case(case.id) == case
        return
    after = run(rk, case.id, command)
    assert after.state == target
    assert after.version == case.version + 1
    event = rk.timeline(case.id)[-1]
    make, actor = COMMANDS[command]
    assert event.name == type(make(rk.now())).EVENT
    assert event.actor_id == actor
    assert event.at == clock.now()
    assert event.at.timezone_name == "UTC"
    assert event.sequence == after.version
    assert rk.case(case.id) == after


@pytest.mark.parametrize(("state", "command"), REFUSED)
def test_every_refused_transition(
    rk: Relations, clock: ManualClock, state: str, command: str
) -> None:
    case = case_in(rk, clock, state)
    before = rk.timeline(case.id)
    with pytest.raises(InvalidTransition) as caught:
        run(rk, case.id, command)
    error = caught.value
    assert error.aggregate_id == case.id
    assert error.state == state
    assert error.command == command
    # what a person may send: relationkit's own (service-level) commands are not listed
    offered = CASE_WORKFLOW.table.transitions[state]
    assert error.allowed == tuple(sorted(set(offered) - CASE_WORKFLOW.internal))
    assert not set(error.allowed) & CASE_WORKFLOW.internal
    assert set(EXPECTED_TRANSITIONS[state]) <= set(error.allowed)
    assert f"the case is {state!r}, which does not offer it" in str(error)
    assert "you may:" in str(error)
    assert rk.case(case.id) == case
    assert rk.timeline(case.id) == before


def test_a_correction_sends_the_case_back_for_a_new_paraphrase(
    rk: Relations, clock: ManualClock
) -> None:
    case = case_in(rk, clock, "acknowledged")
    case = run(rk, case.id, "correct_paraphrase")
    assert case.state == "listening"
    assert case.paraphrase is not None
    assert case.paraphrase.outcome == "corrected"
    assert case.paraphrase.correction == "Three times."
    assert not case.heard
    with pytest.raises(InvalidTransition):
        run(rk, case.id, "confirm_heard")
    case = rk.handle(case.id, Acknowledge(paraphrase="Charged three times."), actor="s-sam")
    case = run(rk, case.id, "confirm_heard")
    assert case.heard
    assert [p.outcome for p in rk.history(case.id).paraphrases] == ["corrected", "confirmed"]
    assert case.heard_once


def test_a_new_statement_lapses_the_confirmation(rk: Relations, clock: ManualClock) -> None:
    case = case_in(rk, clock, "heard")
    case = run(rk, case.id, "record_statement")
    assert case.state == "listening"
    assert not case.heard
    assert case.statement_count == 2
    assert case.last_statement_at == clock.now()
    statements = rk.history(case.id).statements
    assert [s.text for s in statements] == ["You charged me twice!", "And it happened twice."]


def test_reopening_starts_a_new_round(rk: Relations, clock: ManualClock) -> None:
    case = case_in(rk, clock, "closed")
    assert case.closed_at is not None
    clock.advance(days=3)
    case = run(rk, case.id, "reopen")
    assert case.state == "listening"
    assert case.decision is None
    assert case.resolution is None
    assert case.closed_at is None
    assert not case.heard
    assert case.cycle_started_at == clock.now()
    assert case.first_decision is not None
    assert case.first_decision.kind == "accept"
    assert case.reopen_count == 1
    history = rk.history(case.id)
    assert [d.kind for d in history.decisions] == ["accept"]
    assert history.reopenings[-1].reason == "It happened again."


def test_acknowledging_makes_the_staff_member_the_owner(rk: Relations, clock: ManualClock) -> None:
    case = rk.open_case(actor="s-mia", client="c-ana", subject="Login", statement="I'm locked out.")
    assert case.owner_id == "s-mia"
    case = rk.handle(case.id, Acknowledge(paraphrase="You are locked out."), actor="s-sam")
    assert case.owner_id == "s-sam"


def test_a_stored_state_the_machine_does_not_know_is_a_typed_error(
    rk: Relations, clock: ManualClock
) -> None:
    case = case_in(rk, clock, "heard")
    assert isinstance(rk.store, MemoryStore)
    row = rk.store.raw_aggregate("case", case.id)
    data = json.loads(row.snapshot)
    data["state"] = "limbo"
    row.snapshot = json.dumps(data)
    with pytest.raises(UnknownStateValue) as caught:
        run(rk, case.id, "escalate")
    assert isinstance(caught.value, AggregateCorrupted)
    assert caught.value.value == "limbo"
    assert "'limbo' is not one of" in str(caught.value)
    with pytest.raises(UnknownStateValue):
        rk.options(case.id, actor="s-sam")
    assert len(rk.timeline(case.id)) == case.version
