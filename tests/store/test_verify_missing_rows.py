"""Verification names an aggregate whose row was deleted with its timeline left in place
("missing-row"), and a row left without its timeline, on SQLite and PostgreSQL; the command
line exits 1 for either."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import RawSql
from relationkit import AggregateCorrupted, Client, Relations, Staff
from relationkit.app.verification import FINDING_KINDS, Verifier
from relationkit.cli import EXIT_FOUND_PROBLEMS, EXIT_OK, cli


def stored_cases(url: str, ids: list[str]) -> None:
    rk = Relations(url)
    rk.register(Staff(id="s-sam", name="Sam Lee", roles={"agent"}), Client(id="c-ana", name="Ana"))
    for case_id in ids:
        rk.open_case(
            actor="s-sam",
            client="c-ana",
            subject="Invoice",
            statement="The total is wrong.",
            case_id=case_id,
        )
    rk.store.close()


def test_a_deleted_row_with_its_timeline_left_is_named(sql_url: str, raw_sql: RawSql) -> None:
    stored_cases(sql_url, ["case-1042", "case-7"])
    raw_sql("DELETE FROM rk_agg_case WHERE id = ?", "case-1042")
    rk = Relations(sql_url)
    try:
        report = rk.verify_all()
        assert not report.ok
        assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
            ("missing-row", "case", "case-1042")
        ]
        assert isinstance(report.problems[0], AggregateCorrupted)
        assert "row" in report.findings[0].message
        assert "missing-row" in FINDING_KINDS
        with pytest.raises(AggregateCorrupted, match="case-1042"):
            rk.verify("case-1042")
        rk.verify("case-7")  # the other case is sound
    finally:
        rk.store.close()


def test_every_missing_row_is_named_across_pages(sql_url: str, raw_sql: RawSql) -> None:
    ids = [f"case-{n:02d}" for n in range(7)]
    stored_cases(sql_url, ids)
    gone = ids[1:6]
    for case_id in gone:
        raw_sql("DELETE FROM rk_agg_case WHERE id = ?", case_id)
    rk = Relations(sql_url)
    try:
        report = Verifier(rk.pipeline, page=2).verify_all()
        missing = [f.aggregate_id for f in report.findings if f.kind == "missing-row"]
        assert missing == gone
        assert [f.kind for f in report.findings] == ["missing-row"] * len(gone)
    finally:
        rk.store.close()


def test_a_row_without_any_events_is_named(sql_url: str, raw_sql: RawSql) -> None:
    stored_cases(sql_url, ["case-1042", "case-7"])
    raw_sql("DELETE FROM rk_events WHERE kind = 'case' AND aggregate_id = ?", "case-1042")
    rk = Relations(sql_url)
    try:
        report = rk.verify_all()
        assert [(f.kind, f.aggregate_id) for f in report.findings] == [("truncated", "case-1042")]
    finally:
        rk.store.close()


def test_the_command_line_exits_1_for_a_missing_row(tmp_path: Path) -> None:
    db = tmp_path / "relations.db"
    stored_cases(f"sqlite:///{db}", ["case-1042", "case-7"])
    runner = CliRunner()
    env = {"COLUMNS": "160", "RELATIONKIT_DB": None}
    sound = runner.invoke(cli, ["--db", str(db), "verify"], env=env)
    assert sound.exit_code == EXIT_OK, sound.output

    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM rk_agg_case WHERE id = 'case-1042'")
    connection.close()
    result = runner.invoke(cli, ["--db", str(db), "verify"], env=env)
    assert result.exit_code == EXIT_FOUND_PROBLEMS
    assert "missing-row case 'case-1042'" in result.stdout
    as_json = runner.invoke(cli, ["--db", str(db), "verify", "--json"], env=env)
    assert as_json.exit_code == EXIT_FOUND_PROBLEMS
    found = json.loads(as_json.stdout)["findings"]
    assert [(f["kind"], f["aggregate_id"], f["error"]) for f in found] == [
        ("missing-row", "case-1042", "AggregateCorrupted")
    ]


def test_the_memory_store_names_a_timeline_without_its_row() -> None:
    from relationkit import MemoryStore

    store = MemoryStore()
    stored_cases_in = Relations(store)
    stored_cases_in.register(
        Staff(id="s-sam", name="Sam Lee", roles={"agent"}), Client(id="c-ana", name="Ana")
    )
    for case_id in ("case-1", "case-2"):
        stored_cases_in.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="Late.", case_id=case_id
        )
    del store._aggregates[("case", "case-2")]  # as a disk losing the row would
    store._by_kind["case"].discard(("case", "case-2"))
    report = stored_cases_in.verify_all()
    assert [(f.kind, f.aggregate_id) for f in report.findings] == [("missing-row", "case-2")]
