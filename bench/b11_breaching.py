"""B11: the cases breaching their service levels among 10k, 100k and 1M cases (SQLite,
PostgreSQL).

relationkit: ``Relations.service_levels.breaching_within(pendulum.duration(hours=1),
now=…)``, the cases with a clock due within the hour (or due already and not yet recorded
as breached), and ``Relations.service_levels.breached()``, the cases with a breached clock
still owed, both hydrated as :class:`Case` objects. Peer: the very statement the store
runs, traced (its SQL text and parameters recorded as the store hands them to its
connection, once per database before measuring), run through the raw driver (``sqlite3``,
``psycopg``) fetching ``(id, snapshot)`` tuples.

The method is B4's: each size has a database of its own (an SQLite file, a PostgreSQL
schema), all loaded before measuring, and every query of one size is followed by the same
query on the others, relationkit and the raw driver taking turns. The breaching query asks
as of a different minute of the last hour each time (all give the same answer). Reported
per size and query: the first query in a fresh process, the median of the queries that
follow, and flatness (the median at the largest size over the median at the smallest).

The data: N cases of one client whose contract has a service-level policy (first reply
within 4 hours, resolution within 3 days, counted around the clock). Four cases are built
through the public API on an in-memory service: one just opened (its first-reply clock
running), one acknowledged (first reply met, resolution running), one resolved (both
clocks met) and one whose first reply was breached and is still owed. Every stored case is
a copy of one of those four, its id changed and every time in it moved by the same amount
(so its clocks, due times and warning times stay consistent), with the index columns the
store itself derives from the moved case. Out of the first cases, :data:`BREACHING` just
opened ones are due within the hour and :data:`BREACHED` breached ones are owed, at every
size; of the rest, seven in ten are resolved (no clock counting), three in ten are open
with a clock due two hours to three days ahead. Rows go straight into the table the store
created for :class:`Case` (with its indexes), in bulk (SQLite ``executemany``, PostgreSQL
``COPY``), then ``ANALYZE``; the cases' timelines are not written (neither query reads
them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum

from bench.bulk import run_on_databases
from bench.harness import Context, Row, Side, interleave
from bench.world import START

__all__ = ["BREACHED", "BREACHING", "WITHIN", "Copies", "case_rows", "run", "templates"]

BREACHING = 50
"""Cases due within the hour as of every time asked, at every size (fewer at tiny sizes)."""
BREACHED = 50
"""Cases with a breached clock still owed, at every size (fewer at tiny sizes)."""
WITHIN = pendulum.duration(hours=1)
"""How far ahead the breaching query looks."""

TARGET_MS = 20.0
FLAT = 1.5
"""The median at the largest size may be at most this many times that at the smallest."""

ROOT = Path(__file__).resolve().parents[1]

NOWS = [START.subtract(minutes=k) for k in range(60)]
"""The times the breaching query asks as of, in turn: every minute of the hour before
START. The cases breaching are due in the first minute after START, every other clock two
hours or more after it, so each gives the same answer."""

_T0 = pendulum.datetime(2026, 1, 5, 9, tz="UTC")
"""When the four template cases were opened."""
_TEMPLATE_ID = "b11-template"


# --- the cases ------------------------------------------------------------------------------


def templates() -> dict[str, Any]:
    """The four template cases, built through the public API: ``opened`` (first reply
    due), ``acknowledged`` (resolution due), ``resolved`` (no clock counting) and
    ``breached`` (first reply breached and still owed), each opened at ``_T0``."""
    from relationkit import Client, ManualClock, Relations, Staff
    from relationkit.cases import Accept, Acknowledge, ConfirmHeard, Resolve, StartWork
    from relationkit.equality import Entitlement
    from relationkit.service_levels import ServiceLevelPolicy

    clock = ManualClock(_T0)
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-ana", name="Ana Client", contract="standard"),
        Staff(id="s-agent", name="Sam Agent", roles={"agent"}),
    )
    rk.equality.entitle(
        Entitlement(
            id="standard",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=3),
        )
    )
    rk.service_levels.define(
        ServiceLevelPolicy(
            id="standard-sla",
            contracts=("standard",),
            targets={
                "normal": {
                    "first_reply": pendulum.duration(hours=4),
                    "resolution": pendulum.duration(days=3),
                }
            },
            default_priority="normal",
        )
    )
    names = ("opened", "acknowledged", "resolved", "breached")
    ids = {name: f"{_TEMPLATE_ID}-{name}" for name in names}
    for name in names:
        rk.open_case(
            actor="s-agent",
            client="c-ana",
            subject="Billed twice for the March invoice",
            statement="I was billed twice for March and nobody answers my emails.",
            case_id=ids[name],
        )
    found = {"opened": rk.case(ids["opened"])}  # as it stands just opened
    clock.advance(minutes=30)
    paraphrase = Acknowledge(paraphrase="You were billed twice for March.")
    for name in ("acknowledged", "resolved"):
        rk.handle(ids[name], paraphrase, actor="s-agent")
    rk.handle(ids["resolved"], ConfirmHeard(), actor="c-ana")
    rk.handle(ids["resolved"], Accept(note="We refund the second charge."), actor="s-agent")
    rk.handle(ids["resolved"], StartWork(), actor="s-agent")
    clock.advance(hours=2)
    rk.handle(ids["resolved"], Resolve(summary="Second charge refunded."), actor="s-agent")
    clock.advance(hours=4)  # the first reply of "breached" is overdue now
    assert ids["breached"] in rk.service_levels.run().breached
    for name in ("acknowledged", "resolved", "breached"):
        found[name] = rk.case(ids[name])
    opened = found["opened"]
    assert (opened.state, opened.version, opened.sla_breached) == ("opened", 2, False)
    assert opened.sla_due_at == _T0.add(hours=4)
    assert found["acknowledged"].sla_due_at == _T0.add(days=3)
    resolved, breached = found["resolved"], found["breached"]
    assert (resolved.sla_due_at, resolved.sla_breached) == (None, False)
    assert (breached.sla_due_at, breached.sla_breached) == (_T0.add(days=3), True)
    return found


def _moved(value: Any, delta: dt.timedelta) -> Any:
    """``value`` with every time in it moved by ``delta`` (attrs values rebuilt)."""
    if isinstance(value, pendulum.DateTime):
        return value + delta
    if attrs.has(type(value)):
        changes = {
            f.alias: _moved(getattr(value, f.name), delta)
            for f in attrs.fields(type(value))
            if f.init
        }
        return attrs.evolve(value, **changes)
    if isinstance(value, tuple):
        return tuple(_moved(v, delta) for v in value)
    if isinstance(value, list):
        return [_moved(v, delta) for v in value]
    if isinstance(value, dict):
        return {k: _moved(v, delta) for k, v in value.items()}
    return value


def _kind(i: int, special: int) -> tuple[str, dt.timedelta]:
    """Which template the ``i``-th case copies, and by how much its times move."""
    if i < special * 20 and i % 20 == 0:  # first reply due in the minute after START
        opened = START.subtract(hours=4).add(seconds=i // 20)
        return "opened", opened - _T0
    if i < special * 20 and i % 20 == 10:  # first reply breached, resolution due later
        opened = START.subtract(hours=5, minutes=i % 600)
        return "breached", opened - _T0
    if i % 10 in (1, 2):  # resolution due 2 hours to 68 hours ahead
        opened = START.subtract(days=3).add(hours=2, minutes=i % 3960)
        return "acknowledged", opened - _T0
    if i % 10 == 3:  # first reply due 1 hour 1 minute to 3 hours 50 minutes ahead
        opened = START.subtract(hours=3).add(minutes=1 + i % 170)
        return "opened", opened - _T0
    opened = START.subtract(days=1 + i % 360, minutes=i % 1440)  # resolved
    return "resolved", opened - _T0


class Copies:
    """Rows of moved copies of the templates, each distinct move encoded once."""

    def __init__(self) -> None:
        from relationkit.domain.case import Case
        from relationkit.store.schema import kind_table

        self.templates = templates()
        self.indexed = [attr for attr, _ in kind_table(Case).indexed]
        self.cache: dict[tuple[str, dt.timedelta], tuple[str, str, int, tuple[Any, ...]]] = {}

    def moved(self, name: str, delta: dt.timedelta) -> tuple[str, str, int, tuple[Any, ...]]:
        """``(prefix, suffix, version, index values)`` of the moved template: its snapshot
        text is ``prefix + id + suffix``."""
        key = (name, delta)
        found = self.cache.get(key)
        if found is None:
            from relationkit.domain.case import Case
            from relationkit.store.codec import decode_aggregate, encode_aggregate, index_value

            template = self.templates[name]
            case = _moved(template, delta)
            text = encode_aggregate(case)
            assert decode_aggregate(Case, case.id, text) == case
            marker = json.dumps(template.id)
            assert text.count(marker) == 1, text
            prefix, _, suffix = text.partition(marker)
            values = tuple(index_value(getattr(case, attr)) for attr in self.indexed)
            found = self.cache[key] = (prefix + '"', '"' + suffix, case.version, values)
        return found


def case_rows(copies: Copies, start: int, stop: int, special: int) -> Iterator[tuple[Any, ...]]:
    """The rows of cases ``start`` to ``stop`` as the store writes them: ``(id, version,
    snapshot, *indexed values)``."""
    for i in range(start, stop):
        name, delta = _kind(i, special)
        prefix, suffix, version, values = copies.moved(name, delta)
        case_id = f"case-{i:07d}"
        yield (case_id, version, prefix + case_id + suffix, *values)


def _columns() -> tuple[str, list[str]]:
    from relationkit.domain.case import Case
    from relationkit.store.schema import kind_table

    kt = kind_table(Case)
    return kt.name, ["id", "version", "snapshot", *(kt.column_for(a) for a, _ in kt.indexed)]


# --- the queries ----------------------------------------------------------------------------

QUERIES = ("breaching", "breached")


def _ask(rk: Any, query: str) -> Callable[[pendulum.DateTime], list[Any]]:
    """relationkit's side of ``query``, as of a time (which ``breached`` does not take)."""
    if query == "breaching":
        return lambda now: rk.service_levels.breaching_within(WITHIN, now=now)
    return lambda now: rk.service_levels.breached()


