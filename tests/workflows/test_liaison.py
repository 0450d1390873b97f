"""Care rule R8: the vendor ticket's lifecycle, the client-update cadence, recurrences and
vendor reliability."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    Consultant,
    InvalidTransition,
    NotFound,
    RuleViolation,
    Staff,
    Vendor,
)
from relationkit.cases import Accept, Acknowledge, Close, ConfirmHeard, Resolve
from relationkit.domain.liaison import EscalateToVendor, VendorTicket
from relationkit.domain.promise import MakePromise, Promise
from relationkit.domain.recurrence import normalize_summary, signature_of
from relationkit.exceptions import WrongPartyKind
from relationkit.rules.authority import RoleAuthority
from relationkit.rules.case import case_rules
from relationkit.rules.liaison import liaison_rules
from relationkit.rules.relationship import relationship_rules
from relationkit.rules.settings import RelationshipConfig
from relationkit.testing import ManualClock
from world import START
from world import world as shared_world

ROOT = Path(__file__).resolve().parents[2]
RULES = CareConfig(rules=(RoleAuthority(), *case_rules(), *relationship_rules(), *liaison_rules()))
"""The case, relationship and liaison rules only, so other areas' rules do not blur these."""


class World:
    def __init__(self, config: CareConfig | None = None) -> None:
        self.clock = ManualClock(START)
        self.rk = shared_world(
            Client(id="c-ana", name="Ana Diaz"),
            Client(id="c-ben", name="Ben Ode"),
            Vendor(id="v-tel", name="Telco Devices"),
            Vendor(id="v-soft", name="Softworks"),
            Consultant(id="p-kay", name="Kay Lux"),
            Staff(id="s-al", name="Al Reyes", roles={"agent"}),
            clock=self.clock,
            config=config or RULES,
            policy=None,
        )
        self.r = self.rk.liaison

    def case(self, client: str = "c-ana", **signature: Any) -> str:
        signature.setdefault("product", "Nova 5 phone")
        case = self.rk.open_case(
            actor="s-al",
            client=client,
            subject=signature.pop("subject", "Phone drops calls"),
            statement="My phone drops every call after ten seconds.",
            **signature,
        )
        return case.id

    def resolve(self, case_id: str, client: str = "c-ana", close: bool = True) -> None:
        self.rk.handle(case_id, Acknowledge(paraphrase="Calls drop."), actor="s-al")
        self.rk.handle(case_id, ConfirmHeard(), actor=client)
        self.rk.handle(case_id, Accept(), actor="s-al")
        self.rk.handle(case_id, Resolve(summary="Vendor update installed."), actor="s-al")
        if close:
            self.rk.handle(case_id, Close(), actor="s-al")

    def fixed_ticket(self, case_id: str, vendor: str = "v-tel") -> VendorTicket:
        t = self.r.escalate_to_vendor(case_id, actor="s-al", vendor=vendor)
        self.clock.advance(hours=3)
        self.r.vendor_acknowledged(t.id, actor="s-al", vendor_reference="TEL-1")
        self.clock.advance(days=1)
        self.r.fix_provided(t.id, actor="s-al", fix="Firmware 5.2.")
        self.r.relay_fix(t.id, actor="s-al", message="Install firmware 5.2 tonight.")
        return self.r.client_confirmed(t.id, actor="s-al", note="Works.")


@pytest.fixture
def world() -> World:
    return World()


def unchanged(world: World, ticket_id: str) -> tuple[Any, Any]:
    return world.r.ticket(ticket_id), world.r.timeline(ticket_id)


# --- the ticket ------------------------------------------------------------------------------


def test_the_ticket_moves_forward_through_its_statuses(world: World) -> None:
    case = world.case()
    t = world.r.escalate_to_vendor(case, actor="s-al", vendor="v-tel", problem="Calls drop.")
    assert (t.state, t.case_id, t.client_id, t.vendor_id) == ("sent", case, "c-ana", "v-tel")
    world.clock.advance(hours=4)
    t = world.r.vendor_acknowledged(t.id, actor="s-al", vendor_reference="TEL-77")
    assert (t.state, t.vendor_reference) == ("vendor_acknowledged", "TEL-77")
    world.clock.advance(days=2)
    t = world.r.fix_provided(t.id, actor="s-al", fix="Reset the network settings.")
    assert (t.state, t.fix) == ("fix_provided", "Reset the network settings.")
    t = world.r.relay_fix(t.id, actor="s-al", message="Here is how to reset them.")
    assert t.state == "fix_relayed"
    assert t.last_update is not None
    assert t.last_update.message.startswith("Here is")
    t = world.r.client_confirmed(t.id, actor="s-al")
    assert t.state == "client_confirmed"
    assert t.next_update_due is None
    assert [e.name for e in world.r.timeline(t.id)] == [
        "VendorTicketOpened",
        "VendorAcknowledged",
        "VendorFixProvided",
        "FixRelayedToClient",
        "ClientConfirmedFix",
    ]
    world.rk.verify(t.id, VendorTicket)


