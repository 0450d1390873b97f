"""A store written before service-level policies kept timelines (schema version 6) opens,
gives every stored policy a timeline starting with an import, and verifies.

Each test writes a store through the API, then takes it back to what version 6 left: the
policies as plain records only, with no timeline, no table of entries and the schema's
version row saying 6 (on SQLite and PostgreSQL).
"""

from __future__ import annotations

import attrs
import pendulum
import pytest

from conftest import RawSql
from relationkit import (
    AlreadyRegistered,
    Client,
    ManualClock,
    MigrationNeeded,
    Relations,
    Staff,
    UnreadableSkipped,
    open_store,
)
from relationkit.calendars import BusinessCalendar
from relationkit.directory import MIGRATION_ACTOR
from relationkit.equality import Entitlement
from relationkit.service_levels import (
    SERVICE_LEVEL_IMPORT_REASON,
    ServiceLevelEntry,
    ServiceLevelPolicy,
)

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
H = pendulum.duration
GOLD = ServiceLevelPolicy(
    id="gold-sla",
    contracts=("gold",),
    targets={"normal": {"first_reply": H(hours=1), "resolution": H(hours=16)}},
    default_priority="normal",
    calendar_id="paris",
)
SILVER = ServiceLevelPolicy(
    id="silver-sla",
    contracts=("silver",),
    targets={"normal": {"first_reply": H(hours=4)}},
    default_priority="normal",
    pause_when=(),
)


def write_schema6_store(url: str, raw_sql: RawSql) -> None:
    """The store as version 6 left it: people, a calendar and entitlements on the directory,
    a case with clocks, two policies as plain records on no timeline, and an unreadable
    policy record."""
    rk = Relations(url, clock=ManualClock(START))
    try:
        rk.register(
            Client(id="c-ana", name="Ana", contract="gold"),
            Staff(id="s-sam", name="Sam", roles={"agent"}),
            Staff(id="s-mia", name="Mia", roles={"manager"}),
        )
        rk.calendars.register(BusinessCalendar(id="paris", timezone="Europe/Paris"), actor="s-mia")
        rk.equality.entitle(
            *(
                Entitlement(id=name, response_within=H(hours=4), resolution_within=H(days=2))
                for name in ("gold", "silver")
            ),
            actor="s-mia",
        )
        rk.service_levels.define(GOLD, SILVER, actor="s-mia")
        rk.open_case(
            actor="s-sam", client="c-ana", subject="Late", statement="It is late.", case_id="k-1"
        )
    finally:
        rk.store.close()
    raw_sql("DELETE FROM rk_events WHERE kind = 'service_level_policy'")
    raw_sql("DELETE FROM rk_kinds WHERE kind = 'service_level_policy'")
    raw_sql('DROP TABLE "rk_agg_service_level_policy"')
    raw_sql(
        "INSERT INTO rk_records (kind, id, data) "
        "VALUES ('service_level_policy', 'broken', '{not json')"
    )
    raw_sql("DELETE FROM rk_schema")
    raw_sql("INSERT INTO rk_schema (version, applied_at, description) VALUES (6, 'x', 'created')")


def policy_rows(raw_sql: RawSql) -> list[tuple[object, ...]]:
    return sorted(
        raw_sql("SELECT kind, id, data FROM rk_records WHERE kind = 'service_level_policy'")
    )


def test_the_old_store_is_refused_read_only_until_migrated(sql_url: str, raw_sql: RawSql) -> None:
    write_schema6_store(sql_url, raw_sql)
    with pytest.raises(MigrationNeeded) as refused:
        open_store(sql_url, read_only=True)
    assert refused.value.found == 6
    open_store(sql_url).close()  # opened for writing: migrated
    open_store(sql_url, read_only=True).close()


def test_every_policy_gets_a_timeline_and_the_store_verifies(sql_url: str, raw_sql: RawSql) -> None:
    write_schema6_store(sql_url, raw_sql)
    records = policy_rows(raw_sql)
    rk = Relations(sql_url, clock=ManualClock(START.add(days=1)))
    try:
        report = rk.verify_all()
        # the unreadable record is left as it was, without a timeline, and named
        assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
            ("unreadable-record", "service_level_policy", "broken")
        ]
        for policy in (GOLD, SILVER):
            events = rk.timeline(policy.id, ServiceLevelEntry)
            assert [(e.name, e.actor_id, e.data["reason"]) for e in events] == [
                ("ServiceLevelPolicyDefined", MIGRATION_ACTOR, SERVICE_LEVEL_IMPORT_REASON)
            ]
            rk.verify(policy.id, ServiceLevelEntry)
            assert rk.directory.entry(policy.id, ServiceLevelEntry).policy == policy  # type: ignore[attr-defined]
        # defined once: the imported ones are taken, and change on the record
        with pytest.raises(AlreadyRegistered):
            rk.service_levels.define(GOLD, actor="s-mia")
        slower = attrs.evolve(SILVER, targets={"normal": {"first_reply": H(hours=8)}})
        # the rule reads every policy to find a contract's: the unreadable one is left out
        with pytest.warns(UnreadableSkipped, match="'broken'"):
            rk.service_levels.change(slower, actor="s-mia", reason="Silver answers in a day.")
        assert [c.by for c in rk.service_levels.changes("silver-sla")] == [
            MIGRATION_ACTOR,
            "s-mia",
        ]
        # the case opened before goes on with its clocks
        assert [c.metric for c in rk.service_levels.clocks("k-1")] == [
            "first_reply",
            "resolution",
        ]
    finally:
        rk.store.close()
    # the imported records are as they were: the timelines are theirs
    assert [r for r in records if r[1] != "silver-sla"] == [
        r for r in policy_rows(raw_sql) if r[1] != "silver-sla"
    ]
    versions = [v for (v,) in raw_sql("SELECT version FROM rk_schema ORDER BY version")]
    assert versions == [6, 7]


def test_opening_it_again_changes_nothing(sql_url: str, raw_sql: RawSql) -> None:
    write_schema6_store(sql_url, raw_sql)
    open_store(sql_url).close()
    events = raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3")
    assert sum(1 for kind, *_ in events if kind == "service_level_policy") == 2
    open_store(sql_url).close()
    again = raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3")
    assert again == events
