"""Business calendars and offerings on the record: each is registered once and changed only
by commands of the pipeline, by someone with the authority to, with its reason, on a
timeline of its own; the records every lookup reads are written with each event; what may
be done now agrees with doing it; a record changed around the directory is named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import RawSql
from relationkit import (
    ActorRequired,
    AlreadyRegistered,
    CareConfig,
    Client,
    InvalidInput,
    NotFound,
    NotPermitted,
    RecordCorrupted,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.calendars import (
    BusinessCalendar,
    BusinessTime,
    CalendarEntry,
    ChangeCalendar,
    ChangeOffering,
    Offering,
    OfferingEntry,
)
from relationkit.directory import SETUP_ACTOR
from relationkit.domain.aggregate import Command
from strategies import examples
from world import START, world

BERLIN = BusinessCalendar(id="berlin", timezone="Europe/Berlin", name="Berlin office")
LISBON = BusinessCalendar(id="lisbon", timezone="Europe/Lisbon")
AUDIT = Offering(
    id="audit",
    name="Audit",
    scope=("audit",),
    lead_time=BusinessTime(days=5),
    calendar_id="berlin",
)
PEOPLE = (
    Client(id="c-ana", name="Ana Ruiz"),
    Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
    Staff(id="s-mia", name="Mia Lund", roles={"manager"}),
    Staff(id="s-pat", name="Pat Okafor", roles={"partner"}),
    Staff(id="s-old", name="Olga Berg", roles={"manager"}),
)


def make(store: Any = None, config: CareConfig | None = None) -> Relations:
    """Calendars and an offering registered by the setup, then the people, Olga (a manager)
    deactivated."""
    rk = world(store=store, config=config, policy=None)
    rk.calendars.register(BERLIN, LISBON)
    rk.calendars.register_offering(AUDIT)
    rk.register(*PEOPLE)
    rk.directory.deactivate("s-old", actor="s-mia", reason="Left the company.")
    return rk


@pytest.fixture
def rk() -> Relations:
    return make()


@pytest.fixture
def sql_rk(sql_url: str) -> Iterator[Relations]:
    rk = make(sql_url)
    yield rk
    rk.store.close()


def stored(rk: Relations) -> dict[str, Any]:
    """Everything the store holds about calendars and offerings, for "nothing changed"."""
    with rk.store.unit_of_work() as uow:
        return {
            "entries": sorted(
                (e.KIND, e.id, e.version, e.head)
                for e in [*uow.select(CalendarEntry), *uow.select(OfferingEntry)]
            ),
            "records": sorted(map(repr, [*uow.records(BusinessCalendar), *uow.records(Offering)])),
        }


def timeline(rk: Relations, entry_id: str, cls: Any) -> list[tuple[str, str, Any]]:
    return [(e.name, e.actor_id, e.data["reason"]) for e in rk.timeline(entry_id, cls)]


# --- registering ------------------------------------------------------------------------------


def test_each_calendar_and_offering_has_a_timeline_starting_with_its_registration(
    rk: Relations,
) -> None:
    assert timeline(rk, "berlin", CalendarEntry) == [("CalendarRegistered", SETUP_ACTOR, None)]
    assert timeline(rk, "audit", OfferingEntry) == [("OfferingRegistered", SETUP_ACTOR, None)]
    assert rk.calendars.get("berlin") == BERLIN
    assert rk.calendars.calendars() == [BERLIN, LISBON]
    assert rk.calendars.offering("audit") == AUDIT
    entry = rk.directory.entry("berlin", CalendarEntry)
    assert (entry.calendar, entry.registered_by, entry.registered_at) == (
        BERLIN,
        SETUP_ACTOR,
        START,
    )
    assert rk.verify_all().ok


def test_a_registration_names_its_actor_and_reason(rk: Relations) -> None:
    paris = BusinessCalendar(id="paris", timezone="Europe/Paris")
    rk.calendars.register(paris, actor="s-mia", reason="The new Paris office.")
    quick = attrs.evolve(AUDIT, id="quick", lead_time=BusinessTime(hours=4), calendar_id="paris")
    rk.calendars.register_offering(quick, actor="s-pat", reason="A quick check.")
    assert timeline(rk, "paris", CalendarEntry) == [
        ("CalendarRegistered", "s-mia", "The new Paris office.")
    ]
    assert [(c.what, c.by, c.reason) for c in rk.calendars.offering_changes("quick")] == [
        ("OfferingRegistered", "s-pat", "A quick check.")
    ]
    assert rk.calendars.offering("quick") == quick


@pytest.mark.parametrize(
    "register",
    [
        lambda rk: rk.calendars.register(BERLIN, actor="s-mia"),
        lambda rk: rk.calendars.register(
            attrs.evolve(BERLIN, timezone="Europe/Paris"), actor="s-mia"
        ),
        lambda rk: rk.calendars.register(
            BusinessCalendar(id="new", timezone="UTC"), LISBON, actor="s-mia"
        ),
        lambda rk: rk.calendars.register_offering(attrs.evolve(AUDIT, name="Other"), actor="s-mia"),
    ],
    ids=["same-calendar", "calendar-overwritten", "one-of-a-call", "offering-overwritten"],
)
def test_registering_a_taken_id_is_refused_and_changes_nothing(
    rk: Relations, register: Any
) -> None:
    before = stored(rk)
    with pytest.raises(AlreadyRegistered, match="one id names one entry") as refused:
        register(rk)
    assert "rk.calendars.change" in str(refused.value)
    assert stored(rk) == before


def test_bad_registrations_are_refused_before_anything_is_stored(rk: Relations) -> None:
    before = stored(rk)
    new = BusinessCalendar(id="new", timezone="UTC")
    with pytest.raises(InvalidInput, match="build a BusinessCalendar"):
        rk.calendars.register(new, AUDIT, actor="s-mia")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="build an Offering"):
        rk.calendars.register_offering(BERLIN, actor="s-mia")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="twice in one call"):
        rk.calendars.register(new, new, actor="s-mia")
    with pytest.raises(InvalidInput, match="reason"):
        rk.calendars.register(new, actor="s-mia", reason="  ")
    assert stored(rk) == before


def test_an_offering_on_a_calendar_not_registered_is_refused_by_its_rule(rk: Relations) -> None:
    before = stored(rk)
    orphan = attrs.evolve(AUDIT, id="orphan", calendar_id="nowhere")
    with pytest.raises(RuleViolation, match="calendar 'nowhere' is not registered") as refused:
        rk.calendars.register_offering(orphan, actor="s-mia")
    assert refused.value.rule_id == "DIR.offering"
    with pytest.raises(RuleViolation, match="'nowhere' is not registered"):
        rk.calendars.change_offering(
            attrs.evolve(AUDIT, calendar_id="nowhere"), actor="s-mia", reason="Moved."
        )
    assert stored(rk) == before
    # a calendar registered earlier in the same batch counts
    with rk.batch():
        rk.calendars.register(BusinessCalendar(id="nowhere", timezone="UTC"), actor="s-mia")
        rk.calendars.register_offering(orphan, actor="s-mia")
    assert rk.calendars.offering("orphan") == orphan


# --- changing ---------------------------------------------------------------------------------


def test_a_change_is_a_command_on_the_record(rk: Relations) -> None:
    closed = attrs.evolve(BERLIN, closures=["2026-12-24"])
    assert rk.calendars.change(closed, actor="s-mia", reason="Closed on Christmas Eve.") == closed
    assert rk.calendars.get("berlin") == closed
    assert [(c.what, c.by, c.reason) for c in rk.calendars.changes("berlin")] == [
        ("CalendarRegistered", SETUP_ACTOR, None),
        ("CalendarChanged", "s-mia", "Closed on Christmas Eve."),
    ]
    slower = attrs.evolve(AUDIT, lead_time=BusinessTime(days=8), calendar_id="lisbon")
    assert rk.calendars.change_offering(slower, actor="s-pat", reason="Moved to Lisbon.") == slower
    assert rk.calendars.offerings() == [slower]
    assert timeline(rk, "audit", OfferingEntry)[-1] == (
        "OfferingChanged",
        "s-pat",
        "Moved to Lisbon.",
    )
    assert rk.directory.entry("audit", OfferingEntry).offering == slower
    assert rk.verify_all().ok


def test_a_bad_change_is_refused_and_changes_nothing(rk: Relations) -> None:
    before = stored(rk)
    with pytest.raises(RuleViolation, match="nothing changes") as same:
        rk.calendars.change(BERLIN, actor="s-mia", reason="Again.")
    assert same.value.rule_id == "DIR.calendar"
    with pytest.raises(RuleViolation, match="nothing changes") as same_offering:
        rk.calendars.change_offering(AUDIT, actor="s-mia", reason="Again.")
    assert same_offering.value.rule_id == "DIR.offering"
    with pytest.raises(NotFound, match="nope"):
        rk.calendars.change(attrs.evolve(BERLIN, id="nope"), actor="s-mia", reason="New.")
    with pytest.raises(NotFound, match="nope"):
        rk.calendars.changes("nope")
    with pytest.raises(InvalidInput, match="reason"):
        rk.calendars.change(attrs.evolve(BERLIN, name="B"), actor="s-mia", reason="")
    with pytest.raises(InvalidInput, match="pass the BusinessCalendar"):
        rk.calendars.change(AUDIT, actor="s-mia", reason="Oops.")  # type: ignore[arg-type]
    assert stored(rk) == before


def test_a_calendar_keeps_its_id_even_when_a_change_is_run_directly(rk: Relations) -> None:
    before = stored(rk)
    command = ChangeCalendar(calendar=LISBON, reason="Swap.")
    with pytest.raises(RuleViolation, match="keeps its id") as refused:
        rk.execute(CalendarEntry, "berlin", command, actor="s-mia")
    assert refused.value.rule_id == "DIR.calendar"
    with pytest.raises(RuleViolation, match="keeps its id"):
        rk.execute(
            OfferingEntry,
            "audit",
            ChangeOffering(offering=attrs.evolve(AUDIT, id="x"), reason="Swap."),
            actor="s-mia",
        )
    assert stored(rk) == before


# --- who may ----------------------------------------------------------------------------------


def test_managers_and_partners_may_agents_and_the_deactivated_may_not(rk: Relations) -> None:
    before = stored(rk)
    renamed = attrs.evolve(BERLIN, name="Berlin HQ")
    for actor, reason in [("s-sam", "holds agent"), ("s-old", "deactivated")]:
        with pytest.raises(NotPermitted, match=reason) as refused:
            rk.calendars.change(renamed, actor=actor, reason="Renamed.")
        assert refused.value.rule_id == "ROLE"
        with pytest.raises(NotPermitted, match=reason):
            rk.calendars.register(
                BusinessCalendar(id="new", timezone="UTC"), actor=actor, reason="New."
            )
        with pytest.raises(NotPermitted, match=reason):
            rk.calendars.change_offering(
                attrs.evolve(AUDIT, name="Other"), actor=actor, reason="Renamed."
            )
    with pytest.raises(NotPermitted):  # a client neither
        rk.calendars.register_offering(attrs.evolve(AUDIT, id="mine"), actor="c-ana")
    assert stored(rk) == before
    rk.calendars.change(renamed, actor="s-mia", reason="Renamed.")
    rk.calendars.change(attrs.evolve(renamed, name="Berlin"), actor="s-pat", reason="Back.")
    assert [c.by for c in rk.calendars.changes("berlin")] == [SETUP_ACTOR, "s-mia", "s-pat"]


def test_who_may_is_configured_like_every_command() -> None:
    config = CareConfig(
        command_roles={"register_calendar": {"agent"}, "change_offering": {"agent"}}
    )
    rk = make(config=config)
    rk.calendars.register(BusinessCalendar(id="new", timezone="UTC"), actor="s-sam")
    rk.calendars.change_offering(attrs.evolve(AUDIT, name="B"), actor="s-sam", reason="Named.")
    with pytest.raises(NotPermitted, match="needs one of the roles agent"):
        rk.calendars.register(BusinessCalendar(id="two", timezone="UTC"), actor="s-mia")
    with pytest.raises(NotPermitted):  # not named: the authority roles still
        rk.calendars.change(attrs.evolve(BERLIN, name="B"), actor="s-sam", reason="Named.")


def test_the_setup_registers_only_while_nobody_may() -> None:
    rk = world(
        Client(id="c-ana", name="Ana"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        Staff(id="s-mia", name="Mia"),
        policy=None,
    )
    rk.calendars.register(BERLIN)  # an agent may not: the setup does
    rk.calendars.register_offering(AUDIT)
    renamed = attrs.evolve(BERLIN, name="HQ")
    rk.calendars.change(renamed, reason="Renamed.")
    assert [c.by for c in rk.calendars.changes("berlin")] == [SETUP_ACTOR, SETUP_ACTOR]
    rk.directory.grant_role("s-mia", "manager", reason="Leads the office.")  # by the setup too
    before = stored(rk)
    with pytest.raises(ActorRequired, match="'s-mia'") as required:
        rk.calendars.register(LISBON)
    assert required.value.command == "register_calendar"
    with pytest.raises(ActorRequired):
        rk.calendars.change(BERLIN, reason="Back.")
    with pytest.raises(ActorRequired):
        rk.calendars.change_offering(attrs.evolve(AUDIT, name="B"), reason="Renamed.")
    assert stored(rk) == before
    with pytest.raises(NotFound):  # nobody can name the setup as an actor
        rk.calendars.register(LISBON, actor=SETUP_ACTOR)
    rk.calendars.register(LISBON, actor="s-mia")


# --- what may I do now agrees with doing it ---------------------------------------------------


def refusals_running(rk: Relations, cls: Any, entry_id: str, command: Command, actor: str) -> Any:
    """The rule ids that refuse ``command`` when it is run, in a unit of work rolled back
    after (``()`` when it is accepted)."""
    with rk.store.unit_of_work() as uow:
        uow.begin_write()
        try:
            rk.pipeline.run_in(uow, cls, entry_id, command, actor=actor)
        except RuleViolations as refused:
            return refused.rule_ids
        except RuleViolation as refused:
            return (refused.rule_id,)
        return ()  # never committed


ACTORS = ("s-sam", "s-mia", "s-pat", "s-old", "c-ana")
ROLE_SETS = st.sampled_from([None, {"agent"}, {"manager"}, {"agent", "partner"}])


@settings(max_examples=examples(25), deadline=None)
@given(
    actor=st.sampled_from(ACTORS),
    calendar_roles=ROLE_SETS,
    offering_roles=ROLE_SETS,
    calendar_id=st.sampled_from(["berlin", "lisbon", "nowhere"]),
)
def test_options_agree_with_running_the_command(
    actor: str, calendar_roles: Any, offering_roles: Any, calendar_id: str
) -> None:
    roles = {
        name: value
        for name, value in (
            ("change_calendar", calendar_roles),
            ("change_offering", offering_roles),
        )
        if value is not None
    }
    rk = make(config=CareConfig(command_roles=roles))
    entries: list[tuple[Any, str, Command]] = [
        (
            CalendarEntry,
            "berlin",
            ChangeCalendar(calendar=attrs.evolve(BERLIN, name="HQ"), reason="R."),
        ),
        (
            OfferingEntry,
            "audit",
            ChangeOffering(
                offering=attrs.evolve(AUDIT, name="Other", calendar_id=calendar_id), reason="R."
            ),
        ),
    ]
    for cls, entry_id, command in entries:
        entry = rk.directory.entry(entry_id, cls)
        (option,) = rk.options_for([entry], actor=actor)[entry_id]
        assert option.command == command.NAME
        ran = refusals_running(rk, cls, entry_id, command, actor)
        if option.allowed:
            # what the options cannot know: the change the command carries (its calendar)
            assert ran in ((), ("DIR.offering",)), ran
            assert (ran == ()) == (cls is CalendarEntry or calendar_id != "nowhere")
        else:
            assert ran == option.rule_ids
    assert rk.verify_all().ok  # nothing was stored by the runs rolled back
    assert [c.by for c in rk.calendars.changes("berlin")] == [SETUP_ACTOR]


# --- the records and verification -------------------------------------------------------------


def test_a_calendar_changed_in_the_table_is_named_and_restored(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    assert sql_rk.verify_all().ok
    ((data,),) = raw_sql("SELECT data FROM rk_records WHERE kind = 'calendar' AND id = 'berlin'")
    found = json.loads(data)
    found["timezone"] = "America/New_York"
    raw_sql(
        "UPDATE rk_records SET data = ? WHERE kind = 'calendar' AND id = 'berlin'",
        json.dumps(found),
    )
    assert sql_rk.calendars.get("berlin").timezone == "America/New_York"  # lookups read it
    report = sql_rk.verify_all()
    assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
        ("projection", "calendar", "berlin")
    ]
    assert isinstance(report.problems[0], RecordCorrupted)
    assert "timezone is 'America/New_York' in the record, 'Europe/Berlin' by the timeline" in (
        report.findings[0].message
    )
    assert sql_rk.directory.restore_record("berlin", CalendarEntry) == BERLIN
    assert sql_rk.calendars.get("berlin") == BERLIN
    assert sql_rk.verify_all().ok


def test_calendars_and_offerings_written_around_the_directory_are_named(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    ((data,),) = raw_sql("SELECT data FROM rk_records WHERE kind = 'offering' AND id = 'audit'")
    raw_sql(
        "INSERT INTO rk_records (kind, id, data) VALUES ('offering', 'ghost', ?)",
        data.replace('"audit"', '"ghost"'),
    )
    raw_sql("DELETE FROM rk_records WHERE kind = 'calendar' AND id = 'lisbon'")
    found = sorted((f.kind, f.aggregate_kind, f.aggregate_id) for f in sql_rk.verify_all().findings)
    assert found == [("no-record", "calendar", "lisbon"), ("no-timeline", "offering", "ghost")]
    with pytest.raises(AlreadyRegistered):  # the id is taken all the same
        sql_rk.calendars.register_offering(attrs.evolve(AUDIT, id="ghost"), actor="s-mia")
    assert sql_rk.directory.restore_record("lisbon", CalendarEntry) == LISBON
