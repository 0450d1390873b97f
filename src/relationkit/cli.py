"""The ``relationkit`` command: play the demo stories, report, list what is due, verify
timelines and draw workflow diagrams.

Every command takes ``--db URL`` (before the command name) to choose the store: a file name
such as ``relations.db`` means an SQLite file; ``memory://`` keeps nothing.

Exit codes: 0 all went well; 1 something was found wrong (a broken timeline, a stale
diagram); 2 a mistake in how the command was called (a missing file, a bad URL, an unknown
workflow); 3 something the machine lacks (Graphviz, a database driver).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import attrs
import click
import pendulum
from rich.console import Console
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from relationkit import diagrams
from relationkit.app.relations import Relations, VerificationReport
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import Case
from relationkit.domain.parties import Party, Staff
from relationkit.exceptions import NotFound, RelationkitError, StoreError
from relationkit.store.base import Store
from relationkit.store.memory import MemoryStore
from relationkit.stories import Shown, Stage
from relationkit.testing import ManualClock

__all__ = [
    "DEFAULT_DB",
    "EXIT_ENVIRONMENT",
    "EXIT_FOUND_PROBLEMS",
    "EXIT_USAGE",
    "Section",
    "cli",
    "main",
    "open_db",
    "verify_with_progress",
]

DEFAULT_DB = "relations.db"
"""The store used when ``--db`` is not given: an SQLite file in the current folder."""

EXIT_FOUND_PROBLEMS = 1
"""Exit code when a check found something wrong."""
EXIT_USAGE = 2
"""Exit code for a mistake in how the command was called."""
EXIT_ENVIRONMENT = 3
"""Exit code when the machine lacks something the command needs."""

Section = tuple[str, Sequence[str], Sequence[Sequence[Any]]]
"""A table for ``report`` or ``due``: a title, column headings and rows."""


class Mistake(click.ClickException):
    """A user mistake, reported in one line without a traceback."""

    exit_code = EXIT_USAGE


class Missing(click.ClickException):
    """Something the machine lacks, reported in one line without a traceback."""

    exit_code = EXIT_ENVIRONMENT


class Found(click.ClickException):
    """A check found problems."""

    exit_code = EXIT_FOUND_PROBLEMS


# --- opening the store ------------------------------------------------------------------------


def _sqlite_path(url: str) -> str | None:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    return None


def normalize_url(db: str) -> str:
    """A store URL from what was passed to ``--db``: a bare file name means SQLite."""
    db = db.strip()
    if not db:
        raise Mistake("--db is empty; pass a file name such as relations.db or a store URL")
    if db in ("memory", ":memory:", "memory:", "memory://"):
        return "memory://"
    if "://" not in db:
        return f"sqlite:///{db}"
    return db


def open_db(db: str, *, must_exist: bool, echo: Callable[[str], None] | None = None) -> Store:
    """Open the store ``db`` names (see :func:`normalize_url`).

    Args:
        db: a file name or a store URL.
        must_exist: refuse an SQLite file that does not exist yet (reading commands).
        echo: where to say that an in-memory store stands in for SQLite, if it must.

    Raises:
        click.ClickException: a one-line explanation (a missing file, a bad URL, a
            backend that is not installed).
    """
    url = normalize_url(db)
    if url == "memory://":
        return MemoryStore()
    path = _sqlite_path(url)
    if must_exist and path is not None and not Path(path).is_file():
        raise Mistake(
            f"no database file at {path!r}; run 'relationkit demo' to create one, "
            "or pass --db with an existing file"
        )
    try:
        from relationkit.store.url import open_store  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        if path is not None and not must_exist:
            if echo is not None:
                echo(
                    "This installation of relationkit has no SQLite store yet; "
                    "the stories are played in memory and nothing is kept."
                )
            return MemoryStore()
        raise Missing(
            f"cannot open {url!r}: this installation of relationkit has no store for it"
        ) from None
    try:
        store: Store = open_store(url)
    except (RelationkitError, ValueError, OSError) as exc:
        raise Mistake(f"cannot open the store {url!r}: {_one_line(exc)}") from None
    return store


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- output -----------------------------------------------------------------------------------


def _console() -> Console:
    width = int(os.environ.get("COLUMNS", "0") or 0) or None
    return Console(highlight=False, soft_wrap=False, width=width if width else 110)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC").format("YYYY-MM-DD HH:mm") + " UTC"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, frozenset, set)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _table(section: Section) -> Table:
    title, columns, rows = section
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_text(v) for v in row))
    return table


def _name_of(rk: Relations, person_id: str, cache: dict[str, str]) -> str:
    if person_id not in cache:
        with rk.store.unit_of_work() as uow:
            found: Staff | Party | None = uow.find_record(Staff, person_id)
            if found is None:
                found = uow.find_record(Party, person_id)
        cache[person_id] = found.name if found is not None else person_id
    return cache[person_id]


def timeline_table(stage: Stage, shown: Shown) -> Table:
    """A readable table of a timeline a story shows, with people by name."""
    table = Table(
        title=f"{shown.caption}: timeline of {shown.cls.KIND} {shown.aggregate_id} "
        f"(times in {shown.zone})",
        title_justify="left",
        title_style="bold",
    )
    for column in ("#", "when", "who", "what happened", "details"):
        table.add_column(column, overflow="fold")
    for row in stage.timeline(shown):
        table.add_row(*row)
    return table


# --- sections that other parts of relationkit contribute -------------------------------------

_FACADES = ("relationships", "promises", "feedback", "policies")
"""Facades of :class:`Relations` whose tables ``report`` and ``due`` show when present."""


def _call_with_now(method: Callable[..., Any], now: pendulum.DateTime) -> Any:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        return method()
    for name in ("now", "at"):
        if name in parameters:
            return method(**{name: now})
    required = [
        p
        for p in parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return method(now) if required else method()


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


_KNOWN_SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("report", "Relationships at risk", "relationships", "at_risk"),
    ("report", "Severances awaiting approval", "relationships", "pending_approvals"),
    ("report", "Overdue promises", "promises", "overdue"),
    ("report", "Policy acknowledgements due", "policy", "reminders"),
    ("due", "Overdue promises", "promises", "overdue"),
    ("due", "Promises due soon", "promises", "due_soon"),
    ("due", "Client updates owed on vendor tickets", "liaison", "updates_due"),
    ("due", "Policy acknowledgements due", "policy", "reminders"),
)
"""Tables ``report`` and ``due`` show when ``Relations`` has the facade and method named."""


def _signal(name: str, summary: str) -> str:
    label = name.replace("_", " ")
    return summary if summary.startswith(label) else f"{label}: {summary}"


def _health_section(rk: Relations, now: pendulum.DateTime) -> Section | None:
    relationships: Any = getattr(rk, "relationships", None)
    health: Any = getattr(rk, "health", None)
    if not (hasattr(relationships, "select") and hasattr(health, "assess")):
        return None
    names: dict[str, str] = {}
    rows = []
    for relationship in relationships.select():
        report = health.assess(relationship.id, now=now)
        score = None if report.score is None else f"{report.score:.0f}/100"
        counted = [c for c in report.contributions if c.score is not None]
        weakest = min(counted, key=lambda c: c.score, default=None)
        rows.append(
            [
                relationship.id,
                _name_of(rk, relationship.party_id, names),
                relationship.state.replace("_", " "),
                score,
                "" if weakest is None else _signal(weakest.name, weakest.summary),
            ]
        )
    return (
        "Relationships and their health",
        ["relationship", "party", "state", "health", "weakest signal"],
        rows,
    )


def facade_sections(rk: Relations, command: str, now: pendulum.DateTime) -> list[Section]:
    """Tables contributed by the facades of ``rk`` (``rk.promises``, ``rk.relationships``,
    ``rk.feedback``, ``rk.policies``) for ``command`` (``"report"`` or ``"due"``).

    A facade contributes the tables of :data:`_KNOWN_SECTIONS` it has the methods for, and
    any others by offering ``report_sections(now)`` / ``due_sections(now)`` returning
    ``(title, columns, rows)`` tuples. Facades that are absent are skipped.
    """
    sections: list[Section] = []
    if command == "report":
        health = _health_section(rk, now)
        if health is not None:
            sections.append(health)
    for wanted, title, attr, method_name in _KNOWN_SECTIONS:
        method = getattr(getattr(rk, attr, None), method_name, None)
        if wanted == command and callable(method):
            columns, rows = rows_of(list(_call_with_now(method, now)))
            sections.append((title, columns, rows))
    for attr in _FACADES:
        hook = getattr(getattr(rk, attr, None), f"{command}_sections", None)
        if callable(hook):
            sections.extend(_call_with_now(hook, now))
    return sections


# --- the command group ------------------------------------------------------------------------


@attrs.define
class _Context:
    db: str


def _db_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--db`` on a command, overriding the one given before the command name."""
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="URL",
        help=f"The store (see 'relationkit --help'); {DEFAULT_DB} if not given anywhere.",
    )(function)


