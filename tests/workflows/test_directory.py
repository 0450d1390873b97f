"""The directory: people, entitlements and policy versions on timelines of their own.

Registering is refused for an id the directory holds, whatever its kind, and changes
nothing; changes are commands with an actor and a reason; the setup actor registers the
first people of a store and never acts where someone may; a deactivated person cannot act
and a deactivated party takes nothing new; the records lookups read are the projection of
the timelines, and a change made around the directory is named by verification, on every
backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from conftest import RawSql
from relationkit import (
    ActorRequired,
    AlreadyRegistered,
    CareConfig,
    Client,
    InvalidInput,
    InvalidTransition,
    ManualClock,
    NotFound,
    NotPermitted,
    RecordCorrupted,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
    Vendor,
)
from relationkit.cases import Acknowledge
from relationkit.directory import (
    MIGRATION_ACTOR,
    SETUP_ACTOR,
    ChangeDetails,
    EntitlementEntry,
    GrantRole,
    PersonEntry,
    PolicyEntry,
    RegisterPerson,
)
from relationkit.domain.promise import Promise
from relationkit.equality import Entitlement
from relationkit.policy import Clause, Policy
from relationkit.rules.policy import SWEEPER_ID
from world import ACME, MIA, SAM, START, world

PEOPLE = (
    Client(id="c-ana", name="Ana Ruiz", contract="gold", segment="north"),
    ACME,
    SAM,
    MIA,
)


def make(store: Any = None) -> Relations:
    return world(*PEOPLE, store=store, policy=None)


@pytest.fixture
def rk() -> Relations:
    return make()


@pytest.fixture
def sql_rk(sql_url: str) -> Iterator[Relations]:
    rk = make(sql_url)
    yield rk
    rk.store.close()


def stored(rk: Relations) -> dict[str, Any]:
    """Everything the store holds about people, for "nothing changed"."""
    with rk.store.unit_of_work() as uow:
        entries = {e.id: (e.version, e.head) for e in uow.select(PersonEntry)}
        records = [*uow.records(Staff), *uow.records(Client), *uow.records(Vendor)]
    return {"entries": entries, "records": sorted(map(repr, records))}


# --- registering -------------------------------------------------------------------------------


def test_each_person_has_a_timeline_starting_with_their_registration(rk: Relations) -> None:
    assert [(e.name, e.actor_id) for e in rk.timeline("s-mia", PersonEntry)] == [
        ("PersonRegistered", SETUP_ACTOR),
        ("RoleGranted", SETUP_ACTOR),
    ]
    assert [e.name for e in rk.timeline("c-ana", PersonEntry)] == ["PersonRegistered"]
    assert rk.party("c-ana") == PEOPLE[0]
    assert rk.staff("s-mia") == PEOPLE[3]
    entry = rk.directory.entry("c-ana")
    assert (entry.kind, entry.contract, entry.registered_by) == ("client", "gold", SETUP_ACTOR)
    assert [e.id for e in rk.directory.entries(kind="staff")] == ["s-mia", "s-sam"]


@pytest.mark.parametrize(
    "again",
    [
        Client(id="c-ana", name="Ana Other"),  # the same kind: the old overwrite
        Staff(id="c-ana", name="Ana as staff", roles={"manager"}),  # a client's id, as staff
        Vendor(id="s-sam", name="A vendor under a staff id"),
        Staff(id="s-sam", name="Sam again", roles={"partner"}),
    ],
    ids=["same-kind", "staff-under-a-client-id", "vendor-under-a-staff-id", "staff-again"],
)
def test_registering_a_taken_id_is_refused_and_changes_nothing(
    rk: Relations, again: Client | Staff | Vendor
) -> None:
    before = stored(rk)
    with pytest.raises(AlreadyRegistered) as refused:
        rk.register(again, actor="s-mia")
    error = refused.value
    assert isinstance(error, InvalidInput)
    assert error.id == again.id
    assert "one id names one entry" in str(error)
    assert "rk.directory.change" in str(error)
    assert stored(rk) == before
    # a whole call is refused, the new people in it too
    with pytest.raises(AlreadyRegistered):
        rk.register(Client(id="c-new", name="New"), again, actor="s-mia")
    assert stored(rk) == before


def test_a_taken_id_is_refused_on_the_sql_stores_and_changes_nothing(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    before = sorted(raw_sql("SELECT kind, id, data FROM rk_records"))
    events = raw_sql("SELECT COUNT(*) FROM rk_events")
    with pytest.raises(AlreadyRegistered, match="already names a client"):
        sql_rk.register(Staff(id="c-ana", name="Ana", roles={"manager"}), actor="s-mia")
    assert sorted(raw_sql("SELECT kind, id, data FROM rk_records")) == before
    assert raw_sql("SELECT COUNT(*) FROM rk_events") == events
    with pytest.raises(NotFound):
        sql_rk.staff("c-ana")


def test_a_record_written_around_the_directory_takes_its_id_too(rk: Relations) -> None:
    with rk.store.unit_of_work() as uow:
        uow.put(Staff(id="s-raw", name="Raw"))
        uow.commit()
    with pytest.raises(AlreadyRegistered, match="already names the same"):
        rk.register(Staff(id="s-raw", name="Raw"), actor="s-mia")


@pytest.mark.parametrize(
    ("people", "message"),
    [
        ((Client(id="c-x", name="X"), Client(id="c-x", name="Y")), "twice in one call"),
        ((Staff(id=SETUP_ACTOR, name="Setup"),), "relationkit's own actors"),
        ((Staff(id=MIGRATION_ACTOR, name="Migration"),), "relationkit's own actors"),
        ((Staff(id=SWEEPER_ID, name="Sweeper"),), "relationkit's own actors"),
        ((Client(id="c-x", name="X", active=False),), "register them with active=True"),
        (("c-x",), "only parties"),
    ],
)
def test_bad_registrations_are_refused_before_anything_is_stored(
    rk: Relations, people: tuple[Any, ...], message: str
) -> None:
    before = stored(rk)
    with pytest.raises(InvalidInput, match=message):
        rk.register(*people, actor="s-mia")
    assert stored(rk) == before


def test_a_registration_names_its_reason_and_actor(rk: Relations) -> None:
    rk.register(Client(id="c-bo", name="Bo"), actor="s-sam", reason="Met at the fair.")
    (registered,) = rk.timeline("c-bo", PersonEntry)
    assert (registered.actor_id, registered.data["reason"]) == ("s-sam", "Met at the fair.")


# --- the setup -------------------------------------------------------------------------------


def test_the_setup_acts_only_while_nobody_may(rk: Relations) -> None:
    before = stored(rk)
    with pytest.raises(ActorRequired) as refused:
        rk.register(Client(id="c-bo", name="Bo"))
    assert (refused.value.command, refused.value.holders) == ("register", ("s-mia", "s-sam"))
    with pytest.raises(ActorRequired):
        rk.directory.rename("c-ana", "Ana R.", reason="Asked to.")
    with pytest.raises(ActorRequired):
        rk.directory.grant_role("s-sam", "partner", reason="Why not.")  # Mia may grant
    assert stored(rk) == before


def test_nobody_can_act_as_the_setup(rk: Relations) -> None:
    with pytest.raises(NotFound, match="actor"):
        rk.register(Client(id="c-bo", name="Bo"), actor=SETUP_ACTOR)
    with pytest.raises(NotFound, match="actor"):
        rk.directory.grant_role("s-sam", "manager", actor=SETUP_ACTOR, reason="Me.")


def test_the_setup_grants_a_role_nobody_may_grant_until_someone_may() -> None:
    rk = Relations(clock=ManualClock(START))
    rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}))
    with pytest.raises(ActorRequired):  # Sam may register
        rk.register(Staff(id="s-mia", name="Mia"))
    rk.register(Staff(id="s-mia", name="Mia"), actor="s-sam")
    with pytest.raises(NotPermitted, match="'grant_role' needs one of the roles manager"):
        rk.directory.grant_role("s-mia", "manager", actor="s-sam", reason="Sam wants it.")
    rk.directory.grant_role("s-mia", "manager", reason="The first manager.")  # nobody may yet
    with pytest.raises(ActorRequired, match="'s-mia'"):
        rk.directory.grant_role("s-sam", "manager", reason="Now Mia decides.")
    assert rk.directory.changes("s-mia")[-1].by == SETUP_ACTOR


def test_the_setup_is_judged_once_for_a_whole_first_call() -> None:
    rk = Relations(clock=ManualClock(START))
    rk.register(*PEOPLE)  # Mia, registered in this call, does not close it
    assert {c.by for p in PEOPLE for c in rk.directory.changes(p.id)} == {SETUP_ACTOR}


def test_the_setup_is_no_lapsed_reader_of_the_policy() -> None:
    rk = Relations(clock=ManualClock(START))
    rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}))
    rk.policy.publish(Policy(version=1, published_at=START, clauses=[Clause(id="a", text="A.")]))
    rk.register(Client(id="c-bo", name="Bo"), actor="s-sam")
    rk.equality.entitle(
        Entitlement(
            id="gold",
            response_within=pendulum.duration(hours=1),
            resolution_within=pendulum.duration(days=1),
        )
    )
    assert [f.staff_id for f in rk.policy.flags()] == ["s-sam"]  # Sam's, not the setup's


# --- changing -------------------------------------------------------------------------------------


def test_details_change_on_the_record(rk: Relations) -> None:
    renamed = rk.directory.rename("c-ana", "Ana Berg", actor="s-sam", reason="Married.")
    assert renamed.name == "Ana Berg"
    rk.directory.change(
        "c-ana",
        contract="silver",
        segment=None,
        timezone="Europe/Paris",
        actor="s-mia",
        reason="New contract.",
    )
    assert rk.party("c-ana") == Client(
        id="c-ana", name="Ana Berg", contract="silver", timezone="Europe/Paris"
    )
    changes = rk.directory.changes("c-ana")
    assert [(c.what, c.by, c.reason) for c in changes][1:] == [
        ("PersonDetailsChanged", "s-sam", "Married."),
        ("PersonDetailsChanged", "s-mia", "New contract."),
    ]
    assert changes[2].details == {
        "changes": {"contract": "silver", "segment": None, "timezone": "Europe/Paris"}
    }


@pytest.mark.parametrize(
    ("person", "details", "rule_or_error", "message"),
    [
        ("s-sam", {"contract": "gold"}, "DIR.details", "has no contract"),
        ("c-ana", {"name": "Ana Ruiz"}, "DIR.details", "nothing changes"),
        ("c-ana", {"roles": "x"}, InvalidInput, "the details a change may name"),
        ("c-ana", {}, InvalidInput, "changes nothing"),
        ("c-ana", {"timezone": "Mars/Olympus"}, InvalidInput, "IANA"),
        ("c-ana", {"contract": " gold "}, InvalidInput, "white space"),
        ("c-ana", {"name": "  "}, InvalidInput, "empty"),
        ("c-nobody", {"name": "X"}, NotFound, "no person"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(
    rk: Relations, person: str, details: dict[str, Any], rule_or_error: Any, message: str
) -> None:
    before = stored(rk)
    error = RuleViolation if isinstance(rule_or_error, str) else rule_or_error
    with pytest.raises(error, match=message) as refused:
        rk.directory.change(person, actor="s-mia", reason="Because.", **details)
    if isinstance(rule_or_error, str):
        assert refused.value.rule_id == rule_or_error  # type: ignore[attr-defined]
    assert stored(rk) == before


def test_a_change_needs_a_reason(rk: Relations) -> None:
    with pytest.raises(InvalidInput, match="'reason' is empty"):
        rk.directory.rename("c-ana", "Ana B.", actor="s-sam", reason=" ")


def test_roles_are_granted_and_revoked_by_authority_never_by_oneself(rk: Relations) -> None:
    before = stored(rk)
    with pytest.raises(NotPermitted, match="needs one of the roles manager, partner"):
        rk.directory.grant_role("s-sam", "manager", actor="s-sam", reason="Me.")
    with pytest.raises(RuleViolation, match="cannot grant a role to themselves") as refused:
        rk.directory.grant_role("s-mia", "partner", actor="s-mia", reason="Me.")
    assert refused.value.rule_id == "DIR.roles"
    with pytest.raises(RuleViolation, match="holds 'agent' already"):
        rk.directory.grant_role("s-sam", "agent", actor="s-mia", reason="Again.")
    with pytest.raises(RuleViolation, match="does not hold 'partner'"):
        rk.directory.revoke_role("s-sam", "partner", actor="s-mia", reason="Never had it.")
    with pytest.raises(RuleViolation, match="only members of staff hold roles"):
        rk.directory.grant_role("c-ana", "agent", actor="s-mia", reason="A client.")
    assert stored(rk) == before
    assert rk.directory.grant_role("s-sam", "manager", actor="s-mia", reason="Promoted.").roles == {
        "agent",
        "manager",
    }
    assert rk.directory.revoke_role(
        "s-sam", "agent", actor="s-mia", reason="Manages now."
    ).roles == {"manager"}


def test_who_may_change_the_directory_is_configured_like_every_command() -> None:
    config = CareConfig(command_roles={"register": {"manager"}, "grant_role": {"agent"}})
    rk = Relations(clock=ManualClock(START), config=config)
    rk.register(*PEOPLE)
    with pytest.raises(NotPermitted, match="'register' needs one of the roles manager"):
        rk.register(Client(id="c-bo", name="Bo"), actor="s-sam")
    rk.directory.grant_role("s-mia", "agent", actor="s-sam", reason="Covers the desk.")
    assert rk.staff("s-mia").roles == {"agent", "manager"}


def test_a_deactivated_member_of_staff_cannot_act(rk: Relations) -> None:
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="Late.")
    gone = rk.directory.deactivate("s-sam", actor="s-mia", reason="Left the company.")
    assert not gone.active
    assert [e.id for e in rk.directory.entries(active=False)] == ["s-sam"]
    assert [e.id for e in rk.directory.entries(kind="staff", active=True)] == ["s-mia"]
    with pytest.raises(NotPermitted, match="'s-sam' was deactivated") as refused:
        rk.handle(case.id, Acknowledge(paraphrase="Late."), actor="s-sam")
    assert refused.value.rule_id == "ROLE"
    options = {o.command: o for o in rk.options(case.id, actor="s-sam")}
    assert not options["acknowledge"].allowed  # what may I do: nothing, for the same reason
    with pytest.raises(NotPermitted, match="deactivated"):
        rk.directory.rename("c-ana", "Ana B.", actor="s-sam", reason="Still here?")
    with pytest.raises(InvalidTransition):
        rk.directory.deactivate("s-sam", actor="s-mia", reason="Twice.")
    rk.policy.publish(
        Policy(version=1, published_at=START, clauses=[Clause(id="a", text="A.")]), actor="s-mia"
    )
    assert [s.staff_id for s in rk.policy.reminders()] == ["s-mia"]  # not the one who left
    rk.directory.reactivate("s-sam", actor="s-mia", reason="Came back.")
    assert (
        rk.handle(case.id, Acknowledge(paraphrase="Late."), actor="s-sam").state == "acknowledged"
    )


def test_a_deactivated_party_opens_no_new_case_relationship_or_promise(rk: Relations) -> None:
    rk.register(Client(id="c-bo", name="Bo"), actor="s-sam")
    first = rk.open_case(actor="s-sam", client="c-bo", subject="Late", statement="Late.")
    rk.directory.deactivate("c-bo", actor="s-mia", reason="Closed the account.")
    with pytest.raises(RuleViolation, match="'c-bo' was deactivated") as refused:
        rk.open_case(actor="s-sam", client="c-bo", subject="Again", statement="Late again.")
    assert refused.value.rule_id == "DIR.active"
    assert rk.handle(first.id, Acknowledge(paraphrase="Late."), actor="s-sam")  # goes on
    rk.directory.deactivate("c-ana", actor="s-mia", reason="Moved abroad.")
    with pytest.raises(RuleViolation, match="'c-ana' was deactivated") as refused:
        rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="Late.")
    assert refused.value.rule_id == "DIR.active"
    with pytest.raises(RuleViolation, match="'c-ana' was deactivated") as again:
        rk.relationships.create(actor="s-sam", party="c-ana")
    assert again.value.rule_id == "DIR.active"
    with pytest.raises((RuleViolation, RuleViolations)) as made:  # R4 wants an offering too
        rk.promises.make(actor="s-sam", party="c-ana", what="A call back", due=START.add(days=1))
    refusal = made.value
    assert "DIR.active" in (
        refusal.rule_ids if isinstance(refusal, RuleViolations) else (refusal.rule_id,)
    )
    assert [c.id for c in rk.cases()] == [first.id]
    with rk.store.unit_of_work() as uow:
        assert uow.count(Promise) == 0
    rk.directory.reactivate("c-ana", actor="s-mia", reason="Back home.")
    assert rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="Late.")


# --- entitlements and policies ------------------------------------------------------------------


def test_entitlements_are_defined_once_and_their_targets_set_on_the_record(
    rk: Relations,
) -> None:
    gold = Entitlement(
        id="gold",
        response_within=pendulum.duration(hours=4),
        resolution_within=pendulum.duration(days=2),
    )
    with pytest.raises(ActorRequired):  # Mia may define entitlements
        rk.equality.entitle(gold)
    with pytest.raises(NotPermitted):
        rk.equality.entitle(gold, actor="s-sam")
    rk.equality.entitle(gold, actor="s-mia", reason="Our premium contract.")
    with pytest.raises(AlreadyRegistered, match="set_targets"):
        rk.equality.entitle(gold, actor="s-mia")
    changed = rk.equality.set_targets(
        "gold",
        response_within=pendulum.duration(hours=2),
        resolution_within=pendulum.duration(days=2),
        actor="s-mia",
        reason="Faster answers.",
    )
    assert changed.response_within == pendulum.duration(hours=2)
    assert rk.equality.targets("c-ana").response_within == pendulum.duration(hours=2)
    assert [(c.what, c.by) for c in rk.directory.changes("gold", EntitlementEntry)] == [
        ("EntitlementDefined", "s-mia"),
        ("EntitlementTargetsSet", "s-mia"),
    ]
    with pytest.raises(NotFound):
        rk.equality.set_targets(
            "bronze",
            response_within=pendulum.duration(hours=2),
            resolution_within=pendulum.duration(days=2),
            actor="s-mia",
            reason="No such contract.",
        )


def test_policy_versions_are_entries_published_in_order(rk: Relations) -> None:
    def version(n: int) -> Policy:
        return Policy(version=n, published_at=START, clauses=[Clause(id="a", text=f"A{n}.")])

    with pytest.raises(NotPermitted):
        rk.policy.publish(version(1), actor="s-sam")
    rk.policy.publish(version(1), actor="s-mia", reason="Our first.")
    with pytest.raises(InvalidInput, match="the next version is 2"):
        rk.policy.publish(version(3), actor="s-mia")
    rk.policy.publish(version(2), actor="s-mia")
    assert rk.policy.current() == version(2)
    assert rk.directory.entry("1", PolicyEntry).record() == version(1)
    assert [e.name for e in rk.timeline("2", PolicyEntry)] == ["PolicyPublished"]


def test_the_policy_rule_refuses_a_version_out_of_order_run_directly(rk: Relations) -> None:
    from relationkit.directory import PublishPolicy

    with pytest.raises(RuleViolation, match="version 1 was never published") as refused:
        rk.create(
            PolicyEntry,
            PublishPolicy(version=2, published_at=START, clauses=[Clause(id="a", text="A.")]),
            actor="s-mia",
            aggregate_id="2",
        )
    assert refused.value.rule_id == "DIR.policy"


# --- commands built directly -------------------------------------------------------------------


def test_commands_check_their_own_arguments() -> None:
    with pytest.raises(InvalidInput, match="a party's details"):
        RegisterPerson(kind="staff", name="Sam", contract="gold")
    with pytest.raises(InvalidInput, match="without a contract"):
        RegisterPerson(kind="client", name="Ana")
    with pytest.raises(InvalidInput, match="a person is one of"):
        RegisterPerson(kind="robot", name="R2")
    with pytest.raises(InvalidInput, match="'role' is empty"):
        GrantRole(role=" ", reason="x")
    with pytest.raises(InvalidInput):
        ChangeDetails(changes=["name"], reason="x")  # type: ignore[arg-type]


# --- the records and their timelines ----------------------------------------------------------


def set_roles(raw_sql: RawSql, staff_id: str, roles: list[str]) -> None:
    (data,) = raw_sql("SELECT data FROM rk_records WHERE kind = 'staff' AND id = ?", staff_id)[0]
    found = json.loads(data)
    found["roles"] = roles
    raw_sql(
        "UPDATE rk_records SET data = ? WHERE kind = 'staff' AND id = ?",
        json.dumps(found),
        staff_id,
    )


def test_a_role_changed_in_the_table_is_named_and_restored(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    assert sql_rk.verify_all().ok
    set_roles(raw_sql, "s-sam", ["partner"])
    assert sql_rk.staff("s-sam").roles == {"partner"}  # lookups read the record
    report = sql_rk.verify_all()
    assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
        ("projection", "staff", "s-sam")
    ]
    assert isinstance(report.problems[0], RecordCorrupted)
    assert "roles is ['partner'] in the record, ['agent'] by the timeline" in str(
        report.problems[0]
    )
    with pytest.raises(RecordCorrupted, match="restore_record"):
        sql_rk.verify("s-sam", PersonEntry)
    assert sql_rk.directory.restore_record("s-sam") == PEOPLE[2]
    assert sql_rk.verify_all().ok


def test_records_written_around_the_directory_are_named(sql_rk: Relations, raw_sql: RawSql) -> None:
    staff_json = json.dumps({"id": "c-ana", "name": "Ana", "roles": ["manager"]})
    raw_sql("INSERT INTO rk_records (kind, id, data) VALUES ('staff', 'c-ana', ?)", staff_json)
    raw_sql("DELETE FROM rk_records WHERE kind = 'party' AND id = 'v-acme'")
    party = json.dumps({"id": "c-ghost", "name": "Ghost", "kind": "client"})
    raw_sql("INSERT INTO rk_records (kind, id, data) VALUES ('party', 'c-ghost', ?)", party)
    report = sql_rk.verify_all()
    found = sorted((f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings)
    assert found == [
        ("no-record", "party", "v-acme"),
        ("no-timeline", "party", "c-ghost"),
        ("no-timeline", "staff", "c-ana"),
    ]
    message = next(f.message for f in report.findings if f.aggregate_id == "c-ana")
    assert "'c-ana' is a client on the directory's timeline" in message
    sql_rk.directory.restore_record("v-acme")
    assert sql_rk.party("v-acme") == PEOPLE[1]


def test_an_entitlement_changed_in_the_table_is_named(sql_rk: Relations, raw_sql: RawSql) -> None:
    sql_rk.equality.entitle(
        Entitlement(
            id="gold",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=2),
        ),
        actor="s-mia",
    )
    raw_sql(
        "UPDATE rk_records SET data = replace(data, '14400.0', '600.0') WHERE kind = 'entitlement'"
    )
    (finding,) = sql_rk.verify_all().findings
    assert (finding.kind, finding.aggregate_kind, finding.aggregate_id) == (
        "projection",
        "entitlement",
        "gold",
    )
    assert "response_within" in finding.message
    assert sql_rk.directory.restore_record("gold", EntitlementEntry).response_within.in_hours() == 4


def test_a_sound_record_is_restored_only_from_a_sound_timeline(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    from relationkit import TimelineBroken

    raw_sql(
        "UPDATE rk_events SET actor_id = 'nobody' WHERE kind = 'person' AND aggregate_id = 's-sam'"
    )
    with pytest.raises(TimelineBroken):
        sql_rk.directory.restore_record("s-sam")
    with pytest.raises(NotFound):
        sql_rk.directory.restore_record("s-nobody")
