"""A store written before snapshots were bounded opens, upgrades, verifies and answers the
same questions.

``data/schema2_store.json`` holds every row of a store written by relationkit at schema
version 2 (made by ``data/make_schema2_store.py``): cases, promises, vendor tickets and
relationships whose snapshots kept their whole history (snapshot version 1), and a feedback
request, whose snapshot did not change. Each test writes those rows into a database of that
schema, SQLite and PostgreSQL, and opens it with this relationkit.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest

from conftest import RawSql
from reference_model import OLD, same_answers
from relationkit import Relations, open_store
from relationkit.domain.case import Case
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from relationkit.exceptions import AggregateCorrupted, ColumnOutOfStep, SchemaError
from relationkit.serialization import converter
from relationkit.store import schema
from relationkit.store.codec import index_value
from relationkit.store.schema import kind_table
from relationkit.workflows.registry import default_workflows

DATA = json.loads((Path(__file__).parent / "data" / "schema2_store.json").read_text("utf-8"))
WORKFLOWS = default_workflows()
BOUNDED: dict[str, type[Any]] = {
    "case": Case,
    "promise": Promise,
    "vendor_ticket": VendorTicket,
    "relationship": Relationship,
}


def old_snapshots() -> dict[tuple[str, str], dict[str, Any]]:
    """Every aggregate's stored snapshot in the file, by kind and id."""
    return {
        (kind, row[0]): json.loads(row[2])
        for kind, _, _ in DATA["rk_kinds"]["rows"]
        for row in DATA[f"rk_agg_{kind}"]["rows"]
    }


