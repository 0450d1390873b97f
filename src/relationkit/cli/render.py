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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from relationkit.app.relations import Relations, VerificationReport
from relationkit.domain.aggregate import Aggregate
from relationkit.exceptions import RelationkitError

__all__ = [
    "Section",
    "console",
    "literal",
    "print_sections",
    "rows_of",
    "table",
    "text_of",
    "verify_with_progress",
]

Section = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""A table for ``report`` or ``due``: a title, column headings and rows."""


def console() -> Console:
    """The console the commands print to: 110 columns unless ``COLUMNS`` says otherwise,
    no highlighting of numbers or words, no soft wrapping."""
    width = int(os.environ.get("COLUMNS", "0") or 0) or None
    return Console(highlight=False, soft_wrap=False, width=width if width else 110)


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
    """Check every timeline, as :meth:`~relationkit.app.relations.Relations.verify_all` does,
    showing a progress bar on a terminal when there are at least ``min_total`` of them."""
    targets: list[tuple[type[Aggregate], str]] = []
    for workflow in rk.config.workflows.values():
        with rk.store.unit_of_work() as uow:
            targets.extend((workflow.aggregate, i) for i in uow.ids(workflow.aggregate))
    problems: list[RelationkitError] = []
    with Progress(
        TextColumn("Checking timelines"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=len(targets) < min_total,
    ) as progress:
        task = progress.add_task("verify", total=len(targets))
        for cls, aggregate_id in targets:
            try:
                rk.verify(aggregate_id, cls)
            except RelationkitError as exc:
                problems.append(exc)
            progress.advance(task)
    return VerificationReport(len(targets), tuple(problems))
