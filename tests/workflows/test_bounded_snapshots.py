"""Bounded snapshots answer what the full ones did.

For random command sequences on each aggregate kind whose snapshot was bounded, the same
events go to the aggregate and to its version 1 class kept in ``reference_model``, and:

* the bounded aggregate plus the history replayed from the timeline answer every question
  the version 1 aggregate answered (``reference_model.same_answers``);
* replay rebuilds the aggregate, and its stored snapshot reads back equal to it;
* the version 1 snapshot of the same events, upgraded, is the version 2 snapshot.

The commands go straight through each workflow's table, not the care rules, so sequences
reach states and orders (two deferrals, a reopening after a decline, delegations over before
they start) that the rules would make rare. Time moves forward by random steps, zero among
them, so several events share an instant.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_model import MAKE_OLD, OLD, REPLACED, encode_v1, same_answers
from relationkit import Client, ManualClock, Relations, Staff
from relationkit.cases import (
    Accept,
    Acknowledge,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Escalate,
    MatchExpectation,
    OpenCase,
    RecordExpectation,
    RecordStatement,
    Refer,
    Reopen,
    ResetExpectation,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event
from relationkit.domain.liaison import (
    ConfirmFix,
    EscalateToVendor,
    ProvideFix,
    RelayFix,
    UpdateClient,
    VendorAcknowledge,
)
from relationkit.domain.promise import (
    ApproveStretch,
    BreakPromise,
    KeepPromise,
    MakePromise,
    RenegotiatePromise,
    WarnPromise,
    WithdrawPromise,
)
from relationkit.domain.relationship import (
    Activate,
    Approve,
    Delegate,
    Dissent,
    End,
    ExpireProposal,
    MarkAtRisk,
    OpenRelationship,
    ProposeSeverance,
    Recover,
    ReEngage,
    Reject,
    RevokeDelegation,
    Withdraw,
)
from relationkit.serialization import converter
from relationkit.store.codec import decode_aggregate, encode_aggregate
from relationkit.workflows.registry import default_workflows
from strategies import examples

WORKFLOWS = default_workflows()
STAFF = ("s-sam", "s-mia", "s-lee", "s-kim")
ZONES = ("UTC", "Europe/Paris", "America/New_York")
SEQUENCES = settings(
    max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

Draw = Callable[[st.SearchStrategy[Any]], Any]
Maker = Callable[[Draw, pendulum.DateTime], Command]

maybe_text = st.one_of(st.none(), st.sampled_from(["Because.", "The window closed."]))
keys = st.sampled_from(["A", "B", "1", "2"])
hours = st.integers(min_value=-48, max_value=24 * 20)


def later(draw: Draw, now: pendulum.DateTime) -> pendulum.DateTime:
    return now.add(hours=draw(st.integers(min_value=1, max_value=24 * 20)))


def around(draw: Draw, now: pendulum.DateTime) -> pendulum.DateTime:
    return now.add(hours=draw(hours))


CASE: dict[str, Maker] = {
    "record_statement": lambda d, now: RecordStatement(
        text=d(st.sampled_from(["More.", "Again!"]))
    ),
    "acknowledge": lambda d, now: Acknowledge(paraphrase=d(st.sampled_from(["You mean X.", "Y."]))),
    "confirm_heard": lambda d, now: ConfirmHeard(note=d(maybe_text)),
    "correct_paraphrase": lambda d, now: CorrectParaphrase(correction="No, Z."),
    "escalate": lambda d, now: Escalate(reason="Heated."),
    "consult": lambda d, now: Consult(colleague_id=d(st.sampled_from(STAFF)), note="My view."),
    "record_expectation": lambda d, now: RecordExpectation(
        text="A refund.", key=d(st.one_of(st.none(), keys))
    ),
    "match_expectation": lambda d, now: MatchExpectation(
        expectation=d(keys), offering_id="o-1", scope_item="refunds"
    ),
    "reset_expectation": lambda d, now: ResetExpectation(
        expectation=d(keys), conversation="Agreed.", replaced_by=d(maybe_text)
    ),
    "defer": lambda d, now: Defer(reply_by=later(d, now), reason="Thinking."),
    "accept": lambda d, now: Accept(note=d(maybe_text)),
    "decline": lambda d, now: Decline(reason=d(maybe_text), clause_id=d(maybe_text)),
    "compromise": lambda d, now: Compromise(we_give=d(maybe_text), client_gives=d(maybe_text)),
    "refer": lambda d, now: Refer(to="p-other", handoff_note=d(maybe_text)),
    "start_work": lambda d, now: StartWork(),
    "resolve": lambda d, now: Resolve(summary="Done."),
    "close": lambda d, now: Close(),
    "reopen": lambda d, now: Reopen(reason="It came back."),
}

PROMISE: dict[str, Maker] = {
    "approve_stretch": lambda d, now: ApproveStretch(),
    "warn": lambda d, now: WarnPromise(),
    "renegotiate": lambda d, now: RenegotiatePromise(
        due_at=later(d, now), party_told="Phoned.", reason=d(maybe_text)
    ),
    "keep": lambda d, now: KeepPromise(note=d(maybe_text)),
    "mark_broken": lambda d, now: BreakPromise(),
    "withdraw": lambda d, now: WithdrawPromise(reason="No longer needed."),
}

TICKET: dict[str, Maker] = {
    "vendor_acknowledge": lambda d, now: VendorAcknowledge(
        vendor_reference=d(maybe_text),
        responded_at=d(st.one_of(st.none(), st.just(now.subtract(hours=1)))),
    ),
    "provide_fix": lambda d, now: ProvideFix(fix="Reset it."),
    "relay_fix": lambda d, now: RelayFix(message="Here is the fix."),
    "confirm_fix": lambda d, now: ConfirmFix(),
    "update_client": lambda d, now: UpdateClient(message=d(st.sampled_from(["On it.", "Soon."]))),
}


def _delegate(d: Draw, now: pendulum.DateTime) -> Delegate:
    starts = around(d, now)
    return Delegate(
        to=d(st.sampled_from(STAFF)),
        starts_at=starts,
        ends_at=starts.add(hours=d(st.integers(min_value=-24, max_value=24 * 10))),
    )


RELATIONSHIP: dict[str, Maker] = {
    "activate": lambda d, now: Activate(),
    "mark_at_risk": lambda d, now: MarkAtRisk(reason="Disputes."),
    "recover": lambda d, now: Recover(reason="Sorted."),
    "propose_severance": lambda d, now: ProposeSeverance(
        reason="Enough.",
        evidence=d(st.lists(st.sampled_from(["k-1", "k-2"]), max_size=2)),
        expires_at=later(d, now),
    ),
    "approve": lambda d, now: Approve(
        expires_at=around(d, now), acting_for=d(st.one_of(st.none(), st.sampled_from(STAFF)))
    ),
    "dissent": lambda d, now: Dissent(reason="Not yet."),
    "reject": lambda d, now: Reject(reason="No."),
    "withdraw": lambda d, now: Withdraw(reason="Talked."),
    "expire": lambda d, now: ExpireProposal(),
    "end": lambda d, now: End(amicable=d(st.booleans()), conversation=d(maybe_text)),
    "reengage": lambda d, now: ReEngage(reason="Fresh start."),
    "delegate": _delegate,
    "revoke_delegation": lambda d, now: RevokeDelegation(to=d(st.sampled_from(STAFF))),
}


def _create(kind: str, d: Draw, now: pendulum.DateTime) -> Command:
    if kind == "case":
        return OpenCase(
            client_id="c-ana", subject="Refund", statement="Twice!", escalated=d(st.booleans())
        )
    if kind == "promise":
        return MakePromise(
            owner_id="s-sam",
            party_id="c-ana",
            what="A reply",
            due_at=later(d, now),
            stretch=d(st.booleans()),
        )
    if kind == "vendor_ticket":
        return EscalateToVendor(
            case_id="k-1",
            client_id="c-ana",
            vendor_id="v-tel",
            problem="Calls drop.",
            update_every=pendulum.duration(days=2),
            acknowledge_within=pendulum.duration(days=1),
            fix_within=d(st.one_of(st.none(), st.just(pendulum.duration(days=5)))),
        )
    return OpenRelationship(party_id="c-ana")


MAKERS = {"case": CASE, "promise": PROMISE, "vendor_ticket": TICKET, "relationship": RELATIONSHIP}
STEPS = st.sampled_from([0, 0, 1, 60, 60 * 24, 60 * 24 * 3])  # minutes between events


def play(kind: str, data: st.DataObject) -> tuple[Aggregate, Aggregate, list[Event]]:
    """Random commands on one new aggregate of ``kind``, applied to it and to its version 1
    class alike; returns both and the events."""
    workflow = WORKFLOWS[kind]
    draw = data.draw
    at = pendulum.datetime(2026, 3, 2, 9, tz=draw(st.sampled_from(ZONES)))
    create = _create(kind, draw, at)
    new, first = workflow.start(f"{kind}-1", create, draw(st.sampled_from(STAFF)), at)
    old = MAKE_OLD[kind](first, create, workflow.table.initial)
    events = [first]
    for _ in range(draw(st.integers(min_value=0, max_value=40))):
        # Commands version 1 of the classes never had (a case's priority, waits, updates
        # and service-level clocks) are tried in tests/test_service_levels_cases.py.
        offered = sorted(n for n in workflow.offered(new) if n in MAKERS[kind])
        if not offered:
            break
        name = draw(st.sampled_from(offered))
        at = at.add(minutes=draw(STEPS))
        command = MAKERS[kind][name](draw, at)
        actor = draw(st.sampled_from((*STAFF, "c-ana")))
        attempt = types.SimpleNamespace(actor=types.SimpleNamespace(id=actor), now=at)
        event = workflow.step(new, command, attempt)  # type: ignore[arg-type]
        old.apply(event, command, new.state)
        events.append(event)
    return new, old, events


def consultation_at_a_reopening(old: Any) -> bool:
    """A consultation shares its instant with the latest reopening: version 1 snapshots
    cannot say whether it came before the reopening (they went by time)."""
    return bool(getattr(old, "reopenings", None)) and any(
        c.at == old.cycle_started_at for c in old.consultations
    )


@pytest.mark.parametrize("kind", sorted(OLD))
def test_the_bounded_aggregate_and_its_history_answer_what_the_full_one_did(kind: str) -> None:
    workflow = WORKFLOWS[kind]
    gone = REPLACED[kind] - {f.name for f in attrs.fields(workflow.aggregate)}

    @SEQUENCES
    @given(st.data())
    def check(data: st.DataObject) -> None:
        new, old, events = play(kind, data)
        history = workflow.history(events)
        same_answers(old, new, history, events)
        # replay rebuilds it, and the stored snapshot reads back equal
        assert workflow.replay(events) == new
        assert decode_aggregate(type(new), new.id, encode_aggregate(new)) == new
        # a version 1 snapshot of the same events, upgraded, is the version 2 snapshot
        # (as version 1 wrote it, and in full as the converter writes it)
        for stored in (encode_v1(old), converter.unstructure(old)):
            before = json.dumps(stored, sort_keys=True)
            upgraded = type(new).upgrade_snapshot(stored, 1)
            assert json.dumps(stored, sort_keys=True) == before  # the upgrade is pure
            assert gone.isdisjoint(upgraded)
            read = decode_aggregate(type(new), new.id, json.dumps(upgraded))
            if consultation_at_a_reopening(old):
                # version 1 counted it in the round; so does its upgraded snapshot
                since = old.cycle_started_at
                counted = [c.colleague_id for c in old.consultations if c.at >= since]
                assert read.consulted == {c: counted.count(c) for c in counted}
                read = attrs.evolve(read, consulted=new.consulted)
            assert read == new
        if kind == "case":
            # a version 2 snapshot (every expectation, settled or not), upgraded, is the
            # version 3 snapshot
            v2 = converter.unstructure(new)
            v2["expectations"] = converter.unstructure(history.expectations)
            del v2["expectation_keys"], v2["expectation_count"]
            upgraded = type(new).upgrade_snapshot(v2, 2)
            assert decode_aggregate(type(new), new.id, json.dumps(upgraded)) == new

    check()


def test_a_consultation_at_the_instant_of_a_reopening_belongs_to_the_round_before() -> None:
    """Version 1 went by time, so a consultation recorded at the same instant as the
    reopening that followed it still counted in the new round."""
    workflow = WORKFLOWS["case"]
    at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    case, first = workflow.start(
        "k-1", OpenCase(client_id="c", subject="S", statement="x"), "s-sam", at
    )
    old = MAKE_OLD["case"](first, OpenCase(client_id="c", subject="S", statement="x"), "opened")
    events = [first]
    for command in (
        RecordStatement(text="I want it now."),
        Consult(colleague_id="s-mia", note="Say no."),
        Decline(reason="No.", clause_id="c-1"),
        Resolve(summary="Declined."),
        Reopen(reason="Again."),
        Consult(colleague_id="s-lee", note="Still no."),
    ):
        attempt = types.SimpleNamespace(actor=types.SimpleNamespace(id="s-sam"), now=at)
        events.append(workflow.step(case, command, attempt))  # type: ignore[arg-type]
        old.apply(events[-1], command, case.state)
    assert case.consulted == {"s-lee": 1}
    assert case.consultation_count() == 1
    assert case.consultation_count(excluding="s-lee") == 0
    assert [c.colleague_id for c in old.consultations_this_round()] == ["s-mia", "s-lee"]
    assert workflow.replay(events) == case


# --- the size of a snapshot ---------------------------------------------------------------------


def stored_size(rk: Relations, aggregate: Aggregate) -> int:
    return len(rk.store.raw_aggregate(aggregate.KIND, aggregate.id).snapshot)  # type: ignore[attr-defined]


def test_a_case_snapshot_does_not_grow_with_its_statements() -> None:
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC"))
    rk = Relations(clock=clock)
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund", statement="Twice!")
    sizes = {}
    for n in range(2, 1001):
        clock.advance(minutes=1)
        case = rk.handle(case.id, RecordStatement(text=f"And again ({n % 7})."), actor="s-sam")
        if n in (100, 999):
            sizes[n] = stored_size(rk, case)
    assert case.statement_count == 1000
    assert sizes[999] == sizes[100]  # as many digits in the count and the version
    assert len(rk.history(case.id).statements) == 1000


def test_promise_ticket_and_relationship_snapshots_do_not_grow_with_their_history() -> None:
    """Each kind's growing history, 200 times over, costs its snapshot nothing but digits."""
    workflow = {kind: WORKFLOWS[kind] for kind in OLD}
    at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")

    def step(subject: Aggregate, command: Command, when: pendulum.DateTime) -> None:
        attempt = types.SimpleNamespace(actor=types.SimpleNamespace(id="s-sam"), now=when)
        workflow[subject.KIND].step(subject, command, attempt)  # type: ignore[arg-type]

    promise, _ = workflow["promise"].start(
        "p-1",
        MakePromise(owner_id="s-sam", party_id="c", what="W", due_at=at.add(days=1)),
        "s-sam",
        at,
    )
    ticket, _ = workflow["vendor_ticket"].start(
        "t-1",
        EscalateToVendor(
            case_id="k",
            client_id="c",
            vendor_id="v",
            problem="P",
            update_every=pendulum.duration(days=1),
            acknowledge_within=pendulum.duration(days=1),
        ),
        "s-sam",
        at,
    )
    rel, _ = workflow["relationship"].start("r-1", OpenRelationship(party_id="c"), "s-sam", at)
    step(rel, Activate(), at)
    sizes: dict[int, list[int]] = {}
    for n in range(1, 201):
        when = at.add(hours=n)
        step(promise, RenegotiatePromise(due_at=when.add(days=1), party_told="Told."), when)
        step(ticket, UpdateClient(message="Still on it."), when)
        step(rel, MarkAtRisk(reason="Disputes."), when)
        step(rel, Recover(reason="Sorted."), when)
        step(rel, Delegate(to="s-mia", starts_at=when, ends_at=when.add(hours=2)), when)
        if n in (10, 200):
            sizes[n] = [len(encode_aggregate(a)) for a in (promise, ticket, rel)]
    assert (promise.renegotiation_count, ticket.update_count, rel.risk_note_count) == (
        200,
        200,
        400,
    )
    assert len(rel.delegations) == 2  # those not over an hour ago
    for small, large in zip(sizes[10], sizes[200], strict=True):
        assert large <= small + 4
