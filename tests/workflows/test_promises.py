"""Promises, offerings and expectations: the promise workflow, R1/R4/R5/P1, deferral promises,
the sweep, the queries, and bad input refused with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    InvalidInput,
    InvalidTransition,
    NaiveDateTime,
    NotFound,
    Relations,
    RuleViolation,
    Staff,
)
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.case import (
    Accept,
    Acknowledge,
    ConfirmHeard,
    Decline,
    Defer,
    MatchExpectation,
    RecordExpectation,
    RecordStatement,
    ResetExpectation,
    StartWork,
)
from relationkit.domain.offering import Offering
from relationkit.domain.promise import (
    BreakPromise,
    KeepPromise,
    MakePromise,
    Promise,
    WarnPromise,
)
from relationkit.exceptions import OutOfRange
from relationkit.promises import PromiseConfig
from relationkit.rules.base import rule
from relationkit.testing import ManualClock
from world import world as shared_world

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
START = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)  # a Monday
CALENDAR = BusinessCalendar(id="berlin", timezone=BERLIN, country="DE", name="Berlin office")
AUDIT = Offering(
    id="audit",
    name="Website audit",
    scope=("accessibility review", "performance review"),
    lead_time=BusinessTime(days=20),
    calendar_id="berlin",
)


def build(config: CareConfig | None = None) -> tuple[Relations, ManualClock]:
    clock = ManualClock(START)
    rk = shared_world(
        Client(id="c-ana", name="Ana Ruiz", timezone=NEW_YORK),
        Client(id="c-bo", name="Bo Lind"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-kim", name="Kim Park", roles={"agent"}),
        Staff(id="s-mia", name="Mia Chen", roles={"manager"}),
        Staff(id="s-lee", name="Lee Ward", roles={"manager"}),
        clock=clock,
        config=config,
        policy=None,
    )
    rk.calendars.register(CALENDAR, actor="s-mia")
    rk.calendars.register_offering(AUDIT, actor="s-mia")
    return rk, clock


@pytest.fixture
def world() -> tuple[Relations, ManualClock]:
    return build()


@pytest.fixture
def rk(world: tuple[Relations, ManualClock]) -> Relations:
    return world[0]


@pytest.fixture
def clock(world: tuple[Relations, ManualClock]) -> ManualClock:
    return world[1]


SIX_WEEKS = START.add(weeks=6)


def make(rk: Relations, **kw: Any) -> Promise:
    fields: dict[str, Any] = {
        "actor": "s-sam",
        "party": "c-ana",
        "what": "An accessibility review of the shop",
        "offering": "audit",
        "scope": ["accessibility review"],
        "due": SIX_WEEKS,
    }
    fields.update(kw)
    return rk.promises.make(**fields)


def heard_case(rk: Relations, client: str = "c-ana") -> str:
    case = rk.open_case(actor="s-sam", client=client, subject="Shop", statement="Fix my shop.")
    rk.handle(case.id, Acknowledge(paraphrase="Your shop needs fixing."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor=client)
    return case.id


def snapshot(rk: Relations) -> tuple[list[Promise], list[list[str]]]:
    promises = rk.promises.find()
    return promises, [[e.hash for e in rk.promises.timeline(p.id)] for p in promises]


@pytest.fixture
def unchanged(rk: Relations) -> Iterator[None]:
    """Assert that the test body leaves every promise and its timeline as it was."""
    before = snapshot(rk)
    yield
    assert snapshot(rk) == before


# --- the catalogue ----------------------------------------------------------------------------


def test_calendars_and_offerings_are_stored_records(rk: Relations) -> None:
    assert rk.calendars.get("berlin") == CALENDAR
    assert rk.calendars.offering("audit") == AUDIT
    assert rk.calendars.offerings() == [AUDIT]


def test_an_offering_needs_a_registered_calendar(rk: Relations) -> None:
    orphan = Offering(
        id="x", name="X", scope=("x",), lead_time=BusinessTime(hours=4), calendar_id="nowhere"
    )
    with pytest.raises(RuleViolation, match="calendar 'nowhere' is not registered") as refused:
        rk.calendars.register_offering(orphan, actor="s-mia")
    assert refused.value.rule_id == "DIR.offering"
    assert [o.id for o in rk.calendars.offerings()] == ["audit"]


def test_an_offering_needs_scope_and_a_business_time_lead() -> None:
    with pytest.raises(InvalidInput, match="scope"):
        Offering(id="x", name="X", scope=(), lead_time=BusinessTime(days=1), calendar_id="c")
    with pytest.raises(InvalidInput, match="lead"):
        Offering(id="x", name="X", scope=("a",), lead_time=5, calendar_id="c")  # type: ignore[arg-type]


def test_promise_config_is_validated() -> None:
    with pytest.raises(OutOfRange):
        PromiseConfig(capacity=0)
    with pytest.raises(OutOfRange):
        PromiseConfig(warn_fraction=1.0)
    with pytest.raises(InvalidInput):
        PromiseConfig(approver_roles=())


# --- making and keeping -----------------------------------------------------------------------


def test_a_promise_is_made_and_kept(rk: Relations) -> None:
    promise = make(rk)
    assert promise.state == "made"
    assert promise.owner_id == "s-sam"
    assert promise.party_id == "c-ana"
    assert promise.due_at == SIX_WEEKS
    assert promise.warn_at is not None
    kept = rk.promises.keep(promise.id, actor="s-sam", note="Report sent.")
    assert kept.state == "kept"
    assert kept.outcome_note == "Report sent."
    assert [e.name for e in rk.promises.timeline(promise.id)] == ["PromiseMade", "PromiseKept"]
    assert rk.verify_all().ok


def test_a_promise_made_in_one_zone_to_a_client_in_another(rk: Relations) -> None:
    due = pendulum.datetime(2026, 4, 14, 17, tz=BERLIN)
    promise = make(rk, due=due)
    ana = rk.party("c-ana")
    shown = promise.due_in(ana.timezone)
    assert shown == due  # the same instant …
    assert (shown.hour, shown.timezone_name) == (11, NEW_YORK)  # … on Ana's clock
    stored = rk.promises.get(promise.id)
    assert stored.due_at == due
    assert stored.due_at.timezone_name == BERLIN


def test_the_owner_can_be_another_colleague(rk: Relations) -> None:
    promise = make(rk, owner="s-kim")
    assert promise.owner_id == "s-kim"
    assert promise.made_by == "s-sam"


def test_a_party_cannot_make_a_promise(rk: Relations, unchanged: None) -> None:
    with pytest.raises(PermissionError):
        make(rk, actor="c-ana", owner="s-sam")


# --- R4 ---------------------------------------------------------------------------------------


def test_r4_refuses_a_due_time_inside_the_lead_time_naming_the_earliest_honest_one(
    rk: Relations, unchanged: None
) -> None:
    earliest = CALENDAR.add(START, AUDIT.lead_time)
    assert earliest == pendulum.datetime(2026, 3, 30, 9, tz=BERLIN)
    assert rk.promises.earliest_due("audit", owner="s-sam").earliest == earliest
    with pytest.raises(RuleViolation) as caught:
        make(rk, due=START.add(weeks=2))
    assert caught.value.rule_id == "R4"
    assert "limit hit: lead time" in caught.value.reason
    assert earliest.isoformat() in caught.value.reason


def test_r4_accepts_exactly_the_earliest_honest_due_time(rk: Relations) -> None:
    earliest = rk.promises.earliest_due("audit", owner="s-sam").earliest
    assert make(rk, due=earliest).state == "made"


def test_r4_refuses_what_lies_outside_the_offering_scope(rk: Relations, unchanged: None) -> None:
    with pytest.raises(RuleViolation, match="limit hit: scope") as caught:
        make(rk, scope=["accessibility review", "a redesign"])
    assert "'a redesign'" in caught.value.reason


def test_r4_needs_an_offering(rk: Relations, unchanged: None) -> None:
    with pytest.raises(RuleViolation, match="offering") as caught:
        make(rk, offering=None)
    assert caught.value.rule_id == "R4"


def test_r4_refuses_beyond_capacity_with_the_earliest_honest_due_time() -> None:
    rk, _ = build(CareConfig().evolve(promises=PromiseConfig(capacity=2)))
    first = make(rk, due=START.add(weeks=5))
    make(rk, due=START.add(weeks=7))
    expected = CALENDAR.add(first.due_at, AUDIT.lead_time)
    with pytest.raises(RuleViolation, match="limit hit: capacity") as caught:
        make(rk, due=START.add(weeks=6))
    assert expected.isoformat() in caught.value.reason
    estimate = rk.promises.earliest_due("audit", owner="s-sam")
    assert estimate.earliest == expected
    assert estimate.limits == ("capacity",)
    assert make(rk, due=expected).state == "made"  # honest: after a place frees up
    assert make(rk, owner="s-kim").state == "made"  # a colleague has room


def test_capacity_can_differ_per_owner() -> None:
    config = CareConfig().evolve(promises=PromiseConfig(capacity=1, capacity_by_owner={"s-sam": 2}))
    rk, _ = build(config)
    make(rk)
    make(rk)
    with pytest.raises(RuleViolation, match="capacity"):
        make(rk)
    make(rk, owner="s-kim")
    with pytest.raises(RuleViolation, match="capacity"):
        make(rk, owner="s-kim")


def test_a_stretch_waits_for_a_manager_other_than_the_owner(rk: Relations) -> None:
    stretch = make(
        rk,
        due=START.add(weeks=2),
        scope=["accessibility review", "a redesign"],
        stretch=True,
        stretch_reason="The launch date is fixed by a regulator.",
    )
    assert stretch.state == "awaiting_approval"
    with pytest.raises(RuleViolation, match="roles"):
        rk.promises.approve_stretch(stretch.id, actor="s-kim")  # an agent
    with pytest.raises(InvalidTransition):
        rk.promises.keep(stretch.id, actor="s-sam")  # not yet a promise
    approved = rk.promises.approve_stretch(stretch.id, actor="s-mia", note="Worth it.")
    assert approved.state == "made"
    assert approved.stretch_approved_by == "s-mia"


def test_an_owner_never_approves_their_own_stretch(rk: Relations) -> None:
    stretch = make(
        rk, actor="s-mia", due=START.add(weeks=1), stretch=True, stretch_reason="Urgent."
    )
    with pytest.raises(RuleViolation, match="cannot approve their own") as caught:
        rk.promises.approve_stretch(stretch.id, actor="s-mia")
    assert caught.value.rule_id == "R4"
    assert rk.promises.approve_stretch(stretch.id, actor="s-lee").state == "made"


def test_a_stretch_must_say_why(rk: Relations, unchanged: None) -> None:
    with pytest.raises(RuleViolation, match="stretch_reason"):
        make(rk, due=START.add(weeks=1), stretch=True)


def test_a_stretch_nobody_approved_in_time_is_withdrawn_by_the_sweep(
    rk: Relations, clock: ManualClock
) -> None:
    stretch = make(rk, due=START.add(days=3), stretch=True, stretch_reason="Urgent.")
    clock.advance(days=4)
    with pytest.raises(RuleViolation, match="P1"):
        rk.promises.approve_stretch(stretch.id, actor="s-mia")
    report = rk.promises.run(clock.now())
    assert report.expired == (stretch.id,)
    assert report.broken == ()
    assert rk.promises.get(stretch.id).state == "withdrawn"


# --- R1 and R5 on cases -----------------------------------------------------------------------


def test_r1_no_promise_on_a_case_before_the_client_was_heard(
    rk: Relations, unchanged: None
) -> None:
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Shop", statement="Fix it.")
    with pytest.raises(RuleViolation, match="confirmed being heard") as caught:
        make(rk, case=case.id)
    assert caught.value.rule_id == "R1.promise"


def test_r1_applies_again_once_the_client_says_more(rk: Relations) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, RecordStatement(text="And it is slow."), actor="s-sam")
    with pytest.raises(RuleViolation, match="R1"):
        make(rk, case=case_id)


def test_a_promise_on_a_case_takes_its_client_and_relationship(rk: Relations) -> None:
    case_id = heard_case(rk)
    promise = make(rk, case=case_id, party=None)
    assert promise.case_id == case_id
    assert promise.party_id == "c-ana"
    assert rk.promises.find(case_id=case_id) == [promise]


def test_expectations_are_recorded_matched_and_reset(rk: Relations) -> None:
    case_id = heard_case(rk)
    for key, words in [("A", "an accessibility review"), ("B", "a redesign"), ("C", "SEO")]:
        rk.handle(case_id, RecordExpectation(key=key, text=words), actor="s-sam")
    rk.handle(case_id, RecordExpectation(text="a report"), actor="s-sam")
    case = rk.case(case_id)
    assert [e.key for e in case.expectations] == ["A", "B", "C", "4"]
    assert [e.key for e in case.unsettled_expectations] == ["A", "B", "C", "4"]
    rk.handle(
        case_id,
        MatchExpectation(expectation="A", offering_id="audit", scope_item="accessibility review"),
        actor="s-sam",
    )
    case = rk.handle(
        case_id,
        ResetExpectation(
            expectation="B",
            conversation="Told Ana a redesign is not ours to do; she agreed.",
            replaced_by="a referral to a design studio",
        ),
        actor="s-sam",
    )
    assert case.expectation("B") is None  # settled: in the case's history
    assert case.has_expectation("B")
    b = rk.history(case_id).expectation("B")
    assert b is not None
    assert b.status == "reset"
    assert b.settled_by == "s-sam"
    assert b.replaced_by == "a referral to a design studio"
    assert [e.key for e in case.unsettled_expectations] == ["C", "4"]
    assert rk.case(case_id).state == "heard"  # expectations do not move the case


def test_r5_refuses_a_promise_while_expectations_are_unsettled(rk: Relations) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, RecordExpectation(key="A", text="a review"), actor="s-sam")
    rk.handle(case_id, RecordExpectation(key="B", text="a redesign"), actor="s-sam")
    with pytest.raises(RuleViolation) as caught:
        make(rk, case=case_id)
    assert caught.value.rule_id == "R5.promise"
    assert "A ('a review'), B ('a redesign')" in caught.value.reason
    assert rk.promises.find() == []
    rk.handle(
        case_id,
        MatchExpectation(expectation="A", offering_id="audit", scope_item="accessibility review"),
        actor="s-sam",
    )
    rk.handle(case_id, ResetExpectation(expectation="B", conversation="Agreed: no."), actor="s-sam")
    assert make(rk, case=case_id).state == "made"


def test_r5_refuses_committing_to_a_plan_while_expectations_are_unsettled(rk: Relations) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, RecordExpectation(key="A", text="a review"), actor="s-sam")
    before = rk.case(case_id)
    with pytest.raises(RuleViolation, match="R5"):
        rk.handle(case_id, Accept(), actor="s-sam")
    assert rk.case(case_id) == before
    rk.handle(case_id, ResetExpectation(expectation="A", conversation="Agreed."), actor="s-sam")
    rk.handle(case_id, Accept(), actor="s-sam")
    rk.handle(case_id, RecordExpectation(key="B", text="weekly calls"), actor="s-sam")
    with pytest.raises(RuleViolation, match="R5"):
        rk.handle(case_id, StartWork(), actor="s-sam")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (RecordExpectation(key="A", text="again"), "already records"),
        (ResetExpectation(expectation="Z", conversation="x"), "no expectation 'Z'"),
        (
            MatchExpectation(expectation="A", offering_id="audit", scope_item="a redesign"),
            "not in the scope",
        ),
        (
            MatchExpectation(expectation="A", offering_id="nothing", scope_item="x"),
            "no offering 'nothing'",
        ),
    ],
)
def test_r5_refuses_bad_expectation_commands(rk: Relations, command: Any, words: str) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, RecordExpectation(key="A", text="a review"), actor="s-sam")
    before = (rk.case(case_id), rk.timeline(case_id))
    with pytest.raises(RuleViolation, match=words):
        rk.handle(case_id, command, actor="s-sam")
    assert (rk.case(case_id), rk.timeline(case_id)) == before


# --- P1: renegotiating, withdrawing, keeping and breaking on time ------------------------------


def test_renegotiation_before_due_records_that_the_party_was_told(
    rk: Relations, clock: ManualClock
) -> None:
    promise = make(rk)
    clock.advance(weeks=3)
    later = SIX_WEEKS.add(weeks=1)
    moved = rk.promises.renegotiate(
        promise.id, actor="s-sam", due=later, party_told="Phoned Ana; she agreed.", reason="Flu"
    )
    assert moved.state == "renegotiated"
    assert moved.due_at == later
    assert moved.original_due_at == SIX_WEEKS
    change = moved.last_renegotiation
    assert change is not None
    assert moved.renegotiation_count == 1
    assert change.previous_due_at == SIX_WEEKS
    assert change.party_told == "Phoned Ana; she agreed."
    assert moved.warn_at is not None
    assert clock.now() < moved.warn_at < later
    again = rk.promises.renegotiate(
        promise.id, actor="s-sam", due=later.add(days=1), party_told="Mail."
    )
    assert again.state == "renegotiated"
    assert again.renegotiation_count == 2
    assert rk.history(promise.id, Promise).renegotiations == [change, again.last_renegotiation]


def test_renegotiation_after_due_is_refused(rk: Relations, clock: ManualClock) -> None:
    promise = make(rk)
    clock.set(SIX_WEEKS.add(minutes=1))
    before = snapshot(rk)
    with pytest.raises(RuleViolation, match="fell due") as caught:
        rk.promises.renegotiate(
            promise.id, actor="s-sam", due=SIX_WEEKS.add(weeks=1), party_told="Too late."
        )
    assert caught.value.rule_id == "P1"
    assert snapshot(rk) == before


@pytest.mark.parametrize("offset", [{"weeks": -7}, {"weeks": 0}])
def test_renegotiation_needs_a_new_time_still_ahead(
    rk: Relations, clock: ManualClock, offset: dict[str, int]
) -> None:
    promise = make(rk)
    before = snapshot(rk)
    with pytest.raises(RuleViolation, match="P1"):
        rk.promises.renegotiate(
            promise.id, actor="s-sam", due=SIX_WEEKS.add(**offset), party_told="Told."
        )
    assert snapshot(rk) == before


def test_withdrawal_before_due_with_a_reason(rk: Relations, clock: ManualClock) -> None:
    promise = make(rk)
    withdrawn = rk.promises.withdraw(promise.id, actor="s-sam", reason="Ana cancelled the order.")
    assert withdrawn.state == "withdrawn"
    assert withdrawn.outcome_note == "Ana cancelled the order."
    late = make(rk)
    clock.set(SIX_WEEKS.add(hours=1))
    with pytest.raises(RuleViolation, match="withdrawn"):
        rk.promises.withdraw(late.id, actor="s-sam", reason="Too late.")
    with pytest.raises(InvalidInput):
        rk.promises.withdraw(late.id, actor="s-sam", reason="  ")


def test_keeping_after_due_is_refused_and_breaking_before_due_too(
    rk: Relations, clock: ManualClock
) -> None:
    promise = make(rk)
    with pytest.raises(RuleViolation, match="can still be kept"):
        rk.execute(Promise, promise.id, BreakPromise(), actor="s-mia")
    clock.set(SIX_WEEKS.add(seconds=1))
    with pytest.raises(RuleViolation, match="no longer be kept"):
        rk.promises.keep(promise.id, actor="s-sam")
    broken = rk.execute(Promise, promise.id, BreakPromise(note="Missed."), actor="s-mia")
    assert broken.state == "broken"


def test_what_may_i_do_names_p1_after_the_due_time(rk: Relations, clock: ManualClock) -> None:
    promise = make(rk)
    clock.set(SIX_WEEKS.add(hours=1))
    options = {
        o.command: o
        for o in rk.options_for([rk.promises.get(promise.id)], actor="s-sam")[promise.id]
    }
    assert not options["keep"].allowed
    assert options["keep"].rule_ids == ("P1",)
    assert options["mark_broken"].allowed


# --- the sweep --------------------------------------------------------------------------------


def test_the_sweep_breaks_overdue_promises_once(rk: Relations, clock: ManualClock) -> None:
    first = make(rk)
    second = make(rk, due=SIX_WEEKS.add(weeks=1))
    kept = make(rk)
    rk.promises.keep(kept.id, actor="s-sam")
    clock.set(SIX_WEEKS.add(hours=1))
    report = rk.promises.run(clock.now())
    assert report.broken == (first.id,)
    assert report.changed
    assert rk.promises.get(first.id).state == "broken"
    assert rk.promises.get(second.id).state in ("made",)
    assert rk.promises.get(kept.id).state == "kept"
    before = snapshot(rk)
    again = rk.promises.run(clock.now())
    assert not again.changed
    assert snapshot(rk) == before


def test_the_sweep_warns_at_the_configured_fraction_once() -> None:
    rk, _clock = build(CareConfig().evolve(promises=PromiseConfig(warn_fraction=0.5)))
    promise = make(rk)
    business = CALENDAR.business_time_between(START, SIX_WEEKS)
    halfway = CALENDAR.add_business_time(START, business / 2)
    assert promise.warn_at == halfway
    assert not rk.promises.run(halfway.subtract(minutes=1)).changed
    report = rk.promises.run(halfway)
    assert report.warned == (promise.id,)
    warned = rk.promises.get(promise.id)
    assert warned.warned_at == halfway
    assert warned.warn_at is None
    assert not rk.promises.run(halfway.add(hours=1)).changed
    with pytest.raises(RuleViolation, match="no warning is pending"):
        rk.execute(Promise, promise.id, WarnPromise(), actor="s-mia")
    assert [e.name for e in rk.promises.timeline(promise.id)][-1] == "PromiseFallingDue"


def test_the_default_warning_comes_at_eighty_percent_of_business_time(rk: Relations) -> None:
    promise = make(rk)
    assert promise.warn_at is not None
    used = CALENDAR.business_time_between(START, promise.warn_at)
    total = CALENDAR.business_time_between(START, SIX_WEEKS)
    assert used / total == pytest.approx(0.8)


def test_a_kept_promise_is_never_broken_by_the_sweep(rk: Relations, clock: ManualClock) -> None:
    promise = make(rk)
    rk.promises.keep(promise.id, actor="s-sam")
    clock.set(SIX_WEEKS.add(weeks=5))
    assert not rk.promises.run().changed
    assert rk.promises.get(promise.id).state == "kept"


# --- queries ----------------------------------------------------------------------------------


def test_due_soon_and_overdue(rk: Relations, clock: ManualClock) -> None:
    soon = make(rk, due=SIX_WEEKS)
    later = make(rk, due=SIX_WEEKS.add(days=5))
    stretch = make(rk, due=SIX_WEEKS.add(days=1), stretch=True, stretch_reason="x")
    now = SIX_WEEKS.subtract(days=1)
    assert [p.id for p in rk.promises.due_soon(now, pendulum.duration(days=2))] == [soon.id]
    assert [p.id for p in rk.promises.due_soon(now, pendulum.duration(days=7))] == [
        soon.id,
        later.id,
    ]
    assert stretch.id not in [p.id for p in rk.promises.due_soon(now, pendulum.duration(days=9))]
    assert rk.promises.overdue(now) == []
    assert [p.id for p in rk.promises.overdue(SIX_WEEKS.add(days=2))] == [soon.id]
    with pytest.raises(InvalidInput):
        rk.promises.due_soon(now, pendulum.duration(days=-1))


def test_keeping_rate_per_owner_and_per_relationship(rk: Relations, clock: ManualClock) -> None:
    relationship = rk.relationships.create(actor="s-sam", party="c-ana")
    a = make(rk, relationship=relationship.id)
    b = make(rk, relationship=relationship.id)
    c = make(rk, owner="s-kim", party="c-bo")
    rk.promises.keep(a.id, actor="s-sam")
    rk.promises.keep(c.id, actor="s-kim")
    withdrawn = make(rk)
    rk.promises.withdraw(withdrawn.id, actor="s-sam", reason="Not needed.")
    clock.set(SIX_WEEKS.add(hours=1))
    rk.promises.run()
    assert rk.promises.get(b.id).state == "broken"
    sam = rk.promises.keeping_rate(owner="s-sam")
    assert (sam.kept, sam.broken, sam.rate) == (1, 1, 0.5)
    assert rk.promises.keeping_rate(owner="s-kim").rate == 1.0
    assert rk.promises.keeping_rate(relationship=relationship.id).rate == 0.5
    assert rk.promises.keeping_rate(owner="s-mia").rate is None
    assert rk.promises.keeping_rate().settled == 3


# --- deferral becomes a promise ---------------------------------------------------------------


def test_a_deferral_makes_a_reply_promise_kept_by_a_decision_in_time(
    rk: Relations, clock: ManualClock
) -> None:
    case_id = heard_case(rk)
    reply_by = START.add(days=2)
    rk.handle(case_id, Defer(reply_by=reply_by, reason="Asking the team."), actor="s-kim")
    (reply,) = rk.promises.find(case_id=case_id)
    assert (reply.kind, reply.state, reply.due_at) == ("reply", "made", reply_by)
    assert (reply.owner_id, reply.party_id) == ("s-kim", "c-ana")
    clock.advance(days=1)
    rk.handle(case_id, Accept(note="Yes."), actor="s-kim")
    assert rk.promises.get(reply.id).state == "kept"
    assert rk.verify_all().ok


def test_a_deferral_promise_is_broken_once_the_reply_time_passes(
    rk: Relations, clock: ManualClock
) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, Defer(reply_by=START.add(days=1), reason="Thinking."), actor="s-sam")
    (reply,) = rk.promises.find(case_id=case_id)
    clock.advance(days=2)
    assert rk.promises.run().broken == (reply.id,)
    rk.handle(case_id, Accept(), actor="s-sam")  # answering late does not un-break it
    assert rk.promises.get(reply.id).state == "broken"
    assert rk.promises.keeping_rate(owner="s-sam").broken == 1


def test_deferring_again_renegotiates_the_reply(rk: Relations, clock: ManualClock) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, Defer(reply_by=START.add(days=1), reason="Thinking."), actor="s-sam")
    clock.advance(hours=2)
    rk.handle(case_id, Defer(reply_by=START.add(days=3), reason="Need finance."), actor="s-sam")
    (reply,) = rk.promises.find(case_id=case_id)
    assert reply.state == "renegotiated"
    assert reply.due_at == START.add(days=3)
    assert reply.last_renegotiation is not None
    assert "Need finance." in reply.last_renegotiation.party_told


def test_a_reply_promise_moves_only_with_its_case(rk: Relations, clock: ManualClock) -> None:
    case_id = heard_case(rk)
    rk.handle(case_id, Defer(reply_by=START.add(days=3), reason="Checking."), actor="s-sam")
    (reply,) = rk.promises.find(case_id=case_id)
    before = rk.promises.timeline(reply.id)
    with pytest.raises(RuleViolation) as refused:  # 30 days, where the deferral allowed 3
        rk.promises.renegotiate(
            reply.id, actor="s-sam", due=START.add(days=30), party_told="Told by phone."
        )
    assert refused.value.rule_id == "R3.reply"
    assert "defer the case again" in refused.value.reason
    assert rk.promises.timeline(reply.id) == before
    options = {
        o.command: o for o in rk.options_for([rk.promises.get(reply.id)], actor="s-sam")[reply.id]
    }
    assert options["renegotiate"].rule_ids == ("R3.reply",)
    # deferring the case again moves the promise, under the deferral's own limit (R3)
    with pytest.raises(RuleViolation, match="further off than the allowed"):
        rk.handle(case_id, Defer(reply_by=START.add(days=30), reason="Later."), actor="s-sam")
    rk.handle(case_id, Defer(reply_by=START.add(days=5), reason="Finance."), actor="s-sam")
    assert rk.promises.get(reply.id).due_at == START.add(days=5)


def test_renegotiating_into_the_lead_time_is_judged_as_a_new_promise(
    rk: Relations, clock: ManualClock
) -> None:
    promise = make(rk)  # the audit needs 20 business days; due in six weeks
    with pytest.raises(RuleViolation) as refused:
        rk.promises.renegotiate(
            promise.id, actor="s-sam", due=START.add(days=7), party_told="Asked for it sooner."
        )
    assert (refused.value.rule_id, "limit hit: lead time") == (
        "R4",
        refused.value.reason[: len("limit hit: lead time")],
    )
    assert rk.promises.get(promise.id).due_at == SIX_WEEKS
    clock.advance(weeks=5)  # now the audit could not be done by the due time anyway:
    later = rk.promises.renegotiate(  # moving it later is never less honest
        promise.id, actor="s-sam", due=SIX_WEEKS.add(weeks=1), party_told="Told in person."
    )
    assert later.due_at == SIX_WEEKS.add(weeks=1)


def test_a_decline_keeps_the_reply_too(rk: Relations) -> None:
    from relationkit.policy import Clause, Policy

    rk.policy.publish(
        Policy(
            version=1,
            published_at=START,
            clauses=(Clause(id="refunds-30d", text="Refunds within 30 days."),),
        ),
        actor="s-mia",
    )
    case_id = heard_case(rk)
    rk.handle(case_id, Defer(reply_by=START.add(days=1), reason="Checking."), actor="s-sam")
    rk.handle(case_id, Decline(reason="Too late.", clause_id="refunds-30d"), actor="s-sam")
    assert [p.state for p in rk.promises.find(case_id=case_id)] == ["kept"]


def test_a_deferral_and_its_promise_are_stored_both_or_neither() -> None:
    @rule("TEST-1", kind="promise", commands={"make"})
    def no_promises(promise: Promise, attempt: Any) -> Iterator[str]:
        """Refuses every promise."""
        yield "no promises today"

    rk, _ = build(CareConfig().with_rule(no_promises))
    case_id = heard_case(rk)
    before = (rk.case(case_id), rk.timeline(case_id))
    with pytest.raises(RuleViolation, match="no promises today"):
        rk.handle(case_id, Defer(reply_by=START.add(days=1), reason="x"), actor="s-sam")
    assert (rk.case(case_id), rk.timeline(case_id)) == before
    assert rk.promises.find() == []


# --- bad input: typed errors, nothing changed ------------------------------------------------


def test_a_due_time_in_the_past_is_refused(rk: Relations, unchanged: None) -> None:
    with pytest.raises(RuleViolation, match="not in the future") as caught:
        make(rk, due=START.subtract(days=1))
    assert caught.value.rule_id == "P1"


def test_a_naive_due_time_is_refused(rk: Relations, unchanged: None) -> None:
    import datetime as dt

    with pytest.raises(NaiveDateTime):
        make(rk, due=dt.datetime(2026, 5, 1, 9))


def test_an_offering_that_does_not_exist(rk: Relations, unchanged: None) -> None:
    with pytest.raises(NotFound, match="offering"):
        make(rk, offering="moon-landing")


def test_an_owner_who_is_not_staff(rk: Relations, unchanged: None) -> None:
    with pytest.raises(InvalidInput, match="party, not staff"):
        make(rk, owner="c-bo")
    with pytest.raises(NotFound, match="staff"):
        make(rk, owner="s-nobody")


def test_the_owner_rule_holds_without_the_facade(rk: Relations, unchanged: None) -> None:
    command = MakePromise(
        owner_id="c-bo", party_id="c-ana", what="x", due_at=SIX_WEEKS, offering_id="audit"
    )
    with pytest.raises(RuleViolation, match="not a member of staff"):
        rk.create(Promise, command, actor="s-sam")


def test_an_unknown_party_or_case(rk: Relations, unchanged: None) -> None:
    with pytest.raises(NotFound, match="party"):
        make(rk, party="c-ghost")
    with pytest.raises(NotFound):
        make(rk, case="case-ghost")


def test_renegotiating_or_keeping_a_kept_promise(rk: Relations) -> None:
    promise = make(rk)
    rk.promises.keep(promise.id, actor="s-sam")
    before = snapshot(rk)
    with pytest.raises(InvalidTransition, match="kept"):
        rk.promises.renegotiate(
            promise.id, actor="s-sam", due=SIX_WEEKS.add(weeks=1), party_told="Told."
        )
    with pytest.raises(InvalidTransition):
        rk.execute(Promise, promise.id, KeepPromise(), actor="s-sam")
    assert snapshot(rk) == before


def test_blank_texts_are_refused(rk: Relations) -> None:
    from relationkit import EmptyText

    with pytest.raises(EmptyText):
        make(rk, what="  ")
    assert rk.promises.find() == []
    promise_id = make(rk).id
    before = snapshot(rk)
    with pytest.raises(EmptyText):
        rk.promises.renegotiate(promise_id, actor="s-sam", due=SIX_WEEKS.add(days=1), party_told="")
    assert snapshot(rk) == before


def test_a_promise_kind_must_be_known() -> None:
    with pytest.raises(InvalidInput, match="kind"):
        MakePromise(owner_id="s", party_id="p", what="w", due_at=SIX_WEEKS, kind="maybe")


def test_a_promise_the_sweep_cannot_break_is_reported_and_stays_due() -> None:
    @rule("ACME-9", kind="promise", commands={"mark_broken"})
    def legal_reviews_first(promise: Promise, attempt: Any) -> Iterator[str]:
        """Promises to clients under legal review are settled by the legal team only."""
        if promise.party_id == "c-bo":
            yield "the client is under legal review; the legal team settles their promises"

    rk, clock = build(CareConfig().with_rule(legal_reviews_first))
    held = make(rk, party="c-bo")
    other = make(rk)
    clock.advance(weeks=6, days=1)
    report = rk.promises.run()
    assert report.broken == (other.id,)
    assert [(i, "legal review" in why) for i, why in report.failures] == [(held.id, True)]
    assert rk.promises.get(held.id).state == "made"
    assert [p.id for p in rk.promises.overdue()] == [held.id]
