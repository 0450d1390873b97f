"""A store written before the directory kept timelines opens, gets a timeline for every
person, entitlement and policy version, and verifies.

``data/schema3_store.json`` holds every row of a store written by relationkit at schema
version 3 (made by ``data/make_schema3_store.py``): parties, staff, entitlements and two
policy versions as plain records on no timeline, and a relationship with a severance
proposal approved without the approvals recording roles. Each test writes those rows into
a database of that schema, SQLite and PostgreSQL, and opens it with this relationkit.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pendulum
import pytest

from conftest import RawSql
from relationkit import (
    AlreadyRegistered,
    Client,
    ManualClock,
    MigrationNeeded,
    NotFound,
    Relations,
    RuleViolation,
    Staff,
    open_store,
)
from relationkit.directory import MIGRATION_ACTOR, EntitlementEntry, PersonEntry, PolicyEntry
from relationkit.domain.entries import IMPORT_REASON
from relationkit.serialization import converter
from relationkit.store import schema
from relationkit.store.codec import index_value
from relationkit.store.schema import kind_table
from relationkit.workflows.registry import default_workflows
from test_snapshot_upgrade import table_as_then

DATA = json.loads((Path(__file__).parent / "data" / "schema3_store.json").read_text("utf-8"))
WORKFLOWS = default_workflows()
RECORDS = {(kind, record_id): data for kind, record_id, data, _ in DATA["rk_records"]["rows"]}
PEOPLE = sorted(i for k, i in RECORDS if k in ("party", "staff"))
STAFF_ROLES = {i: json.loads(d)["roles"] for (k, i), d in RECORDS.items() if k == "staff"}
REL = "relationship_c-ana"
WHILE_APPROVED = pendulum.datetime(2026, 3, 5, 9, tz="UTC")
"""A time at which the stored proposal's approvals are still in force."""


def write_schema3_store(url: str, raw_sql: RawSql, change: Any = None) -> None:
    """Make the database at ``url`` hold the file's rows under schema version 3 (this
    schema, its version row saying 3). ``change(table, row)`` may alter a row first."""
    open_store(url).close()
    raw_sql("DELETE FROM rk_schema")
    raw_sql("INSERT INTO rk_schema (version, applied_at, description) VALUES (3, 'x', 'created')")
    dialect = schema.SQLITE if url.startswith("sqlite") else schema.POSTGRES
    for kind, _, indexed, _ in DATA["rk_kinds"]["rows"]:
        for statement in dialect.ddl(table_as_then(WORKFLOWS[kind].aggregate, indexed)):
            raw_sql(statement)
    for table, content in DATA.items():
        columns = content["columns"]
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = [_as_written(table, columns, list(row)) for row in content["rows"]]
        if change is not None:
            rows = [change(table, row) for row in rows]
        _insert_all(url, f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _as_written(table: str, columns: list[str], row: list[Any]) -> list[Any]:
    """``row`` as relationkit wrote it on any database: an aggregate's indexed columns hold
    what its snapshot gives, as the store passed it to the driver."""
    if not table.startswith("rk_agg_"):
        return row
    cls = WORKFLOWS[table.removeprefix("rk_agg_")].aggregate
    values = dict(zip(columns, row, strict=True))
    written = converter.structure(json.loads(values["snapshot"]), cls)
    for attr, _ in kind_table(cls).indexed:
        values[attr] = index_value(getattr(written, attr))
    return [values[c] for c in columns]


def _insert_all(url: str, statement: str, rows: list[list[Any]]) -> None:
    if not rows:
        return
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


def test_the_old_store_is_refused_read_only_until_migrated(sql_url: str, raw_sql: RawSql) -> None:
    write_schema3_store(sql_url, raw_sql)
    with pytest.raises(MigrationNeeded) as refused:
        open_store(sql_url, read_only=True)
    assert refused.value.found == 3
    assert raw_sql("SELECT COUNT(*) FROM rk_events") == [(len(DATA["rk_events"]["rows"]),)]
    open_store(sql_url).close()  # opened for writing: migrated
    open_store(sql_url, read_only=True).close()


def test_every_person_entitlement_and_policy_gets_a_timeline_and_the_store_verifies(
    sql_url: str, raw_sql: RawSql
) -> None:
    write_schema3_store(sql_url, raw_sql)
    rk = Relations(sql_url)
    try:
        report = rk.verify_all()
        assert report.ok, report.problems
        assert report.checked == 2 + len(PEOPLE) + 2 + 2  # a case, a relationship, the rest
        for person in PEOPLE:
            events = rk.timeline(person, PersonEntry)
            assert {e.actor_id for e in events} == {MIGRATION_ACTOR}
            assert {e.data["reason"] for e in events} == {IMPORT_REASON}
            roles = STAFF_ROLES.get(person, [])
            assert [e.name for e in events] == ["PersonRegistered"] + ["RoleGranted"] * len(roles)
            assert [e.data["role"] for e in events[1:]] == sorted(roles)
        assert [e.name for e in rk.timeline("care-plus", EntitlementEntry)] == [
            "EntitlementDefined"
        ]
        assert [e.name for e in rk.timeline("2", PolicyEntry)] == ["PolicyPublished"]
        assert rk.staff("s-lee").roles == {"agent", "manager"}
        assert rk.party("c-ana").title == "Dr"
        assert rk.policy.current().version == 2  # type: ignore[union-attr]
        assert rk.equality.targets("c-ana").response_within.in_hours() == 4
    finally:
        rk.store.close()
    # the records are as they were: the timelines are theirs
    for kind, record_id, data, _ in DATA["rk_records"]["rows"]:
        assert raw_sql(
            "SELECT data FROM rk_records WHERE kind = ? AND id = ?", kind, record_id
        ) == [(data,)]
    versions = [v for (v,) in raw_sql("SELECT version FROM rk_schema ORDER BY version")]
    assert versions == [3, 4, 5, 6, 7]
    # the last contact, stored without the sort key its type keeps now, has it
    assert raw_sql("SELECT sort_key FROM rk_records WHERE kind = 'contact'") != [(None,)]


def test_opening_it_again_changes_nothing(sql_url: str, raw_sql: RawSql) -> None:
    write_schema3_store(sql_url, raw_sql)
    open_store(sql_url).close()
    first = raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3")
    open_store(sql_url).close()
    assert raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3") == (
        first
    )


