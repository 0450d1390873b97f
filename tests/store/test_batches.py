"""``rk.batch()``: all or nothing, listeners told after the commit, nesting, refused commands
that leave nothing behind, and work that commits on its own (the sweeps) refused inside a
batch at once, on every store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import care_world
from relationkit import (
    BatchRolledBack,
    Client,
    InvalidInput,
    NotPermitted,
    Relations,
    RuleViolation,
    Staff,
)
from relationkit.cases import Accept, Acknowledge, Case
from relationkit.domain.events import Event
from relationkit.domain.promise import Promise
from relationkit.rules.base import Attempt
from relationkit.store.url import open_store
from relationkit.testing import ManualClock


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        # A short lock timeout: a write that waited on the batch's own lock fails fast.
        return f"sqlite:///{tmp_path / 'relations.db'}?timeout=0.2"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def rk(url: str) -> Iterator[Relations]:
    store = open_store(url)
    rk = Relations(store, clock=ManualClock(care_world.START))
    rk.register(
        Staff(id="s-sam", name="Sam Lee", roles={"agent"}),
        *(Client(id=f"c-{n}", name=f"Client {n}") for n in range(4)),
    )
    # Make the kinds' tables before any batch: a reader beside a batch then reads them
    # without waiting for the batch's lock to make them.
    assert stored(rk) == {"cases": {}, "promises": {}, "events": {}}
    yield rk
    store.close()


def stored(rk: Relations) -> dict[str, Any]:
    """Everything committed about cases and promises, read in a unit of work of its own (so
    nothing a batch holds uncommitted is seen)."""
    with rk.store.unit_of_work() as uow:
        cases = {c.id: (c.state, c.version) for c in uow.select(Case)}
        promises = {p.id: (p.state, p.version) for p in uow.select(Promise)}
        events = {i: [e.name for e in uow.events(Case, i)] for i in cases}
    return {"cases": cases, "promises": promises, "events": events}


def open_case(rk: Relations, n: int, case_id: str | None = None) -> Case:
    return rk.open_case(
        actor="s-sam",
        client=f"c-{n}",
        subject="Invoice",
        statement="The total is wrong.",
        case_id=case_id,
    )


def in_batch(rk: Relations, body: Callable[[], None]) -> None:
    with rk.batch():
        body()


# --- all or nothing -------------------------------------------------------------------------


def test_a_batch_stores_every_command_at_its_end(rk: Relations) -> None:
    with rk.batch():
        first = open_case(rk, 0, "k-0")
        rk.handle(first.id, Acknowledge(paraphrase="The total is wrong."), actor="s-sam")
        open_case(rk, 1, "k-1")
        assert stored(rk)["cases"] == {}  # nothing is committed before the end
        assert rk.case("k-0").state == "acknowledged"  # but commands inside see it
    assert stored(rk)["cases"] == {"k-0": ("acknowledged", 2), "k-1": ("opened", 1)}
    assert rk.verify_all().ok


def test_an_error_leaving_the_block_stores_nothing(rk: Relations) -> None:
    open_case(rk, 0, "k-0")
    before = stored(rk)

    def body() -> None:
        open_case(rk, 1, "k-1")
        rk.handle("k-0", Acknowledge(paraphrase="The total is wrong."), actor="s-sam")
        rk.handle("k-0", Accept(), actor="c-0")  # a client cannot answer a case

    with pytest.raises(NotPermitted):
        in_batch(rk, body)
    assert stored(rk) == before


def test_a_failure_caught_inside_rolls_back_the_whole_batch(rk: Relations) -> None:
    open_case(rk, 0, "k-0")
    before = stored(rk)

    def body() -> None:
        open_case(rk, 1, "k-1")
        with pytest.raises(NotPermitted):
            rk.handle("k-0", Accept(), actor="c-0")

    with pytest.raises(BatchRolledBack) as rolled_back:
        in_batch(rk, body)
    assert isinstance(rolled_back.value.cause, NotPermitted)
    assert rolled_back.value.retryable is False
    assert stored(rk) == before


def test_after_a_failure_the_next_command_in_the_batch_is_refused(rk: Relations) -> None:
    open_case(rk, 0, "k-0")
    before = stored(rk)

    def body() -> None:
        with pytest.raises(NotPermitted):
            rk.handle("k-0", Accept(), actor="c-0")
        with pytest.raises(BatchRolledBack) as refused:
            open_case(rk, 1, "k-1")
        assert isinstance(refused.value.cause, NotPermitted)

    with pytest.raises(BatchRolledBack):
        in_batch(rk, body)
    assert stored(rk) == before


def test_input_refused_before_anything_is_written_leaves_the_batch_going(rk: Relations) -> None:
    """A command refused for its arguments before it reaches the store (a blank id) has
    nothing to undo: the batch goes on and stores the rest."""
    with rk.batch():
        open_case(rk, 0, "k-0")
        with pytest.raises(InvalidInput):
            open_case(rk, 1, "  ")
        open_case(rk, 2, "k-2")
    assert set(stored(rk)["cases"]) == {"k-0", "k-2"}


def test_a_command_refused_after_writing_leaves_nothing_behind(rk: Relations) -> None:
    """A hook refuses after the command's event was appended in the batch: neither that
    event nor the commands before it are stored."""

    def refuse_acknowledging(event: Event, subject: Any, attempt: Attempt) -> list[Any]:
        if event.name == "CaseAcknowledged":
            raise RuleViolation(
                rule_id="X1",
                aggregate_id=subject.id,
                actor_id=attempt.actor.id,
                command=attempt.command_name,
                reason="acknowledging is paused",
            )
        return []

    rk.add_hook(refuse_acknowledging)
    open_case(rk, 0, "k-0")
    before = stored(rk)

    def body() -> None:
        open_case(rk, 1, "k-1")
        with pytest.raises(RuleViolation, match="acknowledging is paused"):
            rk.handle("k-0", Acknowledge(paraphrase="The total is wrong."), actor="s-sam")

    with pytest.raises(BatchRolledBack):
        in_batch(rk, body)
    assert stored(rk) == before
    assert rk.verify_all().ok


# --- listeners ------------------------------------------------------------------------------


def test_listeners_hear_everything_after_the_commit_in_order(rk: Relations) -> None:
    heard: list[tuple[str, str, bool]] = []

    def listener(event: Event, aggregate: Any) -> None:
        if not isinstance(aggregate, Case):
            return  # a case's first command opens its client's relationship too
        committed = aggregate.id in stored(rk)["cases"]
        heard.append((aggregate.id, event.name, committed))

    rk.subscribe(listener)
    with rk.batch():
        open_case(rk, 0, "k-0")
        rk.handle("k-0", Acknowledge(paraphrase="The total is wrong."), actor="s-sam")
        open_case(rk, 1, "k-1")
        assert heard == []
    assert heard == [
        ("k-0", "CaseOpened", True),
        ("k-0", "CaseAcknowledged", True),
        ("k-1", "CaseOpened", True),
    ]


def test_listeners_hear_nothing_of_a_rolled_back_batch(rk: Relations) -> None:
    heard: list[str] = []
    rk.subscribe(lambda event, aggregate: heard.append(event.name))

    def body() -> None:
        open_case(rk, 0, "k-0")
        with pytest.raises(NotPermitted):
            rk.handle("k-0", Accept(), actor="c-0")

    with pytest.raises(BatchRolledBack):
        in_batch(rk, body)
    assert heard == []


# --- nesting --------------------------------------------------------------------------------


def test_an_inner_batch_joins_the_outer_one(rk: Relations) -> None:
    heard: list[str] = []
    rk.subscribe(lambda event, aggregate: heard.append(aggregate.id), events={"CaseOpened"})
    with rk.batch():
        open_case(rk, 0, "k-0")
        with rk.batch():
            open_case(rk, 1, "k-1")
        assert stored(rk)["cases"] == {}  # the inner block's end commits nothing
        assert heard == []
        open_case(rk, 2, "k-2")
    assert set(stored(rk)["cases"]) == {"k-0", "k-1", "k-2"}
    assert heard == ["k-0", "k-1", "k-2"]


def test_an_error_leaving_an_inner_batch_rolls_back_the_outer_one(rk: Relations) -> None:
    """The inner block cannot be undone alone, so an error leaving it, even one no command
    raised, fails the whole batch rather than keeping half of the inner block."""
    before = stored(rk)

    def inner() -> None:
        open_case(rk, 1, "k-1")
        raise KeyError("the import's next row is missing")

    def body() -> None:
        open_case(rk, 0, "k-0")
        with pytest.raises(KeyError):
            in_batch(rk, inner)
        with pytest.raises(BatchRolledBack):
            open_case(rk, 2, "k-2")

    with pytest.raises(BatchRolledBack) as rolled_back:
        in_batch(rk, body)
    assert isinstance(rolled_back.value.cause, KeyError)
    assert stored(rk) == before
