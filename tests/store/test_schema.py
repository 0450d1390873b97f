"""The schema: one description for both dialects, a version, migrations, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pendulum
import pytest

from relationkit import Client, SchemaError
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import Case
from relationkit.domain.policy import Acknowledgement
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from relationkit.store import schema
from relationkit.store.schema import POSTGRES, SCHEMA_VERSION, SQLITE, TABLES, kind_table
from relationkit.store.url import open_store


def test_both_dialects_come_from_one_description() -> None:
    neutral = attrs.evolve(SQLITE, name="neutral", types={k: f"<{k}>" for k in SQLITE.types})
    for table in [*TABLES, kind_table(Case).table]:
        for dialect in (SQLITE, POSTGRES):
            expected = []
            for statement in neutral.ddl(table):
                for kind, spelled in dialect.types.items():  # the only difference: type names
                    statement = statement.replace(f"<{kind}>", spelled)
                expected.append(statement)
            assert dialect.ddl(table) == expected
    assert POSTGRES.types["text"] == 'TEXT COLLATE "C"'  # text sorts as in SQLite and Python


def test_an_aggregate_table_indexes_what_the_class_declares() -> None:
    kt = kind_table(Case)
    names = {c.name for c in kt.table.columns}
    assert {"id", "version", "snapshot", *Case.INDEXED} <= names
    indexed = {i.columns for i in kt.table.indexes}
    assert ("state", "owner_id") in indexed
    assert ("client_id",) in indexed


def test_a_kind_that_cannot_name_a_table_is_refused() -> None:
    @attrs.define(kw_only=True)
    class Odd(Aggregate):
        KIND: ClassVar[str] = "Odd Kind; DROP"

    with pytest.raises(SchemaError, match="Odd Kind"):
        kind_table(Odd)


def test_a_new_store_carries_the_current_version(sql_url: str, raw_sql: Any) -> None:
    open_store(sql_url).close()
    assert raw_sql("SELECT MAX(version) FROM rk_schema") == [(SCHEMA_VERSION,)]
    open_store(sql_url).close()  # reopening changes nothing
    assert raw_sql("SELECT COUNT(*) FROM rk_schema") == [(1,)]


def test_a_newer_schema_is_refused(sql_url: str, raw_sql: Any) -> None:
    open_store(sql_url).close()
    raw_sql(
        "INSERT INTO rk_schema (version, applied_at, description) VALUES (?, 'later', 'x')",
        SCHEMA_VERSION + 1,
    )
    with pytest.raises(SchemaError, match=f"version {SCHEMA_VERSION + 1}.*upgrade relationkit"):
        open_store(sql_url)


def test_an_older_schema_is_migrated_forward(
    sql_url: str, raw_sql: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(sql_url)
    with store.unit_of_work() as uow:
        uow.put(Client(id="c-1", name="Ana"))
        uow.commit()
    store.close()
    later = SCHEMA_VERSION + 1
    step = schema.Migration(
        later,
        "records get a note",
        steps=lambda d: [d.add_column("rk_records", schema.Column("note", nullable=True))],
        apply=lambda conn: conn.run("UPDATE rk_records SET note = 'migrated'"),
    )
    monkeypatch.setattr(schema, "SCHEMA_VERSION", later)
    monkeypatch.setitem(schema.MIGRATIONS, later, step)
    store = open_store(sql_url)
    try:
        with store.unit_of_work() as uow:
            assert uow.get_record(Client, "c-1").name == "Ana"
    finally:
        store.close()
    assert raw_sql("SELECT version, description FROM rk_schema ORDER BY version")[-1] == (
        later,
        "records get a note",
    )
    assert raw_sql("SELECT note FROM rk_records") == [("migrated",)]


def test_a_missing_migration_is_refused(sql_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(sql_url).close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(SchemaError, match="no migration"):
        open_store(sql_url)


_AT = pendulum.datetime(2026, 1, 5, 9, tz="UTC")


@attrs.define(kw_only=True)
class Note(Aggregate):
    KIND: ClassVar[str] = "note"
    INDEXED: ClassVar[tuple[str, ...]] = ("state",)
    topic: str = "general"
    weight: int = 0


@attrs.define(kw_only=True)
class IndexedNote(Note):
    INDEXED: ClassVar[tuple[str, ...]] = ("state", "topic", "weight")


def test_a_newly_indexed_attribute_is_added_and_filled(sql_url: str, raw_sql: Any) -> None:
    from relationkit.domain.events import chain

    store = open_store(sql_url)
    with store.unit_of_work() as uow:
        for n, topic in enumerate(["billing", "billing", "delivery"]):
            note = Note(id=f"n-{n}", state="open", topic=topic, weight=n * 10)
            event = chain(None, aggregate_id=note.id, name="Noted", actor_id="s", at=_AT, data={})
            note.version, note.head = 1, event.hash
            uow.append(note, [event])
        uow.commit()
    store.close()
    store = open_store(sql_url)  # a later version of the class indexes more
    try:
        with store.unit_of_work() as uow:
            assert [n.id for n in uow.select(IndexedNote, topic="billing")] == ["n-0", "n-1"]
            assert uow.count(IndexedNote, weight__gt=5) == 2
            assert [n.id for n in uow.select(IndexedNote, order_by="-weight", limit=1)] == ["n-2"]
    finally:
        store.close()
    recorded = raw_sql("SELECT indexed FROM rk_kinds WHERE kind = 'note'")[0][0]
    assert json.loads(recorded) == ["state", "topic", "weight"]


def test_the_questions_the_services_ask_read_an_index(tmp_path: Path) -> None:
    """Each query runs as SQLite plans it: a search of an index, never a scan of a table."""
    store = open_store(f"sqlite:///{tmp_path / 'relations.db'}")
    at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    questions: list[tuple[type[Aggregate], dict[str, Any], str]] = [
        (Case, {"state": "open", "owner_id": "s-1"}, "rk_agg_case__state__owner_id"),
        (Case, {"client_id": "c-1"}, "rk_agg_case__client_id"),
        (Promise, {"open_due_at__lt": at, "order_by": "open_due_at"}, "open_due_at"),
        (
            Relationship,
            {"state": "at_risk", "order_by": "at_risk_since"},
            "rk_agg_relationship__state__at_risk_since",
        ),
        (
            Relationship,
            {"awaiting_approval": True, "order_by": "proposal_expires_at"},
            "rk_agg_relationship__awaiting_approval",
        ),
        (
            Relationship,
            {"state": "severance_proposed", "proposal_expires_at__le": at},
            "rk_agg_relationship__state__proposal_expires_at",
        ),
    ]
    try:
        with store.unit_of_work() as uow:
            conn = uow.session.conn  # type: ignore[attr-defined]
            for cls, where, index in questions:
                statements: list[str] = []
                conn.set_trace_callback(statements.append)
                uow.select(cls, **where)
                conn.set_trace_callback(None)
                (sql,) = [s for s in statements if s.startswith("SELECT id, snapshot")]
                plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
                steps = [step for step in plan if f"rk_agg_{cls.KIND} " in step]
                assert steps, plan
                assert all(step.startswith("SEARCH") for step in steps), (where, plan)
                assert any(index in step for step in steps), (where, plan)
            statements = []
            conn.set_trace_callback(statements.append)
            uow.records_between(Acknowledgement, "000000002@", "000000002@2026")
            conn.set_trace_callback(None)
            (sql,) = [s for s in statements if "FROM rk_records" in s]
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert plan[0].startswith("SEARCH rk_records USING INDEX rk_records__kind__sort_key")
    finally:
        store.close()


def test_overdue_promises_have_their_own_indexed_column() -> None:
    kt = kind_table(Promise)
    assert ("open_due_at", "text") in kt.indexed
    assert ("open_due_at",) in {i.columns for i in kt.table.indexes}


def test_a_version_1_database_gets_indexed_record_sort_keys(sql_url: str, raw_sql: Any) -> None:
    ack = Acknowledgement(staff_id="s-1", version=3, at=_AT)
    store = open_store(sql_url)
    with store.unit_of_work() as uow:
        uow.put(ack)
        uow.put(Client(id="c-1", name="Ana"))
        uow.commit()
    store.close()
    # what relationkit 0.1 left: no sort keys, schema version 1
    raw_sql("DROP INDEX rk_records__kind__sort_key")
    raw_sql("ALTER TABLE rk_records DROP COLUMN sort_key")
    raw_sql("ALTER TABLE rk_kinds DROP COLUMN snapshot_version")
    raw_sql("UPDATE rk_schema SET version = 1")
    store = open_store(sql_url)
    try:
        with store.unit_of_work() as uow:
            assert uow.records_between(Acknowledgement, "000000003@") == [ack]
            assert uow.get_record(Client, "c-1").name == "Ana"
    finally:
        store.close()
    assert raw_sql("SELECT version FROM rk_schema ORDER BY version") == [
        (1,),
        (2,),
        (3,),
        (4,),
        (5,),
        (6,),
        (7,),
    ]
    assert raw_sql("SELECT kind, sort_key FROM rk_records ORDER BY kind") == [
        ("party", None),
        ("policy_ack", "000000003@2026-01-05T09:00:00.000000Z"),
    ]
