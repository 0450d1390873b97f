"""A store written before calendars and offerings kept timelines (schema version 5) opens,
gives every stored calendar and offering a timeline starting with an import, and verifies.

Each test writes a store through the API, then takes it back to what version 5 left: the
calendars and offerings as plain records only, with no timeline, no table of entries and
the schema's version row saying 5 (on SQLite and PostgreSQL).
"""

from __future__ import annotations

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
    open_store,
)
from relationkit.calendars import (
    CATALOGUE_IMPORT_REASON,
    BusinessCalendar,
    BusinessTime,
    CalendarEntry,
    Offering,
    OfferingEntry,
)
from relationkit.directory import MIGRATION_ACTOR

START = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
BERLIN = BusinessCalendar(id="berlin", timezone="Europe/Berlin", closures=["2026-12-24"])
UTC = BusinessCalendar(id="utc", timezone="UTC", hours={"mon-sun": "00:00-24:00"})
AUDIT = Offering(
    id="audit", name="Audit", scope=("audit",), lead_time=BusinessTime(days=5), calendar_id="berlin"
)
FIX = Offering(
    id="fix", name="Fix", scope=("fix",), lead_time=BusinessTime(hours=2), calendar_id="utc"
)


def write_schema5_store(url: str, raw_sql: RawSql) -> None:
    """The store as version 5 left it: people on the directory, a case, two calendars and two
    offerings as plain records on no timeline, and an unreadable calendar record."""
    rk = Relations(url, clock=ManualClock(START))
    try:
        rk.register(
            Client(id="c-ana", name="Ana"),
            Staff(id="s-sam", name="Sam", roles={"agent"}),
            Staff(id="s-mia", name="Mia", roles={"manager"}),
        )
        rk.calendars.register(BERLIN, UTC, actor="s-mia")
        rk.calendars.register_offering(AUDIT, FIX, actor="s-mia")
        rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="It is late.")
    finally:
        rk.store.close()
    raw_sql("DELETE FROM rk_events WHERE kind IN ('calendar', 'offering')")
    raw_sql("DELETE FROM rk_kinds WHERE kind IN ('calendar', 'offering')")
    raw_sql('DROP TABLE "rk_agg_calendar"')
    raw_sql('DROP TABLE "rk_agg_offering"')
    raw_sql("INSERT INTO rk_records (kind, id, data) VALUES ('calendar', 'broken', '{not json')")
    raw_sql("DELETE FROM rk_schema")
    raw_sql("INSERT INTO rk_schema (version, applied_at, description) VALUES (5, 'x', 'created')")


def catalogue_rows(raw_sql: RawSql) -> list[tuple[object, ...]]:
    return sorted(
        raw_sql("SELECT kind, id, data FROM rk_records WHERE kind IN ('calendar', 'offering')")
    )


def test_the_old_store_is_refused_read_only_until_migrated(sql_url: str, raw_sql: RawSql) -> None:
    write_schema5_store(sql_url, raw_sql)
    with pytest.raises(MigrationNeeded) as refused:
        open_store(sql_url, read_only=True)
    assert refused.value.found == 5
    open_store(sql_url).close()  # opened for writing: migrated
    open_store(sql_url, read_only=True).close()


def test_every_calendar_and_offering_gets_a_timeline_and_the_store_verifies(
    sql_url: str, raw_sql: RawSql
) -> None:
    write_schema5_store(sql_url, raw_sql)
    records = catalogue_rows(raw_sql)
    rk = Relations(sql_url, clock=ManualClock(START.add(days=1)))
    try:
        report = rk.verify_all()
        # the unreadable record is left as it was, without a timeline, and named
        assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
            ("unreadable-record", "calendar", "broken")
        ]
        for entry_id, cls, name in [
            ("berlin", CalendarEntry, "CalendarRegistered"),
            ("utc", CalendarEntry, "CalendarRegistered"),
            ("audit", OfferingEntry, "OfferingRegistered"),
            ("fix", OfferingEntry, "OfferingRegistered"),
        ]:
            events = rk.timeline(entry_id, cls)
            assert [(e.name, e.actor_id, e.data["reason"]) for e in events] == [
                (name, MIGRATION_ACTOR, CATALOGUE_IMPORT_REASON)
            ]
            rk.verify(entry_id, cls)
        assert rk.directory.entry("berlin", CalendarEntry).calendar == BERLIN
        assert rk.calendars.offerings() == [AUDIT, FIX]
        # registered once: the imported ones are taken, and change on the record
        with pytest.raises(AlreadyRegistered):
            rk.calendars.register(BERLIN, actor="s-mia")
        slower = rk.calendars.change_offering(
            Offering(
                id="fix",
                name="Fix",
                scope=("fix",),
                lead_time=BusinessTime(hours=4),
                calendar_id="utc",
            ),
            actor="s-mia",
            reason="Fixes take longer now.",
        )
        assert [c.by for c in rk.calendars.offering_changes("fix")] == [MIGRATION_ACTOR, "s-mia"]
        assert rk.calendars.offering("fix") == slower
        promise = rk.promises.make(
            actor="s-sam", party="c-ana", what="A fix", offering="fix", due=START.add(days=3)
        )
        assert promise.offering_id == "fix"
    finally:
        rk.store.close()
    changed = [r for r in records if r[1] == "fix"]
    assert [r for r in records if r[1] != "fix"] == [
        r for r in catalogue_rows(raw_sql) if r[1] != "fix"
    ]  # the imported records are as they were: the timelines are theirs
    assert changed != [r for r in catalogue_rows(raw_sql) if r[1] == "fix"]
    versions = [v for (v,) in raw_sql("SELECT version FROM rk_schema ORDER BY version")]
    assert versions == [5, 6, 7]


def test_opening_it_again_changes_nothing(sql_url: str, raw_sql: RawSql) -> None:
    write_schema5_store(sql_url, raw_sql)
    open_store(sql_url).close()
    events = raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3")
    assert sum(1 for kind, *_ in events if kind in ("calendar", "offering")) == 4
    open_store(sql_url).close()
    again = raw_sql("SELECT kind, aggregate_id, sequence, hash FROM rk_events ORDER BY 1, 2, 3")
    assert again == events
