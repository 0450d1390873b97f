"""``python -m bench --profile ID``: where relationkit's time goes in one benchmark.

The benchmark's relationkit side is set up as the benchmark sets it up, then run under
pyinstrument (a sampling profiler, every 0.2 ms), and its call tree is printed: each line
a function, the seconds spent in it and below it, library frames folded.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from bench.harness import Context
from bench.pg import drop_schema

__all__ = ["PROFILES", "profile"]

Work = Callable[[], None]


def _b1(ctx: Context) -> Work:
    from bench.b1_command import relationkit_side

    n = 20 * ctx.sizes.slice_ops * ctx.sizes.b1_slices
    side = relationkit_side(n)
    return lambda: side(n) and None


def _b2(ctx: Context) -> Work:
    from bench.b2_persisted import _eventsourcing_sides, _relationkit_sides
    from bench.peers import desk_class
    from relationkit.store.url import open_store

    n = 10 * ctx.sizes.slice_ops
    store = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'profile-b2.db')}")
    sides = _relationkit_sides(store, n + 2)
    desk = desk_class()(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": os.path.join(ctx.workdir, "profile-b2-es.db"),
        }
    )
    peers = _eventsourcing_sides(desk, 2)
    # The SQL statements of one command of each kind, on each side, traced on the
    # connections themselves (the stores' own, not public: this is for reading only).
    lines = ["SQL statements per command on SQLite (one command of each, traced):"]
    for name in ("acknowledge", "defer"):
        for who, run, conns in (
            ("relationkit", sides[name], lambda: [s.conn for s in store._idle]),
            (
                "eventsourcing",
                peers[name],
                lambda: [c._sqlite_conn for c in desk.recorder.datastore.pool._pool],
            ),
        ):
            run(1)  # connections exist and are warm
            traced: list[str] = []
            for conn in conns():
                conn.set_trace_callback(traced.append)
            run(1)
            for conn in conns():
                conn.set_trace_callback(None)
            lines.append(f"  {name}, {who}: {len(traced)} statements")
            lines.extend(f"    {sql[:90]}" for sql in traced)
    STATEMENTS[:] = lines

    def work() -> None:
        sides["acknowledge"](n)
        sides["defer"](n)

    return work


STATEMENTS: list[str] = []
"""What a profile found besides its call tree (B2: the statements of a command)."""


def _b3(ctx: Context) -> Work:
    from bench.world import relations, shared_cases_db
    from relationkit.cases import Case
    from relationkit.store.url import open_store

    store = open_store(f"sqlite:///{shared_cases_db(ctx.workdir, ctx.sizes.b3_cases)}")
    relations(store)

    def work() -> None:
        with store.unit_of_work() as uow:
            uow.select(Case)

    return work


def _b4(ctx: Context) -> Work:
    from bench.b4_overdue import NOWS, OVERDUE, _columns, promise_rows
    from bench.bulk import profile_stores
    from bench.world import START
    from relationkit import ManualClock, Relations
    from relationkit.domain.promise import Promise
    from relationkit.store.url import open_store

    # The smallest size: the query reads the index, so the size barely matters (B4's
    # flatness rows); the first query on a store just opened comes first.
    size = min(ctx.sizes.b4_sizes)
    overdue = min(OVERDUE, size // 10)
    table, columns, _ = _columns()
    urls, schema = profile_stores(
        ctx,
        cls=Promise,
        size=size,
        table=table,
        columns=columns,
        chunk_of=lambda begin, stop: list(promise_rows(begin, stop, overdue)),
        label="B4",
    )

    def work() -> None:
        for url in urls:
            store = open_store(url)
            rk = Relations(store, clock=ManualClock(START))
            for k in range(200):
                rk.promises.overdue(NOWS[k % len(NOWS)])
            store.close()
        if ctx.postgres_url and schema is not None:
            drop_schema(ctx.postgres_url, schema)

    return work


def _b11(ctx: Context) -> Work:
    from bench.b11_breaching import (
        BREACHED,
        BREACHING,
        NOWS,
        WITHIN,
        Copies,
        _columns,
        case_rows,
    )
    from bench.bulk import profile_stores
    from bench.world import START
    from relationkit import ManualClock, Relations
    from relationkit.domain.case import Case
    from relationkit.store.url import open_store

    # The smallest size (the queries read an index: B11's flatness rows), both queries.
    size = min(ctx.sizes.b11_sizes)
    special = min(BREACHING, BREACHED, size // 20)
    table, columns = _columns()
    copies = Copies()
    urls, schema = profile_stores(
        ctx,
        cls=Case,
        size=size,
        table=table,
        columns=columns,
        chunk_of=lambda begin, stop: [(r, ()) for r in case_rows(copies, begin, stop, special)],
        label="B11",
    )

    def work() -> None:
        for url in urls:
            store = open_store(url)
            rk = Relations(store, clock=ManualClock(START))
            for k in range(200):
                rk.service_levels.breaching_within(WITHIN, now=NOWS[k % len(NOWS)])
                rk.service_levels.breached()
            store.close()
        if ctx.postgres_url and schema is not None:
            drop_schema(ctx.postgres_url, schema)

    return work


def _b6(ctx: Context) -> Work:
    from bench.world import AGENT_ID, relations, shared_cases_db
    from relationkit.cases import Case
    from relationkit.store.url import open_store

    size = max(ctx.sizes.b6_sizes)
    store = open_store(f"sqlite:///{shared_cases_db(ctx.workdir, size)}")
    rk = relations(store)
    with store.unit_of_work() as uow:
        cases = uow.select(Case)
    return lambda: rk.options_for(cases, actor=AGENT_ID) and None


def _b8(ctx: Context) -> Work:
    from bench.b8_history import setup
    from relationkit.store.url import open_store

    store = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'profile-b8.db')}")
    _, long_side, _ = setup(store, ctx.sizes.b8_events, 1)
    return lambda: long_side(2 * ctx.sizes.b8_slice) and None


def _b9(ctx: Context) -> Work:
    from bench.b9_capacity import setup
    from relationkit.store.url import open_store

    store = open_store(f"sqlite:///{os.path.join(ctx.workdir, 'profile-b9.db')}")
    _, busy, _ = setup(store, ctx.sizes.b9_open, 1)
    return lambda: busy(2 * ctx.sizes.b9_slice) and None


PROFILES: dict[str, Callable[[Context], Work]] = {
    "B1": _b1,
    "B2": _b2,
    "B3": _b3,
    "B4": _b4,
    "B6": _b6,
    "B8": _b8,
    "B9": _b9,
    "B11": _b11,
}
"""What can be profiled: the benchmarks whose relationkit side is plain Python work."""


def profile(key: str, ctx: Context) -> str:
    """The profile of ``key``'s relationkit side as text."""
    from pyinstrument import Profiler

    make = PROFILES.get(key)
    if make is None:
        return f"{key} has no profile; profiles exist for {', '.join(PROFILES)}"
    STATEMENTS.clear()
    work = make(ctx)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    work()
    profiler.stop()
    tree = profiler.output_text(show_all=False)
    extra = "\n".join(STATEMENTS)
    return f"{key}: where relationkit's time goes (pyinstrument call tree)\n{tree}\n{extra}"
