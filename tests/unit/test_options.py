""" "What may I do now": for one case, and for many at once without building a machine."""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relationkit import (
    CareConfig,
    InvalidInput,
    NotFound,
    Option,
    Party,
    Relations,
    RuleViolation,
    Staff,
    UnitOfWork,
    UnknownStateValue,
    Vendor,
)
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    Close,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    RecordStatement,
    Resolve,
    StartWork,
)
from relationkit.domain.case import RecordExpectation
from relationkit.rules import Attempt, rule
from relationkit.rules.case import HeardBeforeDeciding
from relationkit.testing import ManualClock
from relationkit.workflows.case import CaseFlow
from strategies import examples
from world import ANA, BO, CASE_RULES, MIA, SAM, START, world


@pytest.fixture
def rk() -> Relations:
    return world(ANA, BO, SAM, MIA, config=CASE_RULES)


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
        "defer": ("R1.case",),
        "accept": ("R1.case",),
        "decline": ("R1.case", "R3"),
        "compromise": ("R1.case",),
        "refer": ("R1.case",),
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
    assert table(rk.options(fresh.id, actor="s-sam"))["accept"] == ("R1.case",)
    with pytest.raises(RuleViolation) as caught:
        rk.handle(fresh.id, Accept(), actor="s-sam")
    assert caught.value.rule_id == "R1.case"


