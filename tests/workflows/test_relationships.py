"""The relationship aggregate: its lifecycle, its indexes, and which relationship a case or a
promise belongs to (every one belongs to one)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from relationkit import (
    CareConfig,
    Client,
    EmptyText,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Relations,
    RuleViolation,
    Staff,
    Vendor,
)
from relationkit.app.relationships import first_relationship_id
from relationkit.cases import Acknowledge, ConfirmHeard
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Activate, Relationship
from relationkit.workflows.relationship import RELATIONSHIP_WORKFLOW, RelationshipFlow
from world import START, world


@pytest.fixture
def rk() -> Relations:
    return world(
        Client(id="c-ana", name="Ana Diaz", contract="gold"),
        Client(id="c-ben", name="Ben Ode"),
        Vendor(id="v-tel", name="Telco"),
        Staff(id="s-al", name="Al Reyes", roles={"agent"}),
        Staff(id="s-mia", name="Mia Hart", roles={"manager"}),
        policy=None,
    )


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


def test_a_clients_first_case_starts_their_relationship(rk: Relations) -> None:
    heard: list[tuple[str, str]] = []
    rk.subscribe(lambda event, aggregate: heard.append((event.name, aggregate.KIND)))
    case = rk.open_case(actor="s-al", client="c-ben", subject="Login", statement="Locked out.")
    assert case.relationship_id == first_relationship_id("c-ben") == "relationship_c-ben"
    rel = rk.relationships.get(case.relationship_id)
    assert (rel.state, rel.party_id, rel.contract, rel.opened_by) == (
        "active",
        "c-ben",
        "standard",
        "s-al",
    )
    events = rk.relationships.timeline(rel.id)
    assert [(e.name, e.actor_id, e.at) for e in events] == [
        ("RelationshipOpened", "s-al", START),
        ("RelationshipActivated", "s-al", START),
    ]
    assert case.id in events[0].data["note"]
    rk.verify(rel.id, Relationship)
    assert sorted(heard) == [
        ("CaseOpened", "case"),
        ("RelationshipActivated", "relationship"),
        ("RelationshipOpened", "relationship"),
    ]
    again = rk.open_case(actor="s-al", client="c-ben", subject="Invoice", statement="Wrong sum.")
    assert again.relationship_id == rel.id
    assert [r.id for r in rk.relationships.select(party_id="c-ben")] == [rel.id]
    assert len(rk.relationships.timeline(rel.id)) == 2


def test_a_refused_first_case_starts_no_relationship(rk: Relations) -> None:
    with pytest.raises(NotFound):
        rk.open_case(actor="s-al", client="c-nobody", subject="x", statement="y")
    with pytest.raises(EmptyText):
        rk.open_case(actor="s-al", client="c-ben", subject=" ", statement="y")
    with pytest.raises(NotFound):
        rk.open_case(actor="s-nobody", client="c-ben", subject="x", statement="y")
    assert rk.relationships.select() == []
    assert rk.cases() == []


def test_starting_a_relationship_with_a_first_case_needs_the_authority_to_start_one() -> None:
    config = CareConfig(command_roles={"open_relationship": {"manager"}})
    rk = world(
        Client(id="c-ben", name="Ben Ode"),
        Staff(id="s-al", name="Al Reyes", roles={"agent"}),
        Staff(id="s-mia", name="Mia Hart", roles={"manager"}),
        config=config,
        policy=None,
    )
    with pytest.raises(NotPermitted) as info:
        rk.open_case(actor="s-al", client="c-ben", subject="Login", statement="Locked out.")
    assert "no relationship yet" in str(info.value)
    assert info.value.command == "open_relationship"
    assert rk.cases() == []
    assert rk.relationships.select() == []
    first = rk.open_case(actor="s-mia", client="c-ben", subject="Login", statement="Locked out.")
    later = rk.open_case(actor="s-al", client="c-ben", subject="Invoice", statement="Wrong sum.")
    assert later.relationship_id == first.relationship_id


def test_first_cases_opened_at_once_share_one_relationship(tmp_path: Path) -> None:
    rk = world(
        Client(id="c-ben", name="Ben Ode"),
        Staff(id="s-al", name="Al", roles={"agent"}),
        store=f"sqlite:///{tmp_path / 'r.db'}",
        policy=None,
    )
    errors: list[BaseException] = []

    def first_case(n: int) -> None:
        try:
            rk.open_case(
                actor="s-al", client="c-ben", subject="Down", statement="Down.", case_id=f"k-{n}"
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_case, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [r.id for r in rk.relationships.select(party_id="c-ben")] == ["relationship_c-ben"]
    assert {c.relationship_id for c in rk.cases()} == {"relationship_c-ben"}
    assert len(rk.cases()) == 4
    assert rk.verify_all().ok
    rk.store.close()


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
    assert [(o.command, o.rule_ids) for o in options] == [
        ("activate", ()),
        ("delegate", ()),
        ("revoke_delegation", ("R9.delegation",)),  # nobody delegated anything yet
    ]


# --- every promise belongs to a relationship ----------------------------------------------------


def offer_audits(rk: Relations) -> None:
    rk.calendars.register(BusinessCalendar(id="office", timezone="UTC"), actor="s-mia")
    rk.calendars.register_offering(
        Offering(
            id="audit",
            name="Audit",
            scope=("audit",),
            lead_time=BusinessTime(days=5),
            calendar_id="office",
        ),
        actor="s-mia",
    )


def promise(rk: Relations, party: str, **kw: Any) -> Promise:
    fields: dict[str, Any] = {"what": "An audit", "offering": "audit", "due": START.add(weeks=4)}
    fields.update(kw)
    return rk.promises.make(actor="s-al", party=party, **fields)


def test_a_promise_joins_its_partys_relationship_or_starts_one(rk: Relations) -> None:
    offer_audits(rk)
    anas = rk.relationships.create(actor="s-al", party="c-ana")
    assert promise(rk, "c-ana").relationship_id == anas.id
    first = promise(rk, "c-ben")
    assert first.relationship_id == first_relationship_id("c-ben")
    rel = rk.relationships.get(first.relationship_id)
    assert rel.state == "active"
    assert first.id in rk.relationships.timeline(rel.id)[0].data["note"]
    assert promise(rk, "c-ben").relationship_id == rel.id
    assert rk.promises.keeping_rate(relationship=rel.id).settled == 0
    assert len(rk.promises.find(relationship_id=rel.id)) == 2


def test_a_promise_on_a_case_joins_the_cases_relationship(rk: Relations) -> None:
    offer_audits(rk)
    case = rk.open_case(actor="s-al", client="c-ben", subject="Audit", statement="Audit us.")
    rk.handle(case.id, Acknowledge(paraphrase="You want an audit."), actor="s-al")
    rk.handle(case.id, ConfirmHeard(), actor="c-ben")
    made = promise(rk, "c-ben", case=case.id)
    assert made.relationship_id == case.relationship_id == first_relationship_id("c-ben")


def test_a_promise_in_the_wrong_relationship_is_refused_and_nothing_is_stored(
    rk: Relations,
) -> None:
    offer_audits(rk)
    anas = rk.relationships.create(actor="s-al", party="c-ana")
    case = rk.open_case(actor="s-al", client="c-ben", subject="Audit", statement="Audit us.")
    with pytest.raises(InvalidInput) as info:
        promise(rk, "c-ben", relationship=anas.id)
    assert info.value.field == "relationship"
    with pytest.raises(InvalidInput):
        promise(rk, "c-ben", case=case.id, relationship=anas.id)
    with pytest.raises(NotFound):
        promise(rk, "c-ana", relationship="r-0")
    rk.relationships.create(actor="s-al", party="c-ana", contract="support")
    with pytest.raises(InvalidInput):
        promise(rk, "c-ana")  # two live relationships: name one
    with pytest.raises(NotFound):
        promise(rk, "c-nobody")
    assert rk.promises.find() == []
    assert rk.relationships.select(party_id="c-nobody") == []


def test_a_refused_first_promise_starts_no_relationship(rk: Relations) -> None:
    offer_audits(rk)
    with pytest.raises(RuleViolation) as info:
        promise(rk, "c-ben", due=START.add(days=1))  # sooner than the audit's lead time
    assert info.value.rule_id == "R4"
    assert rk.relationships.select() == []
    assert rk.promises.find() == []
