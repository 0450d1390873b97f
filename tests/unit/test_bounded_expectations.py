"""A case keeps only its unsettled expectations, with the keys of all of them: its snapshot
does not grow with expectations recorded and settled, R5 still knows every key, and the
case's history keeps each expectation with how it was settled."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest

from relationkit import Client, ManualClock, Relations, RuleViolation, Staff
from relationkit.cases import (
    Case,
    ExpectationKeys,
    MatchExpectation,
    RecordExpectation,
    ResetExpectation,
)
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.serialization import converter
from relationkit.store.codec import decode_aggregate

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


def service(url: str = "memory://") -> Relations:
    clock = ManualClock(START)
    rk = Relations(url, clock=clock)
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    rk.calendars.register(BusinessCalendar(id="utc", timezone="UTC"))
    rk.calendars.register_offering(
        Offering(
            id="audit",
            name="Audit",
            scope=("accessibility review",),
            lead_time=BusinessTime(days=2),
            calendar_id="utc",
        )
    )
    return rk


def open_case(rk: Relations) -> Case:
    return rk.open_case(
        actor="s-sam", client="c-ana", subject="Audit", statement="Review our site.", case_id="k-1"
    )


def snapshot_size(rk: Relations, case_id: str) -> int:
    return len(rk.store.raw_aggregate("case", case_id).snapshot)  # type: ignore[attr-defined]


def record_and_reset(rk: Relations, case_id: str, n: int) -> Case:
    rk.handle(case_id, RecordExpectation(text=f"wish {n % 5}"), actor="s-sam")
    return rk.handle(
        case_id,
        ResetExpectation(expectation=str(n), conversation="Talked it through; she agreed."),
        actor="s-sam",
    )


def test_the_snapshot_stays_the_same_size_over_300_settled_expectations() -> None:
    rk = service()
    case = open_case(rk)
    sizes = {}
    for n in range(1, 301):
        rk.clock.advance(minutes=1)  # type: ignore[attr-defined]
        case = record_and_reset(rk, case.id, n)
        if n in (100, 300):
            sizes[n] = snapshot_size(rk, case.id)
    assert sizes[300] == sizes[100]  # as many digits in the counts and the version
    assert case.expectations == []
    assert case.expectation_count == 300
    history = rk.history(case.id)
    assert [e.key for e in history.expectations] == [str(n) for n in range(1, 301)]
    assert {e.status for e in history.expectations} == {"reset"}
    assert history.expectation("300").conversation == "Talked it through; she agreed."  # type: ignore[union-attr]


def test_r5_still_knows_the_keys_of_settled_expectations() -> None:
    rk = service()
    case = open_case(rk)
    rk.handle(case.id, RecordExpectation(key="A", text="a review"), actor="s-sam")
    rk.handle(
        case.id,
        MatchExpectation(expectation="A", offering_id="audit", scope_item="accessibility review"),
        actor="s-sam",
    )
    case = rk.case(case.id)
    assert case.expectation("A") is None  # settled: not kept on the case
    assert case.has_expectation("A")
    before = case.version
    with pytest.raises(RuleViolation, match="already records an expectation 'A'"):
        rk.handle(case.id, RecordExpectation(key="A", text="again"), actor="s-sam")
    with pytest.raises(RuleViolation, match=r"no expectation 'Z' \(recorded: A\)"):
        rk.handle(case.id, ResetExpectation(expectation="Z", conversation="x"), actor="s-sam")
    assert rk.case(case.id).version == before  # refused: nothing stored
    # a settled expectation may be settled again; the history says how, last
    rk.handle(case.id, ResetExpectation(expectation="A", conversation="Dropped."), actor="s-sam")
    assert rk.history(case.id).expectation("A").status == "reset"  # type: ignore[union-attr]


def test_numbered_keys_skip_every_key_ever_taken() -> None:
    rk = service()
    case = open_case(rk)
    rk.handle(case.id, RecordExpectation(key="2", text="given the number 2"), actor="s-sam")
    rk.handle(case.id, ResetExpectation(expectation="2", conversation="No."), actor="s-sam")
    case = rk.handle(case.id, RecordExpectation(text="numbered"), actor="s-sam")
    assert [e.key for e in case.expectations] == ["3"]  # 2 is taken, though settled
    case = rk.handle(case.id, RecordExpectation(text="numbered too"), actor="s-sam")
    assert [e.key for e in case.unsettled_expectations] == ["3", "4"]
    assert case.expectation_keys == ExpectationKeys(runs=((2, 4),))


def test_expectation_keys_keep_numbers_as_runs_and_other_keys_by_name() -> None:
    keys = ExpectationKeys()
    for key in ("3", "1", "A", "2", "07", "0", "5", "A"):
        keys = keys.with_key(key)
    assert keys.runs == ((1, 3), (5, 5))
    assert keys.names == ("A", "07", "0")
    assert [k in keys for k in ("1", "3", "4", "5", "07", "7", "0", "B")] == [
        True, True, False, True, True, False, True, False,
    ]  # fmt: skip
    assert keys.described() == "A, 07, 0, 1-3, 5"


def test_a_version_2_snapshot_with_settled_expectations_is_upgraded(tmp_path: Path) -> None:
    rk = service(f"sqlite:///{tmp_path / 'r.db'}")
    case = open_case(rk)
    for key in ("A", "B", "C"):
        rk.handle(case.id, RecordExpectation(key=key, text=f"wish {key}"), actor="s-sam")
    case = rk.handle(case.id, ResetExpectation(expectation="B", conversation="No."), actor="s-sam")
    history = rk.history(case.id)
    # the version 2 shape: every expectation, settled or not, and no keys or count
    old = converter.unstructure(case)
    old["expectations"] = converter.unstructure(history.expectations)
    del old["expectation_keys"], old["expectation_count"]
    before = json.dumps(old, sort_keys=True)
    upgraded = Case.upgrade_snapshot(old, 2)
    assert json.dumps(old, sort_keys=True) == before  # the upgrade is pure
    assert decode_aggregate(Case, case.id, json.dumps(upgraded)) == case
    assert [e.key for e in case.expectations] == ["A", "C"]
    with rk.store.unit_of_work() as uow:  # and it is what the store reads back
        assert uow.get(Case, case.id) == case
    assert rk.verify_all().ok
    rk.store.close()
