"""Service levels in the SQL stores: schema version 5 adds and fills the cases' columns for
their clocks; the sweep shares its work between PostgreSQL worker processes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest

from relationkit import Client, ManualClock, Relations, Staff
from relationkit.cases import Case
from relationkit.store.schema import SCHEMA_VERSION
from relationkit.store.url import open_store
from test_service_levels_cases import world


def test_schema_5_gives_stored_cases_their_service_level_columns(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    sql = Relations(f"sqlite:///{db}", clock=ManualClock(pendulum.datetime(2026, 3, 9, 8)))
    sql.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    sql.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y", case_id="k-1")
    sql.store.close()
    # the store as version 4 left it: no columns for the clocks, and the kind says so
    with sqlite3.connect(db) as conn:
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%sla_%'"
        ).fetchall()
        for (index,) in indexes:
            conn.execute(f'DROP INDEX "{index}"')
        for column in ("sla_due_at", "sla_warn_at", "sla_breached"):
            conn.execute(f'ALTER TABLE rk_agg_case DROP COLUMN "{column}"')
        indexed = [a for a in Case.INDEXED if not a.startswith("sla_")]
        conn.execute("UPDATE rk_kinds SET indexed = ? WHERE kind = 'case'", (json.dumps(indexed),))
        conn.execute("DELETE FROM rk_schema")
        conn.execute("INSERT INTO rk_schema VALUES (4, 'x', 'created')")
    conn.close()
    reopened = Relations(f"sqlite:///{db}")
    assert reopened.case("k-1").sla_due_at is None
    with sqlite3.connect(db) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM rk_schema ORDER BY version")]
        columns = {row[1] for row in conn.execute("PRAGMA table_info(rk_agg_case)")}
        rows = conn.execute("SELECT id, sla_breached FROM rk_agg_case").fetchall()
    conn.close()
    assert versions[:2] == [4, 5]
    assert versions[-1] == SCHEMA_VERSION
    assert {"sla_due_at", "sla_warn_at", "sla_breached"} <= columns
    assert rows == [("k-1", 0)]
    assert reopened.values(Case, "id", "sla_breached", sla_breached=False) == [("k-1", False)]


WORKER = """
import json, os, sys, time
import pendulum
from relationkit import ManualClock, Relations
from relationkit.store.url import open_store

store = open_store({url!r})
rk = Relations(store, clock=ManualClock(pendulum.datetime(2026, 3, 10, 12)))
print("ready", flush=True)
while not os.path.exists({go!r}):
    time.sleep(0.01)
done = rk.service_levels.run(batch=3)
print(json.dumps({{"warned": done.warned, "breached": done.breached,
                  "failures": done.failures}}), flush=True)
store.close()
"""


@pytest.mark.postgres
def test_the_service_level_sweep_from_concurrent_workers_warns_and_breaches_each_case_once(
    postgres_url: str, tmp_path: Path
) -> None:
    store = open_store(postgres_url)
    rk, _ = world(pendulum.datetime(2026, 3, 9, 8), store)  # Monday 09:00 in Paris
    ids = [f"k-{n:02d}" for n in range(24)]
    for case_id in ids:
        rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y", case_id=case_id)
    go = tmp_path / "go"
    script = WORKER.format(url=postgres_url, go=str(go))
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        go.touch()
        reports = []
        for proc in procs:
            out, _ = proc.communicate(timeout=180)
            assert proc.returncode == 0
            reports.append(json.loads(out.strip().splitlines()[-1]))
        # Tuesday 13:00 in Paris: every first reply (due Monday 10:00) is breached, every
        # resolution (16 business hours) has used 12 of them and is warned; each case by
        # exactly one worker
        assert sorted(i for r in reports for i in r["breached"]) == ids
        assert sorted(i for r in reports for i in r["warned"]) == ids
        assert all(r["failures"] == [] for r in reports)
        assert len([r for r in reports if r["breached"] or r["warned"]]) >= 2
        for case_id in ids:
            names = [e.name for e in rk.timeline(case_id)]
            assert names.count("ServiceLevelBreached") == 1
            assert names.count("ServiceLevelWarning") == 1
        assert sorted(c.id for c in rk.service_levels.breached()) == ids
        again = rk.service_levels.run(pendulum.datetime(2026, 3, 10, 12))
        assert (again.warned, again.breached) == ((), ())
        assert rk.verify_all().ok
    finally:
        store.close()
