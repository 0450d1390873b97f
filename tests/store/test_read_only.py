"""Stores opened read-only create, migrate and write nothing, on every backend: a database
without relationkit's schema, or with an older one, is refused with a typed error saying
what to do; every write is refused; a kind of aggregate never stored reads as empty."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pendulum
import pytest

from conftest import RawSql
from relationkit import (
    Client,
    MemoryStore,
    MigrationNeeded,
    ReadOnlyStore,
    Relations,
    SchemaError,
    Staff,
    StoreError,
    open_store,
)
from relationkit.cases import Acknowledge
from relationkit.domain.case import Case
from relationkit.domain.promise import Promise
from relationkit.store.schema import SCHEMA_VERSION
from relationkit.testing import ManualClock

AT = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


def written(url: str) -> str:
    """A store at ``url`` with two people and a case; returns the case's id."""
    rk = Relations(url, clock=ManualClock(AT))
    try:
        rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
        return rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="Late.").id
    finally:
        rk.store.close()


def contents(raw_sql: RawSql) -> list[Any]:
    """Everything the database holds, table by table (for "nothing changed")."""
    tables = ("rk_schema", "rk_kinds", "rk_events", "rk_records", "rk_agg_case")
    return [sorted(map(repr, raw_sql(f"SELECT * FROM {t}"))) for t in tables]


def test_a_read_only_store_reads_and_refuses_every_write(sql_url: str, raw_sql: RawSql) -> None:
    case_id = written(sql_url)
    before = contents(raw_sql)
    with open_store(sql_url, read_only=True) as store:
        assert store.read_only
        rk = Relations(store, clock=ManualClock(AT))
        assert rk.case(case_id).state == "opened"
        assert rk.verify_all().ok
        with pytest.raises(ReadOnlyStore, match="opened read-only"):
            rk.handle(case_id, Acknowledge(paraphrase="It is late."), actor="s-sam")
        with pytest.raises(ReadOnlyStore):
            rk.open_case(actor="s-sam", client="c-ana", subject="Again", statement="Late.")
        with store.unit_of_work() as uow, pytest.raises(ReadOnlyStore):
            uow.put(Client(id="c-bo", name="Bo"))
    assert contents(raw_sql) == before


def test_a_kind_never_stored_reads_as_empty_and_its_table_is_not_made(
    sql_url: str, raw_sql: RawSql
) -> None:
    written(sql_url)
    with open_store(sql_url, read_only=True) as store, store.unit_of_work() as uow:
        assert uow.select(Promise, state="made") == []
        assert uow.count(Promise) == 0
        assert uow.ids(Promise) == []
        assert uow.find(Promise, "promise-1") is None
        assert uow.stored_aggregates(Promise) == []
        with pytest.raises(Exception, match="indexed"):  # a wrong lookup is still refused
            uow.select(Promise, what="x")
    assert ("promise",) not in raw_sql("SELECT kind FROM rk_kinds")


def test_an_empty_database_is_refused_and_given_no_schema(sql_url: str, raw_sql: RawSql) -> None:
    if sql_url.startswith("sqlite:///"):
        Path(sql_url.removeprefix("sqlite:///")).write_bytes(b"")
    with pytest.raises(MigrationNeeded, match="holds no relationkit schema") as refused:
        open_store(sql_url, read_only=True)
    assert refused.value.found is None
    assert "relationkit migrate" in str(refused.value)
    assert isinstance(refused.value, SchemaError)
    if sql_url.startswith("sqlite:///"):
        assert Path(sql_url.removeprefix("sqlite:///")).read_bytes() == b""
    else:
        base, _, schema = sql_url.rpartition("?schema=")
        import psycopg

        with psycopg.connect(base) as conn:
            found = conn.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
            ).fetchall()
        assert found == []  # not even its schema was created


def test_an_older_schema_is_refused_not_migrated(sql_url: str, raw_sql: RawSql) -> None:
    written(sql_url)
    raw_sql("UPDATE rk_schema SET version = ?", SCHEMA_VERSION - 1)
    before = contents(raw_sql)
    with pytest.raises(MigrationNeeded, match=f"older than version {SCHEMA_VERSION}") as refused:
        open_store(sql_url, read_only=True)
    assert refused.value.found == SCHEMA_VERSION - 1
    assert contents(raw_sql) == before


def test_a_newer_schema_is_refused_too(sql_url: str, raw_sql: RawSql) -> None:
    written(sql_url)
    raw_sql("UPDATE rk_schema SET version = ?", SCHEMA_VERSION + 1)
    with pytest.raises(SchemaError, match="newer than version") as refused:
        open_store(sql_url, read_only=True)
    assert not isinstance(refused.value, MigrationNeeded)


def test_a_table_to_upgrade_is_refused_not_upgraded(sql_url: str, raw_sql: RawSql) -> None:
    written(sql_url)
    raw_sql("UPDATE rk_kinds SET snapshot_version = 1 WHERE kind = 'case'")
    indexed = raw_sql("SELECT indexed FROM rk_kinds WHERE kind = 'case'")[0][0]
    with (
        open_store(sql_url, read_only=True) as store,
        store.unit_of_work() as uow,
        pytest.raises(MigrationNeeded, match="table of case aggregates must be upgraded"),
    ):
        uow.count(Case)
    current = Case.SNAPSHOT_VERSION
    raw_sql(
        "UPDATE rk_kinds SET snapshot_version = ?, indexed = ? WHERE kind = 'case'", current, "[]"
    )
    with (
        open_store(sql_url, read_only=True) as store,
        store.unit_of_work() as uow,
        pytest.raises(MigrationNeeded, match="no column yet for state"),
    ):
        uow.count(Case)
    raw_sql("UPDATE rk_kinds SET indexed = ? WHERE kind = 'case'", indexed)
    assert json.loads(indexed)[0] == "state"


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(StoreError, match="there is no database file at"):
        open_store(f"sqlite:///{missing}?timeout=2", read_only=True)
    assert not missing.exists()


def test_the_sqlite_file_s_bytes_are_unchanged_by_reading_it_read_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    case_id = written(url)
    before = hashlib.sha256((tmp_path / "r.db").read_bytes()).hexdigest()
    with open_store(url, read_only=True) as store:
        rk = Relations(store)
        rk.case(case_id)
        rk.verify_all()
        rk.promises.overdue(AT)
    assert hashlib.sha256((tmp_path / "r.db").read_bytes()).hexdigest() == before


def test_the_memory_store_read_only_refuses_writes() -> None:
    store = MemoryStore(read_only=True)
    rk = Relations(store)
    with pytest.raises(ReadOnlyStore):
        rk.register(Client(id="c-ana", name="Ana"))
    assert rk.cases() == []
