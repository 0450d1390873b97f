"""Workflow diagrams are generated from the machines, and the committed ones are current."""

from __future__ import annotations

from pathlib import Path

import pytest
from statemachine import State, StateMachine

from relationkit import diagrams
from relationkit.exceptions import NotFound
from relationkit.workflows.registry import default_workflows

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "diagrams"
REGENERATE = "relationkit diagram --all --out docs/diagrams"


def has_pydot() -> bool:
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return True


def test_every_workflow_has_a_diagram() -> None:
    assert set(diagrams.machines()) == set(default_workflows())


@pytest.mark.parametrize("kind", sorted(default_workflows()))
def test_the_committed_mermaid_matches_its_machine(kind: str) -> None:
    path = COMMITTED / f"{kind}.mmd"
    assert path.is_file(), f"{path.name} is missing; run {REGENERATE}"
    expected = diagrams.mermaid(diagrams.machines()[kind])
    assert path.read_text(encoding="utf-8") == expected, f"{path.name} is stale; run {REGENERATE}"


@pytest.mark.skipif(not has_pydot(), reason="comparing DOT sources needs pydot (docs extra)")
@pytest.mark.parametrize("kind", sorted(default_workflows()))
def test_the_committed_dot_source_matches_its_machine(kind: str) -> None:
    path = COMMITTED / f"{kind}.dot"
    assert path.is_file(), f"{path.name} is missing; run {REGENERATE}"
    expected = diagrams.dot(diagrams.machines()[kind])
    assert path.read_text(encoding="utf-8") == expected, f"{path.name} is stale; run {REGENERATE}"


@pytest.mark.parametrize("kind", sorted(default_workflows()))
def test_the_committed_svg_exists(kind: str) -> None:
    svg = COMMITTED / f"{kind}.svg"
    assert svg.is_file(), f"{svg.name} is missing; run {REGENERATE}"
    assert "<svg" in svg.read_text(encoding="utf-8")


def test_the_diagram_page_shows_every_workflow_and_is_current() -> None:
    page = (COMMITTED / "index.md").read_text(encoding="utf-8")
    available = diagrams.machines()
    assert page == diagrams.index_page(list(available), available)
    for kind in available:
        assert f"({kind}.svg)" in page


def test_no_diagram_is_left_for_a_workflow_that_is_gone() -> None:
    kinds = {p.stem for p in COMMITTED.iterdir() if p.suffix in (".mmd", ".dot", ".svg")}
    assert kinds == set(default_workflows())


class Door(StateMachine):
    closed = State("Closed", initial=True)
    open = State("Open")
    push = closed.to(open)
    pull = open.to(closed)


class DoorWithLock(StateMachine):
    closed = State("Closed", initial=True)
    open = State("Open")
    locked = State("Locked")
    push = closed.to(open)
    pull = open.to(closed)
    lock = closed.to(locked)
    unlock = locked.to(closed)


def test_a_changed_machine_gives_a_different_diagram() -> None:
    assert diagrams.mermaid(Door) != diagrams.mermaid(DoorWithLock)
    assert "closed --> locked : Lock" in diagrams.mermaid(DoorWithLock)


@pytest.mark.skipif(not has_pydot(), reason="DOT needs pydot (docs extra)")
def test_dot_source_is_the_same_on_every_run() -> None:
    first = diagrams.dot(Door)
    assert first == diagrams.dot(Door)
    assert "__initial_1" in first


def test_unknown_workflows_and_formats_are_refused_by_name() -> None:
    with pytest.raises(NotFound, match="known workflows: calendar, case"):
        diagrams.select(["case", "nope"], diagrams.machines())
    with pytest.raises(NotFound, match="mmd, dot, svg"):
        diagrams.render(Door, "png")


def test_write_diagrams_writes_mermaid_without_graphviz(tmp_path: Path) -> None:
    written = diagrams.write_diagrams(tmp_path, ["case"], formats=["mmd"])
    assert [p.name for p in written] == ["case.mmd"]
    assert written[0].read_text(encoding="utf-8").startswith("stateDiagram-v2")
