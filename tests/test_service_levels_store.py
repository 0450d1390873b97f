"""Service levels in the SQL stores: schema version 5 adds and fills the cases' columns for
their clocks; the sweep shares its work between PostgreSQL worker processes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pendulum

from relationkit import Client, ManualClock, Relations, Staff
from relationkit.cases import Case
from relationkit.store.schema import SCHEMA_VERSION


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
        conn.execute("DELETE FROM rk_schema WHERE version = ?", (SCHEMA_VERSION,))
        conn.execute("UPDATE rk_schema SET version = ? ", (SCHEMA_VERSION - 1,))
    conn.close()
    reopened = Relations(f"sqlite:///{db}")
    assert reopened.case("k-1").sla_due_at is None
    with sqlite3.connect(db) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM rk_schema ORDER BY version")]
        columns = {row[1] for row in conn.execute("PRAGMA table_info(rk_agg_case)")}
        rows = conn.execute("SELECT id, sla_breached FROM rk_agg_case").fetchall()
    conn.close()
    assert versions[-1] == SCHEMA_VERSION == 5
    assert {"sla_due_at", "sla_warn_at", "sla_breached"} <= columns
    assert rows == [("k-1", 0)]
    assert reopened.values(Case, "id", "sla_breached", sla_breached=False) == [("k-1", False)]
