"""The PostgreSQL store: pooled, schema-scoped, driver errors translated."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pendulum
import psycopg
import pytest

from relationkit import (
    Client,
    ConcurrencyError,
    ConnectionLost,
    InvalidInput,
    NotFound,
    OutcomeUnknown,
    Relations,
    Staff,
    StoreError,
    TransactionConflict,
    retry,
)
from relationkit.domain.case import Case, RecordStatement
from relationkit.domain.events import Event, next_event
from relationkit.store.postgres import PostgresStore
from relationkit.store.url import open_store
from relationkit.testing import ManualClock

pytestmark = pytest.mark.postgres


def test_a_url_opens_a_pooled_store_in_its_schema(postgres_url: str) -> None:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    assert store.schema.startswith("rk_test_")
    with store.unit_of_work() as uow:
        uow.put(Client(id="c-1", name="Ana"))
        uow.commit()
    store.close()


def test_an_unreachable_server_is_one_clear_store_error() -> None:
    with pytest.raises(StoreError) as caught:
        PostgresStore("postgresql://nobody:pw@127.0.0.1:1/none", connect_timeout=2)
    message = str(caught.value)
    assert message.startswith("refused: talking to postgresql://nobody:***@127.0.0.1:1/none")
    assert "pw@" not in message


def test_a_password_given_as_a_parameter_is_hidden_too(postgres_url: str) -> None:
    # ?password= is as valid a libpq URL as user:password@ (the test server trusts anyone).
    store = open_store(postgres_url + "&password=hunter2-secret&sslpassword=other-secret")
    try:
        shown = f"{store.url} {store!r}"
        assert "password=***" in shown
        assert "sslpassword=***" in shown
        assert "secret" not in shown
    finally:
        store.close()
    for bad in ("&sslmode=bogus", "&port=1"):
        with pytest.raises(StoreError) as caught:
            PostgresStore(f"{postgres_url}&password=hunter2-secret{bad}", connect_timeout=2)
        assert "password=***" in str(caught.value)
        assert "secret" not in str(caught.value)


def test_driver_errors_become_store_errors(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        with store.unit_of_work() as uow, pytest.raises(StoreError, match="PostgreSQL reported"):
            uow.session.query("SELECT * FROM no_such_table")  # type: ignore[attr-defined]
    finally:
        store.close()


def test_a_value_postgresql_cannot_take_is_invalid_input_not_a_failed_connection(
    postgres_url: str,
) -> None:
    # The shared checks refuse such values before PostgreSQL sees them; should one get
    # through (SQL of an application's own), it is still the caller's mistake.
    store = open_store(postgres_url)
    try:
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="NUL"):
            uow.session.query("SELECT ?::text", ("a\x00b",))  # type: ignore[attr-defined]
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="SQLSTATE 22"):
            uow.session.query("SELECT ?::smallint", (10**6,))  # type: ignore[attr-defined]
        with store.unit_of_work() as uow:
            uow.session.run("CREATE TABLE wide (t TEXT PRIMARY KEY)")  # type: ignore[attr-defined]
            uow.commit()
        big = "".join(chr(0x4E00 + n % 20000) for n in range(10**5))  # does not compress
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="SQLSTATE 54"):
            uow.session.run("INSERT INTO wide VALUES (?)", (big,))  # type: ignore[attr-defined]
        with store.unit_of_work() as uow:  # the connection is fine afterwards
            assert uow.session.query("SELECT 1") == [(1,)]  # type: ignore[attr-defined]
    finally:
        store.close()


def test_threads_share_one_pool(postgres_url: str) -> None:
    rk = Relations(postgres_url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            rk.open_case(
                actor="s-sam", client="c-ana", subject="T", statement="Hi.", case_id=f"case-{n}"
            )
            for k in range(3):
                rk.handle(f"case-{n}", RecordStatement(text=f"{n}.{k}"), actor="s-sam")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with rk.store.unit_of_work() as uow:
        assert uow.count(Case) == 5
    assert rk.verify_all().ok
    rk.store.close()


def test_claims_skip_rows_another_worker_holds(postgres_url: str) -> None:
    from reminders import Reminder, add_reminders, relations

    rk = relations(open_store(postgres_url))
    add_reminders(rk, 6)
    first = rk.store.unit_of_work()
    second = rk.store.unit_of_work()
    with first, second:
        mine = [r.id for r in first.claim(Reminder, limit=4, state="pending")]
        theirs = [r.id for r in second.claim(Reminder, limit=4, state="pending")]
    assert mine == ["r-00000", "r-00001", "r-00002", "r-00003"]
    assert theirs == ["r-00004", "r-00005"]
    rk.store.close()


def _table(store: PostgresStore) -> None:
    with store.unit_of_work() as uow:
        uow.session.run("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")  # type: ignore[attr-defined]
        uow.session.run("INSERT INTO t VALUES (1, 0), (2, 0)")  # type: ignore[attr-defined]
        uow.commit()


def test_a_deadlock_is_a_retryable_transaction_conflict(postgres_url: str) -> None:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    _table(store)
    both_hold_one = threading.Barrier(2)
    errors: list[BaseException] = []

    def update(first: int, second: int) -> None:
        try:
            with store.unit_of_work() as uow:
                session = uow.session  # type: ignore[attr-defined]
                session.run("UPDATE t SET n = n + 1 WHERE id = ?", (first,))
                both_hold_one.wait()
                session.run("UPDATE t SET n = n + 1 WHERE id = ?", (second,))
                uow.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=update, args=pair) for pair in ((1, 2), (2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        (error,) = errors  # PostgreSQL chose one victim; the other transaction committed
        assert isinstance(error, TransactionConflict)
        assert isinstance(error, ConcurrencyError)
        assert not isinstance(error, StoreError)
        assert "deadlock detected, SQLSTATE 40P01" in str(error)
        with store.unit_of_work() as uow:
            rows = uow.session.query("SELECT n FROM t ORDER BY id")  # type: ignore[attr-defined]
        assert rows == [(1,), (1,)]  # the victim's first update was undone too
    finally:
        store.close()


def test_a_serialization_failure_is_a_retryable_transaction_conflict(postgres_url: str) -> None:
    store = open_store(postgres_url)
    assert isinstance(store, PostgresStore)
    _table(store)
    attempts: list[int] = []

    def bump() -> int:
        attempts.append(1)
        with store.unit_of_work() as uow:
            session = uow.session  # type: ignore[attr-defined]
            session.run("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            (n,) = session.query("SELECT n FROM t WHERE id = 1")[0]
            if len(attempts) == 1:  # someone else changes the row after this one read it
                with store.unit_of_work() as other:
                    other.session.run("UPDATE t SET n = 10 WHERE id = 1")  # type: ignore[attr-defined]
                    other.commit()
            session.run("UPDATE t SET n = ? WHERE id = 1", (n + 1,))
            uow.commit()
        return int(n) + 1

    try:
        with pytest.raises(TransactionConflict, match="serialization failure, SQLSTATE 40001"):
            bump()
        attempts.clear()
        assert retry(bump, attempts=3) == 11  # the retry read the other writer's value
        assert len(attempts) == 2
    finally:
        store.close()


# --- commands racing on one aggregate -----------------------------------------------------


def test_a_command_locks_its_aggregate_so_that_writers_take_turns(postgres_url: str) -> None:
    store = open_store(postgres_url)
    rk = Relations(store, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    rk.open_case(actor="s-sam", client="c-ana", subject="T", statement="Hi.", case_id="k-1")
    first = store.unit_of_work()
    try:
        with first:
            held = first.get_for_update(Case, "k-1")
            pid = first.session.query("SELECT pg_backend_pid()")[0][0]  # type: ignore[attr-defined]
            done: list[Case] = []
            second = threading.Thread(
                target=lambda: done.append(
                    rk.handle("k-1", RecordStatement(text="Second."), actor="s-sam")
                )
            )
            second.start()
            with psycopg.connect(postgres_url.partition("?")[0], autocommit=True) as admin:
                for _ in range(400):  # until the second command waits for the first's lock
                    waiting = admin.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE %s = ANY(pg_blocking_pids(pid))",
                        (pid,),
                    ).fetchone()
                    if waiting != (0,):
                        break
                    time.sleep(0.01)
            assert waiting != (0,)
            assert done == []  # it waits for the row, rather than failing at the end
            first.append(held, [_next_statement(held, "First.")])
            first.commit()
        second.join()
        assert [c.version for c in done] == [3]  # it read what the first one wrote
        assert [e.data.get("text") for e in rk.timeline("k-1")[1:]] == ["First.", "Second."]
    finally:
        store.close()


def _next_statement(case: Case, words: str) -> Event:
    event = next_event(
        case.id,
        case.version,
        case.head,
        name=RecordStatement.EVENT,
        actor_id="s-sam",
        at=pendulum.datetime(2026, 3, 2, 10),
        data={"text": words},
    )
    case.version, case.head = event.sequence, event.hash
    return event


RACER = """
import json, os, sys, time
from relationkit import Relations, retry
from relationkit.domain.case import RecordStatement