@click.group(
    name="relationkit",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=(
        "Exit codes: 0 all went well; 1 a check found problems; 2 a mistake in the call "
        "(missing file, bad URL, unknown workflow); 3 the machine lacks something "
        "(Graphviz, a database driver)."
    ),
)
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    envvar="RELATIONKIT_DB",
    metavar="URL",
    help="The store: an SQLite file name, or a URL such as sqlite:///path.db, "
    "postgresql://…, memory://. Also read from RELATIONKIT_DB.",
)
@click.version_option(package_name="relationkit")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """relationkit: client-care workflows that software enforces and audits.

    Start with 'relationkit demo', then look around with 'report', 'due' and 'verify'.
    """
    ctx.obj = _Context(db=db)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``relationkit`` console script)."""
    cli.main(args=None if argv is None else list(argv), prog_name="relationkit")


def _fail_from(exc: RelationkitError) -> NoReturn:
    if isinstance(exc, StoreError):
        raise Missing(_one_line(exc)) from None
    raise Mistake(_one_line(exc)) from None


# --- demo -------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--story",
    "names",
    multiple=True,
    metavar="NAME",
    help="Play only this story (repeatable). See --list.",
)
@click.option("--list", "list_only", is_flag=True, help="List the stories and stop.")
@_db_option
@click.pass_obj
def demo(obj: _Context, db: str | None, names: tuple[str, ...], list_only: bool) -> None:
    """Play the example stories into the store and print their timelines.

    Five short scenes between staff, clients and a vendor: saying no well, expectations and
    promises, the vendor liaison and a fault that comes back, feedback during and at the
    end, and ending a relationship. Some steps break a care rule on purpose: relationkit
    refuses them, says which rule and why, and stores nothing of them. Playing the demo
    again on the same store plays the stories beside the earlier ones (their people and
    records get ids ending in -2, -3 ...).
    """
    from relationkit import stories

    console = _console()
    if list_only:
        table = Table(title="Stories", title_justify="left", title_style="bold")
        for column in ("name", "title", "what it shows"):
            table.add_column(column, overflow="fold")
        for one in stories.stories():
            table.add_row(one.name, one.title, one.summary)
        console.print(table)
        return
    try:
        chosen = [stories.find_story(n) for n in names] if names else stories.stories()
    except NotFound as exc:
        _fail_from(exc)
    store = open_db(db or obj.db, must_exist=False, echo=lambda m: console.print(f"[yellow]{m}[/]"))
    clock = ManualClock()
    rk = Relations(store, clock=clock)
    for one in chosen:
        stage = stories.Stage(rk=rk, clock=clock)
        console.rule(f"[bold]{one.title}")
        console.print(one.summary, style="dim")
        try:
            one.play(stage)
        except RelationkitError as exc:
            _fail_from(exc)
        except stories.StoryBroken as exc:
            raise Found(f"the story {one.name!r} did not go as written: {_one_line(exc)}") from None
        _print_narration(console, stage)
        console.print()
        for shown in stage.shown:
            console.print(timeline_table(stage, shown))
            console.print()
    db = db or obj.db
    where = "memory" if isinstance(store, MemoryStore) else normalize_url(db)
    console.print(f"Played {len(chosen)} story(ies) into {where}.")
    if not isinstance(store, MemoryStore):
        flag = "" if db == DEFAULT_DB else f" --db {db}"
        last = clock.now().in_timezone("UTC").format("YYYY-MM-DDTHH:mm[Z]")
        console.print(
            f"Next: 'relationkit{flag} report' (relationships and their health, open cases, "
            f"what is overdue; add '--at {last}' to judge as of the stories' last moment), "
            f"'relationkit{flag} due' and 'relationkit{flag} verify'."
        )


def _step(label: str, text: str, reasons: Sequence[tuple[str, str]] = ()) -> Padding:
    """One step of a story: a label column, then the text (wrapped under itself)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(width=8, no_wrap=True)
    grid.add_column()
    grid.add_row(label, text)
    for rule_id, reason in reasons:
        grid.add_row("", f"[bold]{rule_id}[/]: {reason}")
    return Padding(grid, (0, 0, 0, 2))


