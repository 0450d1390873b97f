"""``python -m bench``: run the benchmarks and print one table.

Usage::

    python -m bench                   # quick sizes, under two minutes
    python -m bench --full            # the sizes the targets are set for
    python -m bench --only B4         # one benchmark (or several: --only B1,B6)
    python -m bench --set b3_cases=20000 --set rounds=3
    python -m bench --full --markdown # the table as Markdown, with each row's command
    python -m bench --profile B2      # where relationkit's time goes, by pyinstrument

The exit status is 1 when a target was missed or a benchmark failed to run, else 0.

Each benchmark runs in a fresh Python process of its own (``--in-process`` runs them all in
this one), so that what one leaves in memory (100,000 cases, caches, garbage) does not
slow the next. PostgreSQL benchmarks use ``--postgres-url`` or the environment variable
``RELATIONKIT_TEST_POSTGRES_URL``; they work in schemas of their own, dropped afterwards,
and are skipped, with the reason, without a URL.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.harness import (
    SCALES,
    Context,
    Row,
    format_markdown,
    format_table,
    machine_lines,
)

__all__ = ["BENCHMARKS", "main", "run_all", "run_one"]

BENCHMARKS: dict[str, tuple[str, str]] = {
    "B1": ("command in memory", "bench.b1_command"),
    "B2": ("persisted command", "bench.b2_persisted"),
    "B3": ("hydration and list view", "bench.b3_hydration"),
    "B4": ("overdue promises", "bench.b4_overdue"),
    "B5": ("memory per hydrated case", "bench.b5_memory"),
    "B6": ("what may I do now, in bulk", "bench.b6_options"),
    "B7": ("scale-out on PostgreSQL", "bench.b7_scaleout"),
    "B8": ("history growth", "bench.b8_history"),
    "B9": ("an owner's open promises", "bench.b9_capacity"),
    "B10": ("commands in one batch", "bench.b10_batch"),
    "B11": ("cases breaching their service levels", "bench.b11_breaching"),
}
"""Each benchmark's id, title and module (which has ``run(ctx) -> list[Row]``)."""

ROOT = Path(__file__).resolve().parents[1]


def run_one(key: str, ctx: Context) -> list[Row]:
    """Run one benchmark in this process; a failure gives an ``error`` row, not an
    exception."""
    title, module = BENCHMARKS[key]
    try:
        rows: list[Row] = importlib.import_module(module).run(ctx)
    except Exception as exc:  # a broken benchmark must not hide the others
        if ctx.verbose:
            traceback.print_exc()
        return [
            Row(
                key,
                title,
                None,
                "",
                note=f"failed: {type(exc).__name__}: {exc}",
                status="error",
            )
        ]
    return rows


def _isolated(key: str, ctx: Context, argv: Sequence[str]) -> list[Row]:
    """Run one benchmark in a fresh Python process; return its rows."""
    out = os.path.join(ctx.workdir, f"{key}.json")
    command = [
        sys.executable,
        "-m",
        "bench",
        *argv,
        "--child",
        key,
        "--workdir",
        ctx.workdir,
        "--rows-to",
        out,
    ]
    env = dict(os.environ)
    if ctx.postgres_url:
        env["RELATIONKIT_TEST_POSTGRES_URL"] = ctx.postgres_url
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if done.returncode != 0 or not os.path.exists(out):
        title = BENCHMARKS[key][0]
        why = f"failed: its process exited with status {done.returncode}"
        return [Row(key, title, None, "", note=why, status="error")]
    with open(out, encoding="utf-8") as found:
        return [Row.from_dict(data) for data in json.load(found)]


