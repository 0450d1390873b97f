"""B6: "what may I do now" for many cases at once, at 10,000 and at 100,000 cases.

relationkit: ``Relations.options_for(cases, actor=...)`` over N hydrated cases in the
states of :data:`bench.world.PATHS` (read from an SQLite store): every command each
state offers, judged as running it would be (authority, every care rule, the workflow's
own conditions), each refused command naming its rules. The target is on relationkit's
time per case.

Peer, for scale: a hand-written floor over the same cases: for each case, every command
its state offers from a dict table, the actor's roles (staff commands, client-only
commands) and rule R1 (no decision before the client was heard) checked, one
``(command, allowed, reasons)`` tuple per command. It knows nothing of the other rules, so
it is a floor, not a like-for-like peer.

The clock is the CPU time of the benchmark's thread (nothing here waits).
"""

from __future__ import annotations

from typing import Any

from bench.harness import CPU, Context, Row, Side, interleave
from bench.world import AGENT_ID, relations, shared_cases_db
from relationkit.cases import Case
from relationkit.store.url import open_store
from relationkit.workflows.case import CASE_WORKFLOW

__all__ = ["run"]

TARGET_US = 5.0
DECIDING = frozenset({"defer", "accept", "decline", "compromise", "refer"})
PARTY_ONLY = frozenset({"confirm_heard", "correct_paraphrase", "give_feedback"})


def _floor(cases: list[Case]) -> Side:
    table = {s: tuple(t) for s, t in CASE_WORKFLOW.table.transitions.items()}
    roles = frozenset({"agent"})
    staff_roles = frozenset({"agent", "manager", "partner"})

    def options(case: Case) -> list[tuple[str, bool, tuple[str, ...]]]:
        found = []
        for name in table[case.state]:
            reasons: list[str] = []
            if name in PARTY_ONLY:
                reasons.append("ROLE: only the client may")
            elif not roles & staff_roles:
                reasons.append("ROLE: staff only")
            elif name in DECIDING and not case.heard:
                reasons.append("R1: the client was not heard yet")
            found.append((name, not reasons, tuple(reasons)))
        return found

    def side(_: int) -> float:
        start = CPU()
        answer = {case.id: options(case) for case in cases}
        spent = CPU() - start
        del answer
        return spent

    return side


def run(ctx: Context) -> list[Row]:
    """B6's rows."""
    sizes = sorted(ctx.sizes.b6_sizes)
    rows: list[Row] = []
    # One database of the largest size; each size judges its first N cases (the histories
    # follow PATHS round robin, so every size has the same mix).
    path = shared_cases_db(ctx.workdir, sizes[-1], ctx.log)
    for size in sizes:
        store = open_store(f"sqlite:///{path}")
        try:
            rk = relations(store)
            with store.unit_of_work() as uow:
                cases = uow.select(Case, limit=size)
            judged: list[int] = []

            def mine(
                _: int, cases: list[Case] = cases, judged: list[int] = judged, rk: Any = rk
            ) -> float:
                start = CPU()
                answer: Any = rk.options_for(cases, actor=AGENT_ID)
                spent = CPU() - start
                judged.append(sum(len(v) for v in answer.values()))
                del answer
                return spent

            timings = interleave(
                [("relationkit", mine), ("floor", _floor(cases))],
                slice_ops=1,
                slices=1,
                rounds=ctx.sizes.b6_rounds,
            )
        finally:
            store.close()
        rows.append(
            timings.row(
                "B6",
                f"options_for {size:,} cases, per case",
                "relationkit",
                "floor",
                peer_label="hand-written floor: dict table, roles, R1",
                scale=1e6 / size,
                target=TARGET_US,
                note=(
                    f"{judged[-1] / size:.1f} commands judged per case on average; CPU time "
                    "of the benchmark's thread"
                ),
            )
        )
        del cases
    return rows
