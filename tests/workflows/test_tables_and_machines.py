"""The built-in workflows run from tables read off their python-statemachine classes; these
tests show the tables and real machines agree, state by state and event by event."""

from __future__ import annotations

import pytest
from statemachine.exceptions import TransitionNotAllowed

from relationkit.config import CareConfig
from relationkit.workflows import FlowTable, Workflow

WORKFLOWS = sorted(CareConfig().workflows.values(), key=lambda w: w.kind)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.kind)
def test_every_state_and_event_leads_where_a_real_machine_goes(workflow: Workflow) -> None:
    table = workflow.table
    assert not workflow.behaviour  # nothing of its own runs: the table says it all
    checked = 0
    for state in sorted(table.states):
        for command in table.commands:
            machine = workflow.machine(start_value=state)
            expected = table.transitions[state].get(command)
            if expected is None:
                with pytest.raises(TransitionNotAllowed):
                    machine.send(command)
            else:
                machine.send(command)
                assert machine.current_state_value == expected, (state, command)
            checked += 1
    assert checked == len(table.states) * len(table.commands)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.kind)
def test_the_table_names_the_machine_s_states_and_commands(workflow: Workflow) -> None:
    machine = workflow.machine
    table = FlowTable.of(machine)
    assert table.states == {s.value for s in machine.states}
    assert table.initial == machine.initial_state.value  # type: ignore[union-attr]
    assert table.final == {s.value for s in machine.final_states}
    assert set(table.commands) == {c.NAME for c in workflow.commands}
    for state in table.states:
        assert set(table.allowed_from(state)) <= set(table.commands)
