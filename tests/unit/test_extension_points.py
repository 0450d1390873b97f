"""Extension points: an application's own rules, and listeners of accepted events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import attrs
import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    Event,
    InvalidInput,
    InvalidTransition,
    NotPermitted,
    Relations,
    RuleViolation,
    RuleViolations,
)
from relationkit.cases import Accept, Acknowledge, Case, ConfirmHeard, Decline, Defer, Escalate
from relationkit.domain.aggregate import Aggregate
from relationkit.rules import Attempt, rule
from relationkit.testing import ManualClock
from world import CASE_RULES, MIA, SAM, START, world

MONDAY = START
FRIDAY = pendulum.datetime(2026, 3, 6, 9, tz="UTC")


@attrs.frozen
class TwoPeopleForGoldClients:
    """ACME-1: a decline to a gold client is given by a manager, because losing a gold client
    costs more than an agent can weigh alone."""

    id: ClassVar[str] = "ACME-1"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"decline"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        client = attempt.directory.find_party(subject.client_id)
        staff = attempt.directory.find_staff(attempt.actor_id)
        if (
            client is not None
            and client.contract == "gold"
            and not (staff is not None and staff.has_role("manager"))
        ):
            yield "gold clients hear a no from a manager; ask a manager to decline"


@rule("ACME-2", kind="case", commands={"accept", "decline"})
def no_answers_on_fridays(case: Case, attempt: Attempt) -> Iterator[str]:
    """ACME-2: nobody should spend a weekend waiting on an answer given in a rush on Friday."""
    if attempt.now.day_of_week == pendulum.FRIDAY:
        yield "it is Friday; defer the answer to Monday instead"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


def make_relations(clock: ManualClock, config: CareConfig = CASE_RULES) -> Relations:
    gold = Client(id="c-gold", name="Gita Rao", contract="gold")
    return world(gold, Client(id="c-std", name="Sven Berg"), SAM, MIA, clock=clock, config=config)


def heard(rk: Relations, client: str) -> Case:
    case = rk.open_case(actor="s-sam", client=client, subject="Refund", statement="Pay me.")
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    return rk.handle(case.id, ConfirmHeard(), actor=client)


DECLINE = Decline(reason="Too late.", clause_id="refunds-30d")


# --- application rules ----------------------------------------------------------------------


def test_a_rule_class_is_enforced_like_a_built_in(clock: ManualClock) -> None:
    rk = make_relations(clock, CASE_RULES.with_rule(TwoPeopleForGoldClients()))
    assert rk.config.rulebook.ids()[-1] == "ACME-1"
    case = heard(rk, "c-gold")
    timeline = rk.timeline(case.id)
    with pytest.raises(RuleViolation) as caught:
        rk.handle(case.id, DECLINE, actor="s-sam")
    error = caught.value
    assert (error.rule_id, error.aggregate_id, error.actor_id, error.command) == (
        "ACME-1",
        case.id,
        "s-sam",
        "decline",
    )
    assert "ask a manager to decline" in str(error)
    assert rk.case(case.id) == case
    assert rk.timeline(case.id) == timeline
    assert rk.handle(case.id, DECLINE, actor="s-mia").state == "decided"
    assert rk.handle(heard(rk, "c-std").id, DECLINE, actor="s-sam").state == "decided"


def test_a_decorated_function_is_enforced_like_a_built_in(clock: ManualClock) -> None:
    assert no_answers_on_fridays.id == "ACME-2"
    assert no_answers_on_fridays.commands == frozenset({"accept", "decline"})
    assert "weekend" in (no_answers_on_fridays.__doc__ or "")
    rk = make_relations(clock, CASE_RULES.with_rule(no_answers_on_fridays))
    case = heard(rk, "c-std")
    clock.set(FRIDAY)
    with pytest.raises(RuleViolation, match=r"\[ACME-2\] refused 'accept'"):
        rk.handle(case.id, Accept(), actor="s-sam")
    assert rk.case(case.id) == case
    clock.set(FRIDAY.add(days=3))
    assert rk.handle(case.id, Accept(), actor="s-sam").state == "decided"


def test_application_rules_join_built_ins_in_one_group(clock: ManualClock) -> None:
    config = CASE_RULES.with_rule(TwoPeopleForGoldClients()).with_rule(no_answers_on_fridays)
    rk = make_relations(clock, config)
    case = rk.open_case(actor="s-sam", client="c-gold", subject="Refund", statement="Pay me.")
    clock.set(FRIDAY)
    with pytest.raises(RuleViolations) as caught:
        rk.handle(case.id, Decline(reason="No."), actor="s-sam")
    assert caught.value.rule_ids == ("R1.case", "R2", "ACME-1", "ACME-2")


def test_application_rules_show_in_what_may_i_do(clock: ManualClock) -> None:
    config = CASE_RULES.with_rule(TwoPeopleForGoldClients()).with_rule(no_answers_on_fridays)
    rk = make_relations(clock, config)
    case = heard(rk, "c-gold")
    clock.set(FRIDAY)
    options = {o.command: o for o in rk.options(case.id, actor="s-sam")}
    assert options["decline"].rule_ids == ("ACME-1", "ACME-2")
    assert options["accept"].rule_ids == ("ACME-2",)
    assert options["refer"].allowed
    by_manager = {o.command: o for o in rk.options(case.id, actor="s-mia")}
    assert by_manager["decline"].rule_ids == ("ACME-2",)


def test_without_rule_switches_a_rule_off(clock: ManualClock) -> None:
    config = CASE_RULES.without_rule("R1")  # the family: R1.case (and R1.promise, if there)
    assert not any(i.startswith("R1") for i in config.rulebook.ids())
    rk = make_relations(clock, config)
    case = rk.open_case(actor="s-sam", client="c-std", subject="Refund", statement="Pay me.")
    assert rk.handle(case.id, Accept(), actor="s-sam").state == "decided"


def test_without_rule_then_with_rule_replaces_a_built_in(clock: ManualClock) -> None:
    @rule("R1", kind="case", commands={"accept"})
    def lenient_r1(case: Case, attempt: Attempt) -> Iterator[str]:
        """R1, relaxed: only acceptances need the client heard."""
        if not case.heard:
            yield "hear the client before saying yes"

    config = CASE_RULES.without_rule("R1").with_rule(lenient_r1)
    assert config.rulebook.ids() == ("ROLE", "R2", "R3", "R6", "W1", "R1")
    rk = make_relations(clock, config)
    case = rk.open_case(actor="s-sam", client="c-std", subject="Refund", statement="Pay me.")
    with pytest.raises(RuleViolation, match="hear the client before saying yes"):
        rk.handle(case.id, Accept(), actor="s-sam")


def test_rule_registration_refusals() -> None:
    with pytest.raises(InvalidInput, match=r"'R1\.case' is already in force"):
        CASE_RULES.with_rule(no_answers_on_fridays).with_rule(
            rule("R1.case", kind="case", commands={"accept"})(lambda c, a: ())
        )
    with pytest.raises(InvalidInput, match="two rules with id 'R2'"):
        CareConfig(rules=(*CASE_RULES.rules, rule("R2", kind="case", commands={"x"})(list)))
    with pytest.raises(InvalidInput, match="no rule 'ACME-9' is in force"):
        CASE_RULES.without_rule("ACME-9")
    with pytest.raises(InvalidInput, match="a rule needs id, kind, commands and check"):
        CareConfig(rules=[object()])  # type: ignore[list-item]


def test_a_rule_for_another_kind_does_not_touch_cases(clock: ManualClock) -> None:
    @rule("ACME-3", kind="promise", commands={"accept"})
    def never(subject: Aggregate, attempt: Attempt) -> Iterator[str]:
        """Refuses everything it governs."""
        yield "never"

    rk = make_relations(clock, CASE_RULES.with_rule(never))
    assert rk.handle(heard(rk, "c-std").id, Accept(), actor="s-sam").state == "decided"


# --- listeners -----------------------------------------------------------------------------


def test_listeners_receive_accepted_events(clock: ManualClock) -> None:
    rk = make_relations(clock)
    seen: list[tuple[str, int, str]] = []

    def listener(event: Event, aggregate: Aggregate) -> None:
        seen.append((event.name, event.sequence, aggregate.state))

    rk.subscribe(listener)
    case = heard(rk, "c-std")
    assert seen == [
        # the client's first case started their relationship, in the same transaction and
        # just before it: listeners hear things in the order they were written
        ("RelationshipOpened", 1, "active"),
        ("RelationshipActivated", 2, "active"),
        ("CaseOpened", 1, "opened"),
        ("CaseAcknowledged", 2, "acknowledged"),
        ("ClientConfirmedHeard", 3, "heard"),
    ]
    assert rk.timeline(case.id)[-1].hash == rk.case(case.id).head


def test_listeners_filter_by_event_name(clock: ManualClock) -> None:
    rk = make_relations(clock)
    confirmations: list[str] = []
    everything: list[str] = []
    rk.subscribe(lambda e, a: confirmations.append(a.id), events={"ClientConfirmedHeard"})
    rk.subscribe(lambda e, a: everything.append(e.name))
    case = heard(rk, "c-std")
    rk.handle(case.id, Escalate(reason="Angry."), actor="s-sam")
    assert confirmations == [case.id]
    assert everything == [
        "RelationshipOpened",
        "RelationshipActivated",
        "CaseOpened",
        "CaseAcknowledged",
        "ClientConfirmedHeard",
        "CaseEscalated",
    ]


def test_refused_commands_notify_nobody(clock: ManualClock) -> None:
    rk = make_relations(clock)
    case = heard(rk, "c-std")
    seen: list[str] = []
    rk.subscribe(lambda e, a: seen.append(e.name))
    with pytest.raises(RuleViolation):
        rk.handle(case.id, Decline(reason="No."), actor="s-sam")
    with pytest.raises(NotPermitted):
        rk.handle(case.id, Escalate(reason="Me."), actor="c-std")
    with pytest.raises(InvalidTransition):
        rk.handle(case.id, ConfirmHeard(), actor="c-std")
    with pytest.raises(NotPermitted):
        rk.open_case(actor="c-std", client="c-std", subject="X", statement="Y")
    assert seen == []


def test_a_failing_listener_does_not_undo_the_command(clock: ManualClock) -> None:
    rk = make_relations(clock)
    case = heard(rk, "c-std")

    def broken(event: Event, aggregate: Aggregate) -> None:
        raise RuntimeError("mail server down")

    rk.subscribe(broken)
    with pytest.raises(RuntimeError, match="mail server down"):
        rk.handle(case.id, Accept(), actor="s-sam")
    assert rk.case(case.id).state == "decided"


def test_listeners_hear_what_command_hooks_wrote_after_the_command(clock: ManualClock) -> None:
    # A deferral's reply-by time becomes a promise in the same transaction; a listener (the
    # application's mailer, say) hears of the promise too, right after the deferral.
    rk = make_relations(clock, CareConfig())
    case = heard(rk, "c-std")
    seen: list[tuple[str, str]] = []
    rk.subscribe(lambda e, a: seen.append((e.name, a.KIND)))
    rk.handle(
        case.id,
        Defer(reply_by=clock.now().add(days=2), reason="Checking with finance."),
        actor="s-sam",
    )
    (reply,) = rk.promises.find(case_id=case.id)
    assert seen == [
        ("DecisionDeferred", "case"),
        (rk.promises.timeline(reply.id)[0].name, "promise"),
    ]


def test_a_listener_failing_on_the_case_still_lets_others_hear_the_relationship(
    clock: ManualClock,
) -> None:
    rk = make_relations(clock)
    heard_by_second: list[str] = []

    def fails_on_cases(event: Event, aggregate: Aggregate) -> None:
        if aggregate.KIND == "case":
            raise RuntimeError("case mailer down")

    rk.subscribe(lambda e, a: heard_by_second.append(e.name))
    rk.subscribe(fails_on_cases)
    with pytest.raises(RuntimeError):
        rk.open_case(actor="s-sam", client="c-std", subject="X", statement="Y")
    assert heard_by_second[:2] == ["RelationshipOpened", "RelationshipActivated"]


def test_a_built_configuration_cannot_be_changed_in_place() -> None:
    from relationkit.promises import PromiseConfig

    config = CareConfig(
        command_roles={"acknowledge": ["agent"]},
        promises=PromiseConfig(capacity_by_owner={"s-al": 2}),
    )
    with pytest.raises(TypeError):
        config.command_roles["acknowledge"] = frozenset({"manager"})  # type: ignore[index]
    with pytest.raises(TypeError):
        config.promises.capacity_by_owner["s-al"] = 50  # type: ignore[index]
    with pytest.raises(TypeError):
        del config.workflows["case"]  # type: ignore[attr-defined]
    assert config.command_roles["acknowledge"] == frozenset({"agent"})
    assert config.promises.capacity_by_owner["s-al"] == 2
    changed = attrs.evolve(config, command_roles={"acknowledge": ["manager"]})
    assert changed.command_roles["acknowledge"] == frozenset({"manager"})
    assert config.command_roles["acknowledge"] == frozenset({"agent"})