@contextlib.contextmanager
def _tracing(found: list[tuple[str, list[Any]]]) -> Iterator[None]:
    """Record every statement the SQL stores stream rows of: ``(sql, params)`` as the
    store hands them to its session (``?`` markers; the session adapts them to its
    driver)."""
    from relationkit.store.sql import Session

    original = Session.stream
    classes = [Session, *_subclasses(Session)]
    saved = {cls: cls.__dict__.get("stream") for cls in classes}

    def wrap(method: Any) -> Any:
        def stream(self: Any, sql: str, params: Any = ()) -> Any:
            found.append((sql, list(params)))
            return method(self, sql, params)

        return stream

    try:
        for cls, method in saved.items():
            if method is not None:
                cls.stream = wrap(method)  # type: ignore[attr-defined]
        yield
    finally:
        for cls, method in saved.items():
            if method is not None:
                cls.stream = method  # type: ignore[attr-defined]
        assert Session.stream is original


def _subclasses(cls: type) -> list[type]:
    import importlib

    importlib.import_module("relationkit.store.sqlite")  # the session classes live there
    with contextlib.suppress(ImportError):  # psycopg may be missing
        importlib.import_module("relationkit.store.postgres")

    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def traced(url: str) -> dict[str, tuple[str, list[Any]]]:
    """The statement (SQL with ``?`` markers, parameters) each query runs on the store at
    ``url``, as of ``START``, traced."""
    from relationkit import ManualClock, Relations
    from relationkit.store.url import open_store

    store = open_store(url)
    try:
        rk = Relations(store, clock=ManualClock(START))
        statements: dict[str, tuple[str, list[Any]]] = {}
        for query in QUERIES:
            found: list[tuple[str, list[Any]]] = []
            with _tracing(found):
                _ask(rk, query)(START)
            (statement,) = found
            # the raw side computes the parameters as of each time asked: check it agrees
            assert _params(query, START, statement[1]) == statement[1], statement
            statements[query] = statement
    finally:
        store.close()
    return statements


