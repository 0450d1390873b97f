"""The SQLite store: opening, WAL, threads, one transaction per unit of work, clear errors."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pendulum
import pytest

from relationkit import (
    Client,
    ConcurrencyError,
    InvalidInput,
    Relations,
    Staff,
    StoreError,
    TransactionConflict,
    UnreadableSkipped,
    retry,
)
from relationkit.domain.case import Case, RecordStatement
from relationkit.store.contract import _opened
from relationkit.store.memory import MemoryStore
from relationkit.store.sqlite import SqliteStore
from relationkit.store.url import open_store, redact
from relationkit.testing import ManualClock


def test_urls_and_plain_paths_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "relations.db"
    for url in (f"sqlite:///{path}", str(path), path):
        store = open_store(url)
        assert isinstance(store, SqliteStore)
        assert store.path == path
        store.close()
    assert isinstance(open_store("memory://"), MemoryStore)


def test_the_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}?timeout=2.5&synchronous=normal")
    assert isinstance(store, SqliteStore)
    assert (store.timeout, store.synchronous) == (2.5, "NORMAL")
    conn = sqlite3.connect(tmp_path / "r.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    store.close()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "empty"),
        ("mysql://db/x", "scheme 'mysql'"),
        ("sqlite://relations.db", "three slashes"),
        ("sqlite:///x.db?cache=big", "cache"),
        ("sqlite:///x.db?timeout=soon", "timeout"),
        ("memory://somewhere", "no path"),
        ("sqlite:///:memory:", "memory://"),
    ],
)
def test_a_bad_url_is_refused_in_one_clear_line(url: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as caught:
        open_store(url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("refused:")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://me:secret@db/x", "postgresql://me:***@db/x"),
        ("postgresql://me@db/x?password=secret", "postgresql://me@db/x?password=***"),
        (
            "postgresql://me@db/x?sslmode=verify-full&sslpassword=secret&application_name=rk",
            "postgresql://me@db/x?sslmode=verify-full&sslpassword=***&application_name=rk",
        ),
        ("postgresql://me@db/x?PASSWORD=secret", "postgresql://me@db/x?PASSWORD=***"),
        ("postgresql://me@db/x?pass%77ord=secret", "postgresql://me@db/x?pass%77ord=***"),
        ("postgresql://me:se@cret@db/x", "postgresql://me:***@db/x"),
        ("postgresql://me:secret@db/x?password=secret", "postgresql://me:***@db/x?password=***"),
        (
            "postgresql:///x?host=/run/pg&password=secret",
            "postgresql:///x?host=/run/pg&password=***",
        ),
        ("postgresql://me@db:5432/x?schema=care", "postgresql://me@db:5432/x?schema=care"),
        ("sqlite:///relations.db?timeout=5", "sqlite:///relations.db?timeout=5"),
        ("memory://", "memory://"),
    ],
)
def test_passwords_never_reach_messages(url: str, shown: str) -> None:
    assert redact(url) == shown
    with pytest.raises(InvalidInput) as caught:
        open_store("mysql" + url[url.index("://") :])  # refused, the URL in the message
    assert "secret" not in str(caught.value)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list: " * 200)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_store(bad)


def test_a_missing_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder exists"):
        open_store(tmp_path / "missing" / "r.db")


def test_a_value_sqlite_cannot_take_is_invalid_input(tmp_path: Path) -> None:
    # The shared checks refuse such values before SQLite sees them; should one get through
    # (SQL of an application's own), it is still the caller's mistake.
    store = open_store(tmp_path / "r.db")
    try:
        for value in (2**64, "half \ud800 a character"):
            with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="SQLite cannot"):
                uow.session.query("SELECT ?", (value,))  # type: ignore[attr-defined]
    finally:
        store.close()


def test_relations_accepts_a_url(tmp_path: Path) -> None:
    rk = Relations(f"sqlite:///{tmp_path / 'r.db'}")
    assert isinstance(rk.store, SqliteStore)
    rk.store.close()


def test_threads_share_one_store(tmp_path: Path) -> None:
    rk = Relations(
        f"sqlite:///{tmp_path / 'r.db'}", clock=ManualClock(pendulum.datetime(2026, 3, 2, 9))
    )
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            case = rk.open_case(
                actor="s-sam", client="c-ana", subject="T", statement="Hi.", case_id=f"case-{n}"
            )
            for k in range(5):
                rk.handle(case.id, RecordStatement(text=f"{n}.{k}"), actor="s-sam")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(rk.cases()) == 6
    assert rk.verify_all().ok
    rk.store.close()


def test_a_writer_waiting_too_long_gets_a_transaction_conflict(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    store = SqliteStore(path, timeout=0.05)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with store.unit_of_work() as uow, pytest.raises(TransactionConflict, match="timeout"):
            uow.put(Client(id="c-1", name="Ana"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with store.unit_of_work() as uow:
        assert uow.find_record(Client, "c-1") is None
    store.close()


def test_a_closed_store_refuses_new_work(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.db")
    store.close()
    with pytest.raises(StoreError, match="closed"), store.unit_of_work() as uow:
        uow.records(Client)


def test_a_writer_waiting_past_the_timeout_gets_a_retryable_conflict(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relations.db'}?timeout=0.2"
    holder, waiter = open_store(url), open_store(url)
    attempts: list[int] = []

    def put_bo() -> None:
        with holder.unit_of_work() as held:
            if not attempts:  # the first time, another writer holds the lock throughout
                held.put(Client(id="c-0", name="Held"))
            attempts.append(1)
            with waiter.unit_of_work() as uow:
                uow.put(Client(id="c-2", name="Bo"))
                uow.commit()

    try:
        with pytest.raises(TransactionConflict) as caught:
            put_bo()
        error = caught.value
        assert isinstance(error, ConcurrencyError)
        assert not isinstance(error, StoreError)
        assert "0.2 s timeout" in str(error)
        assert "run the command again" in str(error)
        with waiter.unit_of_work() as uow:
            assert uow.records(Client) == []  # nothing of either transaction was stored
        attempts.clear()
        retry(put_bo)  # the conflict is retried, and the second attempt goes through
        assert len(attempts) == 2
        with waiter.unit_of_work() as uow:
            assert [c.id for c in uow.records(Client)] == ["c-2"]
    finally:
        holder.close()
        waiter.close()


def test_commands_on_one_case_from_many_threads_never_conflict(tmp_path: Path) -> None:
    # A command takes the write lock before it reads, so what it read is still current
    # when it appends: no ConcurrencyError without an expected version, and no retry.
    rk = Relations(
        f"sqlite:///{tmp_path / 'r.db'}", clock=ManualClock(pendulum.datetime(2026, 3, 2, 9))
    )
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="T", statement="Hi.")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for k in range(4):
                rk.handle(case.id, RecordStatement(text=f"{n}.{k}"), actor="s-sam")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rk.case(case.id).version == 1 + 16
    rk.verify(case.id)
    rk.store.close()


def test_a_changed_record_is_read_afresh(tmp_path: Path) -> None:
    rk = Relations(f"sqlite:///{tmp_path / 'r.db'}")
    rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}))
    first = rk.staff("s-sam")
    assert rk.staff("s-sam") is first  # the same stored text: the same (immutable) record
    rk.directory.grant_role("s-sam", "manager", reason="Leads the team.")  # nobody else may
    assert rk.staff("s-sam").roles == {"agent", "manager"}
    other = Relations(f"sqlite:///{tmp_path / 'r.db'}")  # another writer, same file
    other.directory.rename("s-sam", "Samuel", actor="s-sam", reason="His full name.")
    assert rk.staff("s-sam").name == "Samuel"
    other.store.close()
    rk.store.close()


@pytest.mark.parametrize("url", ["memory://", "sqlite"])
def test_an_actor_is_found_among_staff_then_parties(tmp_path: Path, url: str) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}" if url == "sqlite" else url)
    with store.unit_of_work() as uow:
        uow.put(Staff(id="x-1", name="Sam"))
        uow.put(Client(id="x-1", name="Ana"))  # same id, another kind of record
        uow.put(Client(id="c-2", name="Bo"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.find_first_record((Staff, Client), "x-1") == Staff(id="x-1", name="Sam")
        assert uow.find_first_record((Client, Staff), "x-1") == Client(id="x-1", name="Ana")
        assert uow.find_first_record((Staff, Client), "c-2") == Client(id="c-2", name="Bo")
        assert uow.find_first_record((Staff, Client), "nobody") is None
    store.close()


def test_a_unit_of_work_reads_what_it_wrote_until_it_rolls_back(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.db")
    rk = Relations(store, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="T", statement="Hi.")
    with store.unit_of_work() as uow:
        assert uow.find_record(Staff, "s-bo") is None
        uow.put(Staff(id="s-bo", name="Bo", roles={"agent"}))
        uow.put(Client(id="c-ana", name="Ana Lima"))
        [(changed, _)] = rk.pipeline.run_in(
            uow, Case, case.id, RecordStatement(text="More."), actor="s-bo"
        )
        assert uow.get_record(Staff, "s-bo").roles == {"agent"}
        assert uow.find_first_record((Staff, Client), "c-ana") == Client(
            id="c-ana", name="Ana Lima"
        )
        again = uow.get(Case, case.id)
        assert again == changed
        assert again is not changed  # a fresh object, as from the database
        uow.rollback()
        assert uow.find_record(Staff, "s-bo") is None
        assert uow.get_record(Client, "c-ana").name == "Ana"
        assert uow.get(Case, case.id).version == 1
    assert rk.case(case.id).version == 1
    store.close()


def test_a_corrupt_column_leaves_only_its_row_out_of_a_list_view(tmp_path: Path) -> None:
    path = tmp_path / "relations.db"
    rk = Relations(f"sqlite:///{path}")
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    for number in (1, 2, 3):
        rk.open_case(
            actor="s-sam",
            client="c-ana",
            subject="Refund",
            statement="Pay.",
            case_id=f"case-{number}",
        )
    rk.store.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE rk_agg_case SET opened_at = 'last Tuesday' WHERE id = 'case-2'")
    conn.close()
    rk = Relations(f"sqlite:///{path}")
    with pytest.warns(UnreadableSkipped, match="case-2"):
        rows = rk.values(Case, "id", "opened_at")
    assert [r[0] for r in rows] == ["case-1", "case-3"]
    assert rk.values(Case, "id", "state") == [(f"case-{n}", "opened") for n in (1, 2, 3)]
    rk.store.close()


def test_a_kind_made_by_a_rolled_back_unit_of_work_is_made_again(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "relations.db")
    case, event = _opened("case-1")
    with store.unit_of_work() as uow:
        uow.begin_write()
        uow.append(case, [event])  # the case's table is made in this transaction
        assert uow.values(Case, "id") == [("case-1",)]  # asked again while not committed
        uow.rollback()
    with store.unit_of_work() as uow:
        assert uow.select(Case) == []
        uow.append(case, [event])
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.values(Case, "id") == [("case-1",)]
    store.close()
