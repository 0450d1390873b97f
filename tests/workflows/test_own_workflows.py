"""An application's own workflow: its machine's callbacks run and its conditions refuse,
through the same pipeline as every command, and "what may I do now" says so too."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pytest
from statemachine import State, StateMachine

from relationkit import CareConfig, Client, Relations, RuleViolation, Staff
from relationkit.cases import (
    CASE_WORKFLOW,
    Accept,
    Acknowledge,
    Case,
    CaseFlow,
    ConfirmHeard,
    OpenCase,
)
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event
from relationkit.domain.values import required
from relationkit.workflows import FLOW, Workflow
from world import world

seen: list[tuple[str, str, str]] = []


class AuditedCaseFlow(CaseFlow):
    """The case workflow, with callbacks of the application's own."""

    def on_enter_heard(self, subject: Case, attempt: Any) -> None:
        seen.append(("heard", subject.id, attempt.actor.id))

    def before_accept(self, subject: Case, command: Accept) -> None:
        seen.append(("accept", subject.id, command.note or ""))


def relations(config: CareConfig) -> Relations:
    ana, sam = Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"})
    return world(ana, sam, config=config, policy=None)


def test_callbacks_of_an_own_case_workflow_run_with_the_command() -> None:
    seen.clear()
    audited = attrs.evolve(CASE_WORKFLOW, machine=AuditedCaseFlow)
    assert audited.behaviour
    assert not CASE_WORKFLOW.behaviour
    rk = relations(CareConfig().with_workflow(audited))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund", statement="Pay me.")
    with pytest.raises(RuleViolation):  # R1: refused before the machine runs
        rk.handle(case.id, Accept(note="Early."), actor="s-sam")
    assert seen == []
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    rk.handle(case.id, Accept(note="Refunded."), actor="s-sam")
    assert seen == [("heard", case.id, "c-ana"), ("accept", case.id, "Refunded.")]
    assert rk.case(case.id).state == "decided"
    rk.verify(case.id)


def test_a_callback_that_raises_refuses_the_command_and_stores_nothing() -> None:
    class Strict(CaseFlow):
        def before_accept(self, command: Accept) -> None:
            if not command.note:
                raise RuleViolation(
                    rule_id="ACME-NOTE",
                    aggregate_id="?",
                    actor_id="?",
                    command="accept",
                    reason="say what was accepted",
                )

    rk = relations(CareConfig().with_workflow(attrs.evolve(CASE_WORKFLOW, machine=Strict)))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund", statement="Pay me.")
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    heard = rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    with pytest.raises(RuleViolation, match="say what was accepted"):
        rk.handle(case.id, Accept(), actor="s-sam")
    assert rk.case(case.id) == heard
    assert len(rk.timeline(case.id)) == heard.version


# --- an aggregate of the application's own, with a condition ------------------------------


@attrs.define(kw_only=True)
class Callback(Aggregate):
    """A client asked to be called back."""

    KIND: ClassVar[str] = "callback"
    client_id: str
    attempts: int = 0

    def involves(self, party_id: str) -> bool:
        return party_id == self.client_id

    def _on_try_call(self, command: Command, event: Event) -> None:
        self.attempts += 1


@attrs.frozen(kw_only=True)
class AskCallback(Command):
    NAME: ClassVar[str] = "ask_callback"
    EVENT: ClassVar[str] = "CallbackAsked"
    client_id: str = attrs.field(validator=required)


@attrs.frozen(kw_only=True)
class TryCall(Command):
    NAME: ClassVar[str] = "try_call"
    EVENT: ClassVar[str] = "CallTried"


@attrs.frozen(kw_only=True)
class GiveUp(Command):
    NAME: ClassVar[str] = "give_up"
    EVENT: ClassVar[str] = "CallbackAbandoned"


class CallbackFlow(StateMachine):
    asked = State("Asked", initial=True)
    abandoned = State("Abandoned", final=True)

    try_call = asked.to.itself()
    give_up = asked.to(abandoned, cond="tried_three_times")

    def tried_three_times(self, subject: Callback) -> bool:
        return subject.attempts >= 3


def _make(event: Event, command: Any, state: str) -> Callback:
    made = Callback(id=event.aggregate_id, state=state, client_id=command.client_id)
    made.version, made.head = event.sequence, event.hash
    return made


CALLBACKS = Workflow(
    aggregate=Callback,
    machine=CallbackFlow,
    create=AskCallback,
    commands=(TryCall, GiveUp),
    make=_make,
)


def test_a_condition_of_an_own_workflow_refuses_and_options_say_so() -> None:
    rk = relations(CareConfig().with_workflow(CALLBACKS))
    made = rk.create(Callback, AskCallback(client_id="c-ana"), actor="s-sam", aggregate_id="cb-1")
    options = {o.command: o for o in rk.options_for([made], actor="s-sam")["cb-1"]}
    assert options["try_call"].allowed
    assert options["give_up"].rule_ids == (FLOW,)
    with pytest.raises(RuleViolation) as refused:
        rk.execute(Callback, "cb-1", GiveUp(), actor="s-sam")
    assert refused.value.rule_id == FLOW
    assert "CallbackFlow" in refused.value.reason  # names the machine whose condition refused
    for _ in range(3):
        tried = rk.execute(Callback, "cb-1", TryCall(), actor="s-sam")
    options = {o.command: o for o in rk.options_for([tried], actor="s-sam")["cb-1"]}
    assert options["give_up"].allowed
    done = rk.execute(Callback, "cb-1", GiveUp(), actor="s-sam")
    assert (done.state, done.attempts) == ("abandoned", 3)
    assert [e.name for e in rk.timeline("cb-1", Callback)][-1] == "CallbackAbandoned"
    rk.verify("cb-1", Callback)


def test_a_machine_whose_event_leads_two_ways_is_refused() -> None:
    class TwoWays(StateMachine):
        a = State(initial=True)
        b = State(final=True)
        c = State(final=True)
        go = a.to(b, cond="left") | a.to(c, unless="left")

        def left(self) -> bool:
            return True

    with pytest.raises(TypeError, match="leads from 'a' to both"):
        Workflow(aggregate=Callback, machine=TwoWays, create=AskCallback, commands=(), make=_make)


def test_the_opening_command_of_an_own_case_workflow_is_still_open_case() -> None:
    assert CASE_WORKFLOW.create is OpenCase
