"""Service-level policies on the record: each is defined once and changed only by commands of
the pipeline, by someone with the authority to, with its reason, on a timeline of its own;
the records cases read are written with each event; what may be done now agrees with doing
it; a change leaves the clocks of open cases as they started; a record changed around the
directory is named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pendulum
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
    ManualClock,
    NotFound,
    NotPermitted,
    RecordCorrupted,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.calendars import BusinessCalendar
from relationkit.cases import Acknowledge, RecordStatement
from relationkit.directory import SETUP_ACTOR
from relationkit.equality import Entitlement
from relationkit.service_levels import (
    ChangePriority,
    ChangeServiceLevels,
    ServiceLevelEntry,
    ServiceLevelPolicy,
)
from strategies import examples
from world import START, world

H = pendulum.duration
PARIS = BusinessCalendar(id="paris", timezone="Europe/Paris", hours={"mon-fri": "09:00-17:00"})
GOLD = ServiceLevelPolicy(
    id="gold-sla",
    contracts=("gold",),
    targets={
        "normal": {"first_reply": H(hours=1), "next_reply": H(hours=2), "resolution": H(hours=16)},
        "urgent": {"first_reply": H(minutes=30), "resolution": H(hours=4)},
    },
    default_priority="normal",
    calendar_id="paris",
    title="Gold",
)
SILVER = ServiceLevelPolicy(
    id="silver-sla",
    contracts=("silver",),
    targets={"normal": {"first_reply": H(hours=4)}},
    default_priority="normal",
)
PEOPLE = (
    Client(id="c-ana", name="Ana Ruiz", contract="gold"),
    Client(id="c-bo", name="Bo Chen", contract="gold"),
    Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
    Staff(id="s-mia", name="Mia Lund", roles={"manager"}),
    Staff(id="s-pat", name="Pat Okafor", roles={"partner"}),
    Staff(id="s-old", name="Olga Berg", roles={"manager"}),
)


def make(
    store: Any = None, config: CareConfig | None = None, clock: ManualClock | None = None
) -> Relations:
    """A calendar, three contracts' entitlements and the gold policy defined by the setup,
    then the people, Olga (a manager) deactivated."""
    rk = world(store=store, config=config, clock=clock, policy=None)
    rk.calendars.register(PARIS)
    rk.equality.entitle(
        *(
            Entitlement(id=name, response_within=H(hours=4), resolution_within=H(days=2))
            for name in ("gold", "silver", "bronze")
        )
    )
    rk.service_levels.define(GOLD)
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
    """Everything the store holds about service-level policies, for "nothing changed"."""
    with rk.store.unit_of_work() as uow:
        return {
            "entries": sorted((e.id, e.version, e.head) for e in uow.select(ServiceLevelEntry)),
            "records": sorted(map(repr, uow.records(ServiceLevelPolicy))),
        }


def timeline(rk: Relations, policy_id: str) -> list[tuple[str, str, Any]]:
    return [
        (e.name, e.actor_id, e.data["reason"]) for e in rk.timeline(policy_id, ServiceLevelEntry)
    ]


# --- defining ---------------------------------------------------------------------------------


def test_each_policy_has_a_timeline_starting_with_its_definition(rk: Relations) -> None:
    assert timeline(rk, "gold-sla") == [("ServiceLevelPolicyDefined", SETUP_ACTOR, None)]
    assert rk.service_levels.policy("gold-sla") == GOLD
    assert rk.service_levels.policies() == [GOLD]
    entry = rk.directory.entry("gold-sla", ServiceLevelEntry)
    assert isinstance(entry, ServiceLevelEntry)
    assert (entry.policy, entry.defined_by, entry.defined_at) == (GOLD, SETUP_ACTOR, START)
    assert rk.verify_all().ok


def test_a_definition_names_its_actor_and_reason(rk: Relations) -> None:
    bronze = attrs.evolve(SILVER, id="bronze-sla", contracts=("bronze",))
    rk.service_levels.define(SILVER, bronze, actor="s-mia", reason="Targets for every tier.")
    assert (
        timeline(rk, "silver-sla")
        == timeline(rk, "bronze-sla")
        == [("ServiceLevelPolicyDefined", "s-mia", "Targets for every tier.")]
    )
    assert [(c.what, c.by, c.reason) for c in rk.service_levels.changes("bronze-sla")] == [
        ("ServiceLevelPolicyDefined", "s-mia", "Targets for every tier.")
    ]
    assert rk.service_levels.policies() == [bronze, GOLD, SILVER]
    case = rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y")
    assert case.service_levels is not None
    assert case.service_levels.policy_id == "gold-sla"


@pytest.mark.parametrize(
    "define",
    [
        lambda rk: rk.service_levels.define(GOLD, actor="s-mia"),
        lambda rk: rk.service_levels.define(
            attrs.evolve(GOLD, contracts=("silver",)), actor="s-mia"
        ),
        lambda rk: rk.service_levels.define(SILVER, attrs.evolve(GOLD, title="G"), actor="s-mia"),
    ],
    ids=["same-policy", "policy-overwritten", "one-of-a-call"],
)
def test_defining_a_taken_id_is_refused_and_changes_nothing(rk: Relations, define: Any) -> None:
    before = stored(rk)
    with pytest.raises(AlreadyRegistered, match="one id names one entry") as refused:
        define(rk)
    assert "rk.service_levels.change" in str(refused.value)
    assert stored(rk) == before


def test_bad_definitions_are_refused_before_anything_is_stored(rk: Relations) -> None:
    before = stored(rk)
    with pytest.raises(InvalidInput, match="build a ServiceLevelPolicy"):
        rk.service_levels.define(SILVER, PARIS, actor="s-mia")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="two service-level policies with the id"):
        rk.service_levels.define(SILVER, SILVER, actor="s-mia")
    with pytest.raises(InvalidInput, match="a contract has one service-level policy"):
        rk.service_levels.define(SILVER, attrs.evolve(SILVER, id="other"), actor="s-mia")
    with pytest.raises(InvalidInput, match="reason"):
        rk.service_levels.define(SILVER, actor="s-mia", reason="  ")
    assert stored(rk) == before


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (attrs.evolve(SILVER, contracts=("platinum",)), "'platinum' has no entitlement"),
        (attrs.evolve(SILVER, contracts=("silver", "gold")), "covered by policy 'gold-sla'"),
        (attrs.evolve(SILVER, calendar_id="tokyo"), "calendar 'tokyo' is not registered"),
        (attrs.evolve(GOLD, contracts=("gold", "platinum")), "'platinum' has no entitlement"),
        (attrs.evolve(GOLD, calendar_id="tokyo"), "calendar 'tokyo' is not registered"),
    ],
    ids=[
        "define-no-entitlement",
        "define-contract-taken",
        "define-no-calendar",
        "change-no-entitlement",
        "change-no-calendar",
    ],
)
def test_contracts_and_calendars_are_checked_by_the_rule(
    rk: Relations, policy: ServiceLevelPolicy, message: str
) -> None:
    before = stored(rk)
    if policy.id == GOLD.id:
        run = lambda: rk.service_levels.change(policy, actor="s-mia", reason="Moved.")  # noqa: E731
    else:
        run = lambda: rk.service_levels.define(policy, actor="s-mia")  # noqa: E731
    with pytest.raises(RuleViolation, match=message) as refused:
        run()
    assert refused.value.rule_id == "DIR.service_levels"
    assert stored(rk) == before


def test_a_contract_taken_by_another_policy_is_refused_on_change(rk: Relations) -> None:
    rk.service_levels.define(SILVER, actor="s-mia")
    before = stored(rk)
    with pytest.raises(RuleViolation, match="'silver' is covered by policy 'silver-sla'") as no:
        rk.service_levels.change(
            attrs.evolve(GOLD, contracts=("gold", "silver")), actor="s-mia", reason="Merged."
        )
    assert no.value.rule_id == "DIR.service_levels"
    assert stored(rk) == before
    # taken out of one policy, then put in the other, in one batch
    with rk.batch():
        rk.service_levels.change(
            attrs.evolve(SILVER, contracts=("bronze",)), actor="s-mia", reason="Merged."
        )
        rk.service_levels.change(
            attrs.evolve(GOLD, contracts=("gold", "silver")), actor="s-mia", reason="Merged."
        )
    assert rk.service_levels.policy("gold-sla").contracts == ("gold", "silver")


def test_a_calendar_or_entitlement_defined_earlier_in_the_same_batch_counts(
    rk: Relations,
) -> None:
    tokyo = BusinessCalendar(id="tokyo", timezone="Asia/Tokyo")
    platinum = attrs.evolve(SILVER, id="plat-sla", contracts=("platinum",), calendar_id="tokyo")
    with rk.batch():
        rk.calendars.register(tokyo, actor="s-mia")
        rk.equality.entitle(
            Entitlement(id="platinum", response_within=H(hours=1), resolution_within=H(days=1)),
            actor="s-mia",
        )
        rk.service_levels.define(platinum, actor="s-mia")
    assert rk.service_levels.policy("plat-sla") == platinum


# --- changing ---------------------------------------------------------------------------------


def test_a_change_is_a_command_on_the_record(rk: Relations) -> None:
    quicker = attrs.evolve(GOLD, targets={"normal": {"first_reply": H(minutes=15)}})
    assert rk.service_levels.change(quicker, actor="s-mia", reason="Faster replies.") == quicker
    assert rk.service_levels.policy("gold-sla") == quicker
    assert [(c.what, c.by, c.reason) for c in rk.service_levels.changes("gold-sla")] == [
        ("ServiceLevelPolicyDefined", SETUP_ACTOR, None),
        ("ServiceLevelPolicyChanged", "s-mia", "Faster replies."),
    ]
    assert rk.directory.entry("gold-sla", ServiceLevelEntry).policy == quicker  # type: ignore[attr-defined]
    assert rk.verify_all().ok


def test_a_bad_change_is_refused_and_changes_nothing(rk: Relations) -> None:
    before = stored(rk)
    with pytest.raises(RuleViolation, match="nothing changes") as same:
        rk.service_levels.change(GOLD, actor="s-mia", reason="Again.")
    assert same.value.rule_id == "DIR.service_levels"
    with pytest.raises(NotFound, match="nope"):
        rk.service_levels.change(attrs.evolve(GOLD, id="nope"), actor="s-mia", reason="New.")
    with pytest.raises(NotFound, match="nope"):
        rk.service_levels.changes("nope")
    with pytest.raises(InvalidInput, match="reason"):
        rk.service_levels.change(attrs.evolve(GOLD, title="G"), actor="s-mia", reason="")
    with pytest.raises(InvalidInput, match="pass the ServiceLevelPolicy"):
        rk.service_levels.change(PARIS, actor="s-mia", reason="Oops.")  # type: ignore[arg-type]
    assert stored(rk) == before


def test_a_policy_keeps_its_id_even_when_a_change_is_run_directly(rk: Relations) -> None:
    before = stored(rk)
    command = ChangeServiceLevels(policy=attrs.evolve(GOLD, id="other"), reason="Swap.")
    with pytest.raises(RuleViolation, match="keeps its id") as refused:
        rk.execute(ServiceLevelEntry, "gold-sla", command, actor="s-mia")
    assert refused.value.rule_id == "DIR.service_levels"
    assert stored(rk) == before


# --- who may ----------------------------------------------------------------------------------


def test_managers_and_partners_may_agents_and_the_deactivated_may_not(rk: Relations) -> None:
    before = stored(rk)
    renamed = attrs.evolve(GOLD, title="Gold tier")
    for actor, reason in [("s-sam", "holds agent"), ("s-old", "deactivated")]:
        with pytest.raises(NotPermitted, match=reason) as refused:
            rk.service_levels.change(renamed, actor=actor, reason="Renamed.")
        assert refused.value.rule_id == "ROLE"
        with pytest.raises(NotPermitted, match=reason):
            rk.service_levels.define(SILVER, actor=actor, reason="New.")
    with pytest.raises(NotPermitted):  # a client neither
        rk.service_levels.define(SILVER, actor="c-ana")
    assert stored(rk) == before
    rk.service_levels.change(renamed, actor="s-mia", reason="Renamed.")
    rk.service_levels.change(attrs.evolve(renamed, title="Gold"), actor="s-pat", reason="Back.")
    rk.service_levels.define(SILVER, actor="s-pat")
    assert [c.by for c in rk.service_levels.changes("gold-sla")] == [SETUP_ACTOR, "s-mia", "s-pat"]


def test_who_may_is_configured_like_every_command() -> None:
    rk = make(config=CareConfig(command_roles={"change_service_levels": {"agent"}}))
    rk.service_levels.change(attrs.evolve(GOLD, title="G"), actor="s-sam", reason="Named.")
    with pytest.raises(NotPermitted, match="needs one of the roles agent"):
        rk.service_levels.change(attrs.evolve(GOLD, title="H"), actor="s-mia", reason="Named.")
    with pytest.raises(NotPermitted):  # not named: the authority roles still
        rk.service_levels.define(SILVER, actor="s-sam")
    rk.service_levels.define(SILVER, actor="s-mia")


def test_the_setup_defines_only_while_nobody_may() -> None:
    rk = world(
        Client(id="c-ana", name="Ana", contract="gold"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        Staff(id="s-mia", name="Mia"),
        policy=None,
    )
    rk.calendars.register(PARIS)
    rk.equality.entitle(
        *(
            Entitlement(id=name, response_within=H(hours=4), resolution_within=H(days=2))
            for name in ("gold", "silver")
        )
    )
    rk.service_levels.define(GOLD)  # an agent may not: the setup does
    rk.service_levels.change(attrs.evolve(GOLD, title="G"), reason="Renamed.")
    assert [c.by for c in rk.service_levels.changes("gold-sla")] == [SETUP_ACTOR, SETUP_ACTOR]
    rk.directory.grant_role("s-mia", "manager", reason="Leads the office.")  # by the setup too
    before = stored(rk)
    with pytest.raises(ActorRequired, match="'s-mia'") as required:
        rk.service_levels.define(SILVER)
    assert required.value.command == "define_service_levels"
    with pytest.raises(ActorRequired) as required_change:
        rk.service_levels.change(GOLD, reason="Back.")
    assert required_change.value.command == "change_service_levels"
    assert stored(rk) == before
    with pytest.raises(NotFound):  # nobody can name the setup as an actor
        rk.service_levels.define(SILVER, actor=SETUP_ACTOR)
    rk.service_levels.define(SILVER, actor="s-mia")


# --- what may I do now agrees with doing it ---------------------------------------------------


class RolledBack(Exception):
    """Raised inside ``rk.batch()`` to leave nothing of an accepted command."""


def refusals_running(rk: Relations, command: ChangeServiceLevels, actor: str) -> Any:
    """The rule ids that refuse ``command`` when it is run, inside a batch rolled back after
    (``()`` when it is accepted)."""
    try:
        with rk.batch():
            rk.execute(ServiceLevelEntry, "gold-sla", command, actor=actor)
            raise RolledBack
    except RolledBack:
        return ()
    except RuleViolations as refused:
        return refused.rule_ids
    except RuleViolation as refused:
        return (refused.rule_id,)


@settings(max_examples=examples(25), deadline=None)
@given(
    actor=st.sampled_from(("s-sam", "s-mia", "s-pat", "s-old", "c-ana")),
    roles=st.sampled_from([None, {"agent"}, {"manager"}, {"agent", "partner"}]),
    contract=st.sampled_from(["gold", "silver", "platinum"]),
    calendar_id=st.sampled_from([None, "paris", "tokyo"]),
)
def test_options_agree_with_running_the_command(
    actor: str, roles: Any, contract: str, calendar_id: str | None
) -> None:
    config = CareConfig(command_roles={} if roles is None else {"change_service_levels": roles})
    rk = make(config=config)
    command = ChangeServiceLevels(
        policy=attrs.evolve(GOLD, contracts=(contract,), calendar_id=calendar_id, title="New"),
        reason="R.",
    )
    entry = rk.directory.entry("gold-sla", ServiceLevelEntry)
    (option,) = rk.options_for([entry], actor=actor)["gold-sla"]
    assert option.command == "change_service_levels"
    ran = refusals_running(rk, command, actor)
    if option.allowed:
        # what the options cannot know: the policy the command carries
        fits = contract != "platinum" and calendar_id != "tokyo"
        assert set(ran) == (set() if fits else {"DIR.service_levels"}), ran
    else:
        assert ran == option.rule_ids
    assert rk.verify_all().ok  # nothing was stored by the runs rolled back
    assert [c.by for c in rk.service_levels.changes("gold-sla")] == [SETUP_ACTOR]
    assert rk.service_levels.policy("gold-sla") == GOLD


# --- a change and the clocks of open cases ----------------------------------------------------


def test_open_cases_keep_the_terms_their_clocks_started_with_new_cases_get_the_new_ones() -> None:
    clock = ManualClock(START)
    rk = make(clock=clock)
    rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="Late.", case_id="k-1")
    (first, resolution) = rk.service_levels.clocks("k-1")
    quicker = attrs.evolve(
        GOLD,
        targets={
            "normal": {
                "first_reply": H(minutes=15),
                "next_reply": H(minutes=30),
                "resolution": H(hours=8),
            },
            "urgent": {"first_reply": H(minutes=10), "resolution": H(hours=2)},
        },
    )
    clock.advance(minutes=10)
    events = rk.timeline("k-1")
    rk.service_levels.change(quicker, actor="s-mia", reason="Faster service.")
    assert rk.timeline("k-1") == events  # the change writes nothing on the case
    # the running clocks of the open case are as they started: same targets, same due times
    assert [(c.metric, c.target, c.due_at) for c in rk.service_levels.clocks("k-1")] == [
        (c.metric, c.target, c.due_at) for c in (first, resolution)
    ]
    # a case opened after the change gets the new targets
    rk.open_case(actor="s-sam", client="c-bo", subject="Slow", statement="Slow.", case_id="k-2")
    assert {c.metric: c.target for c in rk.service_levels.clocks("k-2")} == {
        "first_reply": H(minutes=15),
        "resolution": H(hours=8),
    }
    # a clock the open case starts later takes the targets the case was opened with
    rk.handle("k-1", Acknowledge(paraphrase="It is late."), actor="s-sam")
    rk.handle("k-1", RecordStatement(text="Still late."), actor="s-sam")
    assert {c.metric: c.target for c in rk.service_levels.clocks("k-1")}["next_reply"] == H(hours=2)
    # a priority change reads the policy as it is then
    rk.handle("k-1", ChangePriority(priority="urgent", reason="Escalated."), actor="s-sam")
    assert {c.metric: c.target for c in rk.service_levels.clocks("k-1")}["resolution"] == H(hours=2)
    assert rk.verify_all().ok


# --- the records and verification -------------------------------------------------------------


def test_a_policy_changed_in_the_table_is_named_and_restored(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    assert sql_rk.verify_all().ok
    query = "SELECT data FROM rk_records WHERE kind = 'service_level_policy' AND id = 'gold-sla'"
    ((data,),) = raw_sql(query)
    found = json.loads(data)
    found["warn_share"] = 0.99
    raw_sql(
        "UPDATE rk_records SET data = ? WHERE kind = 'service_level_policy' AND id = 'gold-sla'",
        json.dumps(found),
    )
    assert sql_rk.service_levels.policy("gold-sla").warn_share == 0.99  # lookups read it
    report = sql_rk.verify_all()
    assert [(f.kind, f.aggregate_kind, f.aggregate_id) for f in report.findings] == [
        ("projection", "service_level_policy", "gold-sla")
    ]
    assert isinstance(report.problems[0], RecordCorrupted)
    assert "warn_share is 0.99 in the record, 0.75 by the timeline" in report.findings[0].message
    assert sql_rk.directory.restore_record("gold-sla", ServiceLevelEntry) == GOLD
    assert sql_rk.service_levels.policy("gold-sla") == GOLD
    assert sql_rk.verify_all().ok


def test_policies_written_around_the_directory_are_named(
    sql_rk: Relations, raw_sql: RawSql
) -> None:
    sql_rk.service_levels.define(SILVER, actor="s-mia")
    query = "SELECT data FROM rk_records WHERE kind = 'service_level_policy' AND id = 'gold-sla'"
    ((data,),) = raw_sql(query)
    raw_sql(
        "INSERT INTO rk_records (kind, id, data) VALUES ('service_level_policy', 'ghost', ?)",
        data.replace('"gold-sla"', '"ghost"'),
    )
    raw_sql("DELETE FROM rk_records WHERE kind = 'service_level_policy' AND id = 'silver-sla'")
    found = sorted((f.kind, f.aggregate_kind, f.aggregate_id) for f in sql_rk.verify_all().findings)
    assert found == [
        ("no-record", "service_level_policy", "silver-sla"),
        ("no-timeline", "service_level_policy", "ghost"),
    ]
    with pytest.raises(AlreadyRegistered):  # the id is taken all the same
        sql_rk.service_levels.define(
            attrs.evolve(SILVER, id="ghost", contracts=("bronze",)), actor="s-mia"
        )
    assert sql_rk.directory.restore_record("silver-sla", ServiceLevelEntry) == SILVER
