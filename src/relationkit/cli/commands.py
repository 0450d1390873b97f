"""The commands of ``relationkit``: ``demo``, ``report``, ``due``, ``verify``, ``migrate`` and
``diagram``.

Every command takes ``--db URL`` (before or after the command name) to choose the store: a
file name such as ``relations.db`` means an SQLite file; ``memory://`` keeps nothing. The
reading commands (``report``, ``due``, ``verify``) open the store read-only: they create,
migrate and write nothing, and refuse a store that holds no schema yet or an older one
(``relationkit migrate`` brings it up to date).

Every command exits with one of the codes of :data:`EXIT_CODES`.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import attrs
import click
import pendulum
from rich.table import Table
from rich.text import Text

from relationkit import diagrams
from relationkit.app.relations import Relations, VerificationReport
from relationkit.cli import examples, render
from relationkit.cli.render import Section, rows_of, text_of, verify_with_progress
from relationkit.clock import ManualClock
from relationkit.domain.case import Case
from relationkit.domain.entries import DirectoryEntry
from relationkit.domain.parties import Party, Staff
from relationkit.exceptions import (
    InvalidInput,
    MigrationNeeded,
    NotFound,
    RelationkitError,
    RelationkitWarning,
    StoreError,
)
from relationkit.store.base import Store
from relationkit.store.memory import MemoryStore
from relationkit.store.schema import SCHEMA_VERSION
from relationkit.store.url import open_store, redact, sqlite_file
from relationkit.workflows.case import CaseFlow

__all__ = [
    "DEFAULT_DB",
    "DEMO_OFFICE",
    "EXIT_CODES",
    "EXIT_ENVIRONMENT",
    "EXIT_FOUND_PROBLEMS",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "cli",
    "due_sections",
    "main",
    "normalize_url",
    "open_db",
    "readable_warnings",
    "report_sections",
]

DEFAULT_DB = "relations.db"
"""The store used when ``--db`` is not given: an SQLite file in the current folder."""

EXIT_OK = 0
"""Exit code when all went well, and any check the command ran found nothing wrong."""
EXIT_FOUND_PROBLEMS = 1
"""Exit code when a check found something wrong."""
EXIT_USAGE = 2
"""Exit code for a mistake in how the command was called."""
EXIT_UNAVAILABLE = 3
"""Exit code when the store or the environment is unavailable or damaged."""
EXIT_ENVIRONMENT = EXIT_UNAVAILABLE
"""The former name of :data:`EXIT_UNAVAILABLE`."""

EXIT_CODES: Mapping[int, str] = {
    EXIT_OK: "all went well, and any check the command ran found nothing wrong",
    EXIT_FOUND_PROBLEMS: "a check found problems: verify's findings, the check at the end of "
    "report, diagram --check's out-of-date files, a demo story that did not play to its end",
    EXIT_USAGE: "a mistake in how the command was called: an unknown command or option, a "
    "value it cannot take (--at, a store URL it does not understand), an unknown workflow or "
    "story, a demo into a store that holds records already",
    EXIT_UNAVAILABLE: "the store or the environment is unavailable or damaged: no database "
    "file, a server that cannot be reached, a file that is no database or is damaged, a "
    "schema to create or migrate first (relationkit migrate), a missing database driver, "
    "Graphviz or example scripts",
}
"""Every exit code of every command, with what it means (the same for all commands)."""

DEMO_OFFICE = "s-front-office"
"""The member of staff ``relationkit demo`` registers in the new store before the stories:
it registers each story's people (the first registration of a store is the setup's, and
after it someone who may must register; see :mod:`relationkit.app.directory`)."""


class Mistake(click.ClickException):
    """A user mistake, reported in one line without a traceback."""

    exit_code = EXIT_USAGE


class Unavailable(click.ClickException):
    """The store or the environment is unavailable or damaged: one line, no traceback."""

    exit_code = EXIT_UNAVAILABLE


Missing = Unavailable
"""The former name of :class:`Unavailable`."""


class Found(click.ClickException):
    """A check found problems."""

    exit_code = EXIT_FOUND_PROBLEMS


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _fail_from(exc: RelationkitError) -> NoReturn:
    """Exit for an error the library raised: a value refused is a usage mistake (2);
    anything else (the store cannot be read, damage met on the way) exit code 3."""
    if isinstance(exc, InvalidInput):
        raise Mistake(_one_line(exc)) from None
    raise Unavailable(_one_line(exc)) from None


@contextlib.contextmanager
def readable_warnings() -> Iterator[None]:
    """While it lasts, relationkit's warnings (a corrupt row left out of a list,
    :class:`~relationkit.exceptions.UnreadableSkipped`) are shown as one line each on
    standard error, ``warning: …``, rather than in Python's own format; other warnings are
    shown as usual."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", RelationkitWarning)
        usual = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: Any = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, RelationkitWarning):
                click.echo(f"warning: {' '.join(str(message).split())}", err=True)
            else:
                usual(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


# --- opening the store ------------------------------------------------------------------------


def normalize_url(db: str) -> str:
    """A store URL from what was passed to ``--db``: a bare file name means SQLite.

    Example:
        >>> normalize_url("relations.db")
        'sqlite:///relations.db'
    """
    db = db.strip()
    if not db:
        raise Mistake("--db is empty; pass a file name such as relations.db or a store URL")
    if db in ("memory", ":memory:", "memory:", "memory://"):
        return "memory://"
    if "://" not in db:
        if db.lower().startswith(("sqlite:", "postgres:", "postgresql:")):
            raise Mistake(
                f"--db {db!r} looks like a URL without '://' after its scheme; write "
                "sqlite:///path/to/file.db, postgresql://user@host/database, or a plain "
                "file name"
            )
        return f"sqlite:///{db}"
    return db


def open_db(db: str, *, must_exist: bool, read_only: bool = False) -> Store:
    """Open the store ``db`` names (see :func:`normalize_url`).

    Args:
        db: a file name or a store URL (an SQLite URL may carry its options:
            ``sqlite:///relations.db?timeout=10``).
        must_exist: refuse an SQLite file that does not exist yet (reading commands).
        read_only: open it read-only (the reading commands): nothing is created, migrated
            or written.

    Raises:
        click.ClickException: a one-line explanation, with the exit code of
            :data:`EXIT_CODES`: a URL it does not understand (2); a missing file, a
            database that cannot be reached or read, a schema to migrate first, a driver
            that is not installed (3).
    """
    url = normalize_url(db)
    if url == "memory://":
        return MemoryStore(read_only=read_only)
    path = sqlite_file(url)
    if must_exist and path is not None and not Path(path).is_file():
        raise Unavailable(
            f"no database file at {path!r}; run 'relationkit demo' to create one, "
            "or pass --db with an existing file"
        )
    try:
        return open_store(url, read_only=read_only)
    except InvalidInput as exc:
        raise Mistake(f"cannot open the store {redact(url)!r}: {_one_line(exc)}") from None
    except (RelationkitError, ValueError, OSError) as exc:
        raise Unavailable(f"cannot open the store {redact(url)!r}: {_one_line(exc)}") from None


def _relations(obj: _Context, db: str | None, at: pendulum.DateTime | None = None) -> Relations:
    """The service over the store a reading command names, opened read-only, judging as of
    ``at`` if given."""
    store = open_db(db or obj.db, must_exist=True, read_only=True)
    return Relations(store, clock=None if at is None else ManualClock(at))


# --- what report and due show -----------------------------------------------------------------


def _name_of(rk: Relations, person_id: str, cache: dict[str, str]) -> str:
    if person_id not in cache:
        with rk.store.unit_of_work() as uow:
            found: Staff | Party | None = uow.find_record(Staff, person_id)
            if found is None:
                found = uow.find_record(Party, person_id)
        cache[person_id] = found.name if found is not None else person_id
    return cache[person_id]


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
    open_states = [s.value for s in CaseFlow.states if s.value not in _DONE_STATES]
    with rk.store.unit_of_work() as uow:
        cases = uow.select(Case, state__in=open_states)
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


def _records(title: str, items: Sequence[Any]) -> Section:
    columns, rows = rows_of(items)
    return (title, columns, rows)


def _weakest_signal(report: Any) -> str:
    counted = [c for c in report.contributions if c.score is not None]
    weakest = min(counted, key=lambda c: c.score, default=None)
    if weakest is None:
        return ""
    label = weakest.name.replace("_", " ")
    summary: str = weakest.summary
    return summary if summary.startswith(label) else f"{label}: {summary}"


def _health(rk: Relations, at: pendulum.DateTime | None) -> Section:
    names: dict[str, str] = {}
    rows = []
    for relationship in rk.relationships.select():
        report = rk.health.assess(relationship.id, now=at)
        rows.append(
            [
                relationship.id,
                _name_of(rk, relationship.party_id, names),
                relationship.state.replace("_", " "),
                None if report.score is None else f"{report.score:.0f}/100",
                _weakest_signal(report),
            ]
        )
    return (
        "Relationships and their health",
        ["relationship", "party", "state", "health", "weakest signal"],
        rows,
    )


def _attainment(rk: Relations) -> Section:
    rows = [
        [
            a.key[0],
            a.key[1],
            a.key[2],
            a.met,
            a.breached,
            "" if a.rate is None else f"{a.rate:.0%}",
            a.cases,
        ]
        for a in rk.service_levels.attainment(by=("policy", "priority", "kind"))
    ]
    return (
        "Service-level attainment",
        ["policy", "priority", "party kind", "met", "breached", "attainment", "cases"],
        rows,
    )


def report_sections(
    rk: Relations, now: pendulum.DateTime, *, at: pendulum.DateTime | None = None
) -> list[Section]:
    """The tables ``report`` shows, judged as of ``now``: everything by state, open cases,
    replies owed, relationships with their health (as they stood at ``at``, if given), those
    at risk, severances awaiting approval, overdue promises, service-level attainment (by
    policy, priority and party kind) and policy acknowledgements due."""
    return [
        _state_counts(rk),
        *_open_cases(rk),
        _health(rk, at),
        _records("Relationships at risk", rk.relationships.at_risk()),
        _records("Severances awaiting approval", rk.relationships.pending_approvals()),
        _records("Overdue promises", rk.promises.overdue(now)),
        _attainment(rk),
        _records("Policy acknowledgements due", rk.policy.reminders(now)),
    ]


def _replies_owed(rk: Relations, now: pendulum.DateTime, horizon: pendulum.DateTime) -> Section:
    names: dict[str, str] = {}
    with rk.store.unit_of_work() as uow:
        deferred = uow.select(Case, state="deferred")
    rows: list[tuple[str, str, str, pendulum.DateTime, str]] = []
    for case in deferred:
        deferral = case.deferral
        if deferral is None or deferral.reply_by > horizon:
            continue
        rows.append(
            (
                "OVERDUE" if deferral.reply_by < now else "due soon",
                case.id,
                _name_of(rk, case.client_id, names),
                deferral.reply_by,
                _name_of(rk, deferral.by, names),
            )
        )
    rows.sort(key=lambda r: r[3])
    return ("Replies owed", ["status", "case", "client", "reply by", "promised by"], rows)


def due_sections(rk: Relations, now: pendulum.DateTime, *, within_hours: int) -> list[Section]:
    """The tables ``due`` shows, as of ``now``: replies promised when time was bought
    (overdue, or due within ``within_hours``), overdue promises, promises due within two
    days, client updates owed on vendor tickets and policy acknowledgements due."""
    return [
        _replies_owed(rk, now, now.add(hours=within_hours)),
        _records("Overdue promises", rk.promises.overdue(now)),
        _records("Promises due soon", rk.promises.due_soon(now)),
        _records("Client updates owed on vendor tickets", rk.liaison.updates_due(now)),
        _records("Policy acknowledgements due", rk.policy.reminders(now)),
    ]


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


def _epilog() -> str:
    lines = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    return f"\b\nExit codes (the same for every command):\n{lines}"


@click.group(
    name="relationkit",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_epilog(),
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
    ctx.with_resource(readable_warnings())


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``relationkit`` console script)."""
    cli.main(args=None if argv is None else list(argv), prog_name="relationkit")


# --- demo -------------------------------------------------------------------------------------


def _stories(names: Sequence[str]) -> list[examples.Story]:
    try:
        folder = examples.examples_dir()
        if not names:
            return examples.stories(folder)
        return [examples.find_story(name, folder) for name in names]
    except examples.ExamplesMissing as exc:
        raise Unavailable(_one_line(exc)) from None
    except examples.UnknownStory as exc:
        raise Mistake(_one_line(exc)) from None


def _start_over(url: str) -> None:
    """For ``demo --fresh``: remove the SQLite file ``url`` names (and its journal files)."""
    path = sqlite_file(url)
    if path is None:
        if url == "memory://":
            return
        raise Mistake(
            f"--fresh removes an SQLite file, and {redact(url)} is not one; empty that store "
            "yourself, or pass --db with a new SQLite file"
        )
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)


def _holds_records(rk: Relations) -> bool:
    with rk.store.unit_of_work() as uow:
        return any(uow.count(w.aggregate) for w in rk.config.workflows.values())


def _last_moment(rk: Relations) -> pendulum.DateTime | None:
    """The time of the latest event of the stories in the store (the directory's are left
    out: the demo's front office was registered at the time the demo ran)."""
    latest: pendulum.DateTime | None = None
    for workflow in rk.config.workflows.values():
        if issubclass(workflow.aggregate, DirectoryEntry):
            continue
        with rk.store.unit_of_work() as uow:
            for aggregate_id in uow.ids(workflow.aggregate):
                for event in uow.events(workflow.aggregate, aggregate_id):
                    if latest is None or event.at > latest:
                        latest = event.at
    return latest


@cli.command()
@click.option(
    "--story",
    "names",
    multiple=True,
    metavar="NAME",
    help="Play only this story (repeatable). See --list.",
)
@click.option("--list", "list_only", is_flag=True, help="List the stories and stop.")
@click.option(
    "--fresh",
    is_flag=True,
    help="Start over: remove the SQLite file first if it exists (only a file: never a server).",
)
@_db_option
@click.pass_obj
def demo(
    obj: _Context, db: str | None, names: tuple[str, ...], list_only: bool, fresh: bool
) -> None:
    """Play the example stories into a new store and print what happened.

    Five short stories between staff, clients and a vendor: saying no well, expectations and
    promises, the vendor liaison and a fault that comes back, feedback during and at the
    end, and ending a relationship. Each is a script of relationkit's examples folder,
    written in plain calls you can copy; the demo runs the scripts' main(store). Some steps
    break a care rule on purpose: relationkit refuses them, says which rule and why, and
    stores nothing of them.

    The demo plays into a store that holds nothing yet (the stories' ids are fixed): to
    play it again, pass --fresh (the SQLite file is removed first) or --db with a new file.
    """
    console = render.console()
    chosen = _stories(names)
    if list_only:
        table = Table(title="Stories", title_justify="left", title_style="bold")
        for column in ("name", "title", "script"):
            table.add_column(column, overflow="fold")
        for story in chosen:
            table.add_row(Text(story.name), Text(story.title), Text(story.path.name))
        console.print(table)
        console.print(Text(f"The scripts are in {chosen[0].path.parent}"))
        return
    db = db or obj.db
    url = normalize_url(db)
    if fresh:
        _start_over(url)
    store = open_db(db, must_exist=False)
    kept = url != "memory://"
    try:
        rk = Relations(store)
        if _holds_records(rk):
            raise Mistake(
                f"{redact(url)} already holds records, and the demo plays into a store that holds "
                "nothing yet; run 'relationkit demo --fresh' to remove the file first, or pass "
                "--db with a new one"
            )
        if kept:  # one store for every story: its front office registers their people
            rk.register(
                Staff(id=DEMO_OFFICE, name="Front office", roles={"manager"}),
                reason="the demo's front office registers the people of every story",
            )
    except RelationkitError as exc:
        _fail_from(exc)
    finally:
        store.close()
    for story in chosen:
        console.rule(Text(story.title, style="bold"))
        try:
            story.play(url if kept else None, DEMO_OFFICE if kept else None)
        except StoreError as exc:
            raise Unavailable(f"the story {story.name!r} stopped: {_one_line(exc)}") from None
        except RelationkitError as exc:
            raise Found(
                f"the story {story.name!r} did not play to its end: {_one_line(exc)}"
            ) from None
        console.print()
    if not kept:
        console.print(f"Played {len(chosen)} story(ies) in memory; nothing was kept.")
        return
    console.print(Text(f"Played {len(chosen)} story(ies) into {redact(url)}."))
    with open_db(db, must_exist=True) as played:
        last = _last_moment(Relations(played))
    flag = "" if db == DEFAULT_DB else f" --db {db}"
    at = "" if last is None else last.in_timezone("UTC").format("YYYY-MM-DDTHH:mm[Z]")
    console.print(
        Text(
            f"Next: 'relationkit{flag} report' (relationships and their health, open cases, "
            f"what is overdue; add '--at {at}' to judge as of the stories' last moment), "
            f"'relationkit{flag} due' and 'relationkit{flag} verify'."
        )
    )


# --- report, due, verify ----------------------------------------------------------------------


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


def _findings(console: Any, report: VerificationReport) -> None:
    """Print each finding of ``report`` on a line of its own, then what was not checked."""
    for finding in report.findings:
        console.print(render.finding_line(finding), soft_wrap=True)
    for note in report.unchecked:
        console.print(Text.assemble(("not checked", "yellow"), " ", note), soft_wrap=True)


@cli.command()
@click.option("--at", "at_text", metavar="WHEN", help="Judge as of this time (ISO 8601).")
@_db_option
@click.pass_obj
def report(obj: _Context, db: str | None, at_text: str | None) -> None:
    """Show what the store holds: everything by state, open cases, replies owed,
    relationships with their health, those at risk, severances awaiting approval, overdue
    promises and policy acknowledgements due; then check everything the store holds, as
    'verify' does (exit code 1 when it finds a problem).

    Health and what is overdue are judged as of now, or as of --at (for instance the last
    moment of the demo's stories, which the demo prints). The store is opened read-only.
    """
    console = render.console()
    at = _parse_at(at_text)
    rk = _relations(obj, db, at)
    try:
        render.print_sections(console, report_sections(rk, rk.now(), at=at))
        result = verify_with_progress(rk, render.console(stderr=True))
    except RelationkitError as exc:
        _fail_from(exc)
    finally:
        rk.store.close()
    if result.ok:
        console.print(
            Text.assemble(f"Timelines checked: {result.checked}, ", ("all intact", "green"), ".")
        )
        return
    _findings(console, result)
    console.print(
        Text.assemble(
            f"Timelines checked: {result.checked}, ",
            (render.summary(result), "red"),
            ".",
        )
    )
    raise Found(f"verification found {render.summary(result)}; see 'relationkit verify'")


@cli.command()
@click.option("--at", "at_text", metavar="WHEN", help="Judge as of this time (ISO 8601).")
@click.option(
    "--within",
    type=click.IntRange(min=0),
    default=24,
    show_default=True,
    metavar="HOURS",
    help="Also list the replies owed that fall due within this many hours.",
)
@_db_option
@click.pass_obj
def due(obj: _Context, db: str | None, at_text: str | None, within: int) -> None:
    """List what is overdue or falls due soon: replies promised when time was bought,
    promises, client updates owed on vendor tickets and policy acknowledgements. The store
    is opened read-only."""
    console = render.console()
    rk = _relations(obj, db, _parse_at(at_text))
    try:
        now = rk.now()
        sections = due_sections(rk, now, within_hours=within)
    except RelationkitError as exc:
        _fail_from(exc)
    finally:
        rk.store.close()
    console.print(f"As of {text_of(now)}, looking {within} hour(s) ahead.")
    console.print()
    render.print_sections(console, sections)


@cli.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the report as JSON (ok, checked, records, findings, unchecked) instead of lines.",
)
@_db_option
@click.pass_obj
def verify(obj: _Context, db: str | None, as_json: bool) -> None:
    """Check everything the store holds and list every problem: each timeline's hash chain
    (naming an event reordered, removed, altered …), each saved state against its
    timeline, the indexed columns, the records, the directory's records against their
    timelines, and the database file itself.

    Each finding is one line: its kind (reordered, removed, altered, projection …), what it
    concerns, and what to do. Exits with 1 when anything was found. The store is opened
    read-only.
    """
    rk = _relations(obj, db)
    try:
        report = verify_with_progress(rk, render.console(stderr=True))
    except RelationkitError as exc:
        _fail_from(exc)
    finally:
        rk.store.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        console = render.console()
        _findings(console, report)
        if report.ok:
            console.print(
                f"{report.checked} timeline(s) and {report.records} record(s) checked; all intact."
            )
    if not report.ok:
        raise Found(
            f"{render.summary(report)} in {report.checked} timeline(s) and "
            f"{report.records} record(s)"
        )


def _schema_found(url: str) -> str:
    """What the store at ``url`` holds now, in words, read without changing it."""
    try:
        open_store(url, read_only=True).close()
    except MigrationNeeded as exc:
        if exc.found is None:
            return "no schema"
        if exc.found < SCHEMA_VERSION:
            return f"schema version {exc.found}"
        return f"schema version {exc.found} with tables to upgrade"
    return f"schema version {SCHEMA_VERSION}"


@cli.command()
@_db_option
@click.pass_obj
def migrate(obj: _Context, db: str | None) -> None:
    """Bring a store up to date: create the schema in an empty database, migrate an older
    one forward, and upgrade every workflow's table, so that the reading commands (which
    open stores read-only and change nothing) can read it.

    Migrating to schema version 4 gives every person, entitlement and policy version a
    timeline of its own (its first event by 'rk-migration'). Running it again changes
    nothing.
    """
    url = normalize_url(db or obj.db)
    if url == "memory://":
        raise Mistake("memory:// keeps nothing to migrate; pass --db with a store that lasts")
    path = sqlite_file(url)
    if path is not None and not Path(path).is_file():
        raise Unavailable(
            f"no database file at {path!r}; 'relationkit demo' creates one, and an "
            "application creates its store when it first opens it"
        )
    try:
        before = _schema_found(url)
    except RelationkitError as exc:
        _fail_from(exc)
    with open_db(db or obj.db, must_exist=True) as store:
        rk = Relations(store)
        try:
            with store.unit_of_work() as uow:
                for workflow in rk.config.workflows.values():
                    uow.count(workflow.aggregate)  # creates or upgrades its table
        except RelationkitError as exc:
            _fail_from(exc)
    click.echo(
        f"{redact(url)}: {before} before, schema version {SCHEMA_VERSION} now, with every "
        "workflow's table up to date."
    )


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
        raise Unavailable(_one_line(exc)) from None
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
