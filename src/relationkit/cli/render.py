"""How the ``relationkit`` command shows things: rich tables and progress bars.

Everything shown here that comes from a store (a subject, a reason, an id, an error's
message) is shown literally: it goes into rich as :class:`~rich.text.Text`, never as markup,
so a client's words such as ``[bold]urgent[/bold]`` or a rule's ``[R1]`` print as they were
written.

Example:
    >>> import io
    >>> from rich.console import Console
    >>> console = Console(width=60, record=True, file=io.StringIO())
    >>> print_sections(console, [("Open cases", ["subject"], [["[red]Refund[/red]"]])])
    >>> "[red]Refund[/red]" in console.export_text()
    True
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import pendulum
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from relationkit.app.relations import Relations, VerificationReport
from relationkit.app.verification import Finding

__all__ = [
    "Section",
    "console",
    "finding_line",
    "literal",
    "print_sections",
    "rows_of",
    "summary",
    "table",
    "text_of",
    "verify_with_progress",
]

Section = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""A table for ``report`` or ``due``: a title, column headings and rows."""


def console(*, stderr: bool = False) -> Console:
    """The console the commands print to: 110 columns unless ``COLUMNS`` says otherwise,
    no highlighting of numbers or words, no soft wrapping; standard error with ``stderr``
    (progress bars, so that what goes to standard output stays clean)."""
    width = int(os.environ.get("COLUMNS", "0") or 0) or None
    return Console(highlight=False, soft_wrap=False, width=width if width else 110, stderr=stderr)


def text_of(value: Any) -> str:
    """A value as a table shows it: times in UTC, ``yes``/``no``, lists joined by commas,
    nothing for ``None``."""
    if value is None:
        return ""
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC").format("YYYY-MM-DD HH:mm") + " UTC"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | frozenset | set):
        return ", ".join(text_of(v) for v in value)
    return str(value)


def literal(value: Any, style: str = "") -> Text:
    """``value`` (see :func:`text_of`) as rich text that is never read as markup."""
    return Text(text_of(value), style=style)


def table(section: Section) -> Table:
    """A rich table of a section, every cell shown literally."""
    title, columns, rows = section
    shown = Table(title=Text(title), title_justify="left", title_style="bold")
    for column in columns:
        shown.add_column(Text(column), overflow="fold")
    for row in rows:
        shown.add_row(*(literal(v) for v in row))
    return shown


def print_sections(console: Console, sections: Iterable[Section]) -> None:
    """Print each section as a table, or as ``title: none`` when it has no rows."""
    for section in sections:
        title, _, rows = section
        if rows:
            console.print(table(section))
        else:
            console.print(Text.assemble((title, "bold"), ": none"))
        console.print()


_SIMPLE = (str, int, float, bool, pendulum.DateTime, pendulum.Duration)
_HIDDEN_FIELDS = frozenset({"version", "head"})


def rows_of(items: Sequence[Any], *, limit: int = 7) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows for a table of attrs records: their simple-valued fields, in
    declaration order (at most ``limit``), leaving out bookkeeping (version, hash)."""
    if not items or not attrs.has(type(items[0])):
        return ["item"], [[item] for item in items]
    columns = [
        f.name
        for f in attrs.fields(type(items[0]))
        if f.name not in _HIDDEN_FIELDS
        and any(isinstance(getattr(i, f.name), _SIMPLE) for i in items)
    ][:limit]
    return [c.replace("_", " ") for c in columns], [[getattr(i, c) for c in columns] for i in items]


def verify_with_progress(
    rk: Relations, console: Console, *, min_total: int = 200
) -> VerificationReport:
    """Check everything the store holds with
    :meth:`~relationkit.app.relations.Relations.verify_all`, showing a progress bar on
    ``console`` (a terminal) once it knows there are at least ``min_total`` timelines."""
    shown: list[tuple[Progress, TaskID]] = []

    def advance(done: int, total: int) -> None:
        if not shown:
            if total < min_total:
                return
            bar = Progress(
                TextColumn("Checking timelines"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            shown.append((bar, bar.add_task("verify", total=total)))
        bar, task = shown[0]
        bar.update(task, completed=done, total=total)

    try:
        return rk.verify_all(progress=advance)
    finally:
        for bar, _ in shown:
            bar.stop()


def finding_line(finding: Finding) -> Text:
    """One finding of verification on one line: its kind (``reordered``, ``projection`` …),
    what it concerns (the aggregate or record, the event or column) and its message."""
    where = " ".join(p for p in (finding.aggregate_kind, repr(finding.aggregate_id)) if p)
    if not finding.aggregate_id:
        where = finding.aggregate_kind
    if finding.sequence is not None:
        where += f" event {finding.sequence}"
    if finding.column is not None:
        where += f" column {finding.column!r}"
    return Text.assemble(
        (finding.kind, "red"),
        " ",
        (where + ": " if where else ""),
        " ".join(finding.message.split()),
    )


def summary(report: VerificationReport) -> str:
    """How many problems a report found, by kind: ``"2 problem(s) (1 reordered, 1
    projection)"``."""
    kinds: dict[str, int] = {}
    for finding in report.findings:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    by_kind = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    return f"{len(report.findings)} problem(s) ({by_kind})"
