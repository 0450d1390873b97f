"""Sweeps: idempotent, and shared between concurrent worker processes without doubles or gaps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import care_world
from relationkit import (
    ConcurrencyError,
    ConnectionLost,
    InvalidInput,
    NotPermitted,
    Relations,
    RuleViolation,
)
from relationkit.config import CareConfig
from relationkit.domain.feedback import CHECK_IN, FeedbackRequest
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from relationkit.store.base import UnitOfWork
from relationkit.store.url import open_store
from relationkit.sweeps import make_sweep
from relationkit.typing import Written
from reminders import NOW, SEND_DUE, Reminder, SendReminder, add_reminders, relations

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'relations.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def rk(url: str) -> Iterator[Relations]:
    store = open_store(url)
    yield relations(store)
    store.close()


def states(rk: Relations) -> dict[str, str]:
    with rk.store.unit_of_work() as uow:
        return {r.id: r.state for r in uow.select(Reminder)}


def test_due_items_are_processed_once_and_a_second_run_does_nothing(rk: Relations) -> None:
    ids = add_reminders(rk, 12)
    now = NOW.add(minutes=7)  # reminders 0..7 are due
    report = rk.sweeps.process([SEND_DUE], now, batch=3)
    assert report["send-due-reminders"].processed == tuple(ids[:8])
    assert report.processed == 8
    assert states(rk) == {i: ("sent" if n < 8 else "pending") for n, i in enumerate(ids)}
    again = rk.sweeps.process([SEND_DUE], now, batch=3)
    assert again.processed == 0
    with rk.store.unit_of_work() as uow:
        assert [len(uow.events(Reminder, i)) for i in ids] == [2] * 8 + [1] * 4
    assert rk.verify_all().ok


def test_the_sweep_uses_the_time_it_is_given(rk: Relations) -> None:
    ids = add_reminders(rk, 3)
    assert rk.sweeps.process([SEND_DUE], NOW.subtract(seconds=1)).processed == 0
    assert rk.sweeps.process([SEND_DUE], NOW.add(minutes=2)).processed == 3
    assert set(states(rk).values()) == {"sent"}
    assert len(ids) == 3


def test_left_and_refused_items_are_reported_and_stay_due(url: str) -> None:
    store = open_store(url)
    try:
        rk = relations(store, CareConfig().evolve(command_roles={"send": frozenset({"manager"})}))
        add_reminders(rk, 2)
        refused = rk.sweeps.process([SEND_DUE], NOW.add(hours=1))
        result = refused["send-due-reminders"]
        assert result.processed == ()
        assert [i for i, _ in result.refused] == ["r-00000", "r-00001"]
        assert all(isinstance(e, NotPermitted) for _, e in result.refused)
        assert set(states(rk).values()) == {"pending"}
        idle = make_sweep(
            name="idle",
            aggregate=Reminder,
            actor="s-robot",
            due=SEND_DUE.due,
            handle=lambda reminder, now: None,
        )
        assert rk.sweeps.process([idle], NOW.add(hours=1))["idle"].left == ("r-00000", "r-00001")
        with pytest.raises(InvalidInput, match="batch"):
            rk.sweeps.process([SEND_DUE], NOW, batch=0)
    finally:
        store.close()


def test_a_refusal_after_writing_leaves_nothing_of_that_item(rk: Relations) -> None:
    ids = add_reminders(rk, 5)
    seen: list[str] = []

    def send_but_refuse_the_third(uow: UnitOfWork, reminder: Reminder) -> Written:
        seen.append(reminder.id)
        done = rk.pipeline.run_in(uow, Reminder, reminder.id, SendReminder(), actor="s-robot")
        if reminder.id == ids[2]:  # refused after its command was staged
            raise RuleViolation(
                rule_id="X1",
                aggregate_id=reminder.id,
                actor_id="s-robot",
                command="send",
                reason="not this one",
            )
        return done

    result = rk.sweeps.process_due(
        Reminder, {"state": "pending"}, send_but_refuse_the_third, name="x", batch=4
    )
    assert result.processed == (ids[0], ids[1], ids[3], ids[4])
    assert [(i, e.rule_id) for i, e in result.refused] == [(ids[2], "X1")]  # type: ignore[attr-defined]
    assert [r.id for r in result.written] == list(result.processed)
    assert states(rk) == {i: ("pending" if i == ids[2] else "sent") for i in ids}
    with rk.store.unit_of_work() as uow:
        assert len(uow.events(Reminder, ids[2])) == 1
    assert seen.count(ids[2]) == 1  # the refused one is not tried again in this run
    assert rk.verify_all().ok


def test_an_item_that_conflicts_every_time_is_refused_and_the_rest_go_on(rk: Relations) -> None:
    ids = add_reminders(rk, 5)
    tries: list[str] = []

    def clashes_on_the_second(uow: UnitOfWork, reminder: Reminder) -> Written:
        tries.append(reminder.id)
        if reminder.id == ids[1]:  # say, it creates an aggregate whose id exists already
            raise ConcurrencyError("reminder", reminder.id, 0, 1)
        return rk.pipeline.run_in(uow, Reminder, reminder.id, SendReminder(), actor="s-robot")

    result = rk.sweeps.process_due(Reminder, {"state": "pending"}, clashes_on_the_second, batch=2)
    assert result.processed == (ids[0], ids[2], ids[3], ids[4])
    assert [(i, type(e)) for i, e in result.refused] == [(ids[1], ConcurrencyError)]
    assert tries.count(ids[1]) == 3
    assert states(rk) == {i: ("pending" if i == ids[1] else "sent") for i in ids}


def test_a_batch_whose_connection_broke_is_run_again(rk: Relations) -> None:
    ids = add_reminders(rk, 5)
    tries: list[str] = []

    def connection_breaks_once(uow: UnitOfWork, reminder: Reminder) -> Written:
        tries.append(reminder.id)
        written = rk.pipeline.run_in(uow, Reminder, reminder.id, SendReminder(), actor="s-robot")
        if tries.count(reminder.id) == 1 and reminder.id == ids[3]:
            raise ConnectionLost(rk.store.url, "server closed the connection unexpectedly")
        return written

    result = rk.sweeps.process_due(Reminder, {"state": "pending"}, connection_breaks_once, batch=2)
    assert result.processed == tuple(ids)
    assert result.refused == ()
    assert tries == [*ids[:4], ids[2], ids[3], ids[4]]  # the second batch ran twice
    assert set(states(rk).values()) == {"sent"}
    assert rk.verify_all().ok


WORKER = """
import json, os, sys, time
sys.path.insert(0, {tests!r})
from reminders import NOW, SEND_DUE, relations, Reminder
from relationkit.store.url import open_store
from relationkit.sweeps import make_sweep