def _params(query: str, now: pendulum.DateTime, traced_params: list[Any]) -> list[Any]:
    """The parameters of ``query`` as of ``now``: the traced ones, with the due time moved
    to ``now + WITHIN`` for the breaching query."""
    if query == "breached":
        return traced_params
    from relationkit.store.codec import index_value

    return [index_value(now + WITHIN)]


def _raw(
    backend: str, target: str, query: str, statement: tuple[str, list[Any]]
) -> Callable[[pendulum.DateTime], list[Any]]:
    """A function running the traced ``statement`` through the raw driver."""
    sql, traced_params = statement
    if backend == "sqlite":
        conn = sqlite3.connect(target)
        return lambda now: conn.execute(sql, _params(query, now, traced_params)).fetchall()
    import psycopg

    from relationkit.store.schema import POSTGRES

    url, _, schema = target.rpartition("#")
    pg = psycopg.connect(url, autocommit=True)
    pg.execute(f'SET search_path TO "{schema}"')
    pg_sql = POSTGRES.sql(sql)
    return lambda now: pg.execute(pg_sql, _params(query, now, traced_params)).fetchall()


def _cold(
    backend: str, side: str, query: str, target: str, statement: tuple[str, list[Any]], runs: int
) -> float:
    """The first query in a fresh process, in milliseconds (the median of ``runs``)."""
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.b11_breaching",
                "cold",
                backend,
                side,
                query,
                target,
                json.dumps(statement),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(json.loads(done.stdout)["ms"])
    found.sort()
    return float(found[len(found) // 2])


def _first_query(backend: str, side: str, query: str, target: str, statement_json: str) -> float:
    """In a fresh process: open, then time the first query (milliseconds)."""
    if side == "relationkit":
        from relationkit import ManualClock, Relations
        from relationkit.store.url import open_store

        store = open_store(target)
        ask = _ask(Relations(store, clock=ManualClock(START)), query)
        begin = time.perf_counter()
        found = ask(START)
        spent = time.perf_counter() - begin
        store.close()
    else:
        sql, params = json.loads(statement_json)
        run = _raw(backend, target, query, (sql, params))
        begin = time.perf_counter()
        found = run(START)
        spent = time.perf_counter() - begin
    assert found
    return spent * 1000


def _measure(
    ctx: Context,
    backend: str,
    label: str,
    targets: dict[int, tuple[str, str]],
    special: int,
) -> list[Row]:
    """Rows for one backend; ``targets`` maps each size to (store URL, raw target)."""
    from relationkit import ManualClock, Relations
    from relationkit.store.url import open_store

    sizes = sorted(targets)
    statements = {size: traced(targets[size][0]) for size in sizes}
    cold: dict[tuple[str, int], tuple[float, float]] = {}
    for query in QUERIES:
        for size in sizes:
            url, raw_target = targets[size]
            statement = statements[size][query]
            cold[query, size] = (
                _cold(backend, "relationkit", query, url, statement, ctx.sizes.fresh_runs),
                _cold(backend, "raw", query, raw_target, statement, ctx.sizes.fresh_runs),
            )
    stores = []
    sides: list[tuple[str, Side]] = []
    samples: dict[str, list[float]] = {}
    found: dict[str, set[tuple[str, ...]]] = {}

    def timed(key: str, run: Callable[[pendulum.DateTime], list[Any]]) -> Side:
        asked = itertools.count()

        def side(n: int) -> float:
            spent = 0.0
            for _ in range(n):
                now = NOWS[next(asked) % len(NOWS)]
                begin = time.perf_counter()
                result = run(now)
                took = time.perf_counter() - begin
                spent += took
                samples.setdefault(key, []).append(took)
                ids = tuple(r.id if hasattr(r, "id") else r[0] for r in result)
                found.setdefault(key, set()).add(ids)
            return spent

        return side

    for size in sizes:
        url, raw_target = targets[size]
        store = open_store(url)
        stores.append(store)
        rk = Relations(store, clock=ManualClock(START))
        for query in QUERIES:
            run_raw = _raw(backend, raw_target, query, statements[size][query])
            sides.append((f"rk-{query}-{size}", timed(f"rk-{query}-{size}", _ask(rk, query))))
            sides.append((f"raw-{query}-{size}", timed(f"raw-{query}-{size}", run_raw)))
    try:
        interleave(
            sides, slice_ops=1, slices=ctx.sizes.b11_queries, rounds=ctx.sizes.rounds, warmup=1
        )
    finally:
        for store in stores:
            store.close()

    def median_ms(key: str) -> float:
        return statistics.median(samples[key][1:]) * 1000  # the warm-up query left out

    expected = {
        "breaching": [f"case-{i:07d}" for i in range(0, special * 20, 20)],
        "breached": [f"case-{i:07d}" for i in range(10, special * 20, 20)],
    }
    titles = {
        "breaching": f"breaching within {WITHIN.in_hours()} h",
        "breached": "breached",
    }
    rows: list[Row] = []
    raw_driver = "sqlite3" if backend == "sqlite" else "psycopg"
    largest = sizes[-1]
    for query in QUERIES:
        title = titles[query]
        queries = len(samples[f"rk-{query}-{largest}"]) - 1
        for size in sizes:
            answers = found[f"rk-{query}-{size}"] | found[f"raw-{query}-{size}"]
            right = answers == {tuple(expected[query])}
            counts = sorted({len(a) for a in answers})
            target = TARGET_MS if size == largest else None
            rows.append(
                Row(
                    "B11",
                    f"{title} among {size:,} on {label}: median query",
                    median_ms(f"rk-{query}-{size}"),
                    "ms",
                    peer=f"same SQL (traced), raw {raw_driver} tuples",
                    peer_figure=median_ms(f"raw-{query}-{size}"),
                    target=target,
                    ok=None if right else False,
                    note=(
                        f"median of {queries} queries per side, wall time; found {counts} "
                        f"cases, {special} expected"
                        + ("" if right else " (the answers differ from the cases expected)")
                    ),
                )
            )
            mine_cold, raw_cold = cold[query, size]
            rows.append(
                Row(
                    "B11",
                    f"{title} among {size:,} on {label}: first query, fresh process",
                    mine_cold,
                    "ms",
                    peer=f"same SQL (traced), raw {raw_driver}, fresh process",
                    peer_figure=raw_cold,
                    target=target,
                )
            )
        rows.append(
            Row(
                "B11",
                f"{title}, flat in N on {label}: median at {largest:,} over median at {sizes[0]:,}",
                median_ms(f"rk-{query}-{largest}"),
                "ms",
                peer=f"relationkit at {sizes[0]:,}",
                peer_figure=median_ms(f"rk-{query}-{sizes[0]}"),
                target=FLAT,
                target_on="ratio",
            )
        )
    return rows


def run(ctx: Context) -> list[Row]:
    """B11's rows."""
    from relationkit.domain.case import Case

    sizes = sorted(ctx.sizes.b11_sizes)
    special = min(BREACHING, BREACHED, sizes[0] // 20)
    table, columns = _columns()
    copies = Copies()
    return run_on_databases(
        ctx,
        bench_id="B11",
        cls=Case,
        sizes=sizes,
        table=table,
        columns=columns,
        chunk_of=lambda begin, stop: [(r, ()) for r in case_rows(copies, begin, stop, special)],
        measure=lambda backend, label, targets: _measure(ctx, backend, label, targets, special),
        skipped_what="breaching cases on PostgreSQL",
    )


def _main(argv: Sequence[str]) -> int:
    if len(argv) == 6 and argv[0] == "cold":
        print(json.dumps({"ms": _first_query(*argv[1:])}))
        return 0
    print(
        "usage: python -m bench.b11_breaching cold sqlite|postgres relationkit|raw "
        "breaching|breached TARGET STATEMENT"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
