"""How ``schema3_store.json`` was made: a store written by relationkit at schema version 3,
before the directory kept timelines: parties, staff, entitlements and policies were plain
records, changed in place and on no timeline.

It holds three clients (one of each contract, in three time zones, one with a segment and a
title), a vendor and a consultant, six members of staff with their roles, two entitlements,
two published versions of the written policy with acknowledgements of both, and the
aggregates one severance needs: a case that shows an attempt to resolve, the relationship
that case started, marked at risk, with a severance proposal approved by a manager and an
agent (approvals recorded without the roles they relied on). Everything was written through
relationkit's API of that version, as an application would have; the file holds every row
of every table.

It only makes that file with a relationkit that writes schema version 3:
``python tests/store/data/make_schema3_store.py tests/store/data/schema3_store.json``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

import pendulum

from relationkit import Client, Consultant, ManualClock, Relations, SqliteStore, Staff, Vendor
from relationkit.cases import Acknowledge, Compromise, ConfirmHeard
from relationkit.equality import Entitlement
from relationkit.policy import Clause, Policy
from relationkit.store.schema import SCHEMA_VERSION

START = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris")


def play(rk: Relations, clock: ManualClock) -> None:
    """Everything the store holds, through the API of schema version 3."""
    rk.register(
        Client(
            id="c-ana",
            name="Ana Lima",
            contract="care-plus",
            segment="north",
            title="Dr",
            timezone="Europe/Paris",
        ),
        Client(id="c-bo", name="Bo Berg", timezone="America/New_York"),
        Client(id="c-cy", name="Cy Tan", contract="care-plus", timezone="Asia/Singapore"),
        Vendor(id="v-tel", name="Telco", contract="vendor-terms"),
        Consultant(id="p-accountant", name="Pia Accountant"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}, timezone="Europe/Paris"),
        Staff(id="s-mia", name="Mia Novak", roles={"manager"}),
        Staff(id="s-lee", name="Lee Chen", roles={"agent", "manager"}),
        Staff(id="s-pat", name="Pat Ruiz", roles={"partner"}),
        Staff(id="s-kim", name="Kim Park", roles={"agent"}),
        Staff(id="s-sweeper", name="Sweeper", roles={"agent", "manager"}),
    )
    rk.equality.entitle(
        Entitlement(
            id="standard",
            response_within=pendulum.duration(hours=24),
            resolution_within=pendulum.duration(days=5),
        ),
        Entitlement(
            id="care-plus",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=2),
            title="Care Plus",
        ),
    )
    rk.policy.publish(
        Policy(
            version=1,
            published_at=clock.now(),
            clauses=(Clause(id="listen", text="We restate a concern before we answer it."),),
        )
    )
    for staff_id in ("s-sam", "s-mia", "s-lee", "s-pat", "s-kim"):
        rk.policy.acknowledge(staff_id)
    clock.advance(days=1)
    rk.policy.publish(
        Policy(
            version=2,
            published_at=clock.now(),
            title="How we treat people, second edition",
            clauses=(
                Clause(id="listen", text="We restate a concern before we answer it."),
                Clause(id="refunds-30d", text="Refunds within 30 days of purchase."),
            ),
        )
    )
    for staff_id in ("s-mia", "s-lee", "s-pat"):
        rk.policy.acknowledge(staff_id)
    case = rk.open_case(
        actor="s-sam",
        client="c-ana",
        subject="Disputed invoices",
        statement="You bill hours nobody asked for.",
        case_id="case-invoices",
    )
    rk.handle(case.id, Acknowledge(paraphrase="You were billed for work not asked."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    rk.handle(
        case.id,
        Compromise(we_give="Half the hours back.", client_gives="Written work orders."),
        actor="s-sam",
    )
    relationship = rk.case(case.id).relationship_id
    assert relationship is not None
    clock.advance(days=1)
    rk.relationships.mark_at_risk(relationship, actor="s-sam", reason="Disputes every month.")
    rk.relationships.propose_severance(
        relationship, actor="s-sam", reason="We cannot serve her well.", evidence=[case.id]
    )
    clock.advance(hours=1)
    rk.relationships.approve(relationship, actor="s-mia", note="Agreed.")
    rk.relationships.approve(relationship, actor="s-kim")


def dump(path: Path) -> dict[str, Any]:
    """Every row of every table of the SQLite file at ``path``, with its columns."""
    db = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        found: dict[str, Any] = {}
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')
            columns = [c[0] for c in cursor.description]
            found[table] = {"columns": columns, "rows": [list(r) for r in cursor]}
        return found
    finally:
        db.close()


def main(out: str) -> None:
    if SCHEMA_VERSION != 3:
        raise SystemExit(f"this relationkit writes schema version {SCHEMA_VERSION}, not 3")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "relations.db"
        clock = ManualClock(START)
        rk = Relations(SqliteStore(path), clock=clock)
        try:
            play(rk, clock)
            assert rk.verify_all().ok
        finally:
            rk.store.close()
        data = dump(path)
    data.pop("rk_schema")  # when it was made: nothing a test reads
    text = json.dumps(data, indent=1, ensure_ascii=False)
    Path(out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
