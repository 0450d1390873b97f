"""verify_all sees everything a store holds: each kind of damage done with raw SQL is found and
named, the healthy rest is still checked, and columns derived from a sound snapshot can be
repaired by an explicit call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from relationkit import (
    AggregateCorrupted,
    Client,
    ColumnOutOfStep,
    DatabaseCorrupted,
    RecordCorrupted,
    Relations,
    Staff,
    StoreError,
    TimelineBroken,
    VerificationReport,
)
from relationkit.app.verification import FINDING_KINDS, Finding
from relationkit.domain.case import Acknowledge, ConfirmHeard, RecordStatement
from relationkit.domain.entries import PersonEntry
from relationkit.domain.policy import Acknowledgement
from relationkit.store.codec import record_sort_key
from relationkit.testing import ManualClock

AT = pendulum.datetime(2026, 3, 2, 9)
CASES = ("case-1", "case-2", "case-3")
ACK = Acknowledgement(staff_id="s-sam", version=1, at=AT)


@pytest.fixture
def rk(sql_url: str) -> Iterator[Relations]:
    """Three cases of one client, each heard (four events), and an acknowledged policy."""
    rk = Relations(sql_url, clock=ManualClock(AT))
    rk.register(
        Client(id="c-ana", name="Ana"),
        Client(id="c-bo", name="Bo"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
    )
    with rk.store.unit_of_work() as uow:
        uow.put(ACK)
        uow.commit()
    for case_id in CASES:
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="It is late.", case_id=case_id
        )
        rk.handle(case_id, RecordStatement(text="Two weeks late."), actor="s-sam")
        rk.handle(case_id, Acknowledge(paraphrase="It is two weeks late."), actor="s-sam")
        rk.handle(case_id, ConfirmHeard(), actor="c-ana")
    yield rk
    rk.store.close()


@pytest.fixture
def healthy(rk: Relations) -> VerificationReport:
    report = rk.verify_all()
    assert report.ok, report.problems
    assert (report.checked, report.records) == (7, 5)  # 3 cases, a relationship, 3 people
    return report


def found(report: VerificationReport) -> list[tuple[str, str, str]]:
    return [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings]


def is_postgres(sql_url: str) -> bool:
    return sql_url.startswith("postgresql")


def set_json(raw_sql: Any, table: str, where: str, column: str, change: Any) -> None:
    """Rewrite one JSON column of one row through Python, the same on both databases."""
    (text,) = raw_sql(f"SELECT {column} FROM {table} WHERE {where}")[0]
    data = json.loads(text)
    change(data)
    raw_sql(f"UPDATE {table} SET {column} = ? WHERE {where}", json.dumps(data))


# --- each kind of damage, on both databases --------------------------------------------------

SWAP = (
    "UPDATE rk_events SET sequence = 99 WHERE aggregate_id = 'case-2' AND sequence = 2",
    "UPDATE rk_events SET sequence = 2 WHERE aggregate_id = 'case-2' AND sequence = 3",
    "UPDATE rk_events SET sequence = 3 WHERE aggregate_id = 'case-2' AND sequence = 99",
)
DAMAGE: dict[str, tuple[tuple[str, ...], str, type[Exception], str]] = {
    # name: (statements, finding kind, error class, words the message must hold)
    "version column": (
        ("UPDATE rk_agg_case SET version = 3 WHERE id = 'case-2'",),
        "version-column",
        ColumnOutOfStep,
        "its version column holds 3 while its snapshot is at version 4",
    ),
    "indexed column": (
        ("UPDATE rk_agg_case SET state = 'closed' WHERE id = 'case-2'",),
        "index-column",
        ColumnOutOfStep,
        "its indexed column 'state' holds 'closed' while its snapshot says 'heard'",
    ),
    "swapped events": (SWAP, "reordered", TimelineBroken, "broken at event 2 (reordered)"),
    "removed event": (
        ("DELETE FROM rk_events WHERE aggregate_id = 'case-2' AND sequence = 2",),
        "removed",
        TimelineBroken,
        "broken at event 2 (removed): event 2 is missing",
    ),
    "altered event": (
        (
            'UPDATE rk_events SET data = \'{"text":"On time."}\' '
            "WHERE aggregate_id = 'case-2' AND sequence = 2",
        ),
        "altered",
        TimelineBroken,
        "broken at event 2 (altered): the content or the hash of StatementRecorded",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_each_kind_of_damage_is_found_named_and_the_rest_still_checked(
    rk: Relations, healthy: VerificationReport, raw_sql: Any, damage: str
) -> None:
    statements, kind, error_class, words = DAMAGE[damage]
    for statement in statements:
        raw_sql(statement)
    report = rk.verify_all()
    assert (report.checked, report.records) == (healthy.checked, healthy.records)
    assert found(report) == [(kind, "case", "case-2")]
    (finding,) = report.findings
    assert isinstance(finding.error, error_class)
    assert report.problems == (finding.error,)
    assert words in finding.message
    assert kind in FINDING_KINDS
    with pytest.raises(error_class):
        rk.verify("case-2")
    rk.verify("case-1")
    rk.verify("case-3")


def test_a_version_written_as_text_is_found(
    rk: Relations, healthy: VerificationReport, raw_sql: Any, sql_url: str
) -> None:
    tamper = "UPDATE rk_agg_case SET version = 'x' WHERE id = 'case-2'"
    if is_postgres(sql_url):
        with pytest.raises(Exception, match="invalid input syntax"):  # a BIGINT column
            raw_sql(tamper)
        return
    raw_sql(tamper)
    report = rk.verify_all()
    assert found(report) == [("version-column", "case", "case-2")]
    assert report.findings[0].error.stored == "x"  # type: ignore[attr-defined]
    assert report.checked == healthy.checked


def test_an_indexed_column_out_of_step_misleads_queries_until_repaired(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_agg_case SET state = 'closed' WHERE id = 'case-2'")
    assert [c.id for c in rk.cases(state="closed")] == ["case-2"]  # listening, in truth
    assert rk.case("case-2").state == "heard"
    (finding,) = rk.verify_all().findings
    assert (finding.column, finding.repairable) == ("state", True)
    assert finding.to_dict()["column"] == "state"
    repaired = rk.repair_columns("case-2")
    assert [(e.column, e.stored, e.expected) for e in repaired] == [("state", "closed", "heard")]
    assert rk.cases(state="closed") == []
    assert rk.verify_all().ok


@pytest.mark.parametrize("written", [3, 7, "x"], ids=["behind", "ahead", "text"])
def test_a_version_column_out_of_step_is_repaired_and_commands_run_again(
    rk: Relations, healthy: VerificationReport, raw_sql: Any, sql_url: str, written: object
) -> None:
    if written == "x" and is_postgres(sql_url):
        pytest.skip("a BIGINT column cannot hold text")
    raw_sql("UPDATE rk_agg_case SET version = ? WHERE id = 'case-2'", written)
    with pytest.raises(ColumnOutOfStep):
        rk.handle("case-2", RecordStatement(text="Still late."), actor="s-sam")
    (repaired,) = rk.repair_columns("case-2", "case")  # a finding's aggregate_kind will do
    assert (repaired.column, repaired.stored, repaired.expected) == ("version", written, 4)
    assert rk.repair_columns("case-2") == ()  # nothing left to repair
    assert rk.handle("case-2", RecordStatement(text="Still late."), actor="s-sam").version == 5
    assert rk.verify_all().ok


def test_a_repair_is_refused_when_the_snapshot_cannot_be_trusted(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    # case-1: the snapshot says "x", and so does its column; the timeline says heard
    set_json(raw_sql, "rk_agg_case", "id = 'case-1'", "snapshot", lambda d: d.update(state="x"))
    raw_sql("UPDATE rk_agg_case SET state = 'x' WHERE id = 'case-1'")
    # case-3: a column out of step, and an altered event
    raw_sql("UPDATE rk_agg_case SET version = 3 WHERE id = 'case-3'")
    raw_sql(
        "UPDATE rk_events SET actor_id = 's-eve' WHERE aggregate_id = 'case-3' AND sequence = 3"
    )
    report = rk.verify_all()
    assert found(report) == [
        ("snapshot", "case", "case-1"),
        ("index-column", "case", "case-1"),  # compared with the timeline, which says heard
        ("altered", "case", "case-3"),
        ("version-column", "case", "case-3"),
    ]
    assert "state is 'x' in the snapshot, 'heard' by the timeline" in report.findings[0].message
    before = raw_sql("SELECT version, state, snapshot FROM rk_agg_case ORDER BY id")
    with pytest.raises(AggregateCorrupted, match="differs from what its timeline gives"):
        rk.repair_columns("case-1")
    with pytest.raises(TimelineBroken, match="restore it from a backup"):
        rk.repair_columns("case-3")
    assert raw_sql("SELECT version, state, snapshot FROM rk_agg_case ORDER BY id") == before


def test_one_aggregate_with_many_problems_shows_them_all(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_agg_case SET version = 9, owner_id = 's-eve' WHERE id = 'case-2'")
    for statement in SWAP:
        raw_sql(statement)
    report = rk.verify_all()
    assert [(f.kind, f.column) for f in report.findings] == [
        ("reordered", None),
        ("version-column", "version"),
        ("index-column", "owner_id"),
    ]
    assert report.findings[0].sequence == 2
    with pytest.raises(TimelineBroken):  # verify raises the first
        rk.verify("case-2")


def test_an_unreadable_snapshot_and_event_are_named(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_agg_case SET snapshot = '{not json' WHERE id = 'case-1'")
    raw_sql("UPDATE rk_events SET data = 'oops' WHERE aggregate_id = 'case-3' AND sequence = 2")
    report = rk.verify_all()
    assert found(report) == [
        ("unreadable-snapshot", "case", "case-1"),
        ("unreadable-event", "case", "case-3"),
    ]
    assert report.checked == healthy.checked


def test_an_event_renumbered_as_text_is_named(
    rk: Relations, healthy: VerificationReport, raw_sql: Any, sql_url: str
) -> None:
    tamper = "UPDATE rk_events SET sequence = 'x' WHERE aggregate_id = 'case-2' AND sequence = 2"
    if is_postgres(sql_url):
        with pytest.raises(Exception, match="invalid input syntax"):
            raw_sql(tamper)
        return
    raw_sql(tamper)
    (finding,) = rk.verify_all().findings
    assert (finding.kind, finding.aggregate_id, finding.sequence) == ("reordered", "case-2", 2)
    assert "(as event 'x')" in finding.message


# --- plain records ---------------------------------------------------------------------------


def test_a_corrupt_record_is_named_and_the_others_still_checked(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_records SET data = '{not json' WHERE kind = 'party' AND id = 'c-bo'")
    report = rk.verify_all()
    assert found(report) == [("unreadable-record", "party", "c-bo")]
    assert isinstance(report.findings[0].error, RecordCorrupted)
    assert report.findings[0].error.record_id == "c-bo"  # type: ignore[attr-defined]
    assert (report.records, report.checked) == (healthy.records, healthy.checked)


def test_a_record_under_another_id_or_sort_key_is_named(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_records SET id = 'c-zed' WHERE kind = 'party' AND id = 'c-bo'")
    raw_sql("UPDATE rk_records SET sort_key = '000000009@' WHERE kind = 'policy_ack'")
    report = rk.verify_all()
    assert found(report) == [
        ("no-record", "party", "c-bo"),  # the client's timeline has lost its record
        ("record-id", "party", "c-zed"),
        ("sort-key", "policy_ack", ACK.id),
    ]
    assert "has no party record beside it" in report.findings[0].message
    assert "its data is that of 'c-bo'" in report.findings[1].message
    assert repr(record_sort_key(ACK)) in report.findings[2].message


def test_a_staff_role_changed_in_the_records_table_is_detected_and_named(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    # The record lookups read is the projection of the person's timeline: a role changed in
    # the table differs from what the timeline gives, and verify says which and how.
    where = "kind = 'staff' AND id = 's-sam'"
    set_json(raw_sql, "rk_records", where, "data", lambda d: d.update(roles=["manager"]))
    assert rk.staff("s-sam").roles == {"manager"}  # lookups read the record, as before
    report = rk.verify_all()
    assert found(report) == [("projection", "staff", "s-sam")]
    assert "roles is ['manager'] in the record, ['agent'] by the timeline" in str(
        report.problems[0]
    )
    with pytest.raises(RecordCorrupted, match="roles is"):
        rk.verify("s-sam", PersonEntry)
    # Rewritten from its timeline, the record is what it was.
    assert rk.directory.restore_record("s-sam").roles == {"agent"}
    assert rk.staff("s-sam").roles == {"agent"}
    assert rk.verify_all().ok
    # A role that is no role, and a staff member's data under another id, are named too.
    set_json(raw_sql, "rk_records", where, "data", lambda d: d.update(roles=["  "]))
    assert found(rk.verify_all()) == [("unreadable-record", "staff", "s-sam")]
    set_json(raw_sql, "rk_records", where, "data", lambda d: d.update(roles=["agent"], id="s-x"))
    assert found(rk.verify_all()) == [
        ("projection", "staff", "s-sam"),
        ("record-id", "staff", "s-sam"),
    ]


def test_records_of_a_kind_this_process_does_not_know_are_listed_as_unchecked(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("INSERT INTO rk_records (kind, id, data) VALUES ('loyalty', 'l-1', '{}')")
    report = rk.verify_all()
    assert report.ok
    assert report.records == healthy.records
    assert report.unchecked == (
        "1 record(s) of kind 'loyalty' were not checked: no record type of that name is "
        "registered in this process (see register_record_type)",
    )


# --- the report ------------------------------------------------------------------------------


def test_the_report_is_ready_for_json_and_tells_progress(
    rk: Relations, healthy: VerificationReport, raw_sql: Any
) -> None:
    raw_sql("UPDATE rk_agg_case SET version = 3 WHERE id = 'case-2'")
    seen: list[tuple[int, int]] = []
    report = rk.verify_all(progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 7) for n in range(1, 8)]
    data = json.loads(json.dumps(report.to_dict()))
    assert data == {
        "ok": False,
        "checked": 7,
        "records": 5,
        "findings": [
            {
                "kind": "version-column",
                "aggregate_kind": "case",
                "aggregate_id": "case-2",
                "message": str(report.problems[0]),
                "error": "ColumnOutOfStep",
                "sequence": None,
                "column": "version",
                "repairable": True,
            }
        ],
        "unchecked": [],
    }


def test_a_report_built_from_errors_alone_still_has_findings() -> None:
    broken = TimelineBroken("case-9", 3, "removed", "event 3 is missing", kind="case")
    report = VerificationReport(1, (broken,))
    assert report.findings == (
        Finding("removed", "case", "case-9", str(broken), broken, sequence=3),
    )
    assert not report.ok


# --- the database file (SQLite) ---------------------------------------------------------------


def _damage_page(path: Path, name: str) -> None:
    """Write garbage over the first page of table or index ``name`` (its b-tree's root)."""
    import sqlite3

    with sqlite3.connect(path) as db:
        (root,) = db.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()
        (size,) = db.execute("PRAGMA page_size").fetchone()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * 16)


