"""The relationship aggregate: its lifecycle, its indexes, and which relationship a case
belongs to."""

from __future__ import annotations

import pendulum
import pytest

from relationkit import (
    Client,
    EmptyText,
    InvalidInput,
    InvalidTransition,
    MemoryStore,
    NotFound,
    NotPermitted,
    Relations,
    Staff,
    Vendor,
)
from relationkit.domain.relationship import Activate, Relationship
from relationkit.testing import ManualClock
from relationkit.workflows.relationship import RELATIONSHIP_WORKFLOW, RelationshipFlow

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


@pytest.fixture
def rk() -> Relations:
    rk = Relations(MemoryStore(), clock=ManualClock(START))
    rk.register(
        Client(id="c-ana", name="Ana Diaz", contract="gold"),
        Client(id="c-ben", name="Ben Ode"),
        Vendor(id="v-tel", name="Telco"),
        Staff(id="s-al", name="Al Reyes", roles={"agent"}),
        Staff(id="s-mia", name="Mia Hart", roles={"manager"}),
    )
    return rk


def test_a_relationship_starts_as_a_prospect_with_the_partys_contract(rk: Relations) -> None:
    rel = rk.relationships.create(actor="s-al", party="c-ana")
    assert (rel.state, rel.party_id, rel.contract, rel.opened_by) == (
        "prospect",
        "c-ana",
        "gold",
        "s-al",
    )
    assert (
        rk.relationships.create(actor="s-al", party="c-ben", contract="trial").contract == "trial"
    )


def test_the_lifecycle_prospect_active_at_risk_and_back(rk: Relations) -> None:
    r = rk.relationships
    rel = r.create(actor="s-al", party="c-ana")
    assert r.activate(rel.id, actor="s-al").state == "active"
    at_risk = r.mark_at_risk(rel.id, actor="s-al", reason="Two late payments.")
    assert at_risk.state == "at_risk"
    assert at_risk.at_risk_since == START
    assert [x.id for x in r.at_risk()] == [rel.id]
    back = r.recover(rel.id, actor="s-al", reason="Paid and apologised.")
    assert back.state == "active"
    assert back.at_risk_since is None
    assert r.at_risk() == []
    assert [e.name for e in r.timeline(rel.id)] == [
        "RelationshipOpened",
        "RelationshipActivated",
        "RelationshipAtRisk",
        "RelationshipRecovered",
    ]
    rk.verify(rel.id, Relationship)


def test_states_refuse_commands_they_do_not_offer(rk: Relations) -> None:
    r = rk.relationships
    rel = r.create(actor="s-al", party="c-ana")
    with pytest.raises(InvalidTransition) as info:
        r.mark_at_risk(rel.id, actor="s-al", reason="x")
    assert info.value.allowed == ("activate", "delegate", "revoke_delegation")
    r.activate(rel.id, actor="s-al")
    with pytest.raises(InvalidTransition):
        rk.execute(Relationship, rel.id, Activate(), actor="s-al")
    assert r.get(rel.id).version == 2


def test_bad_input_is_refused_before_anything_is_stored(rk: Relations) -> None:
    with pytest.raises(NotFound):
        rk.relationships.create(actor="s-al", party="c-nobody")
    with pytest.raises(EmptyText):
        rk.relationships.create(actor="s-al", party="c-ana", contract=" ")
    with pytest.raises(NotPermitted):
        rk.relationships.create(actor="c-ben", party="c-ana")
    assert rk.relationships.select() == []
    rel = rk.relationships.create(actor="s-al", party="c-ana")
    with pytest.raises(EmptyText):
        rk.relationships.activate(rel.id, actor="s-al", note="")
    assert rk.relationships.get(rel.id).version == 1


def test_the_machine_matches_the_table() -> None:
    table = RELATIONSHIP_WORKFLOW.table
    assert table.initial == "prospect"
    assert set(table.states) == {"prospect", "active", "at_risk", "severance_proposed", "ended"}
    for state in ("reject", "withdraw", "expire"):
        assert table.transitions["severance_proposed"][state] == "active"
    assert table.transitions["ended"] == {"reengage": "active"}
    assert RelationshipFlow.__doc__


def test_relationships_are_queried_by_index(rk: Relations) -> None:
    r = rk.relationships
    a = r.create(actor="s-al", party="c-ana")
    b = r.create(actor="s-al", party="c-ben")
    r.activate(b.id, actor="s-al")
    assert [x.id for x in r.select(party_id="c-ana")] == [a.id]
    assert [x.id for x in r.select(state="active")] == [b.id]
    with pytest.raises(InvalidInput):
        r.select(opened_by="s-al")


# --- every case belongs to a relationship -------------------------------------------------------


def test_a_case_joins_the_clients_one_live_relationship(rk: Relations) -> None:
    rel = rk.relationships.create(actor="s-al", party="c-ana")
    case = rk.open_case(actor="s-al", client="c-ana", subject="Login", statement="I cannot log in.")
    assert case.relationship_id == rel.id
    assert [c.id for c in rk.cases(relationship_id=rel.id)] == [case.id]


def test_a_client_without_a_relationship_gets_a_case_without_one(rk: Relations) -> None:
    case = rk.open_case(actor="s-al", client="c-ben", subject="Login", statement="Locked out.")
    assert case.relationship_id is None


def test_a_case_names_its_relationship_when_the_client_has_several(rk: Relations) -> None:
    first = rk.relationships.create(actor="s-al", party="c-ana")
    second = rk.relationships.create(actor="s-al", party="c-ana", contract="support")
    with pytest.raises(InvalidInput) as info:
        rk.open_case(actor="s-al", client="c-ana", subject="Login", statement="Locked out.")
    assert first.id in str(info.value)
    assert second.id in str(info.value)
    case = rk.open_case(
        actor="s-al",
        client="c-ana",
        subject="Login",
        statement="Locked out.",
        relationship=second.id,
    )
    assert case.relationship_id == second.id


def test_a_case_cannot_join_another_partys_or_an_unknown_relationship(rk: Relations) -> None:
    bens = rk.relationships.create(actor="s-al", party="c-ben")
    with pytest.raises(InvalidInput):
        rk.open_case(actor="s-al", client="c-ana", subject="x", statement="y", relationship=bens.id)
    with pytest.raises(NotFound):
        rk.open_case(actor="s-al", client="c-ana", subject="x", statement="y", relationship="r-0")
    assert rk.cases() == []


def test_options_never_build_a_machine_and_list_the_states_commands(rk: Relations) -> None:
    rel = rk.relationships.create(actor="s-al", party="c-ana")
    options = rk.options_for([rel], actor="s-al")[rel.id]
    assert [o.command for o in options] == ["activate", "delegate", "revoke_delegation"]
    assert all(o.allowed for o in options)
