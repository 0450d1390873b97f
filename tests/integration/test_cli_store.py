"""The command line against stores in every shape: one table of exit codes for every
command, reading commands that never write, SQLite URLs with options, the verify report in
words and in JSON, readable warnings, and ``relationkit migrate``."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from relationkit import Client, Relations, Staff, open_store
from relationkit.cli import (
    EXIT_CODES,
    EXIT_FOUND_PROBLEMS,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    cli,
    examples,
)
from relationkit.store.schema import SCHEMA_VERSION

READING = ("report", "due", "verify")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store the demo played every story into (made once; tests copy it)."""
    db = tmp_path_factory.mktemp("demo") / "relations.db"
    result = run(CliRunner(), "--db", str(db), "demo")
    assert result.exit_code == 0, result.output
    return db


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, list(args), env={"COLUMNS": "160", "RELATIONKIT_DB": None})


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_of(demo_file: Path, tmp_path: Path, name: str = "relations.db") -> Path:
    db = tmp_path / name
    with sqlite3.connect(demo_file) as source, sqlite3.connect(db) as target:
        source.backup(target)
    return db


def tamper(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def old_schema(db: Path) -> None:
    """Make ``db`` look as a store of the previous schema version does to a reader."""
    tamper(db, f"UPDATE rk_schema SET version = {SCHEMA_VERSION - 1}")


# --- one table of exit codes ---------------------------------------------------------------------

Scenario = Callable[[Path, Path], list[str]]
"""Makes the situation in a temporary folder (given the demo's store) and returns the
arguments of the call."""


def _played(command: str) -> Scenario:
    return lambda demo, tmp: ["--db", str(copy_of(demo, tmp)), command]


def _missing(command: str) -> Scenario:
    return lambda demo, tmp: ["--db", str(tmp / "nowhere.db"), command]


def _empty(command: str) -> Scenario:
    def make(demo: Path, tmp: Path) -> list[str]:
        (tmp / "empty.db").write_bytes(b"")
        return ["--db", str(tmp / "empty.db"), command]

    return make


def _junk(command: str) -> Scenario:
    def make(demo: Path, tmp: Path) -> list[str]:
        (tmp / "junk.db").write_bytes(b"this is no database " * 400)
        return ["--db", str(tmp / "junk.db"), command]

    return make


def _old(command: str) -> Scenario:
    def make(demo: Path, tmp: Path) -> list[str]:
        db = copy_of(demo, tmp)
        old_schema(db)
        return ["--db", str(db), command]

    return make


def _tampered(command: str) -> Scenario:
    def make(demo: Path, tmp: Path) -> list[str]:
        db = copy_of(demo, tmp)
        tamper(
            db, "UPDATE rk_events SET name = 'x' WHERE aggregate_id = 'case-1042' AND sequence = 3"
        )
        return ["--db", str(db), command]

    return make


def _bad_url(command: str) -> Scenario:
    return lambda demo, tmp: ["--db", "ftp://example.org/relations", command]


def _bad_option(command: str) -> Scenario:
    return lambda demo, tmp: ["--db", str(copy_of(demo, tmp)), command, "--no-such-option"]


TABLE: list[tuple[str, Scenario, int]] = [
    *((f"{c}: a sound store", _played(c), EXIT_OK) for c in READING),
    ("report: a tampered timeline", _tampered("report"), EXIT_FOUND_PROBLEMS),
    ("verify: a tampered timeline", _tampered("verify"), EXIT_FOUND_PROBLEMS),
    ("due: a tampered timeline (due checks nothing)", _tampered("due"), EXIT_OK),
    *((f"{c}: no such file", _missing(c), EXIT_UNAVAILABLE) for c in (*READING, "migrate")),
    *((f"{c}: an empty file", _empty(c), EXIT_UNAVAILABLE) for c in READING),
    *((f"{c}: a file that is no database", _junk(c), EXIT_UNAVAILABLE) for c in READING),
    ("migrate: a file that is no database", _junk("migrate"), EXIT_UNAVAILABLE),
    *((f"{c}: an older schema", _old(c), EXIT_UNAVAILABLE) for c in READING),
    ("migrate: an older schema", _old("migrate"), EXIT_OK),
    ("migrate: an empty file", _empty("migrate"), EXIT_OK),
    *(
        (f"{c}: a URL it does not understand", _bad_url(c), EXIT_USAGE)
        for c in (*READING, "migrate", "demo")
    ),
    *(
        (f"{c}: an unknown option", _bad_option(c), EXIT_USAGE)
        for c in (*READING, "migrate", "demo")
    ),
    ("migrate: memory://", lambda d, t: ["--db", "memory://", "migrate"], EXIT_USAGE),
    ("demo: into a store that holds records", _played("demo"), EXIT_USAGE),
    (
        "demo: an unknown story",
        lambda d, t: ["--db", "memory://", "demo", "--story", "x"],
        EXIT_USAGE,
    ),
    (
        "demo: one story in memory",
        lambda d, t: ["--db", "memory://", "demo", "--story", "saying-no"],
        EXIT_OK,
    ),
    ("demo: into an empty file", _empty("demo"), EXIT_OK),
    ("demo: into a file that is no database", _junk("demo"), EXIT_UNAVAILABLE),
    ("diagram: one workflow", lambda d, t: ["diagram", "case"], EXIT_OK),
    ("diagram: an unknown workflow", lambda d, t: ["diagram", "nope"], EXIT_USAGE),
    ("diagram: nothing named", lambda d, t: ["diagram"], EXIT_USAGE),
    ("no command at all", lambda d, t: [], EXIT_USAGE),
    ("an unknown command", lambda d, t: ["frobnicate"], EXIT_USAGE),
]


@pytest.mark.parametrize(("case", "scenario", "code"), TABLE, ids=[t[0] for t in TABLE])
def test_every_command_exits_by_the_one_table(
    runner_: CliRunner, demo_file: Path, tmp_path: Path, case: str, scenario: Scenario, code: int
) -> None:
    result = run(runner_, *scenario(demo_file, tmp_path))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    if code in (EXIT_USAGE, EXIT_UNAVAILABLE) and case != "no command at all":
        assert "Error" in result.stderr  # a line saying what was wrong, not a traceback


@pytest.fixture
def runner_() -> CliRunner:
    return CliRunner()


def test_the_exit_codes_are_documented_in_the_help_and_in_the_docs() -> None:
    result = run(CliRunner(), "--help")
    text = " ".join(result.output.split())
    assert "Exit codes (the same for every command):" in text
    docs = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "command-line.md"
    page = " ".join(docs.read_text(encoding="utf-8").split())
    for code, meaning in EXIT_CODES.items():
        assert f"{code} {' '.join(meaning.split())}" in text
        assert f"| {code} | {' '.join(meaning.split())} |" in page


def test_a_story_that_stopped_on_a_store_error_exits_with_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "relationkit"
    (package / "examples").mkdir(parents=True)
    (package / "examples" / "gone.py").write_text(
        '"""A story whose store goes away."""\n'
        "from relationkit import StoreError\n\n"
        "def main(store=None, registrar=None):\n"
        "    raise StoreError('refused: the server went away; run it again.')\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(examples, "PACKAGE", package)
    monkeypatch.setattr(examples, "SCRIPTS", ("gone",))
    result = run(CliRunner(), "--db", str(tmp_path / "r.db"), "demo")
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "the story 'gone' stopped" in result.stderr


# --- reading commands never write -----------------------------------------------------------


@pytest.mark.parametrize("command", READING)
def test_reading_commands_leave_the_file_as_it_was(
    demo_file: Path, tmp_path: Path, command: str
) -> None:
    db = copy_of(demo_file, tmp_path)
    before = digest(db)
    result = run(CliRunner(), "--db", str(db), command)
    assert result.exit_code == 0, result.output
    assert digest(db) == before


@pytest.mark.parametrize("command", READING)
def test_an_empty_file_is_refused_not_given_a_schema(tmp_path: Path, command: str) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    result = run(CliRunner(), "--db", str(db), command)
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "holds no relationkit schema" in result.stderr
    assert "relationkit migrate" in result.stderr
    assert db.read_bytes() == b""


@pytest.mark.parametrize("command", READING)
def test_an_older_schema_is_refused_not_migrated(
    demo_file: Path, tmp_path: Path, command: str
) -> None:
    db = copy_of(demo_file, tmp_path)
    old_schema(db)
    before = digest(db)
    result = run(CliRunner(), "--db", str(db), command)
    assert result.exit_code == EXIT_UNAVAILABLE
    assert f"older than version {SCHEMA_VERSION}" in result.stderr
    assert "relationkit migrate" in result.stderr
    assert digest(db) == before


def test_migrate_brings_a_store_up_to_date_so_that_it_can_be_read(
    demo_file: Path, tmp_path: Path
) -> None:
    db = copy_of(demo_file, tmp_path)
    old_schema(db)
    migrated = run(CliRunner(), "--db", str(db), "migrate")
    assert migrated.exit_code == 0, migrated.output
    assert f"schema version {SCHEMA_VERSION - 1} before, schema version {SCHEMA_VERSION} now" in (
        " ".join(migrated.output.split())
    )
    assert run(CliRunner(), "--db", str(db), "verify").exit_code == 0
    again = run(CliRunner(), "--db", str(db), "migrate")
    assert f"schema version {SCHEMA_VERSION} before" in " ".join(again.output.split())


def test_migrate_gives_an_empty_file_a_schema(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    result = run(CliRunner(), "--db", str(db), "migrate")
    assert result.exit_code == 0, result.output
    assert "no schema before" in " ".join(result.output.split())
    assert run(CliRunner(), "--db", str(db), "verify").exit_code == 0


# --- SQLite URLs with options ------------------------------------------------------------------


@pytest.mark.parametrize("command", READING)
def test_an_sqlite_url_may_carry_options(demo_file: Path, tmp_path: Path, command: str) -> None:
    db = copy_of(demo_file, tmp_path)
    result = run(CliRunner(), "--db", f"sqlite:///{db}?timeout=10", command)
    assert result.exit_code == 0, result.output
    missing = run(CliRunner(), "--db", f"sqlite:///{tmp_path / 'x.db'}?timeout=10", command)
    assert missing.exit_code == EXIT_UNAVAILABLE
    assert f"no database file at '{tmp_path / 'x.db'}'" in missing.stderr


def test_demo_fresh_removes_the_file_an_sqlite_url_with_options_names(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    url = f"sqlite:///{db}?timeout=10"
    assert run(CliRunner(), "--db", url, "demo", "--story", "saying-no").exit_code == 0
    again = run(CliRunner(), "--db", url, "demo", "--fresh", "--story", "saying-no")
    assert again.exit_code == 0, again.output


# --- what verify says --------------------------------------------------------------------------


def test_verify_names_reordered_removed_and_altered_events(demo_file: Path, tmp_path: Path) -> None:
    db = copy_of(demo_file, tmp_path)
    tamper(
        db,
        # case-1042: events 2 and 3 swapped
        "UPDATE rk_events SET sequence = -1 WHERE aggregate_id = 'case-1042' AND sequence = 2",
        "UPDATE rk_events SET sequence = 2 WHERE aggregate_id = 'case-1042' AND sequence = 3",
        "UPDATE rk_events SET sequence = 3 WHERE aggregate_id = 'case-1042' AND sequence = -1",
        # case-301: event 2 removed
        "DELETE FROM rk_events WHERE aggregate_id = 'case-301' AND sequence = 2",
        # case-88: event 2 altered
        "UPDATE rk_events SET actor_id = 'nobody' WHERE aggregate_id = 'case-88' AND sequence = 2",
        # a staff member's roles changed in the table
        "UPDATE rk_records SET data = replace(data, '\"agent\"', '\"partner\"') "
        "WHERE kind = 'staff' AND id = 's-sam'",
    )
    before = digest(db)
    result = run(CliRunner(), "--db", str(db), "verify")
    assert result.exit_code == EXIT_FOUND_PROBLEMS
    out = result.stdout
    assert "reordered case 'case-1042' event 2:" in out
    assert "removed case 'case-301' event 2:" in out
    assert "altered case 'case-88' event 2:" in out
    assert "projection staff 's-sam': " in out
    assert "roles is ['partner'] in the record, ['agent'] by the timeline" in out
    assert "(1 reordered, 1 removed, 1 altered, 1 projection)" in result.stderr
    assert digest(db) == before

    as_json = run(CliRunner(), "--db", str(db), "verify", "--json")
    assert as_json.exit_code == EXIT_FOUND_PROBLEMS
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert [(f["kind"], f["aggregate_id"], f["sequence"]) for f in report["findings"]] == [
        ("reordered", "case-1042", 2),
        ("removed", "case-301", 2),
        ("altered", "case-88", 2),
        ("projection", "s-sam", None),
    ]
    assert {f["error"] for f in report["findings"]} == {"TimelineBroken", "RecordCorrupted"}


def test_verify_json_of_a_sound_store(demo_file: Path, tmp_path: Path) -> None:
    db = copy_of(demo_file, tmp_path)
    result = run(CliRunner(), "--db", str(db), "verify", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["findings"], report["checked"]) == (True, [], 57)


def test_report_exits_with_1_on_a_broken_timeline(demo_file: Path, tmp_path: Path) -> None:
    db = copy_of(demo_file, tmp_path)
    tamper(db, "DELETE FROM rk_events WHERE aggregate_id = 'case-301' AND sequence = 2")
    result = run(CliRunner(), "--db", str(db), "report")
    assert result.exit_code == EXIT_FOUND_PROBLEMS
    assert "By state" in result.stdout  # the report itself is shown
    assert "removed case 'case-301' event 2:" in result.stdout
    assert "Timelines checked: 57, 1 problem(s) (1 removed)." in " ".join(result.stdout.split())


# --- warnings ----------------------------------------------------------------------------------


def test_a_row_left_out_of_a_list_is_one_readable_warning_line(
    demo_file: Path, tmp_path: Path
) -> None:
    db = copy_of(demo_file, tmp_path)
    tamper(db, "UPDATE rk_agg_case SET snapshot = '{not json' WHERE id = 'case-302'")
    result = run(CliRunner(), "--db", str(db), "report")
    assert result.exit_code == EXIT_FOUND_PROBLEMS  # its check names the row too
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warned, result.output
    assert all(line.startswith("warning: left out case 'case-302': ") for line in warned)
    assert "UnreadableSkipped" not in result.stderr
    assert ".py:" not in result.stderr  # no file and line of Python's own format
    assert "unreadable-snapshot case 'case-302'" in result.stdout


# --- the library's read-only stores ------------------------------------------------------------


def test_a_store_opened_read_only_refuses_writes_and_changes_nothing(tmp_path: Path) -> None:
    from relationkit import ReadOnlyStore

    db = tmp_path / "r.db"
    with open_store(str(db)) as store:
        Relations(store).register(Client(id="c-1", name="Ana"), Staff(id="s-1", name="Sam"))
    before = digest(db)
    with open_store(str(db), read_only=True) as store:
        rk = Relations(store)
        assert rk.party("c-1").name == "Ana"
        with pytest.raises(ReadOnlyStore, match="opened read-only"):
            rk.register(Client(id="c-2", name="Bo"), actor="s-1")
        with pytest.raises(ReadOnlyStore):
            rk.directory.rename("c-1", "Ana B.", actor="s-1", reason="Asked to.")
        assert rk.cases() == []  # a kind never stored reads as empty, its table not made
    assert digest(db) == before
