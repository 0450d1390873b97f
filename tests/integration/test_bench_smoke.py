"""The benchmark suite runs end to end at tiny sizes: a smoke test.

Timings are never asserted here: they depend on the machine. What is checked is that every
benchmark runs (or says why it cannot), that each figure comes with its peer and a ratio,
that the table and the exit status say what the suite promises, and that the side-by-side
timing takes turns as documented.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.cli import BENCHMARKS, main, run_all  # noqa: E402
from bench.harness import (  # noqa: E402
    COLUMNS,
    SCALES,
    Context,
    Row,
    format_markdown,
    format_table,
    interleave,
)

TINY = SCALES["tiny"]
POSTGRES = os.environ.get("RELATIONKIT_TEST_POSTGRES_URL")


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    workdir = tmp_path_factory.mktemp("bench")
    return run_all(Context(TINY, str(workdir), POSTGRES, scale="tiny"))


def test_every_benchmark_reports(rows: list[Row]) -> None:
    assert [key for key in BENCHMARKS if any(row.bench == key for row in rows)] == list(BENCHMARKS)
    for row in rows:
        assert row.status != "error", row.note
        assert row.result in {"met", "MISSED", "-", "skipped"}, row
        if row.status == "skipped":
            # a benchmark that cannot run says why instead of showing a figure
            assert row.figure is None
            assert row.note.startswith("skipped: ")


def test_every_figure_has_its_peer_and_a_ratio(rows: list[Row]) -> None:
    measured = [row for row in rows if row.status == "measured" and row.bench != "B7"]
    assert measured
    for row in measured:
        assert row.figure is not None, row
        assert row.figure >= 0
        assert row.peer, row
        assert row.peer_figure is not None, row
        if row.peer_figure > 0:  # memory may not grow by a page at tiny sizes
            assert row.ratio is not None, row


def test_targets_are_where_the_suite_sets_them(rows: list[Row]) -> None:
    def targets(bench: str) -> set[float]:
        return {row.target for row in rows if row.bench == bench and row.target is not None}

    assert targets("B1") == {1.0}
    assert targets("B2") <= {1.0, 1.5}
    assert targets("B3") == {1.2, 3.0}
    assert targets("B5") == {2048}
    assert targets("B6") == {5.0}
    assert targets("B8") == {1.3}
    assert targets("B9") == {1.3}
    assert targets("B10") == {0.2}
    assert targets("B11") == {20.0, 1.5}


def test_durability_is_read_from_the_live_connections(rows: list[Row]) -> None:
    sqlite = [row for row in rows if row.bench == "B2" and "SQLite" in row.what]
    assert len(sqlite) == 2
    for row in sqlite:
        assert "relationkit journal_mode=WAL, synchronous=FULL" in row.note
        assert "eventsourcing journal_mode=WAL, synchronous=FULL" in row.note
    (batch,) = [row for row in rows if row.bench == "B10"]
    assert "synchronous=FULL" in batch.note


@pytest.mark.skipif(POSTGRES is not None, reason="PostgreSQL is configured here")
def test_postgres_benchmarks_say_why_they_are_skipped(rows: list[Row]) -> None:
    for bench in ("B2", "B4", "B7", "B11"):
        skipped = [row for row in rows if row.bench == bench and row.status == "skipped"]
        assert skipped, bench
        assert all("no PostgreSQL URL" in row.note for row in skipped)


def test_b11_finds_the_cases_it_seeded(rows: list[Row]) -> None:
    # a median row is marked missed (ok=False) when an answer differs from the seeded ids
    medians = [row for row in rows if row.bench == "B11" and "median query" in row.what]
    queries = {row.what.split(" among ")[0] for row in medians}
    assert queries == {"breaching within 1 h", "breached"}
    for row in medians:
        assert row.ok is None, row.note


def test_b11_rows_decode_to_the_cases_their_columns_describe() -> None:
    from bench.b11_breaching import Copies, case_rows

    from relationkit.cases import Case
    from relationkit.store.codec import decode_aggregate, index_value
    from relationkit.store.schema import kind_table

    indexed = [attr for attr, _ in kind_table(Case).indexed]
    rows = list(case_rows(Copies(), 0, 400, 10))
    assert len({row[0] for row in rows}) == 400
    kinds = set()
    for case_id, version, snapshot, *values in rows:
        case = decode_aggregate(Case, case_id, snapshot)
        assert case.id == case_id
        assert case.version == version
        assert values == [index_value(getattr(case, attr)) for attr in indexed]
        assert case.service_levels is not None
        assert case.sla_due_at == case.service_levels.due_at
        assert case.sla_breached == case.service_levels.breached
        kinds.add((case.state, case.sla_breached, case.sla_due_at is None))
    # just opened, acknowledged, resolved, and breached still owed
    assert kinds == {
        ("opened", False, False),
        ("acknowledged", False, False),
        ("resolved", False, True),
        ("opened", True, False),
    }


def test_the_table_has_the_promised_columns(rows: list[Row]) -> None:
    table = format_table(rows)
    header = [cell.strip() for cell in table.splitlines()[0].split("|")]
    assert header == list(COLUMNS)
    assert header == [
        "bench",
        "what",
        "relationkit",
        "peer",
        "peer figure",
        "ratio",
        "target",
        "result",
    ]
    for bench in BENCHMARKS:
        assert any(line.startswith(f"{bench} ") for line in table.splitlines())
    markdown = format_markdown(rows, lambda row: f"python -m bench --only {row.bench}")
    assert markdown.splitlines()[0].endswith("| command |")
    assert "`python -m bench --only B10`" in markdown


def test_interleave_takes_turns_in_rotating_order() -> None:
    calls: list[str] = []

    def side(name: str, seconds: float):  # type: ignore[no-untyped-def]
        def run(n: int) -> float:
            calls.append(name)
            return seconds * n

        return run

    timings = interleave(
        [("a", side("a", 2.0)), ("b", side("b", 1.0))], slice_ops=5, slices=2, rounds=3
    )
    assert calls[:2] == ["a", "b"]  # the warm-up, not counted
    turns = calls[2:]
    assert turns == ["a", "b", "b", "a"] * 3
    assert timings.per_round == {"a": [2.0] * 3, "b": [1.0] * 3}
    row = timings.row("X", "x", "a", "b", peer_label="b", scale=1.0, unit="s")
    assert row.ratio == 2.0
    assert (row.low, row.high) == (2.0, 2.0)


def test_the_exit_status_says_whether_a_target_was_missed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missed(key: str, ctx: Context) -> list[Row]:
        return [Row(key, "x", 2.0, "ms", peer="p", peer_figure=1.0, target=1.0, target_on="ratio")]

    def met(key: str, ctx: Context) -> list[Row]:
        return [Row(key, "x", 1.0, "ms", peer="p", peer_figure=1.0, target=1.0, target_on="ratio")]

    monkeypatch.setattr(cli, "run_one", missed)
    assert main(["--in-process", "--only", "B1", "--quiet"]) == 1
    assert "missed: B1" in capsys.readouterr().out
    monkeypatch.setattr(cli, "run_one", met)
    assert main(["--in-process", "--only", "B1", "--quiet"]) == 0


def test_python_dash_m_bench_runs_one_benchmark_in_a_process_of_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "tiny", "--only", "B1", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1 means a target was missed
    lines = done.stdout.splitlines()
    assert lines[0].startswith("relationkit benchmarks (tiny sizes")
    assert any(line.startswith("python: ") for line in lines)
    header = next(line for line in lines if line.startswith("bench "))
    assert [c.strip() for c in header.split("|")] == list(COLUMNS)
    assert sum(line.startswith("B1 ") for line in lines) == 4


def test_a_profile_shows_where_the_time_goes(tmp_path: Path) -> None:
    pytest.importorskip("pyinstrument")
    from bench.profile import profile

    report = profile("B1", Context(TINY, str(tmp_path), None, scale="tiny"))
    assert "call tree" in report
    assert "Relations.handle" in report


def test_sizes_can_be_overridden() -> None:
    sizes = SCALES["quick"].override(["b3_cases=1_000", "b7_workers=1,3"])
    assert sizes.b3_cases == 1000
    assert sizes.b7_workers == (1, 3)
    with pytest.raises(SystemExit):
        SCALES["quick"].override(["no_such_size=3"])
