"""The ``relationkit`` command line, driven through click's test runner."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner, Result

from relationkit import Client, Relations, Staff, open_store
from relationkit.cases import Acknowledge, ConfirmHeard, Defer
from relationkit.cli import (
    EXIT_ENVIRONMENT,
    EXIT_FOUND_PROBLEMS,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    cli,
    examples,
    main,
    normalize_url,
)
from relationkit.cli.commands import due_sections, report_sections
from relationkit.cli.render import rows_of, verify_with_progress
from relationkit.clock import ManualClock

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = ("demo", "report", "due", "verify", "migrate", "diagram")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), env={"COLUMNS": "160", "RELATIONKIT_DB": None})


def one_line_error(result: Result) -> str:
    """The error output is one line, without a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "Traceback" not in result.output
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def played(runner: CliRunner, tmp_path: Path) -> Path:
    db = tmp_path / "relations.db"
    result = run(runner, "--db", str(db), "demo")
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = run(runner, *([command] if command else []), "--help")
    assert result.exit_code == 0
    assert "Usage: relationkit" in result.output
    assert "--help" in result.output


def test_the_demo_plays_every_story_readably(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "relations.db"
    result = run(runner, "--db", str(db), "demo")
    assert result.exit_code == 0, result.output
    out = result.output
    for story in examples.stories():
        assert story.title in out
    assert f"Played {len(examples.SCRIPTS)} story(ies) into sqlite:///{db}." in out
    assert "refused" in out
    assert "accepted" in out
    for rule_id in (
        "R1.case",
        "R2",
        "R3",
        "R4",
        "R5.promise",
        "R7.close",
        "R8.relay",
        "R9.approvers",
        "R9.exit",
        "ROLE",
    ):
        assert f"{rule_id}: " in out
    for event in ("ClientConfirmedHeard", "PromiseKept", "VendorTicketOpened", "RelationshipEnded"):
        assert event in out
    assert "health of rel-dana" in out  # the health score explains itself
    assert "report" in out  # says what to try next
    assert "Traceback" not in out
    assert db.is_file()


def test_the_demo_prints_what_the_examples_print(
    runner: CliRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo runs the example scripts themselves: its output is theirs."""
    story = examples.find_story("saying-no")
    story.play(None)
    printed = capsys.readouterr().out
    result = run(runner, "--db", "memory://", "demo", "--story", "saying-no")
    assert result.exit_code == 0, result.output
    assert printed in result.output


def test_the_demo_writes_into_the_current_folder_by_default(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "demo")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "relations.db").is_file()
    verified = run(runner, "verify")
    assert verified.exit_code == 0, verified.output
    assert "all intact." in verified.output


def test_the_demo_refuses_a_store_that_holds_records(runner: CliRunner, played: Path) -> None:
    before = played.read_bytes()
    result = run(runner, "demo", "--db", str(played))
    assert result.exit_code == EXIT_USAGE
    line = one_line_error(result)
    assert "already holds records" in line
    assert "relationkit demo --fresh" in line
    assert played.read_bytes() == before


def test_the_demo_starts_over_with_fresh(runner: CliRunner, played: Path) -> None:
    (played.parent / f"{played.name}-wal").write_bytes(b"")  # a journal left beside it
    again = run(runner, "demo", "--fresh", "--db", str(played))
    assert again.exit_code == 0, again.output
    verified = run(runner, "verify", "--db", str(played))
    assert verified.exit_code == 0, verified.output
    assert "57 timeline(s) and 140 record(s) checked; all intact." in verified.output


def test_fresh_removes_only_a_file(runner: CliRunner) -> None:
    result = run(runner, "demo", "--fresh", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == EXIT_USAGE
    assert "--fresh removes an SQLite file" in one_line_error(result)


def test_the_demo_lists_and_chooses_stories(runner: CliRunner, tmp_path: Path) -> None:
    listed = run(runner, "demo", "--list")
    assert listed.exit_code == 0
    for story in examples.stories():
        assert story.name in listed.output
        assert story.path.name in listed.output
    one = run(runner, "--db", str(tmp_path / "one.db"), "demo", "--story", "saying-no")
    assert one.exit_code == 0, one.output
    assert "Played 1 story(ies)" in one.output
    assert "Sam says no straight away" in one.output
    assert "Lena" not in one.output
    two = run(
        runner,
        "--db",
        "memory://",
        "demo",
        "--story",
        "vendor_liaison",
        "--story",
        "ending-a-relationship",
    )
    assert two.exit_code == 0, two.output
    assert "Played 2 story(ies) in memory; nothing was kept." in two.output


def test_an_unknown_story_is_one_clear_line(runner: CliRunner) -> None:
    result = run(runner, "--db", "memory://", "demo", "--story", "nope")
    assert result.exit_code == EXIT_USAGE
    assert "unknown story 'nope'; known stories: saying-no, expectations-and-promises" in (
        one_line_error(result)
    )


def test_report_after_the_demo_shows_what_it_left(runner: CliRunner, played: Path) -> None:
    result = run(runner, "report", "--db", str(played))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "By state" in out
    assert "Closed" in out
    assert "Open cases" in out
    assert "The phone drops calls again!" in out  # the recurrence case is still open
    assert "Relationships and their health" in out
    for relationship in ("rel-dana", "rel-rosa", "rel-marek"):
        assert relationship in out
    assert "Dana Whitfield" in out  # parties by name
    assert "Relationships at risk" in out
    assert "Policy acknowledgements due" in out
    assert "all intact" in out


def test_report_judges_health_as_of_a_chosen_time(runner: CliRunner, played: Path) -> None:
    def health_row(*args: str) -> str:
        result = run(runner, "report", "--db", str(played), *args)
        assert result.exit_code == 0, result.output
        assert "weakest signal" in result.output
        return next(line for line in result.output.splitlines() if "rel-rosa" in line)

    then = health_row("--at", "2026-05-05T13:00:00Z")  # the day the fault came back
    later = health_row("--at", "2026-12-31T12:00:00Z")
    assert "Rosa Lindqvist" in then
    assert "recurrences" in then  # the weakest signal on that day
    assert "last contact" in later  # months without contact weigh most by then
    assert then != later


def test_report_refuses_a_bad_time_in_one_line(runner: CliRunner, played: Path) -> None:
    result = run(runner, "report", "--db", str(played), "--at", "soon")
    assert result.exit_code == EXIT_USAGE
    assert "not a date and time" in one_line_error(result)


def test_the_demo_says_when_its_stories_ended(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "--db", str(tmp_path / "r.db"), "demo", "--story", "saying-no")
    assert result.exit_code == 0, result.output
    assert "--at 2026-03-02T13:42Z" in " ".join(result.output.split())


def test_due_after_the_demo_lists_client_update_promises(runner: CliRunner, played: Path) -> None:
    result = run(runner, "due", "--db", str(played), "--at", "2026-05-08T12:00:00Z")
    assert result.exit_code == 0, result.output
    assert "Client updates owed on vendor tickets" in result.output
    assert "ticket-302" in result.output


def test_due_lists_replies_owed(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "due.db"
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC"))
    with open_store(str(db)) as store:
        rk = Relations(store, clock=clock)
        rk.register(Client(id="c-1", name="Ana Ruiz"), Staff(id="s-1", name="Sam", roles={"agent"}))
        case = rk.open_case(actor="s-1", client="c-1", subject="Refund", statement="Refund me.")
        rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-1")
        rk.handle(case.id, ConfirmHeard(), actor="c-1")
        rk.handle(
            case.id, Defer(reply_by=clock.now().add(hours=3), reason="Checking."), actor="s-1"
        )

    before = run(runner, "due", "--db", str(db), "--at", "2026-03-02T10:00:00Z", "--within", "1")
    assert before.exit_code == 0, before.output
    assert "Replies owed: none" in before.output
    soon = run(runner, "due", "--db", str(db), "--at", "2026-03-02T10:00:00Z")
    assert "due soon" in soon.output
    assert "Ana Ruiz" in soon.output
    late = run(runner, "due", "--db", str(db), "--at", "2026-03-03T10:00:00Z")
    assert "OVERDUE" in late.output


def test_verify_finds_an_altered_event_and_exits_with_1(runner: CliRunner, played: Path) -> None:
    with sqlite3.connect(played) as connection:
        connection.execute(
            "UPDATE rk_events SET actor_id = 'someone-else' "
            "WHERE kind = 'case' AND aggregate_id = 'case-1042' AND sequence = 2"
        )
    result = run(runner, "verify", "--db", str(played))
    assert result.exit_code == EXIT_FOUND_PROBLEMS
    assert "altered case 'case-1042' event 2: timeline of case 'case-1042' is broken" in (
        result.stdout
    )
    assert "Error: 1 problem(s) (1 altered)" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["report", "due", "verify"])
def test_a_missing_database_file_is_one_clear_line(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "nowhere.db"
    result = run(runner, command, "--db", str(missing))
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "no database file" in one_line_error(result)
    assert not missing.exists()


@pytest.mark.parametrize("url", ["ftp://example.org/x", "sqlite:/no-slashes.db", "  "])
def test_a_bad_url_is_one_clear_line(runner: CliRunner, url: str) -> None:
    result = run(runner, "--db", url, "verify")
    assert result.exit_code == EXIT_USAGE
    one_line_error(result)


def test_a_bad_time_is_one_clear_line(runner: CliRunner, played: Path) -> None:
    result = run(runner, "due", "--db", str(played), "--at", "next tuesday")
    assert result.exit_code == EXIT_USAGE
    assert "not a date and time" in one_line_error(result)


def test_a_time_without_a_zone_is_refused_in_one_line(runner: CliRunner, played: Path) -> None:
    result = run(runner, "due", "--db", str(played), "--at", "2026-03-03T12:00")
    assert result.exit_code == EXIT_USAGE
    assert "names no time zone" in one_line_error(result)


def test_diagram_prints_mermaid_for_one_workflow(runner: CliRunner) -> None:
    result = run(runner, "diagram", "case")
    assert result.exit_code == 0
    assert result.output.startswith("stateDiagram-v2")
    assert "acknowledged --> heard : Confirm heard" in result.output


def test_diagram_unknown_workflow_is_one_clear_line(runner: CliRunner) -> None:
    result = run(runner, "diagram", "nope")
    assert result.exit_code == EXIT_USAGE
    assert "unknown workflow 'nope'; known workflows: calendar, case" in one_line_error(result)


def test_diagram_needs_a_workflow_or_all(runner: CliRunner) -> None:
    result = run(runner, "diagram")
    assert result.exit_code == EXIT_USAGE
    assert "--all" in one_line_error(result)


def test_diagram_writes_all_and_check_detects_staleness(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "diagrams"
    written = run(runner, "diagram", "--all", "--out", str(out), "--format", "mmd")
    assert written.exit_code == 0, written.output
    assert (out / "case.mmd").is_file()
    checked = run(runner, "diagram", "--all", "--out", str(out), "--format", "mmd", "--check")
    assert checked.exit_code == 0
    (out / "case.mmd").write_text("stateDiagram-v2\n", encoding="utf-8")
    stale = run(runner, "diagram", "--all", "--out", str(out), "--format", "mmd", "--check")
    assert stale.exit_code == EXIT_FOUND_PROBLEMS
    assert "case.mmd" in stale.output


def test_normalize_url_treats_a_plain_name_as_an_sqlite_file() -> None:
    assert normalize_url("relations.db") == "sqlite:///relations.db"
    assert normalize_url("/srv/r.db") == "sqlite:////srv/r.db"
    assert normalize_url("memory") == "memory://"
    assert normalize_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_main_is_the_console_script(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_report_and_due_ask_each_area_for_its_tables() -> None:
    rk = Relations()
    now = rk.now()
    assert [title for title, _, _ in report_sections(rk, now)] == [
        "By state",
        "Open cases",
        "Replies owed (time bought)",
        "Relationships and their health",
        "Relationships at risk",
        "Severances awaiting approval",
        "Overdue promises",
        "Service-level attainment",
        "Policy acknowledgements due",
    ]
    assert [title for title, _, _ in due_sections(rk, now, within_hours=24)] == [
        "Replies owed",
        "Overdue promises",
        "Promises due soon",
        "Client updates owed on vendor tickets",
        "Policy acknowledgements due",
    ]


def test_stored_text_is_shown_literally(runner: CliRunner, tmp_path: Path) -> None:
    """A client's words are never read as rich markup."""
    db = tmp_path / "markup.db"
    with open_store(str(db)) as store:
        rk = Relations(store)
        rk.register(
            Client(id="c-[x]", name="Ana [bold]Ruiz[/bold]"),
            Staff(id="s-1", name="Sam", roles={"agent"}),
        )
        rk.open_case(
            actor="s-1", client="c-[x]", subject="[red]Refund[/red] now", statement="[link=x]me"
        )
    result = run(runner, "report", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "[red]Refund[/red] now" in result.output
    assert "Ana [bold]Ruiz[/bold]" in result.output


def test_rows_of_reads_simple_fields_of_records() -> None:
    rk = Relations()
    rk.register(Client(id="c-1", name="Ana"), Staff(id="s-1", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-1", client="c-1", subject="Refund", statement="Refund me.")
    columns, rows = rows_of([case])
    assert columns[:3] == ["id", "state", "client id"]
    assert rows[0][:2] == [case.id, "opened"]


def test_verify_with_progress_checks_what_verify_all_checks(played: Path, tmp_path: Path) -> None:
    from rich.console import Console

    with open_store(str(played)) as store:
        rk = Relations(store)
        quiet = Console(record=True, width=100, file=(tmp_path / "quiet.txt").open("w"))
        shown = verify_with_progress(rk, quiet)
        assert (shown.checked, shown.ok) == (rk.verify_all().checked, True)
        assert shown.checked >= 20
        assert quiet.export_text() == ""  # few timelines: no progress bar
        terminal = Console(
            record=True, force_terminal=True, width=100, file=(tmp_path / "tty.txt").open("w")
        )
        verify_with_progress(rk, terminal, min_total=1)
    drawn = terminal.export_text()
    assert "Checking timelines ━" in drawn
    assert f"{shown.checked}/{shown.checked}" in drawn


BROKEN_STORY = '''"""A broken story: it answers before the client was heard, uncaught."""

from relationkit import Client, Relations, Staff
from relationkit.cases import Accept


def main(store: str | None = None) -> None:
    rk = Relations(store)
    rk.register(Client(id="c-1", name="Ana"), Staff(id="s-1", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-1", client="c-1", subject="Refund", statement="Refund me.")
    print("about to answer")
    rk.handle(case.id, Accept(note="Yes."), actor="s-1")
'''


def test_a_story_that_breaks_is_one_line_and_exit_1(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "relationkit"
    (package / "examples").mkdir(parents=True)
    (package / "examples" / "broken.py").write_text(BROKEN_STORY, encoding="utf-8")
    monkeypatch.setattr(examples, "PACKAGE", package)
    monkeypatch.setattr(examples, "SCRIPTS", ("broken",))
    result = run(runner, "--db", "memory://", "demo")
    assert result.exit_code == EXIT_FOUND_PROBLEMS
    assert "Traceback" not in result.output
    assert "about to answer" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(
        "Error: the story 'broken' did not play to its end: [R1.case] refused 'accept'"
    )


# --- where the demo finds the example scripts ---------------------------------------------------


def scripts_in(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in examples.SCRIPTS:
        (folder / f"{name}.py").write_text(f'"""The {name} story."""\n', encoding="utf-8")
    return folder


def test_a_wheel_finds_the_scripts_inside_the_package(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "relationkit"
    bundled = scripts_in(package / "examples")
    assert examples.examples_dir(package) == bundled
    assert examples.stories(bundled)[0].title == "The saying_no story."


def test_a_checkout_finds_its_examples_folder(tmp_path: Path) -> None:
    """An editable install runs the package in place, at <checkout>/src/relationkit, and
    carries no force-included files: the scripts are the checkout's examples/."""
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    package = tmp_path / "src" / "relationkit"
    package.mkdir(parents=True)
    checkout = scripts_in(tmp_path / "examples")
    assert examples.examples_dir(package) == checkout
    # Scripts shipped inside the package win over the checkout's.
    bundled = scripts_in(package / "examples")
    assert examples.examples_dir(package) == bundled


def test_a_folder_beside_src_counts_only_in_a_checkout(tmp_path: Path) -> None:
    package = tmp_path / "src" / "relationkit"
    package.mkdir(parents=True)
    scripts_in(tmp_path / "examples")
    with pytest.raises(examples.ExamplesMissing, match=r"not in .*relationkit/examples"):
        examples.examples_dir(package)


def test_this_installation_finds_the_scripts() -> None:
    folder = examples.examples_dir()
    assert folder in (ROOT / "examples", examples.PACKAGE / "examples")
    assert [s.path for s in examples.stories()] == [
        folder / f"{name}.py" for name in examples.SCRIPTS
    ]


def test_the_wheel_ships_the_examples_where_the_demo_looks() -> None:
    import tomllib

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = settings["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/relationkit"]
    assert wheel["force-include"] == {"examples": "relationkit/examples"}
    assert settings["project"]["scripts"] == {"relationkit": "relationkit.cli:main"}


def test_missing_examples_are_one_line_and_exit_3(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(examples, "PACKAGE", tmp_path / "relationkit")
    result = run(runner, "--db", "memory://", "demo")
    assert result.exit_code == EXIT_ENVIRONMENT
    assert "the example scripts are not in" in one_line_error(result)
