"""The hash-chained timeline: one event per accepted command, tamper evidence, replay."""

from __future__ import annotations

import copy
import datetime
import itertools
import json
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit import (
    AggregateCorrupted,
    Client,
    Event,
    InvalidInput,
    MemoryStore,
    NotFound,
    Relations,
    Staff,
    StoreError,
    TimelineBroken,
    verify_timeline,
)
from relationkit.cases import (
    Acknowledge,
    Case,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
)
from relationkit.domain.events import GENESIS, chain, next_event
from relationkit.testing import ManualClock
from relationkit.workflows.case import CASE_WORKFLOW
from strategies import examples, wall_times
from world import CASE_RULES, MIA, SAM, world

START = pendulum.datetime(2026, 3, 2, 9, tz="America/New_York")


Rows = list[dict[str, Any]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def rk(store: MemoryStore, clock: ManualClock) -> Relations:
    ana = Client(id="c-ana", name="Ana Ruiz", timezone="America/New_York")
    return world(ana, SAM, MIA, store=store, clock=clock, config=CASE_RULES)


def story(rk: Relations, clock: ManualClock, case_id: str = "case-1") -> Case:
    """A case with six events, each a few minutes apart."""
    rk.open_case(
        actor="s-sam",
        client="c-ana",
        subject="Refund",
        statement="I want my money back!",
        escalated=True,
        case_id=case_id,
    )
    steps: list[tuple[Any, str]] = [
        (Acknowledge(paraphrase="You want a refund."), "s-sam"),
        (CorrectParaphrase(correction="For both charges."), "c-ana"),
        (Acknowledge(paraphrase="You want both charges refunded."), "s-sam"),
        (ConfirmHeard(), "c-ana"),
        (Defer(reply_by=clock.now().add(days=1), reason="Checking the ledger."), "s-sam"),
        (Consult(colleague_id="s-mia", note="Policy is clear."), "s-sam"),
        (Decline(reason="Outside the window.", clause_id="refunds-30d"), "s-sam"),
    ]
    case = rk.case(case_id)
    for command, actor in steps:
        clock.advance(minutes=7)
        case = rk.handle(case_id, command, actor=actor)
    return case


def test_every_accepted_command_appends_one_event(rk: Relations, clock: ManualClock) -> None:
    case = story(rk, clock)
    events = rk.timeline(case.id)
    assert [e.name for e in events] == [
        "CaseOpened",
        "CaseAcknowledged",
        "ParaphraseCorrected",
        "CaseAcknowledged",
        "ClientConfirmedHeard",
        "DecisionDeferred",
        "ColleagueConsulted",
        "RequestDeclined",
    ]
    assert [e.sequence for e in events] == list(range(1, 9))
    assert case.version == 8
    assert case.head == events[-1].hash
    assert events[0].previous == GENESIS
    assert all(b.previous == a.hash for a, b in itertools.pairwise(events))
    assert [e.actor_id for e in events][:3] == ["s-sam", "s-sam", "c-ana"]
    assert all(e.at.timezone_name == "UTC" for e in events)
    assert events[1].at == START.add(minutes=7)
    assert events[2].data == {"correction": "For both charges."}
    assert events[-1].data == {
        "reason": "Outside the window.",
        "clause_id": "refunds-30d",
        "evidence": [],
    }


def test_events_are_immutable(rk: Relations, clock: ManualClock) -> None:
    event = rk.timeline(story(rk, clock).id)[0]
    with pytest.raises(AttributeError):
        event.name = "Nothing"  # type: ignore[misc]


def test_an_intact_timeline_verifies(rk: Relations, clock: ManualClock) -> None:
    case = story(rk, clock)
    rk.verify(case.id)
    verify_timeline(case.id, rk.timeline(case.id), version=case.version, head=case.head)


def _alter_data(rows: Rows) -> None:
    data = json.loads(rows[2]["data"])
    data["correction"] = "Only one charge."
    rows[2]["data"] = json.dumps(data)


def _alter_actor(rows: Rows) -> None:
    rows[4]["actor_id"] = "s-sam"  # staff pretending the client confirmed


def _alter_time(rows: Rows) -> None:
    rows[5]["at"] = "2026-03-01T09:00:00+00:00[UTC]"


def _remove(rows: Rows) -> None:
    del rows[3]


def _swap(rows: Rows) -> None:
    rows[3], rows[4] = rows[4], rows[3]


def _truncate(rows: Rows) -> None:
    del rows[-2:]


@pytest.mark.parametrize(
    ("tamper", "sequence", "problem"),
    [
        (_alter_data, 3, "altered"),
        (_alter_actor, 5, "altered"),
        (_alter_time, 6, "altered"),
        (_remove, 4, "removed"),
        (_swap, 4, "reordered"),
        (_truncate, 7, "truncated"),
    ],
    ids=["data", "actor", "time", "removed", "reordered", "truncated"],
)
def test_verify_pinpoints_tampering(
    rk: Relations,
    store: MemoryStore,
    clock: ManualClock,
    tamper: Callable[[Rows], None],
    sequence: int,
    problem: str,
) -> None:
    case = story(rk, clock)
    tamper(store.raw_events("case", case.id))
    with pytest.raises(TimelineBroken) as caught:
        rk.verify(case.id)
    error = caught.value
    assert (error.aggregate_id, error.sequence, error.problem) == (case.id, sequence, problem)
    assert f"broken at event {sequence} ({problem})" in str(error)
    assert "restore it from a backup" in str(error)
    with pytest.raises(TimelineBroken) as again:
        verify_timeline(case.id, rk.timeline(case.id), version=case.version, head=case.head)
    assert (again.value.sequence, again.value.problem) == (sequence, problem)


def test_an_event_moved_to_another_timeline_is_caught(rk: Relations, clock: ManualClock) -> None:
    first = story(rk, clock, "case-1")
    story(rk, clock, "case-2")
    events = rk.timeline(first.id)
    events[2] = rk.timeline("case-2")[2]
    with pytest.raises(TimelineBroken) as caught:
        verify_timeline(first.id, events)
    assert caught.value.sequence == 3


def _five() -> list[Event]:
    """A timeline of five events, "E1" … "E5"."""
    at = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
    events: list[Event] = []
    for n in range(1, 6):
        last = events[-1] if events else None
        events.append(
            chain(last, aggregate_id="k", name=f"E{n}", actor_id="s", at=at, data={"n": n})
        )
    return events


def _renumbered(events: list[Event]) -> list[Event]:
    """The events with sequence numbers 1, 2, … in the order given, as a database's
    ``UPDATE … SET sequence = …`` would leave them (their hashes untouched)."""
    return [attrs.evolve(e, sequence=n) for n, e in enumerate(events, start=1)]


def _break(events: list[Event], **known: Any) -> tuple[int, str, str]:
    with pytest.raises(TimelineBroken) as caught:
        verify_timeline("k", events, **known)
    return caught.value.sequence, caught.value.problem, str(caught.value)


def test_each_kind_of_damage_has_its_own_name_and_event() -> None:
    e = _five()
    last = {"version": 5, "head": e[4].hash}
    verify_timeline("k", e, **last)
    # two events swapped, each keeping its sequence number
    assert _break([e[0], e[2], e[1], e[3], e[4]], **last)[:2] == (2, "reordered")
    # two events swapped by swapping their sequence numbers: the same, to the chain
    sequence, problem, message = _break(_renumbered([e[0], e[2], e[1], e[3], e[4]]), **last)
    assert (sequence, problem) == (2, "reordered")
    assert "the event after event 1 is E2, stored at place 3" in message
    # an event removed, and an event removed with the later ones renumbered to hide it
    sequence, problem, message = _break([e[0], e[1], e[3], e[4]], **last)
    assert (sequence, problem) == (3, "removed")
    assert "event 3 is missing: E4 (stored as event 4)" in message
    sequence, problem, message = _break(_renumbered([e[0], e[3], e[4]]), **last)
    assert (sequence, problem) == (2, "removed")
    assert "events 2 to 3 are missing and the later events were renumbered" in message
    # an event's content changed, and an event renumbered in its place
    changed = attrs.evolve(e[3], data={"n": 40})
    assert _break([*e[:3], changed, e[4]], **last)[:2] == (4, "altered")
    sequence, problem, message = _break([*e[:3], attrs.evolve(e[3], sequence=9), e[4]], **last)
    assert (sequence, problem) == (4, "altered")
    assert "E4 is in its place but was renumbered 9" in message
    # the latest events removed; events after the one the aggregate recorded as its last
    assert _break(e[:3], **last)[:2] == (4, "truncated")
    assert _break(e, version=3, head=e[2].hash)[:2] == (4, "added")
    assert _break(e, version=3)[:2] == (4, "added")
    # the last event replaced by one chained in its place
    forged = chain(e[3], aggregate_id="k", name="E5", actor_id="s", at=e[4].at, data={})
    assert _break([*e[:4], forged], **last)[:2] == (5, "altered")


def test_a_version_that_disagrees_with_an_intact_head_is_left_to_the_snapshot_check() -> None:
    # The chain ends where the aggregate's head says: its timeline is whole, whatever its
    # version says (verify compares that with the replayed timeline).
    e = _five()
    verify_timeline("k", e, version=3, head=e[4].hash)


def test_the_kind_is_named_when_given() -> None:
    e = _five()
    with pytest.raises(
        TimelineBroken, match=r"timeline of case 'k' is broken at event 2"
    ) as caught:
        verify_timeline("k", [e[0], e[2]], kind="case")
    assert caught.value.kind == "case"


def test_a_forged_but_rehashed_event_still_breaks_the_chain() -> None:
    at = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
    first = chain(None, aggregate_id="k", name="CaseOpened", actor_id="s", at=at, data={"a": 1})
    second = chain(first, aggregate_id="k", name="CaseClosed", actor_id="s", at=at, data={})
    forged = chain(None, aggregate_id="k", name="CaseOpened", actor_id="s", at=at, data={"a": 2})
    verify_timeline("k", [first, second])
    with pytest.raises(TimelineBroken) as caught:
        verify_timeline("k", [forged, second], head=second.hash)
    # The second event is intact and recorded as the last: the first one was replaced.
    assert (caught.value.sequence, caught.value.problem) == (1, "altered")
    assert "CaseOpened is not the event that CaseClosed" in str(caught.value)


def test_a_snapshot_that_disagrees_with_its_timeline_is_corrupt(
    rk: Relations, store: MemoryStore, clock: ManualClock
) -> None:
    case = story(rk, clock)
    row = store.raw_aggregate("case", case.id)
    data = json.loads(row.snapshot)
    data["heard"] = False
    row.snapshot = json.dumps(data)
    with pytest.raises(AggregateCorrupted, match="differs from what its timeline gives"):
        rk.verify(case.id)


def test_verify_all_collects_every_problem(
    rk: Relations, store: MemoryStore, clock: ManualClock
) -> None:
    story(rk, clock, "case-1")
    story(rk, clock, "case-2")
    story(rk, clock, "case-3")
    report = rk.verify_all()
    assert report.ok
    assert report.problems == ()
    assert report.checked >= 3  # the cases, and whatever else the commands created
    _swap(store.raw_events("case", "case-2"))
    _alter_data(store.raw_events("case", "case-3"))
    checked = report.checked
    report = rk.verify_all()
    assert report.checked == checked
    assert not report.ok
    broken = sorted(
        (p.aggregate_id, p.problem) for p in report.problems if isinstance(p, TimelineBroken)
    )
    assert broken == [("case-2", "reordered"), ("case-3", "altered")]
    assert len(report.problems) == 2
    assert [(f.kind, f.aggregate_kind, f.aggregate_id, f.sequence) for f in report.findings] == [
        ("reordered", "case", "case-2", 4),
        ("altered", "case", "case-3", 3),
    ]


def test_columns_out_of_step_in_memory_are_found_and_repaired(
    rk: Relations, store: MemoryStore, clock: ManualClock
) -> None:
    story(rk, clock, "case-1")
    story(rk, clock, "case-2")
    row = store.raw_aggregate("case", "case-2")
    row.version = 3
    row.index["state"] = "opened"
    report = rk.verify_all()
    assert [(f.kind, f.aggregate_id, f.column) for f in report.findings] == [
        ("version-column", "case-2", "version"),
        ("index-column", "case-2", "state"),
    ]
    assert [c.id for c in rk.cases(state="opened")] == ["case-2"]
    assert [e.column for e in rk.repair_columns("case-2")] == ["version", "state"]
    assert rk.cases(state="opened") == []
    assert rk.verify_all().ok


class _ShowsNoRows(MemoryStore):
    """A store of someone else's making, without the optional stored_* methods."""

    def unit_of_work(self) -> Any:
        uow = super().unit_of_work()
        for name in ("stored_aggregate", "stored_aggregates", "stored_records"):
            setattr(uow, name, _not_shown)
        return uow


def _not_shown(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("this store does not show its stored rows")


def test_a_store_that_shows_no_rows_still_has_its_timelines_and_snapshots_checked(
    clock: ManualClock,
) -> None:
    store = _ShowsNoRows()
    rk = Relations(store, clock=clock, config=CASE_RULES)
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    for case_id in ("case-1", "case-2"):
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="Late.", case_id=case_id
        )
        rk.handle(case_id, Acknowledge(paraphrase="It is late."), actor="s-sam")
    store.raw_aggregate("case", "case-1").version = 7  # not seen: no rows to compare
    del store.raw_events("case", "case-2")[1]
    report = rk.verify_all()
    assert [(f.kind, f.aggregate_id) for f in report.findings] == [("truncated", "case-2")]
    assert report.checked == 5  # two cases, a relationship, two people
    assert report.records == 0
    assert any(
        "the version and indexed columns of case were not compared" in u for u in report.unchecked
    )
    assert any("plain records were not checked" in u for u in report.unchecked)
    rk.verify("case-1")
    with pytest.raises(NotFound):
        rk.verify("case-9")
    with pytest.raises(
        StoreError, match="store memory:// does not show or rewrite its stored rows"
    ):
        rk.repair_columns("case-1")


def test_replay_from_events_alone_gives_the_stored_case(rk: Relations, clock: ManualClock) -> None:
    case = story(rk, clock)
    events = rk.timeline(case.id)
    replayed = CASE_WORKFLOW.replay(events)
    assert replayed == rk.case(case.id) == case
    assert replayed.last_deferral is not None
    assert replayed.last_deferral.reply_by.timezone_name == "America/New_York"
    assert CASE_WORKFLOW.history(events).deferrals[0].reply_by.timezone_name == "America/New_York"
    for n in range(1, len(events) + 1):
        partial = CASE_WORKFLOW.replay(events[:n])
        assert partial.version == n
        assert partial.head == events[n - 1].hash


def test_replay_refuses_a_broken_or_impossible_timeline(rk: Relations, clock: ManualClock) -> None:
    events = rk.timeline(story(rk, clock).id)
    with pytest.raises(TimelineBroken):
        CASE_WORKFLOW.replay([events[0], events[2]])
    with pytest.raises(AggregateCorrupted, match="a timeline with no events"):
        CASE_WORKFLOW.replay([])
    with pytest.raises(AggregateCorrupted, match="its first event is CaseAcknowledged"):
        CASE_WORKFLOW.replay(events[1:], verify=False)
    impossible = [events[0], events[4]]  # confirmed without a paraphrase
    with pytest.raises(AggregateCorrupted, match="cannot follow state 'opened'"):
        CASE_WORKFLOW.replay(impossible, verify=False)


def test_replay_refuses_unreadable_event_data(rk: Relations, clock: ManualClock) -> None:
    events = rk.timeline(story(rk, clock).id)
    bad = copy.copy(events)
    bad[1] = Event(
        aggregate_id=events[1].aggregate_id,
        sequence=2,
        name="CaseAcknowledged",
        actor_id="s-sam",
        at=events[1].at,
        data={"paraphrase": "   "},
        previous=events[1].previous,
        hash=events[1].hash,
    )
    with pytest.raises(AggregateCorrupted, match="event 2 has unreadable data"):
        CASE_WORKFLOW.replay(bad, verify=False)
    with pytest.raises(AggregateCorrupted, match="unknown event name 'CaseVanished'"):
        CASE_WORKFLOW.command_class("CaseVanished")


@given(
    wall=wall_times,
    zone=st.sampled_from(
        ["UTC", "Europe/Paris", "America/New_York", pendulum.fixed_timezone(19800)]
    ),
)
@settings(max_examples=examples(200), deadline=None)
def test_an_event_is_hashed_at_its_utc_instant_whatever_zone_it_was_given_in(
    wall: datetime.datetime, zone: Any
) -> None:
    given_at = pendulum.instance(wall, tz=zone)
    event = next_event(
        "case-1", 2, "a" * 64, name="CaseClosed", actor_id="s-1", at=given_at, data={}
    )
    in_utc = next_event(
        "case-1",
        2,
        "a" * 64,
        name="CaseClosed",
        actor_id="s-1",
        at=given_at.in_timezone("UTC"),
        data={},
    )
    # The same instant (compared in UTC: Python never finds an aware time in a zone's
    # repeated hour equal to one in another zone, whatever instants they name).
    assert event.at == given_at.in_timezone("UTC")
    assert event.at.timestamp() == given_at.timestamp()
    assert event.at.timezone_name == "UTC"
    assert event.at.isoformat() == given_at.in_timezone("UTC").isoformat()
    assert event.hash == in_utc.hash == event.recomputed_hash()
    assert (event.sequence, event.previous) == (3, "a" * 64)


def test_event_data_that_cannot_be_written_as_utf8_is_refused_before_it_is_hashed() -> None:
    # An application's own command without text validators: the timeline refuses its data
    # with a typed error rather than a UnicodeEncodeError from deep inside.
    at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    with pytest.raises(InvalidInput) as caught:
        chain(None, aggregate_id="k-1", name="Noted", actor_id="s-1", at=at, data={"t": "\ud800"})
    assert caught.value.field == "data"
    assert "'Noted' of 'k-1'" in str(caught.value)
