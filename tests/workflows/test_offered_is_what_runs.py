""" "What may I do now" names the refusal that running the command meets, when the state leaves
no arguments that could permit it (one test per disagreement found by
tests/workflows/test_options_agree.py)."""

from __future__ import annotations

import pendulum
import pytest

from relationkit import (
    Client,
    MemoryStore,
    Option,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
    Vendor,
)
from relationkit.cases import (
    Acknowledge,
    Compromise,
    ConfirmHeard,
    Decline,
    Defer,
    MatchExpectation,
    RecordExpectation,
    RecordStatement,
    ResetExpectation,
)
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.policy import Clause, Policy
from relationkit.testing import ManualClock

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


@pytest.fixture
def rk() -> Relations:
    relations = Relations(MemoryStore(), clock=ManualClock(START))
    relations.register(
        Client(id="c-ana", name="Ana Ruiz"),
        Vendor(id="v-acme", name="Acme Parts"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-mia", name="Mia Lund", roles={"manager"}),
        Staff(id="s-pat", name="Pat Quinn", roles={"partner"}),
    )
    return relations


def heard(rk: Relations, **kw: str) -> str:
    case = rk.open_case(
        actor="s-sam", client="c-ana", subject="Refund", statement="Pay me back.", **kw
    )
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    return case.id


def option(options: list[Option], command: str) -> Option:
    return next(o for o in options if o.command == command)


def refused_by(rule_id: str, run: object) -> None:
    """``run()`` is refused by ``rule_id`` alone (once or with several reasons)."""
    assert callable(run)
    with pytest.raises((RuleViolation, RuleViolations)) as caught:
        run()
    error = caught.value
    found = error.exceptions if isinstance(error, RuleViolations) else (error,)
    assert {v.rule_id for v in found} == {rule_id}


def test_nothing_recorded_to_match_or_reset_is_named_by_r5(rk: Relations) -> None:
    rk.calendars.register(BusinessCalendar(id="utc", timezone="UTC"), actor="s-mia")
    rk.calendars.register_offering(
        Offering(
            id="billing",
            name="Billing",
            scope=("invoice",),
            lead_time=BusinessTime(days=2),
            calendar_id="utc",
        ),
        actor="s-mia",
    )
    case_id = heard(rk)
    options = rk.options(case_id, actor="s-sam")
    assert option(options, "match_expectation").rule_ids == ("R5.case",)
    assert option(options, "reset_expectation").rule_ids == ("R5.case",)
    match = MatchExpectation(expectation="e1", offering_id="billing", scope_item="invoice")
    refused_by("R5.case", lambda: rk.handle(case_id, match, actor="s-sam"))
    reset = ResetExpectation(expectation="e1", conversation="Agreed on Monday.")
    refused_by("R5.case", lambda: rk.handle(case_id, reset, actor="s-sam"))
    rk.handle(case_id, RecordExpectation(text="A new invoice.", key="e1"), actor="s-sam")
    options = rk.options(case_id, actor="s-sam")
    assert option(options, "match_expectation").allowed
    assert option(options, "reset_expectation").allowed
    rk.handle(case_id, match, actor="s-sam")
    matched = rk.history(case_id).expectation("e1")  # settled: kept in the case's history
    assert matched is not None
    assert matched.status == "matched"


def test_a_decline_without_a_written_policy_is_named_by_r2(rk: Relations) -> None:
    case_id = heard(rk)
    assert option(rk.options(case_id, actor="s-sam"), "decline").rule_ids == ("R2",)
    decline = Decline(reason="Outside the refund window.", clause_id="refunds-30d")
    refused_by("R2", lambda: rk.handle(case_id, decline, actor="s-sam"))
    rk.policy.publish(
        Policy(version=1, published_at=START, clauses=[Clause(id="refunds-30d", text="30 d.")]),
        actor="s-mia",
    )
    assert option(rk.options(case_id, actor="s-sam"), "decline").allowed
    assert rk.handle(case_id, decline, actor="s-sam").state == "decided"


def test_only_the_relationships_own_cases_make_severance_proposable(rk: Relations) -> None:
    first = rk.relationships.create(actor="s-sam", party="c-ana")
    rk.relationships.activate(first.id, actor="s-sam")
    rk.relationships.mark_at_risk(first.id, actor="s-sam", reason="Disputes.")
    second = rk.relationships.create(actor="s-sam", party="c-ana")
    rk.relationships.activate(second.id, actor="s-sam")
    elsewhere = heard(rk, relationship=second.id)
    rk.handle(elsewhere, Compromise(we_give="Credit.", client_gives="Pays."), actor="s-sam")

    propose = option(
        rk.options_for([rk.relationships.get(first.id)], actor="s-pat")[first.id],
        "propose_severance",
    )
    assert propose.rule_ids == ("R9.evidence",)
    refused_by(
        "R9.evidence",
        lambda: rk.relationships.propose_severance(
            first.id, actor="s-pat", reason="Enough.", evidence=[elsewhere]
        ),
    )
    own = heard(rk, relationship=first.id)
    rk.handle(own, Compromise(we_give="Credit.", client_gives="Pays."), actor="s-sam")
    assert option(
        rk.options_for([rk.relationships.get(first.id)], actor="s-pat")[first.id],
        "propose_severance",
    ).allowed
    proposed = rk.relationships.propose_severance(
        first.id, actor="s-pat", reason="Enough.", evidence=[own]
    )
    assert proposed.state == "severance_proposed"


def test_nothing_to_revoke_is_named_by_r9_delegation(rk: Relations) -> None:
    rel = rk.relationships.create(actor="s-sam", party="c-ana")

    def revoke_option(actor: str) -> Option:
        fresh = rk.relationships.get(rel.id)
        return option(rk.options_for([fresh], actor=actor)[rel.id], "revoke_delegation")

    assert revoke_option("s-mia").rule_ids == ("R9.delegation",)
    refused_by(
        "R9.delegation",
        lambda: rk.relationships.revoke_delegation(rel.id, actor="s-mia", to="s-pat"),
    )
    rk.relationships.delegate(rel.id, actor="s-mia", to="s-pat", ends_at=START.add(days=3))
    assert revoke_option("s-mia").allowed
    assert revoke_option("s-pat").rule_ids == ("R9.delegation",)  # s-pat gave none
    rk.clock.advance(days=4)  # type: ignore[attr-defined]
    assert revoke_option("s-mia").rule_ids == ("R9.delegation",)  # it is over


def test_an_update_that_promises_the_next_waits_for_the_client_to_be_heard(
    rk: Relations,
) -> None:
    case_id = heard(rk)
    ticket = rk.liaison.escalate_to_vendor(case_id, actor="s-sam", vendor="v-acme")
    assert option(rk.options_for([ticket], actor="s-sam")[ticket.id], "update_client").allowed
    rk.handle(case_id, RecordStatement(text="And it broke again."), actor="s-sam")
    ticket = rk.liaison.ticket(ticket.id)
    update = option(rk.options_for([ticket], actor="s-sam")[ticket.id], "update_client")
    assert update.rule_ids == ("R1.update",)
    before = rk.promises.find(case_id=case_id)
    refused_by(
        "R1.update",
        lambda: rk.liaison.update_client(ticket.id, actor="s-sam", message="Still on it."),
    )
    assert rk.promises.find(case_id=case_id) == before
    rk.handle(case_id, Acknowledge(paraphrase="It broke again."), actor="s-sam")
    rk.handle(case_id, ConfirmHeard(), actor="c-ana")
    updated = rk.liaison.update_client(ticket.id, actor="s-sam", message="Still on it.")
    assert updated.update_count == 1


def test_deferring_again_to_the_same_time_keeps_the_reply_promise(rk: Relations) -> None:
    case_id = heard(rk)
    reply_by = START.add(days=2)
    rk.handle(case_id, Defer(reply_by=reply_by, reason="Checking the ledger."), actor="s-sam")
    [promise] = rk.promises.find(case_id=case_id)
    assert option(rk.options(case_id, actor="s-sam"), "defer").allowed
    again = rk.handle(case_id, Defer(reply_by=reply_by, reason="Still checking."), actor="s-sam")
    assert again.deferral is not None
    assert again.deferral.reason == "Still checking."
    assert rk.promises.find(case_id=case_id) == [promise]  # nothing to move


def test_a_deactivated_clients_case_goes_on_with_its_reply_and_update_promises(
    rk: Relations,
) -> None:
    case_id = heard(rk)
    ticket = rk.liaison.escalate_to_vendor(case_id, actor="s-sam", vendor="v-acme")
    rk.directory.deactivate("c-ana", actor="s-mia", reason="Asked to pause the account.")
    assert option(rk.options(case_id, actor="s-sam"), "defer").allowed
    deferred = rk.handle(
        case_id, Defer(reply_by=START.add(days=1), reason="Checking."), actor="s-sam"
    )
    assert deferred.state == "deferred"
    ticket = rk.liaison.ticket(ticket.id)
    assert option(rk.options_for([ticket], actor="s-sam")[ticket.id], "update_client").allowed
    assert rk.liaison.update_client(ticket.id, actor="s-sam", message="On it.").update_count == 1
    kinds = sorted(p.kind for p in rk.promises.find(case_id=case_id))
    assert kinds == ["reply", "update", "update"]
    with pytest.raises((RuleViolation, RuleViolations)):  # nothing new, though
        rk.promises.make(actor="s-sam", party="c-ana", what="A call", due=START.add(days=9))