def test_options_and_commands_build_no_machine(
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
        CaseFlow()  # the patch is in force
    other = heard(rk)  # the built-in workflows run from their tables
    assert rk.handle(other.id, Accept(), actor="s-sam").state == "decided"

    all_at_once = rk.options_for([rk.case(c.id) for c in cases], actor="s-sam")
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


# --- many records at once give the answers one record at a time gives ---------------------------


class UowDirectory:
    """What a rule may look up, read from one unit of work (as the service gives rules)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.selects: list[tuple[str, dict[str, Any]]] = []

    def find_party(self, party_id: str) -> Party | None:
        return self.uow.find_record(Party, party_id)

    def find_staff(self, staff_id: str) -> Staff | None:
        return self.uow.find_record(Staff, staff_id)

    def find(self, cls: Any, aggregate_id: str) -> Any:
        return self.uow.find(cls, aggregate_id)

    def select(self, cls: Any, **where: Any) -> list[Any]:
        self.selects.append((cls.KIND, where))
        return self.uow.select(cls, **where)

    def count(self, cls: Any, **where: Any) -> int:
        self.selects.append((cls.KIND, where))
        return self.uow.count(cls, **where)

    def find_record(self, cls: Any, record_id: str) -> Any:
        return self.uow.find_record(cls, record_id)

    def records(self, cls: Any) -> list[Any]:
        return self.uow.records(cls)


@rule("ACME-F", kind="case", commands={"accept", "escalate", "close", "resolve"})
def no_vip_shortcuts(case: Case, attempt: Attempt) -> Iterator[str]:
    """VIP matters are answered and closed by a manager (an application's own rule)."""
    actor = attempt.actor
    if "VIP" in case.subject and not (isinstance(actor, Staff) and actor.has_role("manager")):
        yield "a VIP matter is answered by a manager; ask one"
    if case.escalated and attempt.command_name == "escalate":
        yield "the case is already escalated"


@attrs.frozen
class OneEscalationPerClient:
    """ACME-Q: a client has at most one escalated case; asks the store, per case or at once."""

    id: ClassVar[str] = "ACME-Q"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"escalate", "refer"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        for other in attempt.directory.select(Case, client_id=subject.client_id):
            if other.escalated and other.id != subject.id:
                yield f"{other.id!r} of the same client is escalated already"

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterator[tuple[int, str]]:
        clients = sorted({s.client_id for s in subjects})
        escalated: dict[str, list[str]] = {}
        for other in attempt.directory.select(Case, client_id__in=clients):
            if other.escalated:
                escalated.setdefault(other.client_id, []).append(other.id)
        for position, subject in enumerate(subjects):
            for other_id in escalated.get(subject.client_id, ()):
                if other_id != subject.id:
                    yield position, f"{other_id!r} of the same client is escalated already"


@attrs.frozen
class StricterR1(HeardBeforeDeciding):
    """R1 of an application: on an escalated case, no deferral before a consultation either.
    It overrides ``check`` only, so asking must go through it, not the inherited bulk check."""

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        yield from super().check(subject, attempt)
        if attempt.command_name == "defer" and subject.escalated and not subject.consulted:
            yield "consult a colleague before deferring an escalated case"


BULK_CONFIG = (
    CareConfig(command_roles={"decline": {"manager"}, "reopen": {"manager", "agent"}})
    .without_rule("R1.case")
    .with_rule(StricterR1())
    .with_rule(no_vip_shortcuts)
    .with_rule(OneEscalationPerClient())
)
"""Every built-in rule (R7 and R8.relay query the store), application rules of each kind,
and a command only managers may run."""

ACTORS = ("s-sam", "s-mia", "s-ops", "c-ana", "c-bo")


def _case(rk: Relations, client: str, steps: Sequence[Any], **opening: Any) -> Case:
    """A case of ``client`` after ``steps``; a VIP case's staff steps are a manager's."""
    subject = opening.pop("subject", "Refund")
    case = rk.open_case(
        actor="s-sam", client=client, subject=subject, statement="Pay me.", **opening
    )
    for command, actor in steps:
        if actor == "client":
            actor = client
        elif "VIP" in subject:
            actor = "s-mia"
        case = rk.handle(case.id, command, actor=actor)
    return case


@pytest.fixture(scope="module")
def mixed() -> tuple[Relations, list[Case]]:
    """Cases in every state, with and without what the rules look at."""
    rk = world(
        ANA,
        BO,
        Vendor(id="v-parts", name="Parts Ltd"),
        SAM,
        MIA,
        Staff(id="s-ops", name="Ola Park", roles={"operations"}),
        config=BULK_CONFIG,
    )
    ack = (Acknowledge(paraphrase="You want a refund."), "s-sam")
    heard_ = (*(ack,), (ConfirmHeard(), "client"))
    decided = (*heard_, (Accept(note="Yes."), "s-sam"))
    resolved = (*decided, (Resolve(summary="Refunded."), "s-sam"))
    expect = (RecordExpectation(text="A refund within a week.", key="week"), "s-sam")
    cases = [
        _case(rk, "c-ana", ()),
        _case(rk, "c-bo", (), escalated=True),
        _case(rk, "c-ana", ((RecordStatement(text="And it broke."), "s-sam"),)),
        _case(rk, "c-ana", (ack,), subject="VIP refund"),
        _case(rk, "c-bo", (ack, (CorrectParaphrase(correction="A repair."), "client"))),
        _case(rk, "c-ana", heard_),
        _case(rk, "c-ana", heard_, escalated=True, subject="VIP refund"),
        _case(rk, "c-bo", (*heard_, (Consult(colleague_id="s-mia", note="Ok."), "s-sam"))),
        _case(rk, "c-bo", (*heard_, expect)),
        _case(rk, "c-ana", (*heard_, (Defer(reply_by=START.add(days=2), reason="Ask."), "s-sam"))),
        _case(rk, "c-ana", decided),
        _case(rk, "c-bo", (*heard_, (Decline(reason="No.", clause_id="refunds-30d"), "s-mia"))),
        _case(rk, "c-ana", (*decided, (StartWork(), "s-sam"))),
        _case(rk, "c-ana", resolved),
        _case(rk, "c-bo", resolved, subject="VIP refund"),
    ]
    asked = _case(rk, "c-ana", resolved)
    rk.feedback.request(asked.id, actor="s-sam")
    closed = _case(rk, "c-bo", resolved)
    rk.feedback.request(closed.id, actor="s-sam")
    rk.handle(closed.id, Close(), actor="s-sam")
    waiting = _case(rk, "c-ana", resolved)
    rk.liaison.escalate_to_vendor(waiting.id, actor="s-sam", vendor="v-parts")
    rk.liaison.escalate_to_vendor(waiting.id, actor="s-sam", vendor="v-parts")
    rk.feedback.request(waiting.id, actor="s-sam")
    relayed = _case(rk, "c-bo", resolved)
    ticket = rk.liaison.escalate_to_vendor(relayed.id, actor="s-sam", vendor="v-parts")
    rk.liaison.vendor_acknowledged(ticket.id, actor="s-sam")
    rk.liaison.fix_provided(ticket.id, actor="s-sam", fix="New part.")
    rk.liaison.relay_fix(ticket.id, actor="s-sam", message="Fixed.")
    return rk, [*cases, *(rk.case(c.id) for c in (asked, closed, waiting, relayed))]


def detailed(options: list[Option]) -> list[tuple[Any, ...]]:
    """Everything an option says, its refusals' attributes included."""
    return [
        (
            o.command,
            o.allowed,
            o.rule_ids,
            tuple(
                (v.rule_id, v.aggregate_id, v.actor_id, v.command, v.reason) for v in o.blocked_by
            ),
        )
        for o in options
    ]


def one_by_one(rk: Relations, cases: Sequence[Case], actor_id: str) -> dict[str, list[Any]]:
    """The plain answer: each case on its own, each rule's ``check`` run on it."""
    with rk.store.unit_of_work() as uow:
        actor: Staff | Party | None = uow.find_record(Staff, actor_id)
        actor = actor if actor is not None else uow.get_record(Party, actor_id)
        directory = UowDirectory(uow)

        def attempt_for(name: str) -> Attempt:
            return Attempt(
                command_name=name,
                command=None,
                actor=actor,
                now=rk.now(),
                config=rk.config,
                policy=rk.policy.current(),
                directory=directory,
            )

        def options(case: Case) -> list[Option]:
            found = []
            for name in rk.workflow_for(Case).table.transitions[case.state]:
                if name in rk.workflow_for(Case).internal:  # relationkit's own: not offered
                    continue
                refused = rk.config.rulebook.violations(case, attempt_for(name))
                found.append(Option(name, not refused, refused))
            return found

        return {c.id: detailed(options(c)) for c in cases}


@pytest.mark.parametrize("actor", ACTORS)
def test_options_for_many_cases_equal_the_answers_one_at_a_time(
    mixed: tuple[Relations, list[Case]], actor: str
) -> None:
    rk, cases = mixed
    expected = one_by_one(rk, cases, actor)
    found = rk.options_for(cases, actor=actor)
    assert list(found) == [c.id for c in cases]
    assert {k: detailed(v) for k, v in found.items()} == expected
    for case in cases:  # and so does asking for one case
        assert detailed(rk.options(case.id, actor=actor)) == expected[case.id]


def test_the_mix_covers_every_kind_of_refusal(mixed: tuple[Relations, list[Case]]) -> None:
    rk, cases = mixed
    seen = {
        rule_id
        for actor in ACTORS
        for options in rk.options_for(cases, actor=actor).values()
        for o in options
        for rule_id in o.rule_ids
    }
    assert seen >= {
        "ROLE",
        "R1.case",
        "R3",
        "R5.case",
        "R7.close",
        "R8.relay",
        "W1",
        "ACME-F",
        "ACME-Q",
    }
    sam = rk.options_for(cases, actor="s-sam")
    defer = [o for o in sam[cases[6].id] if o.command == "defer"]
    assert [(v.rule_id, v.reason) for v in defer[0].blocked_by] == [
        ("R1.case", "consult a colleague before deferring an escalated case")
    ]
    close = [o for o in sam[cases[-2].id] if o.command == "close"]
    assert close[0].rule_ids == ("R8.relay", "R8.relay")


@given(
    picks=st.lists(st.integers(min_value=0, max_value=18), max_size=25),
    actor=st.sampled_from(ACTORS),
)
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_selection_in_any_order_gets_the_one_by_one_answers(
    mixed: tuple[Relations, list[Case]], picks: list[int], actor: str
) -> None:
    rk, cases = mixed
    chosen = [cases[i % len(cases)] for i in picks]
    found = rk.options_for(chosen, actor=actor)
    assert list(found) == list(dict.fromkeys(c.id for c in chosen))
    assert {k: detailed(v) for k, v in found.items()} == one_by_one(rk, chosen, actor)


def test_rules_that_query_the_store_ask_once_for_many_cases(
    mixed: tuple[Relations, list[Case]],
) -> None:
    rk, cases = mixed
    resolved = [c for c in cases if c.state == "resolved"]
    with rk.store.unit_of_work() as uow:
        directory = UowDirectory(uow)
        attempt = Attempt(
            command_name="close",
            command=None,
            actor=rk.staff("s-sam"),
            now=rk.now(),
            config=rk.config,
            policy=None,
            directory=directory,
        )
        found = rk.config.rulebook.refusals("case", resolved, attempt)
    assert len(resolved) == 5
    assert sorted(kind for kind, _ in directory.selects) == ["feedback", "vendor_ticket"]
    assert {resolved[i].id: [r for r, _ in v] for i, v in found.items()} == {
        c.id: list(o.rule_ids)
        for c in resolved
        for o in rk.options(c.id, actor="s-sam")
        if o.command == "close" and not o.allowed
    }


def test_a_rule_that_answers_for_a_record_it_was_not_given_is_refused(
    mixed: tuple[Relations, list[Case]],
) -> None:
    @attrs.frozen
    class OffByOne:
        id: ClassVar[str] = "ACME-X"
        kind: ClassVar[str] = "case"
        commands: frozenset[str] = frozenset({"escalate"})

        def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
            return iter(())

        def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> list[tuple[int, str]]:
            return [(len(subjects), "no")]

    rk, cases = mixed
    broken = Relations(rk.store, clock=ManualClock(START), config=CASE_RULES.with_rule(OffByOne()))
    with pytest.raises(InvalidInput, match="ACME-X") as caught:
        broken.options_for(cases[:3], actor="s-sam")
    assert "position" in str(caught.value)
    assert [broken.case(c.id) for c in cases[:3]] == cases[:3]


def test_options_for_several_kinds_at_once_keeps_the_order_given(
    mixed: tuple[Relations, list[Case]],
) -> None:
    rk, cases = mixed
    tickets = rk.liaison.tickets()
    chosen = [cases[0], tickets[0], cases[5], tickets[1]]
    found = rk.options_for(chosen, actor="s-sam")
    assert list(found) == [c.id for c in chosen]
    for subject in chosen:
        assert detailed(found[subject.id]) == detailed(
            rk.options_for([subject], actor="s-sam")[subject.id]
        )


def test_options_for_a_record_in_an_unknown_state_is_refused(
    mixed: tuple[Relations, list[Case]],
) -> None:
    rk, cases = mixed
    broken = attrs.evolve(cases[3], state="limbo")
    with pytest.raises(UnknownStateValue, match="limbo") as caught:
        rk.options_for([cases[0], broken, attrs.evolve(cases[4], state="nowhere")], actor="s-sam")
    assert caught.value.aggregate_id == cases[3].id


# --- an option is an immutable value ------------------------------------------------------------


def test_options_are_immutable_values(mixed: tuple[Relations, list[Case]]) -> None:
    rk, cases = mixed
    options = {o.command: o for o in rk.options_for(cases[:1], actor="s-sam")[cases[0].id]}
    accept = options["accept"]
    assert (accept.command, accept.allowed, accept.rule_ids) == ("accept", False, ("R1.case",))
    (violation,) = accept.blocked_by
    assert accept.blocked_by is accept.blocked_by  # built once, then kept
    assert isinstance(violation, RuleViolation)
    assert (violation.aggregate_id, violation.actor_id, violation.command) == (
        cases[0].id,
        "s-sam",
        "accept",
    )
    assert str(violation).startswith(f"[R1.case] refused 'accept' on {cases[0].id!r}")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        accept.allowed = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del accept.command  # type: ignore[misc]
    assert options["acknowledge"] == Option("acknowledge", True)
    assert options["acknowledge"] != Option("acknowledge", False)
    assert hash(options["acknowledge"]) == hash(Option("acknowledge", True, []))
    assert accept != Option("accept", False)  # the refusals differ
    assert accept == Option("accept", False, accept.blocked_by)
    assert repr(Option("refer", True)) == "Option(command='refer', allowed=True, blocked_by=())"
    assert repr(accept) == f"Option(command='accept', allowed=False, blocked_by=({violation!r},))"
    copy = pickle.loads(pickle.dumps(accept))
    assert (copy.command, copy.allowed, copy.rule_ids) == ("accept", False, ("R1.case",))
    assert copy.blocked_by[0].reason == violation.reason
    match accept:
        case Option(command, allowed, blocked_by):
            assert (command, allowed, len(blocked_by)) == ("accept", False, 1)
