"""B3: reading many stored cases on SQLite, against the same data read without relationkit.

Full hydration — relationkit: ``uow.select(Case)`` on an :class:`SqliteStore` holding N
cases (the histories of :data:`bench.world.PATHS`): every row read and decoded into a
:class:`Case` with its current state, paraphrase, decision and times. Peer: ``sqlite3``
fetching the same snapshots and ``json.loads``-ing each into plain dicts (kept, like the
cases): the least any decoding of JSON snapshots costs.

The inbox list view (id, state, client, opened, next due) — relationkit: its list-view
query, ``Relations.values(Case, "id", "state", "client_id", "opened_at")`` and
``Relations.values(Promise, "case_id", "open_due_at", open_due_at__ne=None)`` (the open
promises' due times, the earliest per case kept), joined in Python into one tuple per
case. Peer: one SQL statement through the raw driver, fetching the same five columns into
tuples (``opened_at`` with ``json_extract`` from the snapshot, the next due time as
``MIN(open_due_at)`` of the case's promises, by a ``LEFT JOIN``).

Each side reads everything once per round; the sides take turns, in rotating order. The
database file was just written, so the operating system has it cached: the clock is the
CPU time of the benchmark's thread, which runs SQLite too.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bench.harness import CPU, Context, Row, Side, interleave
from bench.world import relations, shared_cases_db
from relationkit.cases import Case
from relationkit.domain.promise import Promise
from relationkit.store.schema import kind_table
from relationkit.store.url import open_store

__all__ = ["run"]


def _timed(work: Any, expected: int) -> Side:
    def side(_: int) -> float:
        start = CPU()
        found = work()
        spent = CPU() - start
        assert len(found) == expected, (len(found), expected)
        del found  # freed outside the timed region, on both sides
        return spent

    return side


def run(ctx: Context) -> list[Row]:
    """B3's rows."""
    count = ctx.sizes.b3_cases
    path = shared_cases_db(ctx.workdir, count, ctx.log)
    store = open_store(f"sqlite:///{path}")
    rk = relations(store)
    raw = sqlite3.connect(path)
    try:
        cases = kind_table(Case)
        promises = kind_table(Promise)
        snapshots = f'SELECT snapshot FROM "{cases.name}" ORDER BY id'

        def hydrate() -> list[Case]:
            with store.unit_of_work() as uow:
                return uow.select(Case)

        def json_loads() -> list[Any]:
            return [json.loads(s) for (s,) in raw.execute(snapshots).fetchall()]

        def inbox() -> list[tuple[Any, ...]]:
            due: dict[str, Any] = {}
            for case_id, at in rk.values(Promise, "case_id", "open_due_at", open_due_at__ne=None):
                if case_id is not None:
                    known = due.get(case_id)
                    if known is None or at < known:
                        due[case_id] = at
            rows = rk.values(Case, "id", "state", "client_id", "opened_at")
            return [(*row, due.get(row[0])) for row in rows]

        state = cases.column_for("state")
        client = cases.column_for("client_id")
        case_id = promises.column_for("case_id")
        open_due = promises.column_for("open_due_at")
        list_sql = (
            f"SELECT c.id, c.{state}, c.{client}, json_extract(c.snapshot, '$.opened_at'), "
            f'n.due FROM "{cases.name}" AS c LEFT JOIN ('
            f"SELECT {case_id} AS case_id, MIN({open_due}) AS due "
            f'FROM "{promises.name}" WHERE {open_due} IS NOT NULL GROUP BY {case_id}'
            ") AS n ON n.case_id = c.id ORDER BY c.id"
        )

        def inbox_raw() -> list[tuple[Any, ...]]:
            return raw.execute(list_sql).fetchall()

        # Both list views must say the same thing.
        mine = {row[0]: row[4] for row in inbox() if row[4] is not None}
        theirs = {row[0] for row in inbox_raw() if row[4] is not None}
        assert set(mine) == theirs, "the two inbox views disagree on which cases have a due time"

        rounds = ctx.sizes.b3_rounds
        timings = interleave(
            [
                ("hydrate", _timed(hydrate, count)),
                ("json", _timed(json_loads, count)),
                ("inbox", _timed(inbox, count)),
                ("inbox_raw", _timed(inbox_raw, count)),
            ],
            slice_ops=1,
            slices=1,
            rounds=rounds,
        )
    finally:
        raw.close()
        store.close()
    per_case = 1e6 / count
    return [
        timings.row(
            "B3",
            f"full hydration of {count:,} cases: select(Case), per case",
            "hydrate",
            "json",
            peer_label="sqlite3 fetch + json.loads of the same snapshots",
            scale=per_case,
            target=1.2,
            target_on="ratio",
            note=(
                f"{rounds} rounds, each side reading all cases once per round; CPU time of "
                "the benchmark's thread"
            ),
        ),
        timings.row(
            "B3",
            f"inbox list view of {count:,} cases (id, state, client, opened, next due)",
            "inbox",
            "inbox_raw",
            peer_label="one SQL statement, raw sqlite3 tuples",
            scale=per_case,
            target=3.0,
            target_on="ratio",
            note=(
                "Relations.values of the cases' columns and of the open promises' due "
                "times, joined in Python; no snapshot decoded"
            ),
        ),
    ]
