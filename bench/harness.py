"""What every benchmark shares: sizes, result rows, interleaved timing and the table.

Each benchmark measures relationkit and its peer in the same process, in alternating rounds,
so that a busy machine slows both alike; the figure reported for each is the median of its
rounds, and the ratio is relationkit's median over the peer's.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

__all__ = [
    "SCALES",
    "Context",
    "Row",
    "Sizes",
    "alternate",
    "format_table",
    "machine_lines",
    "median_ms",
    "unavailable",
]

Batch = Callable[[int], float]
"""Runs ``n`` operations and returns the seconds they took (set-up excluded)."""


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does. ``full`` holds the sizes the targets are for."""

    rounds: int = 5
    b1_ops: int = 300
    b2_ops: int = 100
    b3_cases: int = 2_000
    b4_promises: int = 20_000
    b4_queries: int = 9
    b5_cases: int = 1_000
    b5_machines: int = 200
    b6_cases: int = 1_000
    b6_machines: int = 200
    b7_cases: int = 20
    b7_commands: int = 40
    b7_workers: tuple[int, ...] = (1, 2, 4)

    def override(self, assignments: Iterable[str]) -> Sizes:
        """A copy with ``name=value`` assignments applied (``b3_cases=5000``)."""
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(self)}
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            name = name.strip()
            if name not in known or not value:
                raise SystemExit(f"unknown size {assignment!r}; known: {', '.join(known)}")
            if name == "b7_workers":
                changes[name] = tuple(int(v) for v in value.split(","))
            else:
                changes[name] = int(value.replace("_", ""))
        return replace(self, **changes)


SCALES: dict[str, Sizes] = {
    "tiny": Sizes(
        rounds=2,
        b1_ops=20,
        b2_ops=10,
        b3_cases=200,
        b4_promises=1_000,
        b4_queries=3,
        b5_cases=100,
        b5_machines=20,
        b6_cases=100,
        b6_machines=20,
        b7_cases=4,
        b7_commands=6,
        b7_workers=(1, 2),
    ),
    "quick": Sizes(),
    "full": Sizes(
        rounds=5,
        b1_ops=1_000,
        b2_ops=300,
        b3_cases=100_000,
        b4_promises=1_000_000,
        b4_queries=25,
        b5_cases=10_000,
        b5_machines=1_000,
        b6_cases=10_000,
        b6_machines=1_000,
        b7_cases=200,
        b7_commands=300,
    ),
}


@dataclass
class Context:
    """Where the benchmarks keep their databases, and what they need to know."""

    sizes: Sizes
    workdir: str
    postgres_url: str | None
    verbose: bool = False
    log: Callable[[str], None] = field(default=lambda _: None)


@dataclass(frozen=True)
class Row:
    """One line of the results table.

    ``target`` is the limit ``figure`` must not exceed (``target_on="ratio"`` compares the
    ratio instead); rows without a target are context.
    """

    bench: str
    what: str
    figure: float | None
    unit: str
    peer: str = ""
    peer_figure: float | None = None
    target: float | None = None
    target_on: str = "figure"
    note: str = ""
    ok: bool | None = None
    target_label: str = ""

    @property
    def ratio(self) -> float | None:
        """relationkit's figure over the peer's."""
        if self.figure is None or not self.peer_figure:
            return None
        return self.figure / self.peer_figure

    @property
    def passed(self) -> bool | None:
        """True or False against the target, ``None`` for context rows."""
        if self.ok is not None:
            return self.ok
        if self.target is None or self.figure is None:
            return None
        value = self.ratio if self.target_on == "ratio" else self.figure
        return value is not None and value <= self.target

    @property
    def result(self) -> str:
        """PASS, FAIL, ``n/a`` (not measured) or ``-`` (context)."""
        if self.figure is None and self.ok is None:
            return "n/a"
        passed = self.passed
        if passed is None:
            return "-"
        return "PASS" if passed else "FAIL"

    def target_text(self) -> str:
        """The target as written in the table."""
        if self.target_label:
            return self.target_label
        if self.target is None:
            return ""
        if self.target_on == "ratio":
            return f"ratio <= {self.target:g}"
        return f"<= {_number(self.target)} {self.unit}"


def unavailable(bench: str, what: str, why: str, *, unit: str = "") -> Row:
    """A row for a benchmark that could not run: it says why instead of showing a figure."""
    return Row(bench, what, None, unit, note=f"not available: {why}")


def alternate(subject: Batch, peer: Batch, *, ops: int, rounds: int) -> tuple[float, float]:
    """Seconds per operation of ``subject`` and ``peer``, medians of alternating rounds
    (one warm-up round each first, not counted)."""
    subject(max(1, ops // 10))
    peer(max(1, ops // 10))
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        mine.append(subject(ops) / ops)
        theirs.append(peer(ops) / ops)
    return statistics.median(mine), statistics.median(theirs)


def per_op(batch: Batch, *, ops: int, rounds: int) -> float:
    """Seconds per operation of ``batch``: the median of ``rounds`` rounds after a warm-up."""
    batch(max(1, ops // 10))
    return statistics.median(batch(ops) / ops for _ in range(rounds))


def median_ms(run: Callable[[], Any], times: int) -> tuple[float, Any]:
    """The median wall time of ``run()`` in milliseconds over ``times`` runs, and the last
    result (one warm-up run first)."""
    result = run()
    spent: list[float] = []
    for _ in range(times):
        start = time.perf_counter()
        result = run()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent) * 1000, result


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10_000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


COLUMNS = ("bench", "what", "relationkit", "peer", "peer figure", "ratio", "target", "result")
"""The table's columns, in order."""


def format_table(rows: Sequence[Row]) -> str:
    """The results as one plain-text table, with notes under it."""
    lines: list[list[str]] = [list(COLUMNS)]
    notes: list[str] = []
    for row in rows:
        figure = "" if row.figure is None else f"{_number(row.figure)} {row.unit}".strip()
        peer_figure = (
            "" if row.peer_figure is None else f"{_number(row.peer_figure)} {row.unit}".strip()
        )
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        what = row.what
        if row.note:
            notes.append(f"[{len(notes) + 1}] {row.bench} {row.what}: {row.note}")
            what = f"{what} [{len(notes)}]"
        lines.append(
            [
                row.bench,
                what,
                figure or ("not available" if row.ok is None else ""),
                row.peer,
                peer_figure,
                ratio,
                row.target_text(),
                row.result,
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    right = {2, 4, 5}

    def render(line: list[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        return " | ".join(cells).rstrip()

    out = [render(lines[0]), "-+-".join("-" * w for w in widths)]
    out.extend(render(line) for line in lines[1:])
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out)


def machine_lines() -> list[str]:
    """Where the figures come from: CPU, cores, Python and the versions that matter."""
    from importlib.metadata import PackageNotFoundError, version

    names = (
        "relationkit",
        "python-statemachine",
        "transitions",
        "eventsourcing",
        "psycopg",
        "attrs",
        "cattrs",
        "pendulum",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sqlite3

    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}",
        "versions: " + ", ".join(found),
    ]
