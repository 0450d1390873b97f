"""``python -m bench``: run every benchmark and print one table.

Usage::

    python -m bench                  # quick sizes, a minute or two
    python -m bench --full           # the sizes the targets are set for
    python -m bench --only B1,B6     # some benchmarks only
    python -m bench --set b3_cases=20000 --set rounds=3

PostgreSQL benchmarks (B4, B7) use ``--postgres-url`` or the environment variable
``RELATIONKIT_BENCH_POSTGRES_URL`` (else ``RELATIONKIT_TEST_POSTGRES_URL``); they create a
database of their own next to the one named there, and drop it afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence

from bench.harness import SCALES, Context, Row, format_table, machine_lines

__all__ = ["BENCHMARKS", "main", "run_all"]


def _b1(ctx: Context) -> list[Row]:
    from bench import b1_command

    return b1_command.run(ctx)


def _b2(ctx: Context) -> list[Row]:
    from bench import b2_persisted

    return b2_persisted.run(ctx)


def _b3(ctx: Context) -> list[Row]:
    from bench import b3_hydration

    return b3_hydration.run(ctx)


def _b4(ctx: Context) -> list[Row]:
    from bench import b4_overdue

    return b4_overdue.run(ctx)


def _b5(ctx: Context) -> list[Row]:
    from bench import b5_memory

    return b5_memory.run(ctx)


def _b6(ctx: Context) -> list[Row]:
    from bench import b6_options

    return b6_options.run(ctx)


def _b7(ctx: Context) -> list[Row]:
    from bench import b7_scaleout

    return b7_scaleout.run(ctx)


BENCHMARKS: dict[str, tuple[str, Callable[[Context], list[Row]]]] = {
    "B1": ("command in memory", _b1),
    "B2": ("persisted command on SQLite", _b2),
    "B3": ("hydration", _b3),
    "B4": ("overdue query", _b4),
    "B5": ("memory per case", _b5),
    "B6": ("what may I do now, in bulk", _b6),
    "B7": ("scale-out on PostgreSQL", _b7),
}


def run_all(ctx: Context, only: Sequence[str] | None = None) -> list[Row]:
    """Run the benchmarks (all, or those in ``only``) and return their rows in order.

    A benchmark that fails to run gives a "not available" row with the error instead of
    stopping the others."""
    rows: list[Row] = []
    for key, (title, bench) in BENCHMARKS.items():
        if only and key not in only:
            continue
        ctx.log(f"{key} {title} ...")
        started = time.perf_counter()
        try:
            rows.extend(bench(ctx))
        except Exception as exc:  # a broken benchmark must not hide the others
            if ctx.verbose:
                traceback.print_exc()
            rows.append(
                Row(key, title, None, "", note=f"not available: {type(exc).__name__}: {exc}")
            )
        ctx.log(f"{key} done in {time.perf_counter() - started:.1f} s")
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="relationkit against its peers, in one run."
    )
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--full", action="store_true", help="the sizes the targets are for")
    scale.add_argument(
        "--scale", choices=sorted(SCALES), default="quick", help="a named set of sizes"
    )
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. B1,B6")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one size, e.g. b3_cases=20000 (repeatable)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RELATIONKIT_BENCH_POSTGRES_URL")
        or os.environ.get("RELATIONKIT_TEST_POSTGRES_URL"),
        help="a PostgreSQL server for B4 and B7",
    )
    parser.add_argument("--workdir", default=None, help="where SQLite files go (a temp dir)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.add_argument("-v", "--verbose", action="store_true", help="tracebacks of failures")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run, print the table; the exit status is 1 if a target was missed."""
    args = _parser().parse_args(argv)
    sizes = SCALES["full" if args.full else args.scale].override(args.set)
    only = [part.strip().upper() for part in args.only.split(",") if part.strip()]
    unknown = [key for key in only if key not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")

    def log(line: str) -> None:
        if not args.quiet:
            print(f"# {line}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="relationkit-bench-", dir=args.workdir) as workdir:
        ctx = Context(sizes, workdir, args.postgres_url, verbose=args.verbose, log=log)
        started = time.perf_counter()
        rows = run_all(ctx, only)
        elapsed = time.perf_counter() - started
    scale = "full" if args.full else args.scale
    print(f"relationkit benchmarks ({scale} sizes, {elapsed:.0f} s)")
    for line in machine_lines():
        print(line)
    print()
    print(format_table(rows))
    return 1 if any(row.passed is False for row in rows) else 0