rk = Relations({url!r})
me = sys.argv[1]
tries = []
open({go!r} + "." + me, "w").close()  # ready; all start together
while not os.path.exists({go!r}):
    time.sleep(0.005)
for n in range({commands}):
    words = f"{{me}} {{n}}"
    runs = []

    def command():
        runs.append(1)
        if {optimistic}:  # as a web form would: the version read earlier must still hold
            version = rk.case("k-1").version
            return rk.handle("k-1", RecordStatement(text=words), actor="s-sam",
                             expected_version=version)
        return rk.handle("k-1", RecordStatement(text=words), actor="s-sam")

    retry(command, **{budget!r})
    tries.append(len(runs))
print(json.dumps(tries), flush=True)
rk.store.close()
"""


@pytest.mark.parametrize(
    ("optimistic", "budget"),
    [
        pytest.param(False, {}, id="commands-with-the-default-budget"),
        pytest.param(True, {"attempts": 500, "within": 120}, id="expected-versions"),
    ],
)
def test_processes_racing_on_one_case_each_get_every_command_in_once(
    postgres_url: str, tmp_path: Path, optimistic: bool, budget: dict[str, Any]
) -> None:
    processes, commands = 6, 12
    rk = Relations(postgres_url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    try:
        rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
        rk.open_case(actor="s-sam", client="c-ana", subject="Busy", statement="Go.", case_id="k-1")
        go = tmp_path / "go"
        script = RACER.format(
            url=postgres_url, go=str(go), commands=commands, optimistic=optimistic, budget=budget
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, f"p{k}"], stdout=subprocess.PIPE, text=True
            )
            for k in range(processes)
        ]
        while not all((tmp_path / f"go.p{k}").exists() for k in range(processes)):
            assert all(p.poll() is None for p in procs), "a racer died before the start"
            time.sleep(0.01)
        go.touch()
        tries: list[int] = []
        for proc in procs:
            out, _ = proc.communicate(timeout=300)
            assert proc.returncode == 0  # no command gave up: retry never ran out of budget
            tries.extend(json.loads(out))
        words = [e.data["text"] for e in rk.timeline("k-1")[1:]]
        expected = {f"p{k} {n}" for k in range(processes) for n in range(commands)}
        assert len(words) == processes * commands  # nothing lost, nothing twice
        assert set(words) == expected
        assert rk.case("k-1").version == processes * commands + 1
        if optimistic:
            assert sum(tries) > len(tries), "the racers never collided"
        assert rk.verify_all().ok
    finally:
        rk.store.close()


# --- connections the server drops ---------------------------------------------------------


def _own_pool(postgres_url: str, size: int = 4) -> tuple[str, str]:
    """A URL whose connections carry a name of their own, and that name: so that a test
    drops its own store's connections and nobody else's."""
    name = f"rk-test-{uuid.uuid4().hex[:12]}"
    return f"{postgres_url}&pool_size={size}&application_name={name}", name


def _drop_connections(postgres_server: str, name: str) -> int:
    """Terminate every backend of the named connections, from a connection of its own, as a
    server restart or a failover would; how many there were."""
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = %s",
            (name,),
        ).fetchall()
        for _ in range(100):  # the server ends them at once; wait until they are gone
            left = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchone()
            if left == (0,):
                break
            time.sleep(0.05)
    return len(rows)


def test_commands_run_at_once_after_the_pool_s_connections_were_dropped(
    postgres_url: str, postgres_server: str
) -> None:
    url, name = _own_pool(postgres_url, size=4)
    rk = Relations(url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    try:
        rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
        rk.open_case(actor="s-sam", client="c-ana", subject="T", statement="Hi.", case_id="k-1")
        held = [rk.store.unit_of_work() for _ in range(4)]  # four pooled connections
        before = {uow.session.query("SELECT pg_backend_pid()")[0][0] for uow in held}  # type: ignore[attr-defined]
        for uow in held:
            uow.close()
        assert _drop_connections(postgres_server, name) == 4  # a restart, say
        # Every command of the next pool-size and more succeeds, on new connections.
        for n in range(6):
            rk.handle("k-1", RecordStatement(text=f"After the restart, {n}."), actor="s-sam")
        assert rk.case("k-1").version == 7
        with rk.store.unit_of_work() as uow:
            now = uow.session.query("SELECT pg_backend_pid()")[0][0]  # type: ignore[attr-defined]
        assert now not in before
        assert rk.verify_all().ok
    finally:
        rk.store.close()


def test_a_connection_dropped_under_a_unit_of_work_is_retryable_and_stores_nothing(
    postgres_url: str, postgres_server: str
) -> None:
    url, name = _own_pool(postgres_url, size=2)
    rk = Relations(url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    try:
        rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
        rk.open_case(actor="s-sam", client="c-ana", subject="T", statement="Hi.", case_id="k-1")
        statement = RecordStatement(text="Lost on the way.")
        tries: list[int] = []

        def drop_once(event: object, subject: object, attempt: object) -> list[object]:
            # A command hook runs inside the command's transaction, and the record it
            # returns is stored next: the server goes away in between, once.
            tries.append(1)
            if len(tries) == 1:
                _drop_connections(postgres_server, name)
            return [Client(id="c-noted", name="Noted")]

        rk.add_hook(drop_once)
        with pytest.raises(ConnectionLost) as caught:
            rk.handle("k-1", statement, actor="s-sam")
        assert caught.value.retryable
        assert isinstance(caught.value, StoreError)
        assert "nothing of it was stored" in str(caught.value)
        assert rk.case("k-1").version == 1  # neither the command's event nor the record
        with pytest.raises(NotFound):
            rk.party("c-noted")
        tries.clear()
        case = retry(lambda: rk.handle("k-1", statement, actor="s-sam"))
        assert len(tries) == 2  # dropped once, then run again on a new connection
        assert case.version == 2
        assert [e.name for e in rk.timeline("k-1")] == ["CaseOpened", "StatementRecorded"]
        assert rk.party("c-noted").name == "Noted"
    finally:
        rk.store.close()


def test_a_connection_dropped_while_committing_leaves_the_outcome_unknown(
    postgres_url: str, postgres_server: str
) -> None:
    url, name = _own_pool(postgres_url, size=2)
    store = open_store(url)
    try:
        with store.unit_of_work() as uow:
            uow.put(Client(id="c-ana", name="Ana"))
            _drop_connections(postgres_server, name)
            with pytest.raises(OutcomeUnknown) as caught:
                uow.commit()
        assert not caught.value.retryable
        assert "read the aggregates it wrote" in str(caught.value)
        with store.unit_of_work() as uow:  # the store itself carries on
            assert uow.find_record(Client, "c-ana") is None
    finally:
        store.close()


def test_a_url_without_a_host_keeps_libpqs_form(postgres_url: str) -> None:
    # postgresql:///db?host=... is libpq's form for a socket, or for a host given as a parameter
    parts = urlsplit(postgres_url)
    where = f"host={parts.hostname}&port={parts.port or 5432}&user={parts.username}"
    url = f"postgresql://{parts.path}?{where}&{parts.query}"
    store = open_store(url)
    try:
        assert store.url.startswith("postgresql:///")
        with store.unit_of_work() as uow:
            uow.put(Client(id="c-1", name="Ana"))
            uow.commit()
    finally:
        store.close()
    again = open_store(postgres_url)
    with again.unit_of_work() as uow:
        assert uow.get_record(Client, "c-1").name == "Ana"
    again.close()
