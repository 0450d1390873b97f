"""One corrupt row among healthy ones: list queries and sweeps go on with the others and
name the corrupt one (an UnreadableSkipped warning, the unit of work's ``unreadable``, the
sweeps' failures); reading it by its id still raises. On every backend."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import care_world
from relationkit import AggregateCorrupted, Relations, UnreadableSkipped
from relationkit.cases import Case, Escalate
from relationkit.domain.parties import Party
from relationkit.policy import Acknowledgement, Clause, Policy
from relationkit.store.memory import MemoryStore
from relationkit.store.url import open_store

Corrupt = Callable[[str, str], None]
"""``corrupt(kind, id)``: overwrite the stored data of an aggregate (its kind, such as
``"promise"``) or of a record (``"record:party"``) with text that is not its JSON."""

GARBAGE = '{"state": "made", "no": "such fields"}'


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Relations, Corrupt]]:
    if request.param == "memory":
        store: Any = MemoryStore()

        def corrupt(kind: str, some_id: str) -> None:
            if kind.startswith("record:"):
                store.raw_records()[(kind.removeprefix("record:"), some_id)] = GARBAGE
            else:
                store.raw_aggregate(kind, some_id).snapshot = GARBAGE

    else:
        url = (
            f"sqlite:///{tmp_path / 'relations.db'}"
            if request.param == "sqlite"
            else str(request.getfixturevalue("postgres_url"))
        )
        raw_sql = request.getfixturevalue("raw_sql") if request.param == "sqlite" else None
        store = open_store(url)

        def corrupt(kind: str, some_id: str) -> None:
            if kind.startswith("record:"):
                statement = "UPDATE rk_records SET data = ? WHERE kind = ? AND id = ?"
                params: tuple[str, ...] = (GARBAGE, kind.removeprefix("record:"), some_id)
            else:
                statement = f"UPDATE rk_agg_{kind} SET snapshot = ? WHERE id = ?"
                params = (GARBAGE, some_id)
            run_sql(url, raw_sql, statement, *params)

    rk = care_world.relations(store)
    care_world.seed(rk, 4)
    yield rk, corrupt
    store.close()


def run_sql(url: str, raw_sql: Any, statement: str, *params: Any) -> None:
    if raw_sql is not None:
        raw_sql(statement, *params)
        return
    import psycopg

    base, _, schema = url.rpartition("?schema=")
    with psycopg.connect(base, options=f"-c search_path={schema}") as conn:
        assert conn.execute(statement.replace("?", "%s"), params).rowcount == 1


@pytest.fixture
def raw_sql(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    import sqlite3

    def run(statement: str, *params: Any) -> None:
        conn = sqlite3.connect(tmp_path / "relations.db")
        try:
            with conn:
                assert conn.execute(statement, params).rowcount == 1
        finally:
            conn.close()

    return run


def left_out(caught: list[warnings.WarningMessage]) -> list[tuple[str, str]]:
    return [
        (w.message.error.kind, w.message.error.aggregate_id)
        for w in caught
        if isinstance(w.message, UnreadableSkipped)
    ]


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_the_promise_sweep_goes_on_past_a_corrupt_promise_and_names_it(
    world: tuple[Relations, Corrupt], batch: int
) -> None:
    rk, corrupt = world
    corrupt("promise", "p-001")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = rk.promises.run(care_world.SWEEP_AT, batch=batch)
    assert report.broken == ("p-000", "p-002", "p-003")  # every healthy one, in id order
    assert [item for item, _ in report.failures] == ["p-001"]
    assert "unreadable snapshot" in report.failures[0][1]
    assert ("promise", "p-001") in left_out(caught)
    # It stays due, and the next run reports it again; the others are done.
    with pytest.warns(UnreadableSkipped, match="'p-001'"):
        again = rk.promises.run(care_world.SWEEP_AT, batch=batch)
    assert again.broken == ()
    assert [item for item, _ in again.failures] == ["p-001"]
    with pytest.raises(AggregateCorrupted) as direct:
        rk.promises.get("p-001")
    assert direct.value.aggregate_id == "p-001"


def test_every_sweep_goes_on_past_corrupt_rows(world: tuple[Relations, Corrupt]) -> None:
    rk, corrupt = world
    corrupt("promise", "p-000")
    corrupt("relationship", "rel-002")
    corrupt("case", "case-003")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnreadableSkipped)
        done = rk.sweeps.run(care_world.SWEEP_AT)
    assert done.promises.broken == ("p-001", "p-002", "p-003")
    assert [item for item, _ in done.promises.failures] == ["p-000"]
    assert done.relationships.expired == ("rel-000", "rel-001", "rel-003")
    assert [item for item, _ in done.relationships.failures] == ["rel-002"]
    assert len(done.feedback.check_ins) == 3
    assert "case-003" in [item for item, _ in done.feedback.failures]


def test_list_queries_return_the_readable_rows_and_name_the_corrupt_one(
    world: tuple[Relations, Corrupt],
) -> None:
    rk, corrupt = world
    corrupt("case", "case-001")
    with pytest.warns(UnreadableSkipped, match="left out case 'case-001'") as caught:
        cases = rk.cases()
    assert [c.id for c in cases] == ["case-000", "case-002", "case-003"]
    assert left_out(caught.list) == [("case", "case-001")]
    with rk.store.unit_of_work() as uow:
        with pytest.warns(UnreadableSkipped):
            claimed = uow.claim(Case, limit=10)
        assert [c.id for c in claimed] == ["case-000", "case-002", "case-003"]
        assert uow.count(Case) == 4  # counted from the indexes, which are readable
        assert [(e.kind, e.aggregate_id) for e in uow.unreadable] == [("case", "case-001")]
    with pytest.raises(AggregateCorrupted):
        rk.case("case-001")
    assert rk.case("case-002").state == "decided"


def test_a_corrupt_record_is_left_out_of_the_list_of_records(
    world: tuple[Relations, Corrupt],
) -> None:
    rk, corrupt = world
    corrupt("record:party", "c-002")
    with rk.store.unit_of_work() as uow:
        with pytest.warns(UnreadableSkipped, match="'c-002'"):
            parties = uow.records(Party)
        assert [p.id for p in parties] == ["c-000", "c-001", "c-003"]
        assert [e.aggregate_id for e in uow.unreadable] == ["c-002"]
    assert rk.promises.get("p-003").state == "made"


def test_a_corrupt_policy_refuses_commands_rather_than_judge_them_by_an_older_one(
    world: tuple[Relations, Corrupt],
) -> None:
    rk, corrupt = world
    for version in (1, 2):
        clause = Clause(id="refunds", text=f"Refunds within {30 * version} days.")
        rk.policy.publish(
            Policy(version=version, published_at=care_world.START, clauses=[clause]), actor="s-pat"
        )
    corrupt("record:policy", "2")
    before = rk.case("case-000").version
    with pytest.raises(AggregateCorrupted, match=r"policy .2."):
        rk.handle("case-000", Escalate(reason="Upset."), actor="s-al")
    assert rk.case("case-000").version == before
    # acknowledging asks the same question: not an acknowledgement of version 1 instead
    with pytest.raises(AggregateCorrupted, match=r"policy .2."):
        rk.policy.acknowledge("s-al")
    with rk.store.unit_of_work() as uow:
        assert uow.records(Acknowledgement) == []