def _print_narration(console: Console, stage: Stage) -> None:
    """A story's narration: what was said, what was accepted, and what was refused (with
    each rule's reason)."""
    for line in stage.lines:
        if line.kind == "say":
            console.print()
            console.print(Padding(line.text, (0, 0, 0, 2), expand=False), style="italic")
            for detail in line.details:
                indent = 4 + len(detail) - len(detail.lstrip())
                console.print(Padding(detail.strip(), (0, 0, 0, indent), expand=False), style="dim")
        elif line.kind == "done":
            console.print(_step("[green]accepted[/]", line.text))
        else:
            reasons = list(zip(line.rule_ids, line.reasons, strict=True))
            console.print(_step("[red]refused[/]", line.text, reasons))


# --- report -----------------------------------------------------------------------------------

_DONE_STATES = frozenset({"resolved", "closed"})


def _state_counts(rk: Relations) -> Section:
    rows: list[list[Any]] = []
    with rk.store.unit_of_work() as uow:
        for kind, workflow in sorted(rk.config.workflows.items()):
            for state in workflow.machine.states:
                count = uow.count(workflow.aggregate, state=state.value)
                if count:
                    rows.append([kind, state.name, count])
    return ("By state", ["workflow", "state", "count"], rows)


def _open_cases(rk: Relations) -> tuple[Section, Section]:
    names: dict[str, str] = {}
    with rk.store.unit_of_work() as uow:
        cases = uow.select(Case, state__in=[s for s in _case_states() if s not in _DONE_STATES])
    rows = [
        [
            c.id,
            _name_of(rk, c.client_id, names),
            c.subject,
            c.state,
            _name_of(rk, c.owner_id, names) if c.owner_id else "",
            c.opened_at,
            c.escalated,
        ]
        for c in cases
    ]
    replies = [
        [c.id, _name_of(rk, c.client_id, names), c.deferral.reply_by, c.deferral.reason]
        for c in cases
        if c.deferral is not None
    ]
    return (
        (
            "Open cases",
            ["case", "client", "subject", "state", "owner", "opened", "escalated"],
            rows,
        ),
        ("Replies owed (time bought)", ["case", "client", "reply by", "why"], replies),
    )