def test_vendor_response_times_are_recorded_against_the_targets(world: World) -> None:
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    world.clock.advance(days=2)
    t = world.r.vendor_acknowledged(t.id, actor="s-al")
    ack = t.responses[-1]
    assert ack.kind == "acknowledged"
    assert ack.elapsed == pendulum.duration(days=2)
    assert ack.target == pendulum.duration(days=1)
    assert ack.within_target is False
    t = world.r.fix_provided(t.id, actor="s-al", fix="Patch.", responded_at=START.add(days=2))
    assert t.responses[-1].within_target is True


def test_response_times_must_be_true(world: World) -> None:
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    before = unchanged(world, t.id)
    for when in (START.add(hours=1), START.subtract(hours=1)):
        with pytest.raises(RuleViolation) as info:
            world.r.vendor_acknowledged(t.id, actor="s-al", responded_at=when)
        assert info.value.rule_id == "R8.times"
    assert unchanged(world, t.id) == before


@pytest.mark.parametrize("vendor", ["c-ben", "p-kay"])
def test_escalating_to_a_party_that_is_not_a_vendor_is_refused(world: World, vendor: str) -> None:
    case = world.case()
    with pytest.raises(WrongPartyKind) as info:
        world.r.escalate_to_vendor(case, actor="s-al", vendor=vendor)
    assert info.value.expected == "vendor"
    assert info.value.party_id == vendor
    assert world.r.tickets() == []
    with pytest.raises(NotFound):
        world.r.escalate_to_vendor(case, actor="s-al", vendor="v-nobody")
    assert world.r.tickets() == []
    assert world.rk.promises.find() == []


def test_a_vendor_status_never_goes_backwards(world: World) -> None:
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    world.r.vendor_acknowledged(t.id, actor="s-al")
    world.r.fix_provided(t.id, actor="s-al", fix="Patch.")
    before = unchanged(world, t.id)
    with pytest.raises(InvalidTransition) as info:
        world.r.vendor_acknowledged(t.id, actor="s-al")
    assert info.value.state == "fix_provided"
    assert unchanged(world, t.id) == before
    world.r.relay_fix(t.id, actor="s-al", message="Done.")
    world.r.client_confirmed(t.id, actor="s-al")
    with pytest.raises(InvalidTransition):
        world.r.fix_provided(t.id, actor="s-al", fix="Again.")
    with pytest.raises(InvalidTransition):
        world.r.update_client(t.id, actor="s-al", message="Still there?")


def test_a_case_does_not_close_before_the_fix_was_relayed(world: World) -> None:
    case = world.case()
    t = world.r.escalate_to_vendor(case, actor="s-al", vendor="v-tel")
    world.r.vendor_acknowledged(t.id, actor="s-al")
    world.r.fix_provided(t.id, actor="s-al", fix="Patch.")
    world.resolve(case, close=False)
    with pytest.raises(RuleViolation) as info:
        world.rk.handle(case, Close(), actor="s-al")
    assert info.value.rule_id == "R8.relay"
    assert world.rk.case(case).state == "resolved"
    world.r.relay_fix(t.id, actor="s-al", message="Install the patch.")
    assert world.rk.handle(case, Close(), actor="s-al").state == "closed"


# --- the client-update cadence ----------------------------------------------------------------


def test_client_updates_fall_due_at_the_promised_cadence(world: World) -> None:
    t = world.r.escalate_to_vendor(
        world.case(), actor="s-al", vendor="v-tel", update_every=pendulum.duration(days=1)
    )
    assert t.next_update_due == START.add(days=1)
    assert world.r.updates_due() == []
    world.clock.advance(days=1, hours=2)
    assert [x.id for x in world.r.updates_due()] == [t.id]
    assert world.rk.relationships.run().updates_due == (t.id,)
    t = world.r.update_client(t.id, actor="s-al", message="The vendor is on it.")
    assert t.last_update is not None
    assert t.last_update.on_time is False
    assert t.next_update_due == START.add(days=2, hours=2)
    assert world.r.updates_due() == []


