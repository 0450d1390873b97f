"""Failures: a writer killed mid-stream, two processes racing, corrupt rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

from relationkit import (
    AggregateCorrupted,
    Client,
    InvalidInput,
    Relations,
    Staff,
    TimelineBroken,
    UnknownStateValue,
)
from relationkit.cases import Case
from relationkit.domain.case import RecordStatement
from relationkit.testing import ManualClock

SETUP = """
import json, os, sys, time
from relationkit import Client, ConcurrencyError, Relations, Staff
from relationkit.domain.case import RecordStatement
rk = Relations({url!r})
"""

WRITER = (
    SETUP
    + """
rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={{"agent"}}))
n = 0
while True:
    case_id = f"case-{{n // 5:04d}}"
    if n % 5 == 0:
        rk.open_case(actor="s-sam", client="c-ana", subject="Loop", statement="Start.",
                     case_id=case_id)
    else:
        rk.handle(case_id, RecordStatement(text=f"words {{n}}"), actor="s-sam")
    print(case_id, n % 5 + 1, flush=True)
    n += 1
"""
)


@pytest.fixture
def rk(sql_url: str) -> Iterator[Relations]:
    rk = Relations(sql_url, clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    yield rk
    rk.store.close()


def test_a_writer_killed_mid_stream_loses_nothing_it_returned(sql_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(url=sql_url)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    returned: dict[str, int] = {}
    for _ in range(40):
        case_id, version = proc.stdout.readline().split()
        returned[case_id] = int(version)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    rest = proc.stdout.read().split()
    for case_id, version in zip(rest[::2], rest[1::2], strict=False):
        returned[case_id] = int(version)

    rk = Relations(sql_url)
    try:
        for case_id, version in returned.items():
            assert rk.case(case_id).version >= version  # every command that returned is there
        report = rk.verify_all()  # no partial command: state and timeline agree everywhere
        assert report.ok, report.problems
        assert report.checked >= len(returned)
    finally:
        rk.store.close()


RACER = (
    SETUP
    + """
me = sys.argv[1]
open({go!r} + "." + me, "w").close()  # ready; start together once both are (imports vary)
while not (os.path.exists({go!r}) and all(os.path.exists({go!r} + "." + w) for w in "ab")):
    time.sleep(0.005)
outcomes = []
for attempt in range(15):
    version = rk.case("case-1").version
    try:
        case = rk.handle("case-1", RecordStatement(text=f"{{me}} {{attempt}}"), actor="s-sam",
                         expected_version=version)
        outcomes.append(["won", case.version, f"{{me}} {{attempt}}"])
    except ConcurrencyError:
        outcomes.append(["lost", version + 1, f"{{me}} {{attempt}}"])
    # A command holds SQLite's write lock from its start: give the other process a moment
    # to take it, so that the two interleave instead of one running all its attempts.
    time.sleep(0.01)