def _case_states() -> list[str]:
    from relationkit.workflows.case import CaseFlow

    return [s.value for s in CaseFlow.states]


def _print_sections(console: Console, sections: Iterable[Section]) -> None:
    for section in sections:
        if section[2]:
            console.print(_table(section))
        else:
            console.print(f"[bold]{section[0]}[/]: none")
        console.print()


def _parse_at(value: str | None) -> pendulum.DateTime | None:
    if value is None:
        return None
    try:
        parsed = pendulum.parse(value, tz=None)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise Mistake(
            f"--at {value!r} is not a date and time; write e.g. 2026-03-03T12:00Z"
        ) from exc
    if not isinstance(parsed, pendulum.DateTime):
        raise Mistake(f"--at {value!r} is not a date and time; write e.g. 2026-03-03T12:00Z")
    if parsed.tzinfo is None:
        raise Mistake(
            f"--at {value!r} names no time zone, so it could mean any of 24 instants; "
            "add an offset, e.g. 2026-03-03T12:00Z or 2026-03-03T12:00+01:00"
        )
    return parsed


@cli.command()
@click.option("--at", "at_text", metavar="WHEN", help="Judge as of this time (ISO 8601).")
@_db_option
@click.pass_obj
def report(obj: _Context, db: str | None, at_text: str | None) -> None:
    """Show what the store holds: everything by state, open cases, replies owed, and the
    tables of relationships (with their health), promises, approvals and policy
    acknowledgements where this installation has them; then check every timeline.

    Health and what is overdue are judged as of now, or as of --at (for instance the last
    day of the demo's stories, 2026-06-03T12:00Z).
    """
    console = _console()
    at = _parse_at(at_text)
    rk = Relations(
        open_db(db or obj.db, must_exist=True), clock=None if at is None else ManualClock(at)
    )
    try:
        now = rk.now()
        sections: list[Section] = [_state_counts(rk), *_open_cases(rk)]
        sections.extend(facade_sections(rk, "report", now))
        _print_sections(console, sections)
        result = verify_with_progress(rk, console)
    except RelationkitError as exc:
        _fail_from(exc)
    status = "[green]all intact[/]" if result.ok else f"[red]{len(result.problems)} broken[/]"
    console.print(f"Timelines checked: {result.checked}, {status}.")


# --- due --------------------------------------------------------------------------------------


