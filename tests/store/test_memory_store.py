"""The in-memory store: units of work, the optimistic version check, queries and records."""

from __future__ import annotations

from typing import Any

import pytest

from relationkit import (
    Client,
    ConcurrencyError,
    ConnectionLost,
    InvalidInput,
    MemoryStore,
    NotFound,
    OutcomeUnknown,
    Party,
    Relations,
    Staff,
    Vendor,
    retry,
)
from relationkit.cases import Acknowledge, Case, ConfirmHeard, Escalate
from relationkit.domain.case import OpenCase
from relationkit.domain.events import Event, next_event
from relationkit.workflows.case import CASE_WORKFLOW
from world import ANA, BO, CASE_RULES, SAM, START, world


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def rk(store: MemoryStore) -> Relations:
    return world(ANA, BO, SAM, store=store, config=CASE_RULES, policy=None)


def open_case(rk: Relations, client: str = "c-ana", case_id: str | None = None) -> Case:
    return rk.open_case(
        actor="s-sam", client=client, subject="Refund", statement="Pay me.", case_id=case_id
    )


def new_case(case_id: str, client: str = "c-ana") -> tuple[Case, list[Event]]:
    command = OpenCase(client_id=client, subject="Refund", statement="Pay me.")
    case, event = CASE_WORKFLOW.start(case_id, command, "s-sam", START)
    return case, [event]


def acknowledge(subject: Case, paraphrase: str) -> Event:
    """Apply an acknowledgement to a working copy, as a command would."""
    command = Acknowledge(paraphrase=paraphrase)
    event = next_event(
        subject.id,
        subject.version,
        subject.head,
        name=command.EVENT,
        actor_id="s-sam",
        at=START,
        data={"paraphrase": paraphrase},
    )
    subject.apply(event, command, "acknowledged")
    return event


# --- units of work ---------------------------------------------------------------------------


