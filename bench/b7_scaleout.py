"""B7: several worker processes running commands on one shared set of cases, on PostgreSQL.

Each worker process opens its own :class:`PostgresStore` and runs ``consult`` commands (care
rule R3 looks the colleague up in the store) on cases picked at random from a shared set,
through :func:`relationkit.retry`, so a command that lost a race to another worker
(:class:`ConcurrencyError`) is run again on fresh state. Reported per number of workers:
commands per second (all workers together, from a common start to the last finish), how
many conflicts were retried, and a final check that every case's timeline holds exactly its
seeded events plus the commands that succeeded on it, sequences without gaps or repeats and
hash chains intact (:meth:`Relations.verify_all`).

It runs in a schema of its own (``?schema=rk_bench_b7_<pid>``), dropped at the end. The
peer of each figure is the one-worker rate measured in the same run; the target is that
no event is lost or duplicated.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from typing import Any

from bench.harness import NO_POSTGRES, Context, Row, skipped
from bench.pg import schema_url, schemas
from bench.world import AGENT_ID, MANAGER_ID, relations, seed_cases

__all__ = ["run", "worker"]

SEEDED_PATH = ("acknowledge", "confirm_heard")


def worker(url: str, ids: list[str], commands: int, seed: int, start: Any, out: Any) -> None:
    """Run ``commands`` consult commands on random cases of ``ids``; report through ``out``
    (a queue): commands done per case, conflicts retried, seconds spent."""
    from bench.world import START
    from relationkit import ConcurrencyError, Relations, retry
    from relationkit.cases import Consult
    from relationkit.store.url import open_store
    from relationkit.testing import ManualClock

    store = open_store(url)
    rk = Relations(store, clock=ManualClock(START))
    rng = random.Random(seed)
    command = Consult(colleague_id=MANAGER_ID, note="Worth a goodwill refund, I think.")
    done: Counter[str] = Counter()
    conflicts = 0
    rk.case(ids[0])  # connect before the clock starts
    start.wait()
    began = time.perf_counter()
    for _ in range(commands):
        case_id = rng.choice(ids)

        def attempt(case_id: str = case_id) -> Any:
            nonlocal conflicts
            try:
                return rk.handle(case_id, command, actor=AGENT_ID)
            except ConcurrencyError:
                conflicts += 1
                raise

        retry(attempt, attempts=50)
        done[case_id] += 1
    spent = time.perf_counter() - began
    store.close()
    out.put((dict(done), conflicts, spent))


def _round(url: str, workers: int, cases: int, commands: int) -> tuple[float, int, bool, str]:
    from relationkit.cases import Case
    from relationkit.store.url import open_store

    store = open_store(url)
    try:
        relations(store)
        ids = seed_cases(store, cases, prefix=f"b7w{workers}", paths=[SEEDED_PATH])
    finally:
        store.close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    out = context.Queue()
    processes = [
        context.Process(target=worker, args=(url, ids, commands, 1000 * workers + n, start, out))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)
    started = time.perf_counter()
    start.set()
    results = [out.get(timeout=600) for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    done: Counter[str] = Counter()
    conflicts = 0
    for per_case, retried, _ in results:
        done.update(per_case)
        conflicts += retried
    spent = max(r[2] for r in results)
    total = sum(done.values())

    store = open_store(url)
    try:
        rk = relations(store)
        problems: list[str] = []
        with store.unit_of_work() as uow:
            for case_id in ids:
                case = uow.get(Case, case_id)
                events = uow.events(Case, case_id)
                expected = 1 + len(SEEDED_PATH) + done[case_id]
                sequences = [e.sequence for e in events]
                if case.version != expected or sequences != list(range(1, expected + 1)):
                    problems.append(f"{case_id}: {len(events)} events, expected {expected}")
        report = rk.verify_all()
        problems.extend(str(p) for p in report.problems)
    finally:
        store.close()
    ok = not problems and total == workers * commands
    detail = "; ".join(problems[:3]) if problems else ""
    return total / min(spent, wall), conflicts, ok, detail


def run(ctx: Context) -> list[Row]:
    """B7's rows."""
    if not ctx.postgres_url:
        return [skipped("B7", "scale-out on PostgreSQL", NO_POSTGRES)]
    try:
        import psycopg  # noqa: F401

        from relationkit.store import postgres  # noqa: F401
    except ImportError as exc:
        return [skipped("B7", "scale-out on PostgreSQL", f"cannot import ({exc})")]
    sizes = ctx.sizes
    rows: list[Row] = []
    baseline: float | None = None
    with schemas(ctx.postgres_url, "b7") as (schema,):
        url = schema_url(ctx.postgres_url, schema)
        for workers in sizes.b7_workers:
            rate, conflicts, ok, detail = _round(url, workers, sizes.b7_cases, sizes.b7_commands)
            if baseline is None:
                baseline = rate
            note = (
                f"{workers * sizes.b7_commands} commands on {sizes.b7_cases} shared cases, "
                f"{conflicts} conflicts retried"
            )
            if detail:
                note += f"; {detail}"
            rows.append(
                Row(
                    "B7",
                    f"{workers} worker process(es): commands per second",
                    rate,
                    "cmd/s",
                    peer="1 worker" if workers != sizes.b7_workers[0] else "",
                    peer_figure=baseline if workers != sizes.b7_workers[0] else None,
                    ok=ok,
                    target_label="no event lost or duplicated",
                    note=note,
                )
            )
    return rows
