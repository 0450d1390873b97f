"""Pictures of every workflow, drawn from the state machine classes themselves.

Nothing here is drawn by hand: each diagram is read off a workflow's python-statemachine
class, so a picture can never disagree with the machine that runs. Mermaid text needs
nothing beyond python-statemachine; SVG needs :mod:`pydot` and Graphviz's ``dot`` program.

``relationkit diagram --all --out docs/diagrams`` writes, for each workflow, ``<kind>.mmd``
(Mermaid), ``<kind>.dot`` (the Graphviz source, deterministic) and ``<kind>.svg``, plus an
``index.md`` page that shows them all.

Example:
    >>> from relationkit.diagrams import machines, mermaid
    >>> "case" in machines()
    True
    >>> print(mermaid(machines()["case"]).splitlines()[0])
    stateDiagram-v2
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from statemachine import StateMachine

from relationkit.exceptions import NotFound
from relationkit.workflows.engine import Workflow
from relationkit.workflows.registry import default_workflows

__all__ = [
    "FORMATS",
    "dot",
    "expected_files",
    "index_page",
    "machines",
    "mermaid",
    "render",
    "select",
    "svg",
    "write_diagrams",
]

FORMATS: tuple[str, ...] = ("mmd", "dot", "svg")
"""The file formats :func:`write_diagrams` can write, by file extension."""

_OBJECT_ID = re.compile(r"(?<=_)\d{6,}")


def machines(
    workflows: Mapping[str, Workflow[Any]] | None = None,
) -> dict[str, type[StateMachine]]:
    """The state machine class of every workflow, by aggregate kind, sorted by kind.

    Args:
        workflows: the workflows to draw; the built-in ones if omitted.
    """
    found = default_workflows() if workflows is None else workflows
    return {kind: found[kind].machine for kind in sorted(found)}


def select(kinds: Iterable[str], available: Mapping[str, type[StateMachine]]) -> list[str]:
    """Check that every name in ``kinds`` is a known workflow; return them in order.

    Raises:
        NotFound: a name is not a workflow (the message lists the known ones).
    """
    chosen: list[str] = []
    for kind in kinds:
        if kind not in available:
            raise NotFound("workflow", kind, f"known workflows: {', '.join(available)}")
        if kind not in chosen:
            chosen.append(kind)
    return chosen


def mermaid(machine: type[StateMachine]) -> str:
    """The machine's Mermaid ``stateDiagram-v2`` text (needs nothing but the class)."""
    return f"{machine:mermaid}".rstrip("\n") + "\n"


def dot(machine: type[StateMachine]) -> str:
    """The machine's Graphviz DOT source, made deterministic.

    python-statemachine names a few helper nodes after Python object ids, which change from
    one run to the next; they are renumbered in order of appearance so the same machine
    always gives the same text.

    Raises:
        ImportError: :mod:`pydot` is not installed (``pip install ".[docs]"`` in the source folder).
    """
    try:
        from statemachine.contrib.diagram import formatter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "drawing DOT or SVG diagrams needs pydot; install it with "
            "pip install '.[docs]' in relationkit's source folder (Mermaid needs nothing)"
        ) from exc
    try:
        source = formatter.render(machine, "dot")
    except ImportError as exc:
        raise ImportError(
            "drawing DOT or SVG diagrams needs pydot; install it with "
            "pip install '.[docs]' in relationkit's source folder (Mermaid needs nothing)"
        ) from exc
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), str(len(numbers) + 1))

    return _OBJECT_ID.sub(renumber, str(source)).rstrip("\n") + "\n"


def svg(machine: type[StateMachine]) -> str:
    """The machine drawn as SVG by Graphviz's ``dot`` program.

    Raises:
        ImportError: :mod:`pydot` is not installed.
        FileNotFoundError: Graphviz's ``dot`` program is not on ``PATH`` (on Debian and
            Ubuntu: ``apt-get install graphviz``).
    """
    from statemachine.contrib.diagram.graphviz import GraphvizNotFoundError, run_graphviz

    source = dot(machine)
    try:
        image = run_graphviz(source, "svg")
    except GraphvizNotFoundError as exc:
        raise FileNotFoundError(
            "drawing SVG diagrams needs Graphviz's 'dot' program on PATH; install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz) or write Mermaid text instead"
        ) from exc
    return image.decode("utf-8")


def render(machine: type[StateMachine], fmt: str) -> str:
    """The machine in one of :data:`FORMATS` (``"mmd"``, ``"dot"`` or ``"svg"``)."""
    if fmt == "mmd":
        return mermaid(machine)
    if fmt == "dot":
        return dot(machine)
    if fmt == "svg":
        return svg(machine)
    raise NotFound("diagram format", fmt, f"choose one of: {', '.join(FORMATS)}")


def _title(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def index_page(kinds: Sequence[str], available: Mapping[str, type[StateMachine]]) -> str:
    """A Markdown page showing each workflow as an SVG picture and as Mermaid text."""
    lines = [
        "% Generated by `relationkit diagram --all --out docs/diagrams`; do not edit by hand.",
        "",
        "# Workflow diagrams",
        "",
        "Every picture below is drawn from the workflow's state machine class, so it shows",
        "exactly the states and commands the library runs. A command that leads back to the",
        'same state (such as "escalate") changes the record without moving the workflow.',
        "",
    ]
    for kind in kinds:
        machine = available[kind]
        lines += [
            f"## {_title(kind)}",
            "",
            f"`{machine.__module__}.{machine.__qualname__}`",
            "",
            f"![The {kind} workflow]({kind}.svg)",
            "",
            "```mermaid",
            mermaid(machine).rstrip("\n"),
            "```",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def expected_files(
    kinds: Sequence[str] | None = None,
    *,
    formats: Sequence[str] = FORMATS,
    workflows: Mapping[str, Workflow[Any]] | None = None,
) -> dict[str, str]:
    """Every diagram file's name and text, as :func:`write_diagrams` would write them."""
    available = machines(workflows)
    chosen = list(available) if kinds is None else select(kinds, available)
    files: dict[str, str] = {}
    for kind in chosen:
        for fmt in formats:
            files[f"{kind}.{fmt}"] = render(available[kind], fmt)
    if kinds is None and "mmd" in formats and "svg" in formats:
        files["index.md"] = index_page(chosen, available)
    return files


def write_diagrams(
    out: str | Path,
    kinds: Sequence[str] | None = None,
    *,
    formats: Sequence[str] = FORMATS,
    workflows: Mapping[str, Workflow[Any]] | None = None,
) -> list[Path]:
    """Write the diagrams of ``kinds`` (every workflow if ``None``) into the folder ``out``.

    With every workflow and both Mermaid and SVG, an ``index.md`` page is written too.
    Nothing is written unless every diagram could be drawn.

    Returns:
        The paths written, in order.
    """
    files = expected_files(kinds, formats=formats, workflows=workflows)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
