"""Work that commits on its own (the sweeps, repairing columns) is refused inside
``rk.batch()`` at once, with nothing read or written, on every store; the batch goes on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import care_world
from relationkit import InsideBatch, Relations
from relationkit.cases import Case
from relationkit.domain.promise import Promise
from relationkit.store.url import open_store


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        # A short lock timeout: a write that waited on the batch's own lock fails fast.
        return f"sqlite:///{tmp_path / 'relations.db'}?timeout=0.2"
    return str(request.getfixturevalue("postgres_url"))


def stored(rk: Relations) -> dict[str, Any]:
    """The committed cases and promises, read in a unit of work of its own."""
    with rk.store.unit_of_work() as uow:
        cases = {c.id: (c.state, c.version) for c in uow.select(Case)}
        promises = {p.id: (p.state, p.version) for p in uow.select(Promise)}
    return {"cases": cases, "promises": promises}


# --- work that commits on its own -----------------------------------------------------------


@pytest.fixture
def due(url: str) -> Iterator[Relations]:
    """A store with overdue promises, lapsed proposals and cases owed a check-in, and the
    clock at the time all of it is due."""
    store = open_store(url)
    rk = care_world.relations(store)
    care_world.seed(rk, 2)
    rk.clock.set(care_world.SWEEP_AT)  # type: ignore[attr-defined]
    stored(rk)  # every kind's table is made before a batch: a reader beside it never waits
    yield rk
    store.close()


def test_sweeps_inside_a_batch_are_refused_at_once_and_the_batch_goes_on(due: Relations) -> None:
    rk = due
    before = stored(rk)
    refusals: list[InsideBatch] = []
    with rk.batch():
        opened = rk.open_case(
            actor="s-al", client="c-000", subject="Login", statement="Locked out."
        )
        for run in (
            rk.sweeps.run,
            rk.promises.run,
            rk.relationships.run,
            rk.feedback.run,
            lambda: rk.sweeps.process([]),
            lambda: rk.sweeps.process_due(Promise, {"state": "made"}, lambda uow, p: None),
            lambda: rk.repair_columns(opened.id),
        ):
            with pytest.raises(InsideBatch) as refused:
                run()
            refusals.append(refused.value)
    assert all("inside rk.batch()" in str(r) for r in refusals)
    assert refusals[0].operation == "rk.sweeps.run"
    after = stored(rk)
    # The batch's own command was stored; the sweeps did nothing.
    assert set(after["cases"]) == {*before["cases"], opened.id}
    assert after["promises"] == before["promises"]
    assert {state for state, _ in after["promises"].values()} == {"made"}
    # After the batch, the sweeps run as usual.
    done = rk.sweeps.run()
    assert len(done.promises.broken) == 2
    assert len(done.relationships.expired) == 2


def test_a_sweep_refused_inside_a_batch_that_then_fails_leaves_nothing(due: Relations) -> None:
    rk = due
    before = stored(rk)

    def body() -> None:
        with rk.batch():
            rk.open_case(actor="s-al", client="c-000", subject="Login", statement="Locked out.")
            rk.sweeps.run()

    with pytest.raises(InsideBatch):
        body()
    assert stored(rk) == before