@cli.command()
@click.option("--at", "at_text", metavar="WHEN", help="Judge as of this time (ISO 8601).")
@click.option(
    "--within",
    type=click.IntRange(min=0),
    default=24,
    show_default=True,
    metavar="HOURS",
    help="Also list what falls due within this many hours.",
)
@_db_option
@click.pass_obj
def due(obj: _Context, db: str | None, at_text: str | None, within: int) -> None:
    """List what is overdue or falls due soon: replies promised when time was bought,
    and the promises, check-ins and reminders of this installation's other workflows."""
    console = _console()
    at = _parse_at(at_text)
    rk = Relations(
        open_db(db or obj.db, must_exist=True), clock=None if at is None else ManualClock(at)
    )
    try:
        now = rk.now()
        horizon = now.add(hours=within)
        names: dict[str, str] = {}
        with rk.store.unit_of_work() as uow:
            deferred = uow.select(Case, state="deferred")
        rows: list[tuple[str, str, str, pendulum.DateTime, str]] = []
        for case in deferred:
            deferral = case.deferral
            if deferral is None or deferral.reply_by > horizon:
                continue
            status = "OVERDUE" if deferral.reply_by < now else "due soon"
            rows.append(
                (
                    status,
                    case.id,
                    _name_of(rk, case.client_id, names),
                    deferral.reply_by,
                    _name_of(rk, deferral.by, names),
                )
            )
        rows.sort(key=lambda r: r[3])
        sections: list[Section] = [
            ("Replies owed", ["status", "case", "client", "reply by", "promised by"], rows),
            *facade_sections(rk, "due", now),
        ]
    except RelationkitError as exc:
        _fail_from(exc)
    console.print(f"As of {_text(now)}, looking {within} hour(s) ahead.")
    console.print()
    _print_sections(console, sections)


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


# --- verify -----------------------------------------------------------------------------------


@cli.command()
@_db_option
@click.pass_obj
def verify(obj: _Context, db: str | None) -> None:
    """Check every timeline's hash chain and that each saved state matches its timeline.

    Exits with 1 when a timeline is broken, naming the first event that fails.
    """
    console = _console()
    rk = Relations(open_db(db or obj.db, must_exist=True))
    try:
        result = verify_with_progress(rk, console)
    except RelationkitError as exc:
        _fail_from(exc)
    for problem in result.problems:
        console.print(f"[red]broken[/] {_one_line(problem)}", soft_wrap=True)
    if not result.ok:
        raise Found(f"{len(result.problems)} of {result.checked} timelines are broken")
    console.print(f"{result.checked} timeline(s) checked; all intact.")


# --- diagram ---------------------------------------------------------------------------------


def _differs(path: Path, text: str) -> bool:
    """True when ``path`` is missing or (for text formats) holds other text. SVG files are
    only checked to exist: Graphviz versions lay pictures out differently, while the DOT
    source beside them is compared exactly."""
    if not path.is_file():
        return True
    return path.suffix != ".svg" and path.read_text(encoding="utf-8") != text


@cli.command()
@click.argument("workflows", nargs=-1, metavar="[WORKFLOW]...")
@click.option("--all", "all_", is_flag=True, help="Every workflow (and an index.md page).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the files into this folder (created if needed). Without it, print one diagram.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(diagrams.FORMATS),
    help="mmd (Mermaid), dot (Graphviz source) or svg; repeatable. Default: all three "
    "with --out, mmd when printing.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit with 1 if the files in --out differ from the machines.",
)
def diagram(
    workflows: tuple[str, ...],
    all_: bool,
    out: Path | None,
    formats: tuple[str, ...],
    check: bool,
) -> None:
    """Draw workflows' state diagrams from their state machine classes.

    Example: relationkit diagram --all --out docs/diagrams
    """
    available = diagrams.machines()
    if not workflows and not all_:
        raise Mistake(f"name a workflow ({', '.join(available)}) or pass --all")
    unknown = [w for w in workflows if w not in available]
    if unknown:
        raise Mistake(f"unknown workflow {unknown[0]!r}; known workflows: {', '.join(available)}")
    try:
        kinds = None if all_ else diagrams.select(workflows, available)
        if out is None:
            if check:
                raise Mistake("--check compares files; give the folder with --out")
            chosen = list(available) if kinds is None else kinds
            fmt = formats[0] if formats else "mmd"
            if len(chosen) != 1 or len(formats) > 1:
                raise Mistake("printing shows one diagram; name one workflow and one format")
            click.echo(diagrams.render(available[chosen[0]], fmt), nl=False)
            return
        expected = diagrams.expected_files(kinds, formats=formats or diagrams.FORMATS)
    except NotFound as exc:
        _fail_from(exc)
    except (ImportError, FileNotFoundError) as exc:
        raise Missing(_one_line(exc)) from None
    if check:
        stale = [name for name, text in expected.items() if _differs(out / name, text)]
        if stale:
            raise Found(
                f"out of date in {out}: {', '.join(stale)}; regenerate with "
                f"'relationkit diagram --all --out {out}'"
            )
        click.echo(f"{len(expected)} diagram file(s) in {out} match their machines.")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        (out / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out / name}")
