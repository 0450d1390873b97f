"""A value few rows hold (``Aggregate.RARE``) is found through its index on SQLite, even
after ``ANALYZE`` taught the planner that the column has only two values."""

from __future__ import annotations

from pathlib import Path

import pendulum

from relationkit import Client, ManualClock, Relations, Staff, open_store
from relationkit.cases import Case


def plan_of_breached(rk: Relations) -> list[str]:
    with rk.store.unit_of_work() as uow:
        conn = uow.session.conn  # type: ignore[attr-defined]
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        found = uow.select(Case, sla_breached=True, order_by="id")
        conn.set_trace_callback(None)
        assert [c.id for c in found] == [f"case-b{i}" for i in range(5)]
        (sql,) = [s for s in statements if s.startswith("SELECT id, snapshot")]
        # the planner is told the value is rare (its statistics only count two values)
        assert 'likelihood("sla_breached" = 1, 0.001)' in sql, sql
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def test_breached_cases_are_searched_by_their_index_after_analyze(tmp_path: Path) -> None:
    db = tmp_path / "relations.db"
    rk = Relations(
        open_store(f"sqlite:///{db}"),
        clock=ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC")),
    )
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-al", name="Al", roles={"agent"}))
    rk.open_case(actor="s-al", client="c-ana", subject="A", statement="B.", case_id="case-0")
    with rk.store.unit_of_work() as uow:  # many copies of the case, five of them breached
        conn = uow.session.conn  # type: ignore[attr-defined]
        cursor = conn.execute("SELECT * FROM rk_agg_case")
        names = [d[0] for d in cursor.description]
        (row,) = cursor.fetchall()
        original = dict(zip(names, row, strict=True))

        def copy(case_id: str, breached: int) -> dict[str, object]:
            snapshot = original["snapshot"].replace('"case-0"', f'"{case_id}"')
            return {**original, "id": case_id, "snapshot": snapshot, "sla_breached": breached}

        copies = [copy(f"case-{i + 1}", 0) for i in range(3000)]
        copies += [copy(f"case-b{i}", 1) for i in range(5)]
        marks = ", ".join("?" for _ in names)
        conn.executemany(
            f"INSERT INTO rk_agg_case ({', '.join(names)}) VALUES ({marks})",
            [tuple(c[n] for n in names) for c in copies],
        )
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()
    plan = plan_of_breached(rk)
    steps = [step for step in plan if "rk_agg_case" in step]
    assert steps, plan
    assert all(step.startswith("SEARCH") for step in steps), plan
    assert any("sla_breached" in step for step in steps), plan
    rk.store.close()


def test_other_values_and_columns_are_left_to_the_planner(tmp_path: Path) -> None:
    rk = Relations(open_store(f"sqlite:///{tmp_path / 'relations.db'}"))
    with rk.store.unit_of_work() as uow:
        conn = uow.session.conn  # type: ignore[attr-defined]
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        uow.select(Case, sla_breached=False)
        uow.select(Case, state="opened")
        conn.set_trace_callback(None)
    assert statements
    assert not [s for s in statements if "likelihood" in s]
    rk.store.close()