def test_the_default_cadence_comes_from_the_configuration() -> None:
    settings = RelationshipConfig(client_update_every=pendulum.duration(hours=6))
    world = World(RULES.evolve(relationships=settings))
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    assert t.update_every == pendulum.duration(hours=6)
    assert world.r.tickets(next_update_due__le=START.add(hours=6)) == [t]


def open_updates(world: World) -> list[Promise]:
    return world.rk.promises.find(kind="update", state__in=["made", "renegotiated"])


def test_escalating_promises_the_client_an_update(world: World) -> None:
    case = world.case()
    t = world.r.escalate_to_vendor(
        case, actor="s-al", vendor="v-tel", update_every=pendulum.duration(days=1)
    )
    [owed] = open_updates(world)
    assert owed.id == t.update_promise_id == f"{t.id}-update-1"
    assert (owed.kind, owed.owner_id, owed.party_id, owed.case_id, owed.ticket_id) == (
        "update",
        "s-al",
        "c-ana",
        case,
        t.id,
    )
    assert owed.due_at == t.next_update_due == START.add(days=1)
    assert owed.relationship_id == world.rk.case(case).relationship_id is not None
    assert [p.id for p in world.rk.promises.due_soon(within=pendulum.duration(days=2))] == [owed.id]
    world.rk.verify(owed.id, Promise)


def test_each_update_in_time_keeps_its_promise_and_promises_the_next(world: World) -> None:
    t = world.r.escalate_to_vendor(
        world.case(), actor="s-al", vendor="v-tel", update_every=pendulum.duration(days=1)
    )
    world.clock.advance(hours=20)
    t = world.r.update_client(t.id, actor="s-al", message="Telco reproduced it.")
    first, second = world.rk.promises.update_promises(t.id)
    assert (first.state, first.settled_at) == ("kept", START.add(hours=20))
    assert "Telco reproduced it." in (first.outcome_note or "")
    assert (second.id, second.state) == (t.update_promise_id, "made")
    assert second.due_at == t.next_update_due == START.add(hours=20, days=1)
    world.r.vendor_acknowledged(t.id, actor="s-al")
    world.r.fix_provided(t.id, actor="s-al", fix="Firmware 5.2.")
    world.clock.advance(hours=5)
    t = world.r.relay_fix(t.id, actor="s-al", message="Install firmware 5.2.")
    assert t.next_update_due is None
    assert t.update_promise_id is None
    assert [p.state for p in world.rk.promises.update_promises(t.id)] == ["kept", "kept"]
    assert open_updates(world) == []
    t = world.r.update_client(t.id, actor="s-al", message="Did it help?")  # owed no more
    t = world.r.client_confirmed(t.id, actor="s-al")
    assert len(world.rk.promises.update_promises(t.id)) == 2
    assert world.rk.promises.keeping_rate(relationship=t.relationship_id).rate == 1.0
    assert world.r.updates_due(START.add(years=1)) == []


def test_a_missed_update_is_an_overdue_promise_that_the_sweep_breaks(world: World) -> None:
    t = world.r.escalate_to_vendor(
        world.case(), actor="s-al", vendor="v-tel", update_every=pendulum.duration(days=1)
    )
    missed = t.update_promise_id
    world.clock.advance(days=1, hours=2)
    assert [p.id for p in world.rk.promises.overdue()] == [missed]
    assert [x.id for x in world.r.updates_due()] == [t.id]
    assert world.rk.promises.run().broken == (missed,)
    assert world.rk.promises.get(missed).state == "broken"
    t = world.r.update_client(t.id, actor="s-al", message="Sorry for the silence.")
    assert t.last_update is not None
    assert t.last_update.on_time is False
    assert world.rk.promises.get(missed).state == "broken"  # a late update keeps nothing
    [owed] = open_updates(world)
    assert owed.due_at == t.next_update_due == START.add(days=2, hours=2)
    rate = world.rk.promises.keeping_rate(relationship=t.relationship_id)
    assert (rate.kept, rate.broken) == (0, 1)


