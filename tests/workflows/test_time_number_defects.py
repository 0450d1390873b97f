"""Time and numbers: a renegotiated date judged as a new one (R4), a reply promise that moves
only with its case (R3.reply), consultations counted in timeline order (R3), amounts that are
not finite, impossible scores, health as of an earlier moment, working windows that end in a
repeated hour, and amounts beyond the supported horizon.

Where a command is refused, the store is read back from disk (a SQLite file opened again) to
show that nothing stored changed.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit import (
    BeyondHorizon,
    CareConfig,
    Client,
    InvalidInput,
    OutOfRange,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.calendars import HORIZON, BusinessCalendar, BusinessTime, Offering
from relationkit.cases import (
    Accept,
    Acknowledge,
    ConfirmHeard,
    Consult,
    Decline,
    Defer,
    Reopen,
    Resolve,
)
from relationkit.domain.equality import Entitlement
from relationkit.domain.health import (
    FeedbackTrend,
    HealthFacts,
    LastContact,
    OpenCases,
    PromiseKeeping,
    Recurrences,
    ResponseTimes,
)
from relationkit.domain.metrics import ces, csat, nps, summarize
from relationkit.policy import Clause, Policy
from relationkit.promises import PromiseConfig
from relationkit.testing import ManualClock
from strategies import examples

BERLIN = "Europe/Berlin"
START = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)  # a Monday
OFFICE = BusinessCalendar(id="berlin", timezone=BERLIN, country="DE")
AUDIT = Offering(
    id="audit",
    name="Website audit",
    scope=("accessibility review",),
    lead_time=BusinessTime(days=20),
    calendar_id="berlin",
)
QUICK = Offering(
    id="quick",
    name="Quick fix",
    scope=("fix",),
    lead_time=BusinessTime(days=2),
    calendar_id="berlin",
)


def open_world(path: Path, clock: ManualClock, config: CareConfig | None = None) -> Relations:
    """A store on a SQLite file; opening it again reads everything back from disk."""
    return Relations(f"sqlite:///{path / 'rk.db'}", clock=clock, config=config)


def world(tmp_path: Path, config: CareConfig | None = None) -> tuple[Relations, ManualClock]:
    clock = ManualClock(START)
    rk = open_world(tmp_path, clock, config)
    rk.register(
        Client(id="c-ana", name="Ana Ruiz"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-kim", name="Kim Park", roles={"agent"}),
        Staff(id="s-mia", name="Mia Chen", roles={"manager"}),
    )
    rk.calendars.register(OFFICE, actor="s-mia")
    rk.calendars.register_offering(AUDIT, actor="s-mia")
    rk.calendars.register_offering(QUICK, actor="s-mia")
    return rk, clock


def stored(rk: Relations, tmp_path: Path, clock: ManualClock) -> Any:
    """Every promise and case with its timeline, read back from the file by a new opening."""
    again = open_world(tmp_path, clock)
    promises = [(p, again.promises.timeline(p.id)) for p in again.promises.find()]
    cases = [(again.case(c.id), again.timeline(c.id)) for c in again.cases()]
    return promises, cases


def heard_case(rk: Relations) -> str:
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Shop", statement="Fix it.")
    rk.handle(case.id, Acknowledge(paraphrase="Your shop needs fixing."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    return case.id


# --- 1. R4 judges a renegotiated date as it judges a new one ---------------------------------


def test_renegotiating_into_the_lead_time_needs_what_making_it_would(tmp_path: Path) -> None:
    rk, clock = world(tmp_path)
    promise = rk.promises.make(
        actor="s-sam", party="c-ana", what="A review", offering="audit", due=START.add(weeks=6)
    )
    sooner = START.add(days=7)  # inside the 20 business days the audit needs
    with pytest.raises(RuleViolation) as made:  # what a new promise for that date meets
        rk.promises.make(
            actor="s-sam", party="c-ana", what="A review", offering="audit", due=sooner
        )
    before = stored(rk, tmp_path, clock)
    with pytest.raises(RuleViolation) as moved:
        rk.promises.renegotiate(promise.id, actor="s-sam", due=sooner, party_told="By phone.")
    assert (made.value.rule_id, moved.value.rule_id) == ("R4", "R4")
    assert moved.value.reason.startswith("limit hit: lead time; offering 'audit' needs 20")
    assert "new promise, made as a stretch" in moved.value.reason
    assert stored(rk, tmp_path, clock) == before
    # the honest way: a stretch, which waits for a manager
    stretch = rk.promises.make(
        actor="s-sam",
        party="c-ana",
        what="A review",
        offering="audit",
        due=sooner,
        stretch=True,
        stretch_reason="Their launch.",
    )
    assert stretch.state == "awaiting_approval"
    # earlier, but still as far as the lead time needs, is honest and accepted
    honest = rk.promises.renegotiate(
        promise.id, actor="s-sam", due=START.add(weeks=5), party_told="By phone."
    )
    assert honest.due_at == START.add(weeks=5)


def test_renegotiating_earlier_meets_the_owners_capacity_as_a_new_promise(
    tmp_path: Path,
) -> None:
    config = CareConfig().evolve(promises=PromiseConfig(capacity=1))
    rk, clock = world(tmp_path, config)
    first = rk.promises.make(
        actor="s-sam", party="c-ana", what="A fix", offering="quick", due=START.add(weeks=4)
    )
    # alone, the promise being moved does not count against itself
    first = rk.promises.renegotiate(
        first.id, actor="s-sam", due=START.add(weeks=1), party_told="Asked in a call."
    )
    assert first.due_at == START.add(weeks=1)
    # Sam is now at capacity: a second promise starts when the first falls due
    later = rk.promises.make(
        actor="s-sam", party="c-ana", what="Another fix", offering="quick", due=START.add(weeks=6)
    )
    sooner = START.add(days=8)  # past the 2-day lead time, but not 2 days after the first
    with pytest.raises(RuleViolation, match="limit hit: capacity") as made:
        rk.promises.make(actor="s-sam", party="c-ana", what="A fix", offering="quick", due=sooner)
    before = stored(rk, tmp_path, clock)
    with pytest.raises(RuleViolation) as moved:
        rk.promises.renegotiate(later.id, actor="s-sam", due=sooner, party_told="Asked again.")
    assert (made.value.rule_id, moved.value.rule_id) == ("R4", "R4")
    assert moved.value.reason.startswith("limit hit: capacity; 's-sam' holds 1 other open")
    assert "2026-03-11T09:00:00+01:00" in moved.value.reason  # two business days after
    assert stored(rk, tmp_path, clock) == before
    assert rk.promises.renegotiate(
        later.id, actor="s-sam", due=START.add(days=9), party_told="Asked again."
    ).due_at == START.add(days=9)


# --- 2. a reply promise never disagrees with its case ----------------------------------------


def test_a_reply_promise_cannot_be_renegotiated_apart_from_its_case(tmp_path: Path) -> None:
    rk, clock = world(tmp_path)
    case_id = heard_case(rk)
    rk.handle(case_id, Defer(reply_by=START.add(days=3), reason="Checking stock."), actor="s-sam")
    (reply,) = rk.promises.find(case_id=case_id)
    before = stored(rk, tmp_path, clock)
    with pytest.raises(RuleViolation) as refused:  # 30 days, where the deferral allowed 3
        rk.promises.renegotiate(
            reply.id, actor="s-sam", due=START.add(days=30), party_told="Told by phone."
        )
    assert refused.value.rule_id == "R3.reply"
    assert "defer the case again" in refused.value.reason
    with pytest.raises(RuleViolation, match="further off than the allowed"):
        rk.handle(case_id, Defer(reply_by=START.add(days=30), reason="Later."), actor="s-sam")
    assert stored(rk, tmp_path, clock) == before
    # deferring again within the limit moves both together
    rk.handle(case_id, Defer(reply_by=START.add(days=5), reason="Finance."), actor="s-sam")
    again = open_world(tmp_path, clock)
    deferral = again.case(case_id).deferral
    assert deferral is not None
    assert again.promises.get(reply.id).due_at == deferral.reply_by == START.add(days=5)


# --- 3. R3 counts consultations in timeline order ----------------------------------------------


def declined_and_reopened(rk: Relations) -> str:
    """A case declined after a consultation and reopened, all at one clock reading."""
    rk.policy.publish(
        Policy(version=1, published_at=START, clauses=[Clause(id="c-1", text="No refunds.")]),
        actor="s-mia",
    )
    case_id = heard_case(rk)
    rk.handle(case_id, Consult(colleague_id="s-kim", note="Say no."), actor="s-sam")
    rk.handle(case_id, Decline(reason="Outside the window.", clause_id="c-1"), actor="s-sam")
    rk.handle(case_id, Resolve(summary="Declined."), actor="s-sam")
    rk.handle(case_id, Reopen(reason="New facts."), actor="s-sam")
    rk.handle(case_id, Acknowledge(paraphrase="New facts."), actor="s-sam")
    rk.handle(case_id, ConfirmHeard(), actor="c-ana")
    return case_id


def test_a_consultation_at_the_instant_of_a_reopening_counts_before_it(tmp_path: Path) -> None:
    config = CareConfig().evolve(consultations_for_decline=1)
    rk, clock = world(tmp_path, config)
    case_id = declined_and_reopened(rk)  # the clock never moved
    again = open_world(tmp_path, clock, config)
    assert again.case(case_id).consultation_count() == 0
    before = stored(again, tmp_path, clock)
    with pytest.raises((RuleViolation, RuleViolations), match="1 consultation"):
        again.handle(case_id, Decline(reason="Still no.", clause_id="c-1"), actor="s-sam")
    assert stored(again, tmp_path, clock) == before
    # one recorded after the reopening, at the same instant still, counts
    again.handle(case_id, Consult(colleague_id="s-kim", note="Still no."), actor="s-sam")
    assert open_world(tmp_path, clock, config).case(case_id).consultation_count() == 1
    declined = again.handle(case_id, Decline(reason="Still no.", clause_id="c-1"), actor="s-sam")
    assert declined.state == "decided"


# --- 4. amounts that are not finite -------------------------------------------------------------

NOT_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("amount", NOT_FINITE)
def test_not_finite_amounts_are_refused_where_they_enter(amount: float) -> None:
    start = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    for make in (
        lambda: BusinessTime(hours=amount),
        lambda: BusinessTime(days=amount),  # type: ignore[arg-type]
        lambda: BusinessTime(days=1, hours=amount),
        lambda: OFFICE.add_business_time(start, amount),
        lambda: OFFICE.add_business_hours(start, amount),
        lambda: OFFICE.add_business_days(start, amount),  # type: ignore[arg-type]
        lambda: Offering(
            id="o", name="O", scope=("x",), lead_time={"hours": amount}, calendar_id="berlin"
        ),
    ):
        with pytest.raises(InvalidInput) as refused:
            make()
        assert type(refused.value) is InvalidInput  # not a bare ValueError/OverflowError
        assert str(refused.value).startswith("refused: ")


def test_an_offering_with_a_not_finite_lead_time_is_never_stored(tmp_path: Path) -> None:
    rk, clock = world(tmp_path)
    with pytest.raises(InvalidInput, match="finite"):
        rk.calendars.register_offering(
            Offering(
                id="nan",
                name="Never",
                scope=("x",),
                lead_time=BusinessTime(hours=math.nan),
                calendar_id="berlin",
            ),
            actor="s-mia",
        )
    assert open_world(tmp_path, clock).calendars.offerings() == rk.calendars.offerings()
    assert {o.id for o in rk.calendars.offerings()} == {"audit", "quick"}


# --- 5. impossible scores -----------------------------------------------------------------------

IMPOSSIBLE = [11, -1, math.nan, math.inf, "5", True, False, 4.5, 9.0, None, Decimal(5)]


@pytest.mark.parametrize("measure", [nps, csat, ces])
@pytest.mark.parametrize("score", IMPOSSIBLE)
def test_the_measures_never_count_an_impossible_score(measure: Any, score: Any) -> None:
    with pytest.raises(OutOfRange) as refused:
        measure([5, score])
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.value is score or refused.value.value != refused.value.value  # NaN
    assert str(refused.value).startswith(f"refused: {measure.__name__!r} = ")


@pytest.mark.parametrize("measure", [nps, csat, ces])
@pytest.mark.parametrize("scores", [None, 5, "55", b"5", 5.0])
def test_the_measures_want_a_collection_of_scores(measure: Any, scores: Any) -> None:
    with pytest.raises(InvalidInput, match="collection of answers") as refused:
        measure(scores)
    assert refused.value.field == measure.__name__


def test_scores_at_the_ends_of_each_scale_still_count() -> None:
    assert nps([0, 10]) == 0.0
    assert csat([1, 5]) == 50.0
    assert ces([1, 7]) == 4.0
    assert nps(iter([10])) == 100.0  # any iterable
    assert summarize([]).nps is None


# --- 6. health as of an earlier moment ----------------------------------------------------------


def health_world(tmp_path: Path) -> tuple[Relations, ManualClock, str]:
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC"))
    rk = open_world(tmp_path, clock)
    rk.register(
        Client(id="c-ana", name="Ana Ruiz", contract="gold"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}),
        Staff(id="s-mia", name="Mia Lund", roles={"manager"}),
    )
    rk.equality.entitle(
        Entitlement(
            id="gold",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=3),
        ),
        actor="s-mia",
    )
    rk.calendars.register(
        BusinessCalendar(id="utc", timezone="UTC", hours={"mon-sun": "00:00-24:00"}), actor="s-mia"
    )
    rk.calendars.register_offering(
        Offering(
            id="fix", name="Fix", scope=("fix",), lead_time=BusinessTime(hours=1), calendar_id="utc"
        ),
        actor="s-mia",
    )
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Outage", statement="Down.")
    relationship = case.relationship_id
    assert relationship is not None
    clock.advance(hours=1)
    rk.handle(case.id, Acknowledge(paraphrase="It is down."), actor="s-sam")  # within 4 h
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    for days in (1, 5):
        rk.promises.make(
            actor="s-sam",
            party="c-ana",
            what=f"A fix in {days} day(s)",
            offering="fix",
            due=clock.now().add(days=days),
        )
    asked = rk.feedback.request(case.id, actor="s-sam", kind="check_in")
    rk.feedback.respond(asked.id, actor="c-ana", csat=5, nps=10, ces=7)
    return rk, clock, relationship


def what_each_signal_read(report: Any) -> dict[str, Any]:
    return {c.name: (c.score, dict(c.figures)) for c in report.contributions}


def test_health_as_of_a_moment_reads_as_it_did_at_that_moment(tmp_path: Path) -> None:
    rk, clock, relationship = health_world(tmp_path)
    then = clock.now()
    at_the_time = what_each_signal_read(rk.health.assess(relationship))
    assert at_the_time["promise_keeping"][0] is None  # nothing settled yet
    assert at_the_time["open_cases"][1]["open"] == 1
    # Afterwards, every signal gets something new to read:
    clock.advance(days=2)
    assert len(rk.promises.run().broken) == 1  # promise keeping: one broken
    (case,) = rk.cases()
    rk.handle(case.id, Accept(), actor="s-sam")
    rk.handle(case.id, Resolve(summary="Fixed."), actor="s-sam")  # open cases, resolution
    asked = rk.feedback.request(case.id, actor="s-sam")
    rk.feedback.respond(asked.id, actor="c-ana", csat=1, nps=0, ces=1)  # feedback trend
    rk.open_case(actor="s-sam", client="c-ana", subject="Again", statement="Down again.")
    rk.equality.set_targets(  # response times: targets every answer would miss
        "gold",
        response_within=pendulum.duration(minutes=1),
        resolution_within=pendulum.duration(minutes=1),
        reason="A stricter contract.",
        actor="s-mia",
    )
    clock.advance(days=60)  # last contact: long ago by now
    now_report = what_each_signal_read(rk.health.assess(relationship))
    assert now_report != at_the_time
    assert now_report["promise_keeping"][1]["broken"] == 1
    as_of = open_world(tmp_path, clock).health.assess(relationship, now=then)
    assert what_each_signal_read(as_of) == at_the_time
    assert as_of.at == then


def test_a_signal_leaves_out_facts_stamped_after_now(tmp_path: Path) -> None:
    rk, clock, relationship = health_world(tmp_path)
    then = clock.now()
    known = rk.health.facts(relationship)
    clock.advance(days=2)
    rk.promises.run()
    (case,) = rk.cases()
    rk.handle(case.id, Accept(), actor="s-sam")
    rk.handle(case.id, Resolve(summary="Fixed."), actor="s-sam")
    asked = rk.feedback.request(case.id, actor="s-sam")
    rk.feedback.respond(asked.id, actor="c-ana", csat=1, nps=0, ces=1)
    second = rk.open_case(actor="s-sam", client="c-ana", subject="Again", statement="Down.")
    # today's facts, read as of ``then``: a hand-built HealthFacts holding more than was known
    later = attrs.evolve(rk.health.facts(relationship), now=then)
    recurring = attrs.evolve(rk.case(second.id), recurrence_of=case.id)
    for signal in (PromiseKeeping(), FeedbackTrend(), OpenCases(), ResponseTimes()):
        assert signal.read(later) == signal.read(known), signal.name
    assert Recurrences().read(attrs.evolve(later, cases=[*later.cases, recurring])) == (
        Recurrences().read(known)
    )
    reading = LastContact().read(later)
    assert reading.score is None
    assert "after the moment assessed" in reading.summary
    assert LastContact().read(known).score == 1.0


def test_health_facts_as_of_a_moment_before_a_case_hold_none_of_it(tmp_path: Path) -> None:
    rk, _, relationship = health_world(tmp_path)
    facts = rk.health.facts(relationship, now=pendulum.datetime(2026, 3, 2, 8, tz="UTC"))
    assert isinstance(facts, HealthFacts)
    assert (facts.cases, facts.promises, facts.feedback) == ((), (), ())
    assert facts.targets is None  # the contract's entitlement was defined only at 09:00
    assert facts.last_contact is None
    assert rk.health.facts(relationship).targets is not None


# --- 7. working windows around the clock changes ------------------------------------------------

DST_ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe"]
MINUTE = dt.timedelta(minutes=1)


def changes(zone: str, year: int = 2026) -> list[dt.datetime]:
    """The instants (UTC) at which ``zone``'s offset changes in ``year``."""
    tz = zoneinfo.ZoneInfo(zone)
    found = []
    at = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(minutes=15)
    while at.year == year:
        if (at + step).astimezone(tz).utcoffset() != at.astimezone(tz).utcoffset():
            found.append(at + step)
        at += step
    return found


