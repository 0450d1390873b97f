"""Service-level clocks on cases: recorded on the timeline, rebuilt by replay, equal to a
fresh recomputation from the case's events after every step of a random conversation."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relationkit import Client, ManualClock, Relations, Staff
from relationkit.calendars import BusinessCalendar
from relationkit.cases import (
    CASE_WORKFLOW,
    Accept,
    Acknowledge,
    Case,
    RecordStatement,
    Resolve,
    StartWork,
)
from relationkit.domain.service_levels import sweep_breach, sweep_warn
from relationkit.equality import Entitlement
from relationkit.exceptions import InvalidInput, RuleViolation
from relationkit.service_levels import (
    BreachServiceLevels,
    ChangePriority,
    EndWait,
    PostUpdate,
    ServiceLevelPolicy,
    ServiceLevels,
    TrackServiceLevels,
    Wait,
    WarnServiceLevels,
    follow,
)
from strategies import examples

H = pendulum.duration
TARGETS = {
    "normal": {
        "first_reply": H(hours=1),
        "next_reply": H(hours=2),
        "periodic_update": H(hours=4),
        "resolution": H(hours=16),
    },
    "urgent": {"first_reply": H(minutes=30), "next_reply": H(hours=1), "resolution": H(hours=6)},
}
PARIS = BusinessCalendar(id="paris", timezone="Europe/Paris", hours={"mon-fri": "09:00-17:00"})
COMMANDS = {c.EVENT: c.NAME for c in (CASE_WORKFLOW.create, *CASE_WORKFLOW.commands)}


def world(
    start: pendulum.DateTime, store: object = None, **policy: object
) -> tuple[Relations, ManualClock]:
    clock = ManualClock(start)
    rk = Relations(store, clock=clock)  # type: ignore[arg-type]
    rk.register(
        Client(id="c-ana", name="Ana", contract="gold"),
        Client(id="c-bob", name="Bob", contract="standard"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
    )
    rk.calendars.register(PARIS)
    rk.equality.entitle(
        Entitlement(id="gold", response_within=H(hours=1), resolution_within=H(days=2)),
        Entitlement(id="standard", response_within=H(days=1), resolution_within=H(days=5)),
    )
    fields = {
        "id": "gold-sla",
        "contracts": ("gold",),
        "targets": TARGETS,
        "default_priority": "normal",
        "calendar_id": "paris",
        **policy,
    }
    rk.service_levels.define(ServiceLevelPolicy(**fields))  # type: ignore[arg-type]
    return rk, clock


def recomputed(rk: Relations, case_id: str) -> ServiceLevels | None:
    """The clocks from the case's own events alone (the recorded clock events left out),
    checking on the way that each recorded clock event holds what was recomputed."""
    events = rk.timeline(case_id)
    levels: ServiceLevels | None = None
    for i, event in enumerate(events):
        name = COMMANDS[event.name]
        if name == "track_service_levels":
            recorded = TrackServiceLevels(levels=levels, cause="-")  # type: ignore[arg-type]
            stored = CASE_WORKFLOW.replay(events[: i + 1]).service_levels
            assert stored == recorded.levels, f"event {event.sequence} recorded other clocks"
            continue
        if name == "warn_service_levels":
            assert levels is not None
            levels = sweep_warn(levels, event.at)[0]
            continue
        if name == "breach_service_levels":
            assert levels is not None
            levels = sweep_breach(levels, event.at)[0]
            continue
        case = CASE_WORKFLOW.replay(events[: i + 1])
        if name == "open":
            policy = rk.service_levels.policy("gold-sla")
            levels = ServiceLevels.of(
                policy, case.priority or policy.default_priority, contract="gold"
            )
        if levels is None:
            continue
        targets = None
        if name == "change_priority":
            policy = rk.service_levels.policy(levels.policy_id)
            targets = ServiceLevels.of(policy, case.priority or "normal").targets
        levels, _ = follow(
            levels,
            name,
            at=event.at,
            calendar=PARIS if levels.calendar_id else None,
            waiting_on=case.waiting_on,
            working=case.state == "in_progress",
            answered=case.first_response_at is not None,
            ask=name == "wait" and event.data.get("on") == "client",
            targets=targets,
            priority=case.priority if targets is not None else None,
        )
    return levels


class Conversation(RuleBasedStateMachine):
    """Random statements, replies, waits, priority changes, sweeps and clock jumps."""

    def __init__(self) -> None:
        super().__init__()
        self.rk, self.clock = world(pendulum.datetime(2026, 3, 6, 16, 50))
        self.rk.open_case(
            actor="s-sam",
            client="c-ana",
            subject="Invoice",
            statement="Billed twice.",
            case_id="k-1",
        )

    def case(self) -> Case:
        return self.rk.case("k-1")

    def run(self, command: object) -> None:
        offered = {o.command for o in self.rk.options("k-1", actor="s-sam") if o.allowed}
        if command.NAME in offered:  # type: ignore[attr-defined]
            self.rk.handle("k-1", command, actor="s-sam")  # type: ignore[arg-type]

    @rule(minutes=st.sampled_from([1, 10, 45, 60, 60 * 5, 60 * 24, 60 * 24 * 3]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def sweep(self) -> None:
        self.rk.service_levels.run()

    @rule(text=st.sampled_from(["More.", "Any news?"]))
    def client_speaks(self, text: str) -> None:
        self.run(RecordStatement(text=text))

    @rule()
    def paraphrase(self) -> None:
        self.run(Acknowledge(paraphrase="You were billed twice."))

    @rule()
    def confirm(self) -> None:
        if self.case().state == "acknowledged":
            from relationkit.cases import ConfirmHeard

            self.rk.handle("k-1", ConfirmHeard(), actor="c-ana")

    @rule()
    def accept_and_work(self) -> None:
        self.run(Accept(note="We refund it."))
        self.run(StartWork())

    @rule(on=st.sampled_from(["client", "vendor"]))
    def wait(self, on: str) -> None:
        self.run(Wait(on=on, note="Which invoice?"))

    @rule()
    def end_wait(self) -> None:
        self.run(EndWait())

    @rule()
    def update(self) -> None:
        self.run(PostUpdate(text="Still on it."))

    @rule(priority=st.sampled_from(["normal", "urgent"]))
    def priority(self, priority: str) -> None:
        self.run(ChangePriority(priority=priority, reason="Reassessed."))

    @precondition(lambda self: self.case().state in ("decided", "in_progress"))
    @rule()
    def resolve(self) -> None:
        self.run(Resolve(summary="Refunded."))

    @invariant()
    def clocks_follow_from_the_events(self) -> None:
        case = self.case()
        events = self.rk.timeline("k-1")
        assert CASE_WORKFLOW.replay(events) == case
        assert recomputed(self.rk, "k-1") == case.service_levels
        assert case.sla_due_at == case.service_levels.due_at  # type: ignore[union-attr]
        # each clock is warned and breached at most once by the sweep
        breaches = [e for e in events if e.name == "ServiceLevelBreached"]
        for e in breaches:
            assert len(set(e.data["metrics"])) == len(e.data["metrics"])

    @invariant()
    def nothing_is_overdue_unbreached_after_a_sweep(self) -> None:
        self.rk.service_levels.run()
        now = self.clock.now()
        for clock in self.case().service_levels.clocks:  # type: ignore[union-attr]
            assert clock.due_at is None or clock.due_at >= now
            assert clock.warn_at is None or clock.warn_at > now


Conversation.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=25, deadline=None
)
test_a_random_conversation_keeps_clocks_that_follow_from_its_events = Conversation.TestCase


def test_the_friday_evening_case_is_due_on_monday_and_warned_then_breached_once() -> None:
    rk, clock = world(pendulum.datetime(2026, 3, 6, 16, 50))  # Friday 17:50 in Paris
    heard: list[str] = []
    rk.subscribe(
        lambda e, a: heard.append(e.name), events=["ServiceLevelWarning", "ServiceLevelBreached"]
    )
    rk.open_case(
        actor="s-sam", client="c-ana", subject="Invoice", statement="Twice!", case_id="k-1"
    )
    (first, _resolution) = rk.service_levels.clocks("k-1")
    assert first.due_at.isoformat() == "2026-03-09T10:00:00+01:00"
    clock.set(pendulum.datetime(2026, 3, 9, 9, 50, tz="Europe/Paris"))
    assert rk.service_levels.run().warned == ("k-1",)
    assert [c.id for c in rk.service_levels.breaching_within(H(minutes=15))] == ["k-1"]
    assert rk.service_levels.run().warned == ()
    clock.set(pendulum.datetime(2026, 3, 9, 10, 20, tz="Europe/Paris"))
    assert rk.service_levels.run().breached == ("k-1",)
    assert rk.service_levels.run().breached == ()
    assert [c.id for c in rk.service_levels.breached()] == ["k-1"]
    assert heard == ["ServiceLevelWarning", "ServiceLevelBreached"]
    rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
    first = rk.service_levels.clocks("k-1")[0]
    assert (first.state, first.breached, first.by.in_minutes()) == ("breached", True, 20)
    assert rk.service_levels.breached() == []


def test_a_case_waiting_on_the_client_pauses_its_resolution_clock() -> None:
    rk, clock = world(pendulum.datetime(2026, 3, 9, 8))  # Monday 09:00 in Paris
    rk.open_case(
        actor="s-sam", client="c-ana", subject="Invoice", statement="Twice!", case_id="k-1"
    )
    clock.advance(minutes=30)
    rk.handle("k-1", Wait(on="client", note="Which invoice?"), actor="s-sam")
    clock.advance(days=2)
    resolution = rk.service_levels.clocks("k-1")[1]
    assert resolution.paused
    assert resolution.remaining == H(hours=15, minutes=30)
    rk.handle("k-1", RecordStatement(text="Invoice 42."), actor="s-sam")
    statuses = {s.metric: s for s in rk.service_levels.clocks("k-1")}
    assert not statuses["resolution"].paused
    assert statuses["first_reply"].met
    assert statuses["first_reply"].by == H(minutes=30)
    assert statuses["next_reply"].state == "running"


def test_a_priority_change_counts_the_new_target_from_the_start_and_is_on_the_record() -> None:
    rk, clock = world(pendulum.datetime(2026, 3, 9, 8))
    rk.open_case(actor="s-sam", client="c-ana", subject="Outage", statement="Down!", case_id="k-1")
    clock.advance(minutes=20)
    case = rk.handle("k-1", ChangePriority(priority="urgent", reason="Outage."), actor="s-sam")
    first = case.service_levels.clock("first_reply")  # type: ignore[union-attr]
    assert first.target == H(minutes=30)
    assert first.due_at == pendulum.datetime(2026, 3, 9, 8, 30)
    event = rk.timeline("k-1")[-2]
    assert (event.name, event.actor_id, event.data["reason"]) == (
        "CasePriorityChanged",
        "s-sam",
        "Outage.",
    )


def test_refused_input_leaves_everything_as_it_was() -> None:
    rk, _ = world(pendulum.datetime(2026, 3, 9, 8))
    with pytest.raises(InvalidInput, match="priority 'critical'"):
        rk.open_case(
            actor="s-sam",
            client="c-ana",
            subject="X",
            statement="Y",
            case_id="k-1",
            priority="critical",
        )
    assert rk.cases() == []
    rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y", case_id="k-1")
    before = rk.timeline("k-1")
    with pytest.raises(InvalidInput, match="priority 'critical'"):
        rk.handle("k-1", ChangePriority(priority="critical", reason="?"), actor="s-sam")
    for command in (WarnServiceLevels(metrics=("first_reply",)), BreachServiceLevels()):
        with pytest.raises(RuleViolation, match="recorded by relationkit"):
            rk.handle("k-1", command, actor="s-sam")
    assert rk.timeline("k-1") == before


def test_a_case_of_a_contract_without_policy_has_no_clocks() -> None:
    rk, _ = world(pendulum.datetime(2026, 3, 9, 8))
    case = rk.open_case(actor="s-sam", client="c-bob", subject="X", statement="Y", case_id="k-2")
    assert case.service_levels is None
    assert rk.service_levels.clocks("k-2") == ()
    assert [e.name for e in rk.timeline("k-2")] == ["CaseOpened"]


def test_attainment_counts_met_and_breached_clocks_by_policy_priority_and_kind() -> None:
    rk, clock = world(pendulum.datetime(2026, 3, 9, 8))
    for n in (1, 2):
        rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y", case_id=f"k-{n}")
    rk.handle("k-1", Acknowledge(paraphrase="Z"), actor="s-sam")
    clock.advance(hours=2)
    rk.service_levels.run()
    found = rk.service_levels.attainment(by=("policy", "priority", "kind", "metric"))
    assert [(a.key, a.met, a.breached, a.rate) for a in found] == [
        (("gold-sla", "normal", "client", "first_reply"), 1, 1, 0.5)
    ]


def test_every_sweep_at_once_includes_the_service_levels() -> None:
    rk, clock = world(pendulum.datetime(2026, 3, 9, 8))
    rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y", case_id="k-1")
    clock.advance(hours=2)
    done = rk.sweeps.run()
    assert done.service_levels is not None
    assert done.service_levels.breached == ("k-1",)