store = open_store({url!r})
rk = relations(store)

def slow(reminder, now):
    time.sleep(0.001)
    return SEND_DUE.handle(reminder, now)

sweep = make_sweep(name="s", aggregate=Reminder, actor="s-robot", due=SEND_DUE.due, handle=slow)
print("ready", flush=True)
while not os.path.exists({go!r}):
    time.sleep(0.01)
report = rk.sweeps.process([sweep], NOW.add(days=1), batch=10)
print(json.dumps(list(report["s"].processed)), flush=True)
store.close()
"""


def run_workers(url: str, workers: int, tmp_path: Path) -> list[list[str]]:
    go = tmp_path / "go"
    script = WORKER.format(tests=str(TESTS), url=url, go=str(go))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(TESTS)},
        )
        for _ in range(workers)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


@pytest.mark.postgres
def test_concurrent_workers_on_postgres_share_the_work(postgres_url: str, tmp_path: Path) -> None:
    store = open_store(postgres_url)
    rk = relations(store)
    ids = add_reminders(rk, 120)
    started = time.monotonic()
    outputs = run_workers(postgres_url, 3, tmp_path)
    processed = [i for out in outputs for i in out]
    assert sorted(processed) == ids  # every item once: none twice, none skipped
    assert sum(1 for out in outputs if out) >= 2, "the workers did not share the work"
    with store.unit_of_work() as uow:
        assert uow.count(Reminder, state="pending") == 0
        assert all(len(uow.events(Reminder, i)) == 2 for i in ids)
    assert rk.verify_all().ok
    assert time.monotonic() - started < 30
    store.close()


def test_concurrent_workers_on_sqlite_take_turns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relations.db'}"
    store = open_store(url)
    rk = relations(store)
    ids = add_reminders(rk, 30)
    outputs = run_workers(url, 2, tmp_path)
    assert sorted(i for out in outputs for i in out) == ids
    with store.unit_of_work() as uow:
        assert uow.count(Reminder, state="sent") == 30
    store.close()


SERVICE_WORKER = """
import json, os, sys, time
sys.path.insert(0, {tests!r})
from care_world import SWEEP_AT, relations
from relationkit.store.url import open_store

store = open_store({url!r})
rk = relations(store, SWEEP_AT)
print("ready", flush=True)
while not os.path.exists({go!r}):
    time.sleep(0.01)
promises = rk.promises.run(batch=3)
relationships = rk.relationships.run(batch=3)
feedback = rk.feedback.run(batch=3)
check_ins = [rk.feedback.get(i).case_id for i in feedback.check_ins]
print(json.dumps({{
    "broken": promises.broken,
    "expired": relationships.expired,
    "check_ins": check_ins,
    "suppressed": feedback.suppressed,
    "failures": feedback.failures,
}}), flush=True)
store.close()
"""


@pytest.mark.postgres
def test_the_services_sweeps_from_concurrent_workers_do_each_item_once(
    postgres_url: str, tmp_path: Path
) -> None:
    store = open_store(postgres_url)
    ids = care_world.seed(care_world.relations(store), 15)
    go = tmp_path / "go"
    script = SERVICE_WORKER.format(tests=str(TESTS), url=postgres_url, go=str(go))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(TESTS)},
        )
        for _ in range(3)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        reports.append(json.loads(out.strip().splitlines()[-1]))
    try:
        for key, expected in (
            ("broken", ids["promises"]),
            ("expired", ids["relationships"]),
            ("check_ins", ids["cases"]),
        ):
            done = [i for report in reports for i in report[key]]
            assert sorted(done) == expected, key  # each once: none twice, none skipped
        assert all(report["suppressed"] == [] for report in reports)
        busy = [r for r in reports if r["broken"] or r["expired"] or r["check_ins"]]
        assert len(busy) >= 2, "the workers did not share the work"
        assert all(report["failures"] == [] for report in reports)
        with store.unit_of_work() as uow:
            assert uow.count(Promise, state="broken") == len(ids["promises"])
            assert uow.count(Relationship, awaiting_approval=True) == 0
            for case_id in ids["cases"]:
                assert uow.count(FeedbackRequest, case_id=case_id, kind=CHECK_IN) == 1
            assert all(len(uow.events(Promise, i)) == 2 for i in ids["promises"])
        rk = care_world.relations(store, care_world.SWEEP_AT)
        assert rk.verify_all().ok
        again = rk.promises.run(), rk.relationships.run(), rk.feedback.run()
        assert not again[0].changed
        assert again[1].expired == ()
        assert again[2] == type(again[2])()
    finally:
        store.close()
