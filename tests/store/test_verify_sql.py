"""Damage done with raw SQL: verify names it exactly, and commands meeting it say what it is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from relationkit import (
    Client,
    ColumnOutOfStep,
    ConcurrencyError,
    MemoryStore,
    Relations,
    Staff,
    TimelineBroken,
    retry,
)
from relationkit.domain.case import Acknowledge, ConfirmHeard, RecordStatement
from relationkit.testing import ManualClock


@pytest.fixture
def rk(sql_url: str) -> Iterator[Relations]:
    rk = Relations(sql_url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    yield rk
    rk.store.close()


def open_case(rk: Relations, case_id: str) -> None:
    rk.open_case(
        actor="s-sam", client="c-ana", subject="Late", statement="It is late.", case_id=case_id
    )
    rk.handle(case_id, RecordStatement(text="Two weeks late."), actor="s-sam")
    rk.handle(case_id, Acknowledge(paraphrase="It is two weeks late."), actor="s-sam")
    rk.handle(case_id, ConfirmHeard(), actor="c-ana")


def broken(rk: Relations, case_id: str) -> TimelineBroken:
    with pytest.raises(TimelineBroken) as caught:
        rk.verify(case_id)
    assert caught.value.aggregate_id == case_id
    report = rk.verify_all()
    assert [getattr(p, "aggregate_id", None) for p in report.problems] == [case_id]
    return caught.value


def test_an_intact_store_verifies(rk: Relations) -> None:
    open_case(rk, "case-1")
    rk.verify("case-1")
    assert rk.verify_all().ok


def test_an_edited_event_is_named(rk: Relations, raw_sql: Any) -> None:
    open_case(rk, "case-1")
    open_case(rk, "case-2")
    raw_sql(
        "UPDATE rk_events SET data = ? WHERE aggregate_id = ? AND sequence = 2",
        '{"text":"It arrived on time."}',
        "case-1",
    )
    error = broken(rk, "case-1")
    assert (error.sequence, error.problem) == (2, "altered")
    assert "event 2" in str(error)
    rk.verify("case-2")


def test_an_edited_actor_or_time_is_named(rk: Relations, raw_sql: Any) -> None:
    open_case(rk, "case-1")
    raw_sql("UPDATE rk_events SET actor_id = 's-eve' WHERE sequence = 3")
    assert broken(rk, "case-1").sequence == 3


def test_a_deleted_event_is_named(rk: Relations, raw_sql: Any) -> None:
    open_case(rk, "case-1")
    raw_sql("DELETE FROM rk_events WHERE aggregate_id = 'case-1' AND sequence = 2")
    error = broken(rk, "case-1")
    assert (error.sequence, error.problem) == (2, "removed")


def test_a_deleted_last_event_is_a_truncation(rk: Relations, raw_sql: Any) -> None:
    open_case(rk, "case-1")
    raw_sql("DELETE FROM rk_events WHERE aggregate_id = 'case-1' AND sequence = 4")
    error = broken(rk, "case-1")
    assert (error.sequence, error.problem) == (4, "truncated")


def test_swapped_sequences_are_named(rk: Relations, raw_sql: Any) -> None:
    open_case(rk, "case-1")
    raw_sql("UPDATE rk_events SET sequence = 99 WHERE aggregate_id = 'case-1' AND sequence = 2")
    raw_sql("UPDATE rk_events SET sequence = 2 WHERE aggregate_id = 'case-1' AND sequence = 3")
    raw_sql("UPDATE rk_events SET sequence = 3 WHERE aggregate_id = 'case-1' AND sequence = 99")
    error = broken(rk, "case-1")
    assert (error.sequence, error.problem) == (2, "reordered")
    assert "the event after event 1 is StatementRecorded, stored at place 3" in str(error)


# --- a version column out of step, met by a command ---------------------------------------------


@pytest.mark.parametrize("written", [3, 5, "x"], ids=["behind", "ahead", "text"])
def test_a_version_column_out_of_step_refuses_commands_as_damage_not_as_a_race(
    rk: Relations, raw_sql: Any, sql_url: str, written: object
) -> None:
    open_case(rk, "case-1")
    open_case(rk, "case-2")
    tamper = "UPDATE rk_agg_case SET version = ? WHERE id = 'case-1'"
    if written == "x" and sql_url.startswith("postgresql"):
        import psycopg

        with pytest.raises(psycopg.errors.InvalidTextRepresentation):  # a BIGINT column
            raw_sql(tamper, written)
        return
    raw_sql(tamper, written)
    with pytest.raises(ColumnOutOfStep) as caught:
        retry(lambda: rk.handle("case-1", RecordStatement(text="Again."), actor="s-sam"))
    error = caught.value
    assert not isinstance(error, ConcurrencyError)  # retrying cannot help
    assert (error.aggregate_id, error.column, error.stored, error.expected) == (
        "case-1",
        "version",
        written,
        4,
    )
    assert "repair_columns" in str(error)
    rk.handle("case-2", RecordStatement(text="Again."), actor="s-sam")  # the others go on


def test_a_version_out_of_step_in_memory_is_named_the_same_way() -> None:
    store = MemoryStore()
    rk = Relations(store, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    open_case(rk, "case-1")
    store.raw_aggregate("case", "case-1").version = 2
    with pytest.raises(ColumnOutOfStep) as caught:
        rk.handle("case-1", RecordStatement(text="Again."), actor="s-sam")
    assert (caught.value.stored, caught.value.expected) == (2, 4)