def test_update_promises_do_not_drift_from_their_ticket(world: World) -> None:
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    [owed] = open_updates(world)

    def state() -> tuple[Any, ...]:
        return (
            world.rk.promises.get(owed.id),
            world.rk.promises.timeline(owed.id),
            world.r.ticket(t.id),
        )

    before = state()
    attempts = [
        lambda: world.rk.promises.keep(owed.id, actor="s-al"),
        lambda: world.rk.promises.renegotiate(
            owed.id, actor="s-al", due=START.add(days=9), party_told="Told by phone."
        ),
        lambda: world.rk.promises.withdraw(owed.id, actor="s-al", reason="Too busy."),
    ]
    for attempt in attempts:
        with pytest.raises(RuleViolation) as info:
            attempt()
        assert info.value.rule_id == "R8.cadence"
        assert state() == before
    by_hand = MakePromise(
        owner_id="s-al",
        party_id="c-ana",
        what="An update",
        due_at=START.add(hours=5),
        kind="update",
        case_id=t.case_id,
        ticket_id=t.id,
    )
    with pytest.raises(RuleViolation) as refused:
        world.rk.create(Promise, by_hand, actor="s-al")
    assert refused.value.rule_id == "R8.cadence"
    assert world.rk.promises.find() == [owed]


def test_an_update_answers_only_the_promise_that_was_open(world: World) -> None:
    """An update given the moment the ticket is sent keeps the first promise; the next one
    falls due at the same time but is not kept by that update."""
    t = world.r.escalate_to_vendor(world.case(), actor="s-al", vendor="v-tel")
    t = world.r.update_client(t.id, actor="s-al", message="We sent it to Telco just now.")
    first, second = world.rk.promises.update_promises(t.id)
    assert first.due_at == second.due_at
    assert (first.state, second.state) == ("kept", "made")
    assert t.last_update is not None
    assert t.last_update.answers == first.id
    assert (t.answered(first.id), t.answered(second.id)) == (True, False)
    with pytest.raises(RuleViolation) as info:
        world.rk.promises.keep(second.id, actor="s-al")
    assert info.value.rule_id == "R8.cadence"
    assert world.rk.promises.get(second.id).state == "made"


def test_escalating_makes_a_promise_so_the_client_is_heard_first() -> None:
    """With every rule in force, R1 applies to the promised updates: no escalation, and no
    promise, before the client confirmed being heard."""
    world = World(CareConfig())
    case = world.case()
    with pytest.raises(RuleViolation) as info:
        world.r.escalate_to_vendor(case, actor="s-al", vendor="v-tel")
    assert info.value.rule_id == "R1.promise"
    assert world.r.tickets() == []
    assert world.rk.promises.find() == []
    world.rk.handle(case, Acknowledge(paraphrase="Calls drop."), actor="s-al")
    world.rk.handle(case, ConfirmHeard(), actor="c-ana")
    t = world.r.escalate_to_vendor(case, actor="s-al", vendor="v-tel")
    assert [p.id for p in open_updates(world)] == [t.update_promise_id]


# --- recurrence ------------------------------------------------------------------------------


def test_signatures_are_normalised() -> None:
    assert normalize_summary("  The phone: drops CALLS again!! ") == "phone drops calls"
    a = signature_of(product="Nova 5", category=None, problem_key=None, subject="Drops calls")
    b = signature_of(product="nova 5", category=None, problem_key=None, subject="drops calls.")
    assert a == b
    keyed = signature_of(product=None, category="radio", problem_key="E-42", subject="whatever")
    assert keyed is not None
    assert keyed.key == "e-42"


def test_the_same_problem_within_the_window_is_linked_as_a_recurrence(world: World) -> None:
    first = world.case(category="calls")
    world.resolve(first)
    world.clock.advance(months=3)
    second = world.rk.case(world.case(category="calls", subject="The phone drops calls!"))
    assert second.recurrence_of == first
    assert [c.id for c in world.r.recurrence_chain(second.id)] == [first, second.id]
    assert [c.id for c in world.r.recurrences(first)] == [second.id]