print(json.dumps(outcomes), flush=True)
"""
)


def test_two_processes_racing_one_aggregate(rk: Relations, sql_url: str, tmp_path: Path) -> None:
    rk.open_case(actor="s-sam", client="c-ana", subject="Race", statement="Go.", case_id="case-1")
    go = tmp_path / "go"
    script = RACER.format(url=sql_url, go=str(go))
    procs = [
        subprocess.Popen([sys.executable, "-c", script, who], stdout=subprocess.PIPE, text=True)
        for who in ("a", "b")
    ]
    go.touch()
    outcomes: list[Any] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        outcomes.extend(json.loads(out))
    won = sorted((version, words) for result, version, words in outcomes if result == "won")
    lost = [o for o in outcomes if o[0] == "lost"]
    events = rk.timeline("case-1")
    # per version exactly one winner, and its words are the stored event
    assert [v for v, _ in won] == list(range(2, len(events) + 1))
    assert [words for _, words in won] == [e.data["text"] for e in events[1:]]
    assert len(won) + len(lost) == 30
    assert lost, "the two processes never collided"
    assert rk.case("case-1").version == len(events)
    rk.verify("case-1")


def corrupt_snapshot(raw_sql: Any, sql_url: str, case_id: str, state: str) -> None:
    if sql_url.startswith("sqlite"):
        raw_sql(
            "UPDATE rk_agg_case SET snapshot = json_set(snapshot, '$.state', ?) WHERE id = ?",
            state,
            case_id,
        )
    else:
        raw_sql(
            "UPDATE rk_agg_case SET snapshot = jsonb_set(snapshot::jsonb, '{state}', "
            "to_jsonb(?::text))::text WHERE id = ?",
            state,
            case_id,
        )


def two_cases(rk: Relations) -> None:
    for case_id in ("case-bad", "case-good"):
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Hi", statement="Hello.", case_id=case_id
        )
        rk.handle(case_id, RecordStatement(text="More."), actor="s-sam")


def still_readable(rk: Relations) -> None:
    assert rk.case("case-good").version == 2
    rk.verify("case-good")
    assert [p.aggregate_id for p in rk.verify_all().problems] == ["case-bad"]  # type: ignore[attr-defined]


def test_a_snapshot_that_is_not_json(rk: Relations, raw_sql: Any) -> None:
    two_cases(rk)
    raw_sql("UPDATE rk_agg_case SET snapshot = '{not json' WHERE id = 'case-bad'")
    with pytest.raises(AggregateCorrupted) as caught:
        rk.case("case-bad")
    assert caught.value.aggregate_id == "case-bad"
    assert "case-bad" in str(caught.value)
    still_readable(rk)


def test_an_unknown_state_value(rk: Relations, raw_sql: Any, sql_url: str) -> None:
    two_cases(rk)
    corrupt_snapshot(raw_sql, sql_url, "case-bad", "teleported")
    before = rk.timeline("case-bad")
    with pytest.raises(UnknownStateValue) as caught:
        rk.handle("case-bad", RecordStatement(text="Again."), actor="s-sam")
    assert caught.value.aggregate_id == "case-bad"
    assert "teleported" in str(caught.value)
    assert rk.timeline("case-bad") == before
    with pytest.raises(AggregateCorrupted):
        rk.verify("case-bad")
    still_readable(rk)


def test_a_broken_hash(rk: Relations, raw_sql: Any) -> None:
    two_cases(rk)
    raw_sql(
        "UPDATE rk_events SET hash = ? WHERE aggregate_id = 'case-bad' AND sequence = 1", "0" * 64
    )
    with pytest.raises(TimelineBroken) as caught:
        rk.verify("case-bad")
    assert (caught.value.aggregate_id, caught.value.sequence) == ("case-bad", 1)
    still_readable(rk)


def test_an_event_whose_data_is_not_json(rk: Relations, raw_sql: Any) -> None:
    two_cases(rk)
    raw_sql("UPDATE rk_events SET data = 'oops' WHERE aggregate_id = 'case-bad' AND sequence = 2")
    with pytest.raises(AggregateCorrupted, match="event 2") as caught:
        rk.timeline("case-bad")
    assert caught.value.aggregate_id == "case-bad"
    still_readable(rk)


def test_a_corrupt_row_does_not_hide_others_from_queries(rk: Relations, raw_sql: Any) -> None:
    two_cases(rk)
    raw_sql("UPDATE rk_agg_case SET snapshot = '[]' WHERE id = 'case-bad'")
    with rk.store.unit_of_work() as uow:
        assert [c.id for c in uow.select(Case, id__ne="case-bad")] == ["case-good"]
        assert uow.count(Case) == 2


@pytest.mark.parametrize(
    ("attempt", "field"),
    [
        pytest.param(
            lambda rk: rk.open_case(
                actor="s-sam", client="c-ana", subject="Hi", statement="Hi.", case_id="k" * 10**7
            ),
            "case_id",
            id="a-ten-megabyte-id",
        ),
        pytest.param(
            lambda rk: rk.cases(client_id__in=[f"c-{n}" for n in range(100_000)]),
            "client_id__in",
            id="a-hundred-thousand-values-in-a-filter",
        ),
        pytest.param(
            lambda rk: rk.open_case(
                actor="s-sam", client="c-ana", subject="Hi", statement="Hi.", case_id="k-\x00"
            ),
            "case_id",
            id="a-nul-in-an-id",
        ),
        pytest.param(
            lambda rk: rk.open_case(actor="s-sam", client="c-ana", subject="Hi", statement="\x00"),
            "statement",
            id="a-nul-in-a-text",
        ),
        pytest.param(lambda rk: rk.cases(owner_id="s-\x00"), "owner_id", id="a-nul-in-a-filter"),
        pytest.param(
            lambda rk: rk.register(Client(id="c-zoe", name="Zoe \ud800")),
            "name",
            id="a-lone-surrogate-in-a-name",
        ),
    ],
)
def test_a_callers_mistake_is_invalid_input_on_every_backend(
    rk: Relations, attempt: Any, field: str
) -> None:
    two_cases(rk)
    before = {c.id: rk.timeline(c.id) for c in rk.cases()}
    with pytest.raises(InvalidInput) as caught:
        attempt(rk)
    assert caught.value.field == field
    assert "connection" not in str(caught.value)
    assert {c.id: rk.timeline(c.id) for c in rk.cases()} == before
    assert rk.verify_all().ok
