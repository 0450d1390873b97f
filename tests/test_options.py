""" "What may I do now": for one case, and for many at once without building a machine."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from relationkit import (
    Accept,
    Acknowledge,
    CareConfig,
    Case,
    Clause,
    Client,
    ConfirmHeard,
    Consult,
    Decline,
    MemoryStore,
    NotFound,
    Option,
    Policy,
    Relations,
    Resolve,
    RuleViolation,
    Staff,
)
from relationkit.rules.case import case_rules
from relationkit.testing import ManualClock
from relationkit.workflows.case import CaseFlow

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")

CASE_RULES = CareConfig(rules=case_rules())
"""The case's own care rules only, so rules of other areas do not blur what is tested here."""


@pytest.fixture
def rk() -> Relations:
    relations = Relations(MemoryStore(), clock=ManualClock(START), config=CASE_RULES)
    relations.register(
        Client(id="c-ana", name="Ana Ruiz"),
        Client(id="c-bo", name="Bo Chen"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-mia", name="Mia Lund", roles={"manager"}),
    )
    relations.publish_policy(
        Policy(version=1, published_at=START, clauses=[Clause(id="refunds-30d", text="30 d.")])
    )
    return relations


def open_case(rk: Relations, client: str = "c-ana", *, escalated: bool = False) -> Case:
    return rk.open_case(
        actor="s-sam", client=client, subject="Refund", statement="Pay me.", escalated=escalated
    )


def heard(rk: Relations, client: str = "c-ana", *, escalated: bool = False) -> Case:
    case = open_case(rk, client, escalated=escalated)
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    return rk.handle(case.id, ConfirmHeard(), actor=client)


CASE_COMMANDS = frozenset(
    {
        "record_statement",
        "acknowledge",
        "confirm_heard",
        "correct_paraphrase",
        "escalate",
        "consult",
        "defer",
        "accept",
        "decline",
        "compromise",
        "refer",
        "start_work",
        "resolve",
        "close",
        "reopen",
    }
)
"""The commands of the case itself; commands of other areas (expectations …) are left to
their own tests."""


def table(options: list[Option]) -> dict[str, tuple[str, ...] | bool]:
    """``{command: True}`` when allowed, else ``{command: rule ids}``."""
    return {o.command: True if o.allowed else o.rule_ids for o in own(options)}


def own(options: list[Option]) -> list[Option]:
    return [o for o in options if o.command in CASE_COMMANDS]


def full(options: list[Option]) -> list[tuple[str, bool, tuple[tuple[str, str], ...]]]:
    """Every option with its refusals' rule ids and reasons (exceptions compare by identity)."""
    return [
        (o.command, o.allowed, tuple((v.rule_id, v.reason) for v in o.blocked_by)) for o in options
    ]


def test_a_new_case_offers_listening_and_names_what_blocks_answers(rk: Relations) -> None:
    case = open_case(rk, escalated=True)
    assert table(rk.options(case.id, actor="s-sam")) == {
        "record_statement": True,
        "acknowledge": True,
        "escalate": True,
        "defer": ("R1",),
        "accept": ("R1",),
        "decline": ("R1", "R3"),
        "compromise": ("R1",),
        "refer": ("R1",),
    }


def test_a_heard_case_allows_answers(rk: Relations) -> None:
    case = heard(rk)
    options = own(rk.options(case.id, actor="s-sam"))
    assert all(o.allowed and o.blocked_by == () for o in options)
    assert [o.command for o in options] == [
        "record_statement",
        "escalate",
        "consult",
        "defer",
        "accept",
        "decline",
        "compromise",
        "refer",
    ]


def test_blocking_reasons_say_what_to_do(rk: Relations) -> None:
    case = heard(rk, escalated=True)
    decline = {o.command: o for o in rk.options(case.id, actor="s-sam")}["decline"]
    assert not decline.allowed
    (violation,) = decline.blocked_by
    assert isinstance(violation, RuleViolation)
    assert (violation.rule_id, violation.aggregate_id, violation.actor_id) == (
        "R3",
        case.id,
        "s-sam",
    )
    assert "consult a colleague" in violation.reason
    rk.handle(case.id, Consult(colleague_id="s-mia", note="Agreed."), actor="s-sam")
    assert table(rk.options(case.id, actor="s-sam"))["decline"] is True


def test_options_depend_on_the_actor(rk: Relations) -> None:
    case = open_case(rk)
    case = rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    client = table(rk.options(case.id, actor="c-ana"))
    assert client["confirm_heard"] is True
    assert client["correct_paraphrase"] is True
    assert client["acknowledge"] == ("ROLE",)
    stranger = table(rk.options(case.id, actor="c-bo"))
    assert stranger["confirm_heard"] == ("ROLE",)


def test_a_declined_case_names_w1_for_work(rk: Relations) -> None:
    case = heard(rk)
    rk.handle(case.id, Decline(reason="No.", clause_id="refunds-30d"), actor="s-sam")
    options = rk.options(case.id, actor="s-sam")
    assert table(options) == {"escalate": True, "start_work": ("W1",), "resolve": True}


def test_asking_changes_nothing(rk: Relations) -> None:
    case = open_case(rk)
    timeline = rk.timeline(case.id)
    rk.options(case.id, actor="s-sam")
    rk.options_for(rk.cases(), actor="c-ana")
    assert rk.case(case.id) == case
    assert rk.timeline(case.id) == timeline


def test_what_is_allowed_is_what_runs(rk: Relations) -> None:
    case = heard(rk)
    assert table(rk.options(case.id, actor="s-sam"))["accept"] is True
    assert rk.handle(case.id, Accept(), actor="s-sam").state == "decided"
    fresh = open_case(rk)
    assert table(rk.options(fresh.id, actor="s-sam"))["accept"] == ("R1",)
    with pytest.raises(RuleViolation) as caught:
        rk.handle(fresh.id, Accept(), actor="s-sam")
    assert caught.value.rule_id == "R1"


def test_options_for_many_cases_builds_no_machine(
    rk: Relations, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [open_case(rk), heard(rk), heard(rk, "c-bo", escalated=True)]
    decided = rk.handle(heard(rk).id, Accept(), actor="s-sam")
    cases.append(rk.handle(decided.id, Resolve(summary="Refunded."), actor="s-sam"))
    one_by_one = {c.id: full(rk.options(c.id, actor="s-sam")) for c in cases}

    def no_machines(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a state machine was built")

    monkeypatch.setattr(CaseFlow, "__init__", no_machines)
    with pytest.raises(AssertionError, match="a state machine was built"):
        rk.handle(cases[1].id, Accept(), actor="s-sam")  # the patch is in force

    all_at_once = rk.options_for(rk.cases(), actor="s-sam")
    assert {k: full(v) for k, v in all_at_once.items()} == one_by_one
    assert table(all_at_once[cases[2].id])["decline"] == ("R3",)
    assert table(all_at_once[cases[3].id]) == {"close": True, "reopen": True}
    for case in cases:
        assert full(rk.options(case.id, actor="s-sam")) == one_by_one[case.id]


def test_options_for_no_cases_is_empty(rk: Relations) -> None:
    assert rk.options_for([], actor="s-sam") == {}


def test_options_refuse_unknown_ids(rk: Relations) -> None:
    case = open_case(rk)
    with pytest.raises(NotFound, match="no actor with id 's-ghost'"):
        rk.options(case.id, actor="s-ghost")
    with pytest.raises(NotFound, match="no case with id 'case-ghost'"):
        rk.options("case-ghost", actor="s-sam")