def run_all(
    ctx: Context,
    only: Sequence[str] | None = None,
    *,
    isolate: Callable[[str, Context], list[Row]] | None = None,
) -> list[Row]:
    """Run the benchmarks (all, or those in ``only``) and return their rows in order;
    ``isolate(key, ctx)``, if given, runs each one (in a process of its own)."""
    rows: list[Row] = []
    for key, (title, _) in BENCHMARKS.items():
        if only and key not in only:
            continue
        ctx.log(f"{key} {title} ...")
        started = time.perf_counter()
        rows.extend(isolate(key, ctx) if isolate is not None else run_one(key, ctx))
        ctx.log(f"{key} done in {time.perf_counter() - started:.1f} s")
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="relationkit against its peers, side by side."
    )
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--full", action="store_true", help="the sizes the targets are for")
    scale.add_argument(
        "--scale", choices=sorted(SCALES), default="quick", help="a named set of sizes"
    )
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. B4 or B1,B6")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one size, e.g. b3_cases=20000 (repeatable)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("RELATIONKIT_TEST_POSTGRES_URL"),
        help="a PostgreSQL server (default: $RELATIONKIT_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--workdir", default=None, help="where database files go (a temp dir)")
    parser.add_argument(
        "--in-process", action="store_true", help="run every benchmark in this process"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write rows as JSON")
    parser.add_argument(
        "--profile", default=None, metavar="ID", help="profile relationkit's side of one benchmark"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.add_argument("-v", "--verbose", action="store_true", help="tracebacks of failures")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rows-to", default=None, help=argparse.SUPPRESS)
    return parser


def command_for(row: Row, scale: str) -> str:
    """The command that measures ``row`` alone."""
    flag = {"full": " --full", "quick": ""}.get(scale, f" --scale {scale}")
    return f"python -m bench{flag} --only {row.bench}"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run, print the table; the exit status is 1 if a target was missed
    or a benchmark failed."""
    args = _parser().parse_args(argv)
    scale = "full" if args.full else args.scale
    sizes = SCALES[scale].override(args.set)
    only = [part.strip().upper() for part in args.only.split(",") if part.strip()]
    unknown = [key for key in only if key not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")

    def log(line: str) -> None:
        if not args.quiet:
            print(f"# {line}", file=sys.stderr, flush=True)

    if args.child:  # one benchmark, in this (fresh) process, rows to a file
        ctx = Context(sizes, args.workdir, args.postgres_url, args.verbose, log, scale)
        rows = run_one(args.child, ctx)
        with open(args.rows_to, "w", encoding="utf-8") as out:
            json.dump([row.to_dict() for row in rows], out)
        return 0

    if args.profile:
        from bench.profile import profile

        key = args.profile.upper()
        if key not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {key!r}; known: {', '.join(BENCHMARKS)}")
        with tempfile.TemporaryDirectory(prefix="relationkit-bench-", dir=args.workdir) as work:
            ctx = Context(sizes, work, args.postgres_url, args.verbose, log, scale)
            print(profile(key, ctx))
        return 0

    # What a child needs to know to measure the same way: the scale and the overrides.
    child_argv = ["--scale", scale, *(f"--set={s}" for s in args.set)]
    if args.quiet:
        child_argv.append("--quiet")
    if args.verbose:
        child_argv.append("--verbose")

    with tempfile.TemporaryDirectory(prefix="relationkit-bench-", dir=args.workdir) as workdir:
        ctx = Context(sizes, workdir, args.postgres_url, args.verbose, log, scale)
        started = time.perf_counter()
        isolate = None if args.in_process else (lambda k, c: _isolated(k, c, child_argv))
        rows = run_all(ctx, only, isolate=isolate)
        elapsed = time.perf_counter() - started
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([row.to_dict() for row in rows], out, indent=1)
    print(f"relationkit benchmarks ({scale} sizes, {elapsed:.0f} s)")
    for line in machine_lines():
        print(line)
    print()
    if args.markdown:
        print(format_markdown(rows, lambda row: command_for(row, scale)))
    else:
        print(format_table(rows))
    missed = [row for row in rows if row.passed is False or row.status == "error"]
    if missed:
        print()
        print(
            "missed: " + ", ".join(sorted({f"{row.bench}" for row in missed}, key=_order)),
        )
    return 1 if missed else 0


def _order(key: str) -> int:
    return list(BENCHMARKS).index(key)