def test_damage_to_the_sqlite_file_is_found_by_its_own_check(tmp_path: Path) -> None:
    path = tmp_path / "relations.db"
    rk = Relations(f"sqlite:///{path}", clock=ManualClock(AT))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    for case_id in CASES:
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="Late.", case_id=case_id
        )
    healthy = rk.verify_all()
    assert healthy.ok
    rk.store.close()
    _damage_page(path, "rk_records__kind__sort_key")  # an index no verification read uses
    _damage_page(path, "rk_agg_relationship")  # a table: its rows cannot be read at all
    rk = Relations(f"sqlite:///{path}", clock=ManualClock(AT))
    try:
        report = rk.verify_all()
    finally:
        rk.store.close()
    assert found(report) == [("database", "", ""), ("store", "relationship", "")]
    database, unreadable = (f.error for f in report.findings)
    assert isinstance(database, DatabaseCorrupted)
    assert database.details  # what quick_check said, line by line
    assert "restore it from a backup" in str(database)
    assert isinstance(unreadable, StoreError)
    # the cases and the records were still checked
    assert (report.checked, report.records) == (healthy.checked - 1, healthy.records)


def test_aggregates_whose_events_cannot_be_read_are_each_named(tmp_path: Path) -> None:
    path = tmp_path / "relations.db"
    rk = Relations(f"sqlite:///{path}", clock=ManualClock(AT))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    for case_id in CASES:
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="Late.", case_id=case_id
        )
    rk.store.close()
    _damage_page(path, "sqlite_autoindex_rk_events_1")  # how events are found by aggregate
    rk = Relations(f"sqlite:///{path}", clock=ManualClock(AT))
    try:
        report = rk.verify_all()
    finally:
        rk.store.close()
    assert found(report) == [
        ("database", "", ""),
        ("store", "case", "case-1"),
        ("store", "case", "case-2"),
        ("store", "case", "case-3"),
        ("store", "relationship", "relationship_c-ana"),
        ("store", "person", "c-ana"),
        ("store", "person", "s-sam"),
    ]
    assert report.checked == 6
    assert "not a usable SQLite database" in report.findings[1].message