CHANGES = {zone: changes(zone) for zone in DST_ZONES}


def reads_as_working(calendar: BusinessCalendar, at: dt.datetime) -> bool:
    """Independent of the calendar's arithmetic: the local wall clock at ``at`` shows a time
    inside a working window of the local day (the window's end excluded)."""
    local = at.astimezone(zoneinfo.ZoneInfo(calendar.timezone))
    if not calendar.is_business_day(local.date()):
        return False
    minute = local.hour * 60 + local.minute + local.second / 60
    return any(a <= minute < b for a, b in calendar.hours[local.weekday()])


@st.composite
def around_a_change(draw: st.DrawFn) -> tuple[BusinessCalendar, dt.datetime, int]:
    """A calendar whose every window ends within two hours of a clock change's local
    reading, a start near the change, and an amount of minutes."""
    zone = draw(st.sampled_from(DST_ZONES))
    change = draw(st.sampled_from(CHANGES[zone]))
    local = change.astimezone(zoneinfo.ZoneInfo(zone))
    at_change = local.hour * 60 + local.minute
    end = min(max(at_change + draw(st.integers(-120, 120)) // 5 * 5, 30), 24 * 60)
    start = draw(st.integers(0, end - 15)) // 5 * 5
    windows = [(start, end)]
    if end <= 20 * 60 and draw(st.booleans()):
        windows.append((end + 60, end + 240))  # and a second window later that day
    calendar = BusinessCalendar(id="dst", timezone=zone, hours=dict.fromkeys(range(7), windows))
    begin = change + dt.timedelta(minutes=draw(st.integers(-26 * 60, 2 * 60)))
    return calendar, begin, draw(st.integers(1, 30 * 60))


@settings(max_examples=examples(150), deadline=None)
@given(around_a_change())
def test_business_time_never_ends_outside_a_window_by_the_wall_clock(
    case: tuple[BusinessCalendar, dt.datetime, int],
) -> None:
    calendar, start, minutes = case
    due = calendar.add_business_time(pendulum.instance(start), pendulum.duration(minutes=minutes))
    end = dt.datetime.fromtimestamp(due.timestamp(), dt.UTC)
    # the moment just before the result was worked, by the wall clock
    assert reads_as_working(calendar, end - dt.timedelta(seconds=1))
    assert calendar.is_working_time(due)
    # and exactly ``minutes`` of wall-clock working time lie between start and result
    worked = calendar.business_time_between(pendulum.instance(start), due)
    assert worked == pendulum.duration(minutes=minutes)
    counted = 0
    at = start
    while at < end:
        counted += reads_as_working(calendar, at)
        at += MINUTE
    assert counted == minutes


def test_lord_howe_a_window_ending_in_the_repeated_half_hour_ends_at_its_second_pass() -> None:
    # On 5 April 2026 Lord Howe's clocks go back half an hour, from 02:00 to 01:30.
    night = BusinessCalendar(id="lh", timezone="Australia/Lord_Howe", hours={"sun": "00:00-01:45"})
    first_pass, second_pass = night.windows(dt.date(2026, 4, 5))
    assert [t.in_timezone("Australia/Lord_Howe").isoformat() for t in first_pass] == [
        "2026-04-05T00:00:00+11:00",
        "2026-04-05T01:45:00+11:00",
    ]
    assert [t.in_timezone("Australia/Lord_Howe").isoformat() for t in second_pass] == [
        "2026-04-05T01:30:00+10:30",
        "2026-04-05T01:45:00+10:30",
    ]
    start = pendulum.datetime(2026, 4, 5, 0, 0, tz="Australia/Lord_Howe")
    due = night.add_business_time(start, pendulum.duration(hours=1, minutes=55))
    assert due.isoformat() == "2026-04-05T01:40:00+10:30"  # 10 minutes into the second pass
    gap = pendulum.instance(dt.datetime(2026, 4, 4, 14, 50, tzinfo=dt.UTC))  # 01:50 +11:00
    assert not night.is_working_time(gap)
    end = night.add_business_time(start, 1.75 + 0.25)  # the window's end, on its second pass
    assert end.timestamp() == second_pass[1].timestamp()
    assert (end.hour, end.minute, end.utcoffset()) == (1, 45, dt.timedelta(hours=10, minutes=30))


# --- 8. beyond the supported horizon ------------------------------------------------------------


def test_a_million_business_days_is_refused_as_beyond_the_horizon() -> None:
    start = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)
    for attempt in (
        lambda: OFFICE.add_business_days(start, 1_000_000),
        lambda: OFFICE.add(start, BusinessTime(hours=1_000_000)),
        lambda: BusinessTime(days=1_000_000),
        lambda: OFFICE.add_business_time(start, pendulum.duration(days=1_000_000)),
        lambda: OFFICE.add_business_days(start, 3000),  # 3000 business days: ~12 years
        lambda: OFFICE.business_time_between(start, start.add(years=11)),
    ):
        with pytest.raises(BeyondHorizon) as refused:
            attempt()
        message = str(refused.value)
        assert "no working time" not in message
        assert f"{HORIZON.days} days of calendar" in message
        assert "give a shorter amount" in message
        assert refused.value.horizon_days == HORIZON.days
    # just inside the horizon is counted
    assert OFFICE.add_business_days(start, 2000) > start.add(years=7)


def test_a_promise_whose_lead_time_is_beyond_the_horizon_is_refused_unstored(
    tmp_path: Path,
) -> None:
    rk, clock = world(tmp_path)
    rk.calendars.register_offering(
        Offering(
            id="decade",
            name="A decade of work",
            scope=("x",),
            lead_time=BusinessTime(days=3000),
            calendar_id="berlin",
        ),
        actor="s-mia",
    )
    before = stored(rk, tmp_path, clock)
    with pytest.raises(BeyondHorizon, match="on calendar 'berlin'") as refused:
        rk.promises.make(
            actor="s-sam", party="c-ana", what="x", offering="decade", due=START.add(years=9)
        )
    assert refused.value.calendar_id == "berlin"
    assert stored(rk, tmp_path, clock) == before


def test_a_calendar_without_working_time_is_still_told_apart() -> None:
    shut = BusinessCalendar(
        id="shut",
        timezone="UTC",
        closures={dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(3700)},
    )
    with pytest.raises(InvalidInput, match="no working time within ten years") as refused:
        shut.add_business_days(pendulum.datetime(2026, 3, 2, tz="UTC"), 1)
    assert not isinstance(refused.value, BeyondHorizon)