def test_nothing_is_stored_unless_committed(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        case, events = new_case("k1")
        uow.append(case, events)
        uow.put(Client(id="c-zed", name="Zed"))
        assert uow.find(Case, "k1") == case  # a unit of work sees what it staged
        assert uow.find_record(Client, "c-zed") is not None
    with store.unit_of_work() as uow:
        assert uow.find(Case, "k1") is None
        assert uow.events(Case, "k1") == []
        assert uow.find_record(Client, "c-zed") is None
        assert uow.ids(Case) == []


def test_an_error_inside_a_unit_of_work_rolls_back(store: MemoryStore) -> None:
    def crash_before_commit() -> None:
        with store.unit_of_work() as uow:
            uow.append(*new_case("k1"))
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    with store.unit_of_work() as uow:
        assert uow.find(Case, "k1") is None


def test_explicit_rollback_forgets_what_was_staged(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.append(*new_case("k1"))
        uow.rollback()
        assert uow.find(Case, "k1") is None
        uow.append(*new_case("k2"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.ids(Case) == ["k2"]


def test_committed_aggregates_come_back_as_fresh_copies(store: MemoryStore) -> None:
    case, events = new_case("k1")
    with store.unit_of_work() as uow:
        uow.append(case, events)
        uow.commit()
    with store.unit_of_work() as uow:
        loaded = uow.get(Case, "k1")
        assert loaded == case
        loaded.expectations.append(loaded.expectations[0] if loaded.expectations else None)  # type: ignore[arg-type]
        loaded.consulted["s-mia"] = 1
        loaded.state = "closed"
    with store.unit_of_work() as uow:
        assert uow.get(Case, "k1") == case
        assert uow.events(Case, "k1") == events


def test_get_of_a_missing_aggregate_or_record_is_not_found(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        with pytest.raises(NotFound, match="no case with id 'nope'"):
            uow.get(Case, "nope")
        with pytest.raises(NotFound, match="no client with id 'nope'"):
            uow.get_record(Client, "nope")


def test_append_refuses_events_that_do_not_follow_the_stored_version(store: MemoryStore) -> None:
    case, events = new_case("k1")
    with store.unit_of_work() as uow:
        uow.append(case, events)
        uow.commit()
    with store.unit_of_work() as uow:
        fresh, stale = uow.get(Case, "k1"), uow.get(Case, "k1")
        uow.append(fresh, [acknowledge(fresh, "You want a refund.")])
        with pytest.raises(ConcurrencyError) as caught:
            uow.append(stale, [acknowledge(stale, "You want money.")])
        assert (caught.value.expected, caught.value.actual) == (1, 2)
    other, (first,) = new_case("k2")
    other.version = 2  # claims two events, but both are event 1
    with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="must count its events"):
        uow.append(other, [first, first])


# --- the optimistic version check --------------------------------------------------------------


def test_a_stale_expected_version_is_refused(rk: Relations) -> None:
    case = open_case(rk)
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    current, timeline = rk.case(case.id), rk.timeline(case.id)
    with pytest.raises(ConcurrencyError) as caught:
        rk.handle(case.id, Escalate(reason="Angry."), actor="s-sam", expected_version=1)
    error = caught.value
    assert (error.aggregate_id, error.expected, error.actual) == (case.id, 1, 2)
    assert "re-run the command (see relationkit.retry)" in str(error)
    assert rk.case(case.id) == current
    assert rk.timeline(case.id) == timeline
    after = rk.handle(case.id, Escalate(reason="Angry."), actor="s-sam", expected_version=2)
    assert after.version == 3


def test_two_interleaved_units_of_work_cannot_both_write(store: MemoryStore, rk: Relations) -> None:
    case = open_case(rk)
    stored, timeline = rk.case(case.id), rk.timeline(case.id)
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        mine, theirs = first.get(Case, case.id), second.get(Case, case.id)
        first.append(mine, [acknowledge(mine, "Refund.")])
        second.append(theirs, [acknowledge(theirs, "Money.")])
        first.commit()
        with pytest.raises(ConcurrencyError) as caught:
            second.commit()
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    winner = rk.case(case.id)
    assert winner.version == 2
    assert winner.paraphrase is not None
    assert winner.paraphrase.text == "Refund."
    assert [p.text for p in rk.history(case.id).paraphrases] == ["Refund."]
    assert [e.name for e in rk.timeline(case.id)] == ["CaseOpened", "CaseAcknowledged"]
    assert rk.timeline(case.id)[0] == timeline[0]
    assert stored.version == 1
    rk.verify(case.id)


def test_creating_the_same_id_twice_is_a_conflict(rk: Relations, store: MemoryStore) -> None:
    open_case(rk, case_id="k1")
    with pytest.raises(ConcurrencyError):
        open_case(rk, case_id="k1")
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        first.append(*new_case("k2"))
        second.append(*new_case("k2", client="c-bo"))
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
    assert rk.case("k2").client_id == "c-ana"


def test_retry_reruns_on_fresh_state(rk: Relations) -> None:
    case = open_case(rk)
    runs: list[int] = []

    def acknowledge_at_the_version_i_read() -> Case:
        seen = rk.case(case.id).version
        runs.append(seen)
        if len(runs) == 1:  # a colleague writes between our read and our write
            rk.handle(case.id, Escalate(reason="Angry."), actor="s-sam")
        return rk.handle(
            case.id,
            Acknowledge(paraphrase="You want a refund."),
            actor="s-sam",
            expected_version=seen,
        )

    result = retry(acknowledge_at_the_version_i_read)
    assert runs == [1, 2]
    assert result.version == 3
    assert [e.name for e in rk.timeline(case.id)] == [
        "CaseOpened",
        "CaseEscalated",
        "CaseAcknowledged",
    ]


def test_retry_gives_up_after_its_attempts(rk: Relations) -> None:
    case = open_case(rk)
    calls: list[int] = []

    def always_stale() -> Case:
        calls.append(1)
        return rk.handle(case.id, Escalate(reason="x"), actor="s-sam", expected_version=0)

    with pytest.raises(ConcurrencyError):
        retry(always_stale, attempts=4)
    assert len(calls) == 4
    assert rk.case(case.id).version == 1
    with pytest.raises(InvalidInput, match="at least one attempt"):
        retry(lambda: None, attempts=0)


def test_retry_pauses_longer_each_time_with_jitter_and_a_cap() -> None:
    pauses: list[float] = []
    calls: list[int] = []

    def conflicts() -> None:
        calls.append(1)
        raise ConcurrencyError("case", "k", 1, 2)

    with pytest.raises(ConcurrencyError) as caught:
        retry(conflicts, attempts=12, first_delay=0.01, longest_delay=0.1, sleep=pauses.append)
    assert len(calls) == 12
    assert len(pauses) == 11  # none after the last attempt
    caps = [min(0.1, 0.01 * 2**n) for n in range(11)]
    assert all(0 <= pause <= cap for pause, cap in zip(pauses, caps, strict=True))
    assert len(set(pauses)) > 1  # jittered, not a fixed schedule
    assert "gave up after 12 attempt(s)" in " ".join(caught.value.__notes__)


def test_retry_runs_again_after_a_lost_connection_but_not_after_an_unknown_outcome() -> None:
    calls: list[int] = []

    def lost_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionLost("postgresql://db/care", "server closed the connection")
        return "done"

    assert retry(lost_once, sleep=lambda _: None) == "done"
    assert len(calls) == 2
    calls.clear()

    def unknown() -> None:
        calls.append(1)
        raise OutcomeUnknown("postgresql://db/care", "server closed the connection")

    with pytest.raises(OutcomeUnknown):
        retry(unknown, sleep=lambda _: None)
    assert calls == [1]


def test_retry_stops_when_its_time_is_up() -> None:
    calls: list[int] = []

    def conflicts() -> None:
        calls.append(1)
        raise ConcurrencyError("case", "k", 1, 2)

    with pytest.raises(ConcurrencyError) as caught:
        retry(conflicts, attempts=10_000, within=0.2, first_delay=0.01, longest_delay=0.05)
    assert 1 < len(calls) < 10_000  # the time ran out long before the attempts
    assert "budget: 10000 attempts, 0.2 s" in " ".join(caught.value.__notes__)


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": True}, "attempts"),
        ({"within": -1}, "within"),
        ({"within": "10"}, "within"),
        ({"first_delay": float("nan")}, "first_delay"),
        ({"longest_delay": -0.1}, "longest_delay"),
    ],
)
def test_retry_refuses_a_budget_that_is_not_one(budget: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        retry(lambda: None, **budget)
    assert caught.value.field == field


def test_retry_does_not_swallow_other_errors() -> None:
    calls: list[int] = []

    def fails() -> None:
        calls.append(1)
        raise NotFound("case", "k")

    with pytest.raises(NotFound):
        retry(fails)
    assert calls == [1]


# --- queries and records -------------------------------------------------------------------


def test_select_and_count_use_indexed_attributes(rk: Relations, store: MemoryStore) -> None:
    a = open_case(rk, case_id="k-a")
    open_case(rk, client="c-bo", case_id="k-b")
    rk.handle(a.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    rk.handle(a.id, ConfirmHeard(), actor="c-ana")
    assert [c.id for c in rk.cases(state="heard")] == ["k-a"]
    assert [c.id for c in rk.cases(client_id="c-bo")] == ["k-b"]
    assert [c.id for c in rk.cases(state__in=["heard", "opened"])] == ["k-a", "k-b"]
    assert [c.id for c in rk.cases(state__ne="heard")] == ["k-b"]
    assert [c.id for c in rk.cases(relationship_id="relationship_c-bo")] == ["k-b"]
    assert rk.cases(relationship_id=None) == []  # every case opened belongs to a relationship
    with store.unit_of_work() as uow:
        assert uow.count(Case, owner_id="s-sam") == 2
        assert [c.id for c in uow.select(Case, order_by="-client_id")] == ["k-b", "k-a"]
        assert [c.id for c in uow.select(Case, order_by="client_id", limit=1)] == ["k-a"]
        assert [c.id for c in uow.claim(Case, limit=1)] == ["k-a"]
        assert uow.ids(Case) == ["k-a", "k-b"]
        with pytest.raises(InvalidInput, match=r"querying case by .* indexed attributes"):
            uow.select(Case, subject="Refund")
        with pytest.raises(InvalidInput, match=r"querying case by .* indexed attributes"):
            uow.select(Case, state__like="he%")


def test_records_by_class_and_subclass(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.put(Client(id="c-1", name="Ana"))
        uow.put(Vendor(id="v-1", name="Acme"))
        uow.put(Staff(id="s-1", name="Sam", roles={"agent"}))
        uow.commit()
    with store.unit_of_work() as uow:
        assert isinstance(uow.find_record(Party, "v-1"), Vendor)
        assert uow.find_record(Client, "v-1") is None
        assert [p.id for p in uow.records(Party)] == ["c-1", "v-1"]
        assert [p.id for p in uow.records(Client)] == ["c-1"]
        assert uow.get_record(Staff, "s-1").roles == frozenset({"agent"})
        assert uow.find_record(Party, "s-1") is None
        uow.put(Client(id="c-1", name="Ana Ruiz"))  # replace, staged
        assert uow.get_record(Client, "c-1").name == "Ana Ruiz"
    with store.unit_of_work() as uow:
        assert uow.get_record(Client, "c-1").name == "Ana"
        with pytest.raises(InvalidInput, match="not a record type a store knows"):
            uow.put(object())
