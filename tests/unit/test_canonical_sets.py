"""A set is written the same way in every process: stored data and event hashes do not
depend on Python's string hashing (PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import json
import pendulum
from relationkit import Client, ManualClock, Relations, Staff
from relationkit.directory import PersonEntry
from relationkit.store.codec import encode_record

rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC")))
rk.register(
    Client(id="c-ana", name="Ana"),
    Staff(id="s-mia", name="Mia", roles={"manager", "agent", "partner", "trainer", "auditor"}),
)
with rk.store.unit_of_work() as uow:
    print(encode_record(uow.get_record(Staff, "s-mia"))[2])
for event in rk.timeline("s-mia", PersonEntry):
    print(json.dumps(event.data), event.hash)
"""


def run(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_roles_and_their_events_are_written_alike_whatever_the_hash_seed() -> None:
    outputs = {run(seed) for seed in ("1", "2", "3", "4", "5")}
    assert len(outputs) == 1, outputs
    assert '"agent","auditor","manager","partner","trainer"' in outputs.pop()
