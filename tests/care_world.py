"""Due work of every built-in sweep, for the multi-worker sweep tests (not a test module).

:func:`seed` stores, for each of ``n`` clients, a relationship whose severance proposal
lapses, a long-running case that is owed a feedback check-in, and a promise that falls due;
as of :data:`SWEEP_AT` all of it is due.
"""

from __future__ import annotations

import pendulum

from relationkit import Client, Relations, Staff
from relationkit.cases import Acknowledge, Compromise, ConfirmHeard
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.store.base import Store
from world import START, world

SWEEP_AT = START.add(days=45)
"""When every proposal has lapsed, every case is owed a check-in and every promise is due."""

STAFF = (
    Staff(id="s-pat", name="Pat Quinn", roles={"partner"}),
    Staff(id="s-al", name="Al Reyes", roles={"agent"}),
    *(Staff(id=f"s-agent-{k}", name=f"Agent {k}", roles={"agent"}) for k in range(8)),
)


def relations(store: Store, at: pendulum.DateTime = START) -> Relations:
    """The service over ``store`` with a manual clock at ``at``."""
    return world(store=store, start=at, policy=None)


def seed(rk: Relations, n: int) -> dict[str, list[str]]:
    """Store the due work; return the ids of the promises, relationships and cases."""
    rk.register(*STAFF, *(Client(id=f"c-{i:03d}", name=f"Client {i}") for i in range(n)))
    rk.calendars.register(BusinessCalendar(id="utc", timezone="UTC"), actor="s-pat")
    rk.calendars.register_offering(
        Offering(
            id="billing",
            name="Billing fixes",
            scope=("invoice",),
            lead_time=BusinessTime(days=2),
            calendar_id="utc",
        ),
        actor="s-pat",
    )
    ids: dict[str, list[str]] = {"promises": [], "relationships": [], "cases": []}
    for i in range(n):
        client = f"c-{i:03d}"
        rel = rk.relationships.create(actor="s-al", party=client, relationship_id=f"rel-{i:03d}")
        rk.relationships.activate(rel.id, actor="s-al")
        case = rk.open_case(
            actor="s-al",
            client=client,
            subject="Billing",
            statement="You overcharged me.",
            case_id=f"case-{i:03d}",
        )
        rk.handle(case.id, Acknowledge(paraphrase="You were charged twice."), actor="s-al")
        rk.handle(case.id, ConfirmHeard(), actor=client)
        rk.handle(
            case.id,
            Compromise(we_give="A credit note.", client_gives="Pays the rest now."),
            actor="s-al",
        )
        rk.relationships.mark_at_risk(rel.id, actor="s-al", reason="Third dispute.")
        rk.relationships.propose_severance(
            rel.id, actor="s-pat", reason="Disputes cost more than the work.", evidence=[case.id]
        )
        promise = rk.promises.make(
            actor=f"s-agent-{i % 8}",  # within each owner's capacity
            party=client,
            what="The corrected invoice",
            due=START.add(days=10),
            offering="billing",
            case=case.id,
            promise_id=f"p-{i:03d}",
        )
        ids["relationships"].append(rel.id)
        ids["cases"].append(case.id)
        ids["promises"].append(promise.id)
    return ids