@pytest.mark.parametrize(
    ("client", "signature", "months"),
    [
        ("c-ben", {}, 3),  # another client
        ("c-ana", {"product": "Nova 6 phone"}, 3),  # another product
        ("c-ana", {"subject": "Screen flickers"}, 3),  # another problem
        ("c-ana", {}, 7),  # outside the window
        ("c-ana", {"product": None}, 3),  # no signature at all
    ],
)
def test_other_problems_are_not_recurrences(
    world: World, client: str, signature: dict[str, Any], months: int
) -> None:
    world.resolve(world.case())
    world.clock.advance(months=months)
    assert world.rk.case(world.case(client, **signature)).recurrence_of is None


def test_an_unresolved_case_is_not_recurred_and_the_key_wins_over_the_subject(
    world: World,
) -> None:
    open_one = world.case(problem_key="E-42")
    assert world.rk.case(world.case(problem_key="E-42")).recurrence_of is None
    world.resolve(open_one)
    later = world.case(problem_key="e-42", subject="Completely different words")
    assert world.rk.case(later).recurrence_of == open_one


def test_recurrence_chain_follows_a_chain_of_recurrences(world: World) -> None:
    ids = []
    for _ in range(3):
        ids.append(world.case())
        world.resolve(ids[-1])
        world.clock.advance(months=2)
    assert [c.id for c in world.r.recurrence_chain(ids[-1])] == ids


def test_the_recurrence_window_is_configurable() -> None:
    settings = RelationshipConfig(recurrence_window=pendulum.duration(days=30))
    world = World(RULES.evolve(relationships=settings))
    world.resolve(world.case())
    world.clock.advance(days=45)
    assert world.rk.case(world.case()).recurrence_of is None


# --- vendor reliability ----------------------------------------------------------------------


def test_vendor_reliability_comes_from_the_recurrence_links(world: World) -> None:
    empty = world.r.vendor_reliability("v-tel")
    assert (empty.tickets, empty.fixed, empty.recurrence_rate, empty.mean_time_to_fix) == (
        0,
        0,
        0.0,
        None,
    )
    first = world.case()
    world.fixed_ticket(first)
    world.resolve(first)
    other = world.case(product="Laptop", subject="No sound")
    world.fixed_ticket(other)
    world.resolve(other)
    before = world.r.vendor_reliability("v-tel")
    assert (before.tickets, before.fixed, before.recurred) == (2, 2, 0)
    assert before.reliability == 1.0
    assert before.mean_time_to_fix == pendulum.duration(days=1, hours=3)
    assert (before.acknowledged, before.acknowledged_within_target) == (2, 2)
    world.clock.advance(months=3)
    world.case()
    after = world.r.vendor_reliability("v-tel")
    assert after.recurred == 1
    assert after.recurrence_rate == 0.5
    assert after.reliability < before.reliability
    assert world.r.vendor_reliability("v-soft").tickets == 0


# --- the example -----------------------------------------------------------------------------


def test_the_liaison_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples" / "vendor_liaison.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "as a recurrence" in out
    assert "reliability" in out
    assert "100%" in out
    assert "0%" in out


def test_only_the_escalation_and_each_update_promise_the_next_update(world: World) -> None:
    # A ticket whose update promise is missing (escalated before update promises existed,
    # or by a store without the promises hook) must not block the vendor's steps once its
    # update time has passed: only the steps that owe the client something promise it.
    case = world.rk.case(world.case())
    escalation = EscalateToVendor(
        case_id=case.id,
        client_id=case.client_id,
        relationship_id=case.relationship_id,
        vendor_id="v-tel",
        problem=case.subject,
        update_every=pendulum.duration(days=1),
        acknowledge_within=pendulum.duration(days=2),
        fix_within=pendulum.duration(days=10),
    )
    with world.rk.store.unit_of_work() as uow:  # written as an older release did
        t, opened = world.rk.workflow_for(VendorTicket).start(
            "vt-legacy", escalation, "s-al", world.clock.now()
        )
        uow.append(t, [opened])
        uow.commit()
    world.clock.advance(days=10)
    t = world.r.vendor_acknowledged(t.id, actor="s-al", vendor_reference="TEL-9")
    t = world.r.fix_provided(t.id, actor="s-al", fix="Firmware 5.2.")
    assert t.state == "fix_provided"
    assert world.rk.promises.update_promises(t.id) == []
    t = world.r.update_client(t.id, actor="s-al", message="Telco has a fix; testing it today.")
    [owed] = open_updates(world)
    assert owed.id == t.update_promise_id
    assert owed.due_at == t.next_update_due == START.add(days=11)
