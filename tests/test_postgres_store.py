"""The PostgreSQL store: pooled, schema-scoped, driver errors translated."""

from __future__ import annotations

import threading

import pendulum
import pytest

from relationkit import Client, Relations, Staff, StoreError
from relationkit.domain.case import Case, RecordStatement
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


def test_driver_errors_become_store_errors(postgres_url: str) -> None:
    store = open_store(postgres_url)
    try:
        with store.unit_of_work() as uow, pytest.raises(StoreError, match="PostgreSQL reported"):
            uow.session.query("SELECT * FROM no_such_table")  # type: ignore[attr-defined]
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
