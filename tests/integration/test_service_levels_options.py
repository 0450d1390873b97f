"""Relationkit's own commands (recording the service-level clocks) are not offered to
people by "what may I do now", and a person who sends one anyway is refused."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from relationkit import Client, ManualClock, Relations, RuleViolation, Staff
from relationkit.calendars import BusinessCalendar
from relationkit.cases import CASE_WORKFLOW, Accept, Acknowledge, Case, ConfirmHeard, Resolve
from relationkit.equality import Entitlement
from relationkit.service_levels import (
    BreachServiceLevels,
    ServiceLevelPolicy,
    TrackServiceLevels,
    WarnServiceLevels,
)

H = pendulum.duration
PEOPLE = ["s-sam", "m-max", "c-ana"]


def world() -> Relations:
    rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 9, 8)))
    rk.register(
        Client(id="c-ana", name="Ana", contract="gold"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        Staff(id="m-max", name="Max", roles={"agent", "manager"}),
    )
    rk.calendars.register(BusinessCalendar(id="paris", timezone="Europe/Paris"), actor="m-max")
    rk.equality.entitle(
        Entitlement(id="gold", response_within=H(hours=1), resolution_within=H(days=2)),
        actor="m-max",
    )
    rk.service_levels.define(
        ServiceLevelPolicy(
            id="gold-sla",
            contracts=("gold",),
            targets={"normal": {"first_reply": H(hours=1), "resolution": H(hours=16)}},
            default_priority="normal",
            calendar_id="paris",
        ),
        actor="m-max",
    )
    return rk


def cases(rk: Relations) -> list[Case]:
    """Cases with clocks in several states: opened, heard, resolved."""
    found = []
    for n in range(3):
        case = rk.open_case(
            actor="s-sam",
            client="c-ana",
            subject="Invoice",
            statement="Billed twice.",
            case_id=f"k-{n}",
        )
        if n >= 1:
            rk.handle(case.id, Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
            case = rk.handle(case.id, ConfirmHeard(), actor="c-ana")
        if n == 2:
            rk.handle(case.id, Accept(note="We refund it."), actor="s-sam")
            case = rk.handle(case.id, Resolve(summary="Refunded."), actor="s-sam")
        found.append(rk.case(case.id))
    return found


@pytest.mark.parametrize("actor", PEOPLE)
def test_people_are_not_offered_the_clock_commands(actor: str) -> None:
    rk = world()
    listed = cases(rk)
    assert all(c.service_levels is not None for c in listed)
    assert {c.state for c in listed} == {"opened", "heard", "resolved"}
    for case in listed:
        offered = {o.command for o in rk.options(case.id, actor=actor)}
        state_offers = set(CASE_WORKFLOW.table.transitions[case.state])
        assert offered == state_offers - CASE_WORKFLOW.internal
        assert offered  # a person still sees the case's own commands
    many = rk.options_for(listed, actor=actor)
    assert all(
        not ({o.command for o in options} & CASE_WORKFLOW.internal) for options in many.values()
    )


@pytest.mark.parametrize("actor", ["s-sam", "m-max"])
def test_a_person_sending_a_clock_command_is_refused_and_nothing_changes(actor: str) -> None:
    rk = world()
    case = cases(rk)[0]
    levels = case.service_levels
    assert levels is not None
    before = rk.timeline(case.id)
    for command in (
        TrackServiceLevels(levels=levels, clock_changes=(), cause="CaseOpened"),
        WarnServiceLevels(metrics=("first_reply",)),
        BreachServiceLevels(metrics=("first_reply",)),
    ):
        with pytest.raises(RuleViolation) as raised:
            rk.handle(case.id, command, actor=actor)
        assert raised.value.rule_id == "SLA"
        assert "recorded by relationkit" in raised.value.reason
    assert rk.timeline(case.id) == before
    assert rk.case(case.id) == case


def test_a_workflow_names_only_its_own_commands_as_internal() -> None:
    with pytest.raises(TypeError, match="internal"):
        attrs.evolve(CASE_WORKFLOW, internal=frozenset({"no_such_command"}))
    with pytest.raises(TypeError, match="internal"):
        attrs.evolve(CASE_WORKFLOW, internal=["track_service_levels"])  # type: ignore[arg-type]