def write_schema2_store(url: str, raw_sql: RawSql, change: Any = None) -> None:
    """Make the database at ``url`` hold the file's rows under schema version 2 (what the
    schema was: this one without the snapshot versions of ``rk_kinds``). ``change(table,
    row)`` may alter a row first."""
    open_store(url).close()
    raw_sql("ALTER TABLE rk_kinds DROP COLUMN snapshot_version")
    raw_sql("DELETE FROM rk_schema")
    raw_sql("INSERT INTO rk_schema (version, applied_at, description) VALUES (2, 'x', 'created')")
    dialect = schema.SQLITE if url.startswith("sqlite") else schema.POSTGRES
    for kind, _, indexed in DATA["rk_kinds"]["rows"]:
        for statement in dialect.ddl(table_as_then(WORKFLOWS[kind].aggregate, indexed)):
            raw_sql(statement)
    for table, content in DATA.items():
        columns = content["columns"]
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = [_as_written(table, columns, row) for row in content["rows"]]
        if change is not None:
            rows = [change(table, row) for row in rows]
        _insert_all(url, f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def table_as_then(cls: type[Any], indexed: str) -> schema.Table:
    """The table of ``cls`` as it was when ``indexed`` (JSON) were its indexed attributes:
    today's, less the columns and indexes of attributes indexed since (which opening the
    store adds and fills)."""
    then = json.loads(indexed)
    table = kind_table(cls).table
    kept = {"id", "version", "snapshot", *then}
    assert [a for a, _ in kind_table(cls).indexed if a in kept] == then
    return attrs.evolve(
        table,
        columns=tuple(c for c in table.columns if c.name in kept),
        indexes=tuple(i for i in table.indexes if set(i.columns) <= kept),
    )


def _as_written(table: str, columns: list[str], row: list[Any]) -> list[Any]:
    """``row`` as relationkit at schema 2 wrote it on any database: an aggregate's indexed
    columns hold what its snapshot gives, as the store passed it to the driver (the file
    holds them as SQLite kept them: a boolean in a text column as ``'0'``)."""
    if not table.startswith("rk_agg_"):
        return row
    kind = table.removeprefix("rk_agg_")
    values = dict(zip(columns, row, strict=True))
    writer = OLD.get(kind, WORKFLOWS[kind].aggregate)  # the class that wrote it
    written = converter.structure(json.loads(values["snapshot"]), writer)
    for attr, _ in kind_table(WORKFLOWS[kind].aggregate).indexed:
        if attr in values:  # attributes indexed since schema 2 have no column in the file
            values[attr] = index_value(getattr(written, attr))
    return [values[c] for c in columns]


def _insert_all(url: str, statement: str, rows: list[list[Any]]) -> None:
    """Run ``statement`` for every row, in one transaction."""
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with db:
                db.executemany(statement, rows)
        finally:
            db.close()
        return
    import psycopg

    base, _, search_path = url.rpartition("?schema=")
    with psycopg.connect(base, options=f"-c search_path={search_path}") as conn:
        conn.cursor().executemany(statement.replace("?", "%s"), rows)


def test_a_schema_2_store_opens_upgrades_verifies_and_answers_the_same(
    sql_url: str, raw_sql: RawSql
) -> None:
    write_schema2_store(sql_url, raw_sql)
    before = old_snapshots()
    rk = Relations(sql_url)
    try:
        report = rk.verify_all()
        assert report.problems == ()
        assert report.checked == len(before) == 13
        for (kind, aggregate_id), stored in before.items():
            if kind not in OLD:
                continue
            cls = BOUNDED[kind]
            old = converter.structure(stored, OLD[kind])
            new = rk.workflow_for(cls).replay(rk.timeline(aggregate_id, cls))
            with rk.store.unit_of_work() as uow:
                assert uow.get(cls, aggregate_id) == new
            same_answers(old, new, rk.history(aggregate_id, cls), rk.timeline(aggregate_id, cls))
    finally:
        rk.store.close()
    versions = dict(raw_sql("SELECT kind, snapshot_version FROM rk_kinds"))
    assert versions == {
        "case": 3,  # version 3 keeps only the unsettled expectations
        "promise": 2,
        "vendor_ticket": 2,
        "relationship": 2,
        "feedback": 1,
        "person": 1,  # schema 4's directory, empty here: the store held no records
        "entitlement": 1,
        "policy": 1,
        "calendar": 1,  # schema 6's calendars and offerings, empty here too
        "offering": 1,
        "service_level_policy": 1,  # schema 7's service-level policies, empty here too
    }
    assert [v for (v,) in raw_sql("SELECT version FROM rk_schema ORDER BY version")] == [
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    (snapshot,) = raw_sql("SELECT snapshot FROM rk_agg_case WHERE id = 'case-refund'")[0]
    assert '"statements"' not in snapshot
    assert json.loads(snapshot)["statement_count"] == 4
    (feedback,) = raw_sql("SELECT snapshot FROM rk_agg_feedback")[0]
    assert feedback == DATA["rk_agg_feedback"]["rows"][0][2]  # its shape did not change


def test_the_upgraded_store_takes_commands_as_if_it_had_always_been_bounded(
    sql_url: str, raw_sql: RawSql
) -> None:
    from relationkit import Client, Staff
    from relationkit.cases import Consult, RecordStatement, Reopen

    write_schema2_store(sql_url, raw_sql)
    rk = Relations(sql_url)
    try:
        rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
        rk.register(Staff(id="s-mia", name="Mia"), actor="s-sam")
        rk.directory.grant_role("s-mia", "agent", reason="Joins the team.")  # nobody else may
        case = rk.case("case-refund")
        assert (case.reopen_count, case.consultation_count(), case.statement_count) == (1, 1, 4)
        assert case.heard_once
        assert case.resolution_attempted
        case = rk.handle(case.id, Reopen(reason="A fourth charge."), actor="s-sam")
        assert (case.reopen_count, case.consultation_count()) == (2, 0)
        case = rk.handle(case.id, RecordStatement(text="One more thing."), actor="s-sam")
        case = rk.handle(case.id, Consult(colleague_id="s-mia", note="Fine."), actor="s-sam")
        assert (case.statement_count, case.consultation_count()) == (5, 1)
        history = rk.history(case.id)
        assert [s.text for s in history.statements][-2:] == [
            "A third charge now.",
            "One more thing.",
        ]
        assert len(history.consultations) == 5
        assert len(history.reopenings) == 2
        ticket = rk.liaison.ticket("ticket-full")
        assert (ticket.update_count, ticket.answered_updates) == (5, 4)
        assert ticket.answered("ticket-full-update-4")
        assert not ticket.answered("ticket-full-update-5")
        rel = rk.relationships.get("rel-ana")
        # s-lee's ended, s-mia's to s-jo was revoked: both only in the history now
        assert [(d.from_id, d.to_id) for d in rel.delegations] == [
            ("s-pat", "s-kim"),
            ("s-mia", "s-lee"),
        ]
        assert len(rk.history(rel.id, Relationship).delegations) == 4
        assert rk.verify_all().ok
    finally:
        rk.store.close()


def test_opening_it_again_changes_nothing(sql_url: str, raw_sql: RawSql) -> None:
    write_schema2_store(sql_url, raw_sql)
    open_store(sql_url).close()
    Relations(sql_url).verify_all()
    first = raw_sql("SELECT id, snapshot FROM rk_agg_case ORDER BY id")
    rk = Relations(sql_url)
    assert rk.verify_all().ok
    rk.store.close()
    assert raw_sql("SELECT id, snapshot FROM rk_agg_case ORDER BY id") == first


def test_snapshots_are_upgraded_a_batch_at_a_time(
    sql_url: str, raw_sql: RawSql, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_schema2_store(sql_url, raw_sql)
    monkeypatch.setattr(schema, "UPGRADE_BATCH", 3)  # four cases: two batches
    rk = Relations(sql_url)
    try:
        assert rk.verify_all().ok
    finally:
        rk.store.close()
    for (snapshot,) in raw_sql("SELECT snapshot FROM rk_agg_case"):
        assert "statement_count" in json.loads(snapshot)


def test_a_snapshot_that_cannot_be_upgraded_is_left_and_reported(
    sql_url: str, raw_sql: RawSql
) -> None:
    def corrupt(table: str, row: list[Any]) -> list[Any]:
        if table == "rk_agg_case" and row[0] == "case-fresh":
            row[2] = row[2].replace('"statements":', '"statement":')
        return row

    write_schema2_store(sql_url, raw_sql, corrupt)
    rk = Relations(sql_url)
    try:
        report = rk.verify_all()
        found = [(type(p), p.aggregate_id) for p in report.problems]  # type: ignore[attr-defined]
        # The unreadable snapshot, and the columns indexed since that it could not fill.
        assert found == [
            (AggregateCorrupted, "case-fresh"),
            (ColumnOutOfStep, "case-fresh"),
            (ColumnOutOfStep, "case-fresh"),
        ]
        columns = [p.column for p in report.problems[1:]]  # type: ignore[attr-defined]
        assert columns == ["opened_at", "sla_breached"]
        assert rk.case("case-quick").statement_count == 1
    finally:
        rk.store.close()


def test_snapshots_newer_than_the_class_are_refused(sql_url: str, raw_sql: RawSql) -> None:
    write_schema2_store(sql_url, raw_sql)
    open_store(sql_url).close()  # migrated to schema 3
    raw_sql("UPDATE rk_kinds SET snapshot_version = 7 WHERE kind = 'case'")
    rk = Relations(sql_url)
    try:
        with pytest.raises(SchemaError, match="version 7, newer than version 3"):
            rk.case("case-quick")
        assert rk.relationships.get("rel-bo").state == "prospect"  # other kinds are fine
    finally:
        rk.store.close()
