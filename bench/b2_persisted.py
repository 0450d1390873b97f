"""B2: one persisted command, against eventsourcing 9 on the same database.

relationkit: ``Relations.handle`` on an :class:`SqliteStore` (``open_store("sqlite:///…")``)
or a :class:`PostgresStore`, each command on a different case, for two commands:

* ``acknowledge`` on an opened case: one aggregate, one event;
* ``defer`` on a heard case: the case's event and the reply promise the deferral makes
  (R3), a second aggregate, in the same transaction.

Peer: an eventsourcing 9 ``Application`` on its SQLite module (``eventsourcing.sqlite``)
or its PostgreSQL module (``eventsourcing.postgres``), with a ``Ticket`` aggregate of the
same history: ``repository.get``, one command method, ``save``; its ``defer`` also creates
a ``ReplyPromise`` aggregate and saves both in one ``save`` (one transaction).

The two sides take turns in slices of about 25 commands; the figures are wall time (a
commit waits for the disk or the server), and each row's note adds the CPU time this
process spent per command on each side, the rest being waiting. Durability is the same on
both sides, and the run proves it: the journal mode and ``synchronous`` setting (SQLite) or
``synchronous_commit`` (PostgreSQL) are read from each side's live connections after the
run and printed; a row whose two sides differ is reported as missed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from bench.harness import CPU, NO_POSTGRES, Context, Row, Side, interleave, skipped
from bench.peers import desk_class, es_postgres_env
from bench.pg import create_schema, schema_url, schemas
from bench.world import AGENT_ID, HEARD, OPENED, PATHS, START, relations, seed_cases
from relationkit.cases import Acknowledge, Defer
from relationkit.store.base import Store
from relationkit.store.url import open_store

__all__ = ["run"]

PARAPHRASE = "Your order is two weeks late and you got no answer."
REASON = "Checking with the warehouse."

COMMANDS = ("acknowledge", "defer")
TARGETS = {"acknowledge": 1.0, "defer": 1.5}


def _commands_needed(ctx: Context) -> int:
    sizes = ctx.sizes
    return sizes.slice_ops * (1 + sizes.b2_slices * sizes.rounds)


def _relationkit_sides(store: Store, count: int) -> dict[str, Side]:
    rk = relations(store)
    opened = iter(seed_cases(store, count, prefix="b2o", paths=[PATHS[OPENED]]))
    heard = iter(seed_cases(store, count, prefix="b2h", paths=[PATHS[HEARD]]))
    commands = {
        "acknowledge": (opened, Acknowledge(paraphrase=PARAPHRASE)),
        "defer": (heard, Defer(reply_by=START.add(days=3), reason=REASON)),
    }
    handle = rk.handle

    def side(name: str) -> Side:
        ids, command = commands[name]

        def run(n: int) -> float:
            chosen = [next(ids) for _ in range(n)]
            start = time.perf_counter()
            for case_id in chosen:
                handle(case_id, command, actor=AGENT_ID)
            return time.perf_counter() - start

        return run

    return {name: side(name) for name in COMMANDS}


def _eventsourcing_sides(desk: Any, count: int) -> dict[str, Side]:
    ids: dict[str, Iterator[Any]] = {}
    for name, heard in (("acknowledge", False), ("defer", True)):
        made: list[Any] = []
        for start in range(0, count, 500):
            tickets = [desk.open(i, heard=heard) for i in range(start, min(count, start + 500))]
            desk.save(*tickets)
            made.extend(t.id for t in tickets)
        ids[name] = iter(made)
    reply_by = START.add(days=3).isoformat()

    def acknowledge(n: int) -> float:
        chosen = [next(ids["acknowledge"]) for _ in range(n)]
        start = time.perf_counter()
        for ticket_id in chosen:
            desk.acknowledge(ticket_id)
        return time.perf_counter() - start

    def defer(n: int) -> float:
        chosen = [next(ids["defer"]) for _ in range(n)]
        start = time.perf_counter()
        for ticket_id in chosen:
            desk.defer(ticket_id, reply_by)
        return time.perf_counter() - start

    return {"acknowledge": acknowledge, "defer": defer}


def _measure(
    ctx: Context,
    backend: str,
    mine: dict[str, Side],
    theirs: dict[str, Side],
    settings: Callable[[], tuple[str, str]],
    peer: str,
) -> list[Row]:
    sizes = ctx.sizes
    rows: list[Row] = []
    timings = {}
    cpu: dict[tuple[str, str], list[float]] = {}

    def counted(key: tuple[str, str], side: Side) -> Side:
        """``side``, also noting the CPU time of this thread per command."""

        def run(n: int) -> float:
            begin = CPU()
            spent = side(n)
            cpu.setdefault(key, []).append((CPU() - begin) / n)
            return spent

        return run

    for name in COMMANDS:
        ctx.log(f"B2 {backend} {name} ...")
        timings[name] = interleave(
            [
                ("relationkit", counted(("relationkit", name), mine[name])),
                ("eventsourcing", counted(("eventsourcing", name), theirs[name])),
            ],
            slice_ops=sizes.slice_ops,
            slices=sizes.b2_slices,
            rounds=sizes.rounds,
        )
    ours, peers = settings()
    same = ours == peers
    ops = sizes.slice_ops * sizes.b2_slices * sizes.rounds
    for name in COMMANDS:
        aggregates = "one aggregate" if name == "acknowledge" else "case + reply promise"
        rows.append(
            timings[name].row(
                "B2",
                f"persisted {name} on {backend} ({aggregates})",
                "relationkit",
                "eventsourcing",
                peer_label=peer,
                scale=1e3,
                unit="ms",
                target=TARGETS[name],
                target_on="ratio",
                ok=None if same else False,
                note=(
                    f"{ops:,} commands each, in turns of {sizes.slice_ops}; wall time, of "
                    f"which CPU time of this process: relationkit "
                    f"{statistics.median(cpu['relationkit', name]) * 1e3:.2f} ms, "
                    f"eventsourcing {statistics.median(cpu['eventsourcing', name]) * 1e3:.2f} "
                    f"ms per command; read from the live connections: relationkit {ours}; "
                    f"eventsourcing {peers}"
                    + ("" if same else " (NOT the same durability: not comparable)")
                ),
            )
        )
    return rows


def _sqlite(ctx: Context) -> list[Row]:
    count = _commands_needed(ctx)
    path = os.path.join(ctx.workdir, "b2-relationkit.db")
    store = open_store(f"sqlite:///{path}")  # relationkit's default: WAL, synchronous=FULL
    desk = desk_class()(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": os.path.join(ctx.workdir, "b2-eventsourcing.db"),
        }
    )
    try:
        mine = _relationkit_sides(store, count)
        theirs = _eventsourcing_sides(desk, count)

        def settings() -> tuple[str, str]:
            names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
            with store.unit_of_work() as uow:
                session = uow.session  # the pooled connection the commands ran on
                journal = session.query("PRAGMA journal_mode")[0][0]
                level = session.query("PRAGMA synchronous")[0][0]
            ours = f"journal_mode={str(journal).upper()}, synchronous={names.get(level, level)}"
            with desk.recorder.datastore.get_connection(commit=False) as conn:
                cursor = conn.cursor()
                cursor.execute("PRAGMA journal_mode")
                es_journal = cursor.fetchone()[0]
                cursor.execute("PRAGMA synchronous")
                es_level = cursor.fetchone()[0]
            theirs_ = (
                f"journal_mode={str(es_journal).upper()}, "
                f"synchronous={names.get(es_level, es_level)}"
            )
            return ours, theirs_

        return _measure(
            ctx, "SQLite", mine, theirs, settings, "eventsourcing 9 SQLite: get + method + save"
        )
    finally:
        desk.close()
        store.close()


def _postgres(ctx: Context) -> list[Row]:
    url = ctx.postgres_url
    if not url:
        return [
            skipped("B2", f"persisted {name} on PostgreSQL", NO_POSTGRES, unit="ms")
            for name in COMMANDS
        ]
    count = _commands_needed(ctx)
    with schemas(url, "b2", "b2_es") as (mine_schema, es_schema):
        create_schema(url, es_schema)
        store = open_store(schema_url(url, mine_schema))
        desk = desk_class()(env=es_postgres_env(url, es_schema))
        try:
            mine = _relationkit_sides(store, count)
            theirs = _eventsourcing_sides(desk, count)

            def settings() -> tuple[str, str]:
                with store.unit_of_work() as uow:
                    ours = uow.session.query("SHOW synchronous_commit")[0][0]
                    fsync = uow.session.query("SHOW fsync")[0][0]
                with desk.recorder.datastore.get_connection() as conn:
                    es_commit = conn.execute("SHOW synchronous_commit").fetchone()
                    es_fsync = conn.execute("SHOW fsync").fetchone()
                return (
                    f"synchronous_commit={ours}, fsync={fsync}",
                    f"synchronous_commit={es_commit['synchronous_commit']}, "
                    f"fsync={es_fsync['fsync']}",
                )

            return _measure(
                ctx,
                "PostgreSQL",
                mine,
                theirs,
                settings,
                "eventsourcing 9 PostgreSQL: get + method + save",
            )
        finally:
            desk.close()
            store.close()


def run(ctx: Context) -> list[Row]:
    """B2's rows."""
    return [*_sqlite(ctx), *_postgres(ctx)]