def test_the_migrated_directory_takes_commands_and_refuses_taken_ids(
    sql_url: str, raw_sql: RawSql
) -> None:
    write_schema3_store(sql_url, raw_sql)
    rk = Relations(sql_url, clock=ManualClock(WHILE_APPROVED))
    try:
        with pytest.raises(AlreadyRegistered, match="already names a client"):
            rk.register(Staff(id="c-bo", name="Bo", roles={"agent"}), actor="s-mia")
        rk.directory.rename("c-bo", "Bo Berg-Lund", actor="s-sam", reason="Married.")
        rk.register(Client(id="c-dee", name="Dee"), actor="s-sam")
        assert [(c.what, c.by) for c in rk.directory.changes("c-bo")] == [
            ("PersonRegistered", MIGRATION_ACTOR),
            ("PersonDetailsChanged", "s-sam"),
        ]
        assert rk.verify_all().ok
    finally:
        rk.store.close()


def test_approvals_stored_without_roles_are_judged_by_the_roles_held_now(
    sql_url: str, raw_sql: RawSql
) -> None:
    write_schema3_store(sql_url, raw_sql)
    rk = Relations(sql_url, clock=ManualClock(WHILE_APPROVED))
    try:
        proposal = rk.relationships.get(REL).proposal
        assert proposal is not None
        assert [(a.approver_id, a.roles) for a in proposal.approvals] == [
            ("s-mia", None),
            ("s-kim", None),
        ]
        rk.directory.revoke_role("s-mia", "manager", actor="s-pat", reason="Steps down.")
        with pytest.raises(RuleViolation, match="when approving") as refused:
            rk.relationships.end(REL, actor="s-sam", amicable=False)
        assert refused.value.rule_id == "R9.authority"
        rk.directory.grant_role("s-mia", "manager", actor="s-pat", reason="Back in charge.")
        assert rk.relationships.end(REL, actor="s-sam", amicable=False).state == "ended"
    finally:
        rk.store.close()


def test_an_id_held_by_a_party_and_a_staff_member_becomes_the_party_s_and_is_named(
    sql_url: str, raw_sql: RawSql
) -> None:
    staff = json.dumps({"id": "c-ana", "name": "Ana at the desk", "roles": ["manager"]})
    write_schema3_store(sql_url, raw_sql)  # as version 3's register allowed:
    raw_sql("INSERT INTO rk_records (kind, id, data) VALUES ('staff', 'c-ana', ?)", staff)
    rk = Relations(sql_url)
    try:
        assert rk.directory.entry("c-ana").kind == "client"
        findings = [(f.kind, f.aggregate_kind, f.aggregate_id) for f in rk.verify_all().findings]
        assert findings == [("no-timeline", "staff", "c-ana")]
    finally:
        rk.store.close()


def test_an_unreadable_record_is_left_without_a_timeline_and_named(
    sql_url: str, raw_sql: RawSql
) -> None:
    def corrupt(table: str, row: list[Any]) -> list[Any]:
        if table == "rk_records" and row[1] == "s-kim":
            row[2] = "{not json"
        return row

    write_schema3_store(sql_url, raw_sql, corrupt)
    rk = Relations(sql_url)
    try:
        findings = [(f.kind, f.aggregate_kind, f.aggregate_id) for f in rk.verify_all().findings]
        assert findings == [("unreadable-record", "staff", "s-kim")]
        with pytest.raises(NotFound):
            rk.timeline("s-kim", PersonEntry)
        assert rk.timeline("s-sam", PersonEntry)
    finally:
        rk.store.close()
