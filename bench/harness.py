"""What every benchmark shares: sizes, result rows, side-by-side timing and the table.

The method, in one place (:func:`interleave`): relationkit and its peer (and any context
rows) run in the same process, taking turns in small slices (about 25 commands each), the
order of the turns rotating so that no side always goes first. A round is several such
slices; the figure of a side is its median over rounds, and the ratio is the median of
the per-round ratios, so a burst of load elsewhere on a shared machine, which comes and
goes within seconds, is paid by both sides alike. The spread of the per-round ratios is
printed next to the ratio.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

__all__ = [
    "COLUMNS",
    "CPU",
    "SCALES",
    "WALL",
    "Context",
    "Row",
    "Side",
    "Sizes",
    "Timings",
    "format_markdown",
    "format_table",
    "interleave",
    "machine_lines",
    "rss_bytes",
    "skipped",
]

Side = Callable[[int], float]
"""Runs ``n`` operations and returns the seconds they took (set-up excluded)."""

CPU: Callable[[], float] = time.thread_time
"""The clock of work that waits for nothing (in memory, or SQLite reading a file the
operating system has cached): the CPU time of the benchmark's thread. Other processes on a
shared machine delay it, but do not add to it."""
WALL: Callable[[], float] = time.perf_counter
"""The clock of work that waits for a disk (a commit) or a server (PostgreSQL): wall time,
which is what the application waits too."""

CLOCK_NOTES = {
    CPU: "CPU time of the benchmark's thread",
    WALL: "wall time",
}


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does. ``full`` holds the sizes the targets are for."""

    rounds: int = 7
    """Rounds of every interleaved benchmark; figures are medians over them."""
    slice_ops: int = 25
    """Commands per turn when sides take turns."""
    b1_slices: int = 8
    """Turns per round in B1 (each side runs ``slice_ops`` commands per turn)."""
    b2_slices: int = 1
    b3_cases: int = 10_000
    b3_rounds: int = 5
    b4_sizes: tuple[int, ...] = (2_000, 20_000)
    b4_queries: int = 10
    b5_cases: int = 10_000
    fresh_runs: int = 1
    """Fresh processes per measurement that needs one (B4 and B11 first query, B5)."""
    b6_sizes: tuple[int, ...] = (2_000, 10_000)
    b6_rounds: int = 5
    b7_cases: int = 20
    b7_commands: int = 30
    b7_workers: tuple[int, ...] = (1, 2)
    b8_events: int = 10_000
    b8_slice: int = 4
    b8_slices: int = 1
    b8_rounds: int = 3
    b9_open: int = 5_000
    b9_slice: int = 4
    b9_slices: int = 1
    b9_rounds: int = 3
    b10_commands: int = 200
    b10_rounds: int = 3
    b11_sizes: tuple[int, ...] = (2_000, 20_000)
    b11_queries: int = 10

    def override(self, assignments: Iterable[str]) -> Sizes:
        """A copy with ``name=value`` assignments applied (``b3_cases=5000``; tuples are
        comma-separated: ``b4_sizes=1000,10000``)."""
        changes: dict[str, Any] = {}
        known = {f.name: f for f in fields(self)}
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            name = name.strip()
            if name not in known or not value:
                raise SystemExit(f"unknown size {assignment!r}; known: {', '.join(known)}")
            if isinstance(getattr(self, name), tuple):
                changes[name] = tuple(int(v.replace("_", "")) for v in value.split(","))
            else:
                changes[name] = int(value.replace("_", ""))
        return replace(self, **changes)


