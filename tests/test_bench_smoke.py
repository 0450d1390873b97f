"""The benchmark suite runs end to end at tiny sizes and prints its one table.

Timings are never asserted here: they depend on the machine. What is checked is that every
benchmark runs (or says why it cannot), and that the table has the promised columns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cli import BENCHMARKS, run_all  # noqa: E402
from bench.harness import COLUMNS, SCALES, Context, Row, format_table  # noqa: E402

TINY = SCALES["tiny"].override(["rounds=1"])


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    workdir = tmp_path_factory.mktemp("bench")
    postgres = os.environ.get("RELATIONKIT_TEST_POSTGRES_URL")
    return run_all(Context(TINY, str(workdir), postgres))


def test_every_benchmark_reports(rows: list[Row]) -> None:
    assert {row.bench for row in rows} == set(BENCHMARKS)
    for row in rows:
        assert row.result in {"PASS", "FAIL", "-", "n/a"}
        if row.figure is None and row.ok is None:
            # a benchmark that cannot run says why instead of showing a figure
            assert row.note.startswith("not available: ")


def test_in_memory_benchmarks_measure_against_their_peer(rows: list[Row]) -> None:
    for bench in ("B1", "B5", "B6"):
        main = next(row for row in rows if row.bench == bench)
        assert main.figure is not None, main
        assert main.figure > 0
        assert main.peer
        assert main.peer_figure is not None
        assert main.peer_figure > 0
        assert main.ratio is not None
        assert main.target is not None
        assert main.result in {"PASS", "FAIL"}


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
        assert any(line.startswith(bench) for line in table.splitlines())


def test_a_benchmark_without_its_database_says_so() -> None:
    (row,) = run_all(Context(TINY, ".", None), only=["B7"])
    assert row.figure is None
    assert row.result == "n/a"
    assert "not available: no PostgreSQL URL" in row.note
    assert "not available" in format_table([row])


def test_python_dash_m_bench_prints_one_table() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "tiny",
            "--set",
            "rounds=1",
            "--only",
            "B1",
            "--quiet",
        ],
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
    assert sum(line.startswith("B1 ") for line in lines) >= 2


def test_sizes_can_be_overridden() -> None:
    sizes = SCALES["quick"].override(["b3_cases=1_000", "b7_workers=1,3"])
    assert sizes.b3_cases == 1000
    assert sizes.b7_workers == (1, 3)
    with pytest.raises(SystemExit):
        SCALES["quick"].override(["no_such_size=3"])
