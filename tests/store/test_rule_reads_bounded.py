"""R4 judges an owner's capacity from one count and at most ``capacity`` promises: making a
promise for an owner who holds hundreds of open promises decodes a handful of them, not
all (the cost of a command does not grow with what the owner holds)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.world import (  # noqa: E402
    CLIENT_ID,
    OFFERING_ID,
    START,
    open_promises,
    relations,
    seed,
)

from relationkit import MemoryStore, Relations, RuleViolation, Staff  # noqa: E402
from relationkit.config import CareConfig  # noqa: E402
from relationkit.domain.promise import Promise  # noqa: E402
from relationkit.rules.settings import PromiseConfig  # noqa: E402
from relationkit.store import memory, sql  # noqa: E402
from relationkit.store.base import Store  # noqa: E402
from relationkit.store.url import open_store  # noqa: E402

OWNER = "s-busy"
HELD = 300


class Decodes:
    """Counts the promises the stores decode (SQL) or copy out (memory)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.promises = 0
        many, one, row = sql.decode_aggregates, sql.decode_aggregate, memory._Row.aggregate

        def decode_aggregates(cls: Any, rows: Any, skip: Any = None) -> Any:
            found = many(cls, rows, skip)
            if cls is Promise:
                self.promises += len(found)
            return found

        def decode_aggregate(cls: Any, aggregate_id: str, text: Any) -> Any:
            if cls is Promise:
                self.promises += 1
            return one(cls, aggregate_id, text)

        def aggregate(held: Any, cls: Any, aggregate_id: str) -> Any:
            if cls is Promise:
                self.promises += 1
            return row(held, cls, aggregate_id)

        monkeypatch.setattr(sql, "decode_aggregates", decode_aggregates)
        monkeypatch.setattr(sql, "decode_aggregate", decode_aggregate)
        monkeypatch.setattr(memory._Row, "aggregate", aggregate)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        opened: Store = MemoryStore()
    else:
        opened = open_store(f"sqlite:///{tmp_path / 'relations.db'}?synchronous=off")
    yield opened
    opened.close()


def busy_owner(store: Store, capacity: int) -> Relations:
    """The service with :data:`OWNER` holding :data:`HELD` open promises, and ``capacity``."""
    staff = [Staff(id=OWNER, name="Busy Owner", roles={"agent"})]
    relations(store, staff=staff)  # the people, policy, calendar, offering, relationships
    seed(store, open_promises(OWNER, HELD, prefix="busy"), 100)
    config = CareConfig().evolve(promises=PromiseConfig(capacity=capacity))
    return relations(store, config=config, staff=staff)


def make(rk: Relations, days: int) -> None:
    rk.promises.make(
        actor=OWNER,
        party=CLIENT_ID,
        what="A replacement parcel",
        offering=OFFERING_ID,
        scope=("replacement parcel",),
        due=START.add(days=days),
    )


@pytest.mark.parametrize("capacity", [5, 10_000])
def test_r4_reads_a_few_promises_of_an_owner_who_holds_many(
    store: Store, capacity: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rk = busy_owner(store, capacity)
    decodes = Decodes(monkeypatch)
    make(rk, days=200)  # after enough of the owner's promises fall due (at capacity 5)
    # Below capacity, one count decides; at capacity, the latest `capacity` due times.
    assert decodes.promises <= 5 + 1
    with store.unit_of_work() as uow:
        assert uow.count(Promise, owner_id=OWNER) == HELD + 1


def test_r4_refusal_at_capacity_reads_a_few_promises(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rk = busy_owner(store, capacity=5)
    decodes = Decodes(monkeypatch)
    with pytest.raises(RuleViolation, match="capacity"):
        make(rk, days=3)  # before any place frees: refused, with the earliest honest time
    assert decodes.promises <= 5 + 1