SCALES: dict[str, Sizes] = {
    # Enough to run every line of every benchmark once: the test suite's smoke test.
    "tiny": Sizes(
        rounds=1,
        slice_ops=3,
        b1_slices=1,
        b2_slices=1,
        b3_cases=70,
        b3_rounds=1,
        b4_sizes=(300, 600),
        b4_queries=2,
        b5_cases=140,
        b6_sizes=(70, 140),
        b6_rounds=1,
        b7_cases=4,
        b7_commands=4,
        b7_workers=(1, 2),
        b8_events=40,
        b8_slice=2,
        b8_rounds=1,
        b9_open=20,
        b9_slice=2,
        b9_rounds=1,
        b10_commands=6,
        b10_rounds=1,
        b11_sizes=(300, 600),
        b11_queries=2,
    ),
    "quick": Sizes(),
    "full": Sizes(
        rounds=11,
        b1_slices=20,
        b2_slices=5,
        b3_cases=100_000,
        b3_rounds=5,
        b4_sizes=(10_000, 100_000, 1_000_000),
        b4_queries=25,
        b5_cases=100_000,
        fresh_runs=3,
        b6_sizes=(10_000, 100_000),
        b6_rounds=7,
        b7_cases=200,
        b7_commands=300,
        b7_workers=(1, 2, 4),
        b8_slice=10,
        b8_slices=2,
        b8_rounds=7,
        b9_slice=10,
        b9_slices=2,
        b9_rounds=7,
        b10_commands=1_000,
        b10_rounds=5,
        b11_sizes=(10_000, 100_000, 1_000_000),
        b11_queries=25,
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
    scale: str = "quick"


@dataclass(frozen=True)
class Row:
    """One line of the results table.

    ``target`` is the limit that ``figure`` (``target_on="figure"``) or the ratio
    (``target_on="ratio"``) must not exceed; rows without a target are context. ``ratio``
    is the median of per-round ratios when the benchmark measured one (``low`` and
    ``high`` its spread), else ``figure / peer_figure``.
    """

    bench: str
    what: str
    figure: float | None
    unit: str
    peer: str = ""
    peer_figure: float | None = None
    paired_ratio: float | None = None
    low: float | None = None
    high: float | None = None
    target: float | None = None
    target_on: str = "figure"
    note: str = ""
    ok: bool | None = None
    target_label: str = ""
    status: str = "measured"
    """``measured``, ``skipped`` (cannot run here, e.g. no PostgreSQL) or ``error``."""

    @property
    def ratio(self) -> float | None:
        """relationkit's figure over the peer's (the median of per-round ratios if known)."""
        if self.paired_ratio is not None:
            return self.paired_ratio
        if self.figure is None or not self.peer_figure:
            return None
        return self.figure / self.peer_figure

    @property
    def passed(self) -> bool | None:
        """True or False against the target, ``None`` for context and unmeasured rows."""
        if self.ok is not None:
            return self.ok
        if self.target is None or self.figure is None:
            return None
        value = self.ratio if self.target_on == "ratio" else self.figure
        return value is not None and value <= self.target

    @property
    def result(self) -> str:
        """met, MISSED, ``skipped``, ``ERROR`` or ``-`` (context)."""
        if self.status == "skipped":
            return "skipped"
        if self.status == "error":
            return "ERROR"
        passed = self.passed
        if passed is None:
            return "-"
        return "met" if passed else "MISSED"

    def target_text(self) -> str:
        """The target as written in the table."""
        if self.target_label:
            return self.target_label
        if self.target is None:
            return ""
        if self.target_on == "ratio":
            return f"ratio <= {self.target:g}"
        return f"<= {_number(self.target)} {self.unit}"

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data (to pass it between processes)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        """The row :meth:`to_dict` gave."""
        return cls(**data)


def skipped(bench: str, what: str, why: str, *, unit: str = "") -> Row:
    """A row for a benchmark that cannot run here: it says why instead of showing a figure."""
    return Row(bench, what, None, unit, note=f"skipped: {why}", status="skipped")


NO_POSTGRES = "no PostgreSQL URL (set RELATIONKIT_TEST_POSTGRES_URL or pass --postgres-url)"


# --- side by side -----------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds per operation of each side, one figure per round."""

    per_round: dict[str, list[float]]

    def median(self, side: str) -> float:
        """The side's median seconds per operation."""
        return statistics.median(self.per_round[side])

    def ratios(self, side: str, peer: str) -> list[float]:
        """The side's time over the peer's, round by round."""
        return [
            mine / theirs
            for mine, theirs in zip(self.per_round[side], self.per_round[peer], strict=True)
            if theirs > 0
        ]

    def row(
        self,
        bench: str,
        what: str,
        side: str,
        peer: str,
        *,
        peer_label: str,
        scale: float = 1e6,
        unit: str = "us",
        **extra: Any,
    ) -> Row:
        """A row for ``side`` against ``peer``: medians, the paired ratio and its spread."""
        ratios = self.ratios(side, peer)
        return Row(
            bench,
            what,
            self.median(side) * scale,
            unit,
            peer=peer_label,
            peer_figure=self.median(peer) * scale,
            paired_ratio=statistics.median(ratios) if ratios else None,
            low=min(ratios) if ratios else None,
            high=max(ratios) if ratios else None,
            **extra,
        )


def interleave(
    sides: Sequence[tuple[str, Side]],
    *,
    slice_ops: int,
    slices: int,
    rounds: int,
    warmup: int | None = None,
) -> Timings:
    """Run ``sides`` in turns of ``slice_ops`` operations, ``slices`` turns each per round.

    Turn ``k`` of round ``r`` starts with side ``(r * slices + k) % len(sides)``, so each
    side goes first equally often. Every side first runs ``warmup`` operations (one slice
    if omitted) that are not counted. The collector runs before each round, outside the
    timed regions, so that no side pays for the garbage another left behind at the start of
    a round; within a round each side pays for its own collections, as a program would.
    """
    names = [name for name, _ in sides]
    for _, side in sides:
        side(slice_ops if warmup is None else warmup)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    turn = 0
    for _ in range(rounds):
        gc.collect()
        spent = dict.fromkeys(names, 0.0)
        for _ in range(slices):
            start = turn % len(sides)
            for name, side in (*sides[start:], *sides[:start]):
                spent[name] += side(slice_ops)
            turn += 1
        for name in names:
            per_round[name].append(spent[name] / (slice_ops * slices))
    return Timings(per_round)


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``run()`` took, and what it returned."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


# --- memory -------------------------------------------------------------------------------------


def rss_bytes() -> int | None:
    """The resident set size of this process now (Linux: ``/proc/self/statm``), or
    ``None`` where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident * os.sysconf("SC_PAGE_SIZE")


# --- the table ----------------------------------------------------------------------------------


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


def _ratio_text(row: Row) -> str:
    ratio = row.ratio
    if ratio is None:
        return ""
    text = f"{ratio:.2f}"
    if row.low is not None and row.high is not None and row.low != row.high:
        text += f" ({row.low:.2f}-{row.high:.2f})"
    return text


COLUMNS = ("bench", "what", "relationkit", "peer", "peer figure", "ratio", "target", "result")
"""The table's columns, in order."""


def _cells(row: Row) -> list[str]:
    figure = "" if row.figure is None else f"{_number(row.figure)} {row.unit}".strip()
    peer_figure = (
        "" if row.peer_figure is None else f"{_number(row.peer_figure)} {row.unit}".strip()
    )
    return [
        row.bench,
        row.what,
        figure,
        row.peer,
        peer_figure,
        _ratio_text(row),
        row.target_text(),
        row.result,
    ]


def format_table(rows: Sequence[Row]) -> str:
    """The results as one plain-text table, with numbered notes under it."""
    lines: list[list[str]] = [list(COLUMNS)]
    notes: list[str] = []
    for row in rows:
        cells = _cells(row)
        if row.note:
            notes.append(f"[{len(notes) + 1}] {row.bench} {row.what}: {row.note}")
            cells[1] = f"{cells[1]} [{len(notes)}]"
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    right = {2, 4}

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


def format_markdown(rows: Sequence[Row], command: Callable[[Row], str]) -> str:
    """The results as a Markdown table, with the command that measures each row, and the
    numbered notes under it."""
    header = [*COLUMNS, "command"]
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    notes: list[str] = []
    for row in rows:
        cells = [*_cells(row), f"`{command(row)}`"]
        if row.note:
            notes.append(f"{len(notes) + 1}. {row.bench} {row.what}: {row.note}")
            cells[1] = f"{cells[1]} [{len(notes)}]"
        cells = [cell.replace("|", "\\|") for cell in cells]
        out.append("| " + " | ".join(cells) + " |")
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out)


def machine_lines() -> list[str]:
    """Where the figures come from: CPU, cores, Python and the versions that matter."""
    import sqlite3
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
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}",
        "versions: " + ", ".join(found),
    ]
