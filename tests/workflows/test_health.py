"""Relationship health (R12): signals, weights, explanations, the extension point, and the
move between active and at risk."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pendulum
import pytest

from relationkit import (
    CareConfig,
    Client,
    InvalidInput,
    MemoryStore,
    NotFound,
    OutOfRange,
    RelationkitError,
    Relations,
    Staff,
)
from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
from relationkit.domain.case import Accept, Acknowledge, ConfirmHeard, Escalate, Resolve
from relationkit.domain.equality import Entitlement, Targets
from relationkit.domain.feedback import FeedbackConfig
from relationkit.domain.health import (
    AT_RISK,
    FeedbackTrend,
    HealthFacts,
    HealthModel,
    LastContact,
    OpenCases,
    PromiseKeeping,
    Reading,
    ResponseTimes,
    default_health_model,
    transition_for,
)
from relationkit.testing import ManualClock
from relationkit.typing import Signal
from world import MIA, SAM, START, world

NOW = pendulum.datetime(2026, 6, 1, 9, tz="UTC")


@attrs.frozen
class VipEvents:
    """An application's own signal: how many of the party's events it attended."""

    attended: int
    invited: int
    name: str = "events_attended"

    def read(self, facts: HealthFacts) -> Reading:
        if not self.invited:
            return Reading.no_data("not invited to anything yet")
        return Reading(
            score=self.attended / self.invited,
            figures={"attended": self.attended, "invited": self.invited},
            summary=f"came to {self.attended} of {self.invited} events",
        )


@attrs.frozen
class Broken:
    score: Any
    name: str = "broken"

    def read(self, facts: HealthFacts) -> Reading:
        return Reading(score=self.score, summary="oops")


def facts(**changes: Any) -> HealthFacts:
    return HealthFacts(subject_id="rel-1", party_id="c-ana", now=NOW, **changes)


# --- the extension point ----------------------------------------------------------------------


def test_an_application_signal_is_a_signal_and_reads_its_figures() -> None:
    signal = VipEvents(attended=3, invited=4)
    assert isinstance(signal, Signal)
    reading = signal.read(facts())
    assert reading.score == 0.75
    assert reading.figures == {"attended": 3, "invited": 4}
    assert VipEvents(0, 0).read(facts()).score is None


def test_adding_a_signal_scales_the_others_and_shows_its_contribution() -> None:
    model = default_health_model().with_signal(VipEvents(attended=1, invited=4), 0.2)
    assert math.isclose(sum(w for _, w in model.weights), 1.0)
    assert model.weight_of("events_attended") == 0.2
    assert model.weight_of("feedback_trend") == pytest.approx(0.25 * 0.8)
    report = model.assess(facts(last_contact=NOW.subtract(days=1)), at_risk_below=50)
    mine = report.contribution("events_attended")
    assert mine.score == 0.25
    assert mine.figures == {"attended": 1, "invited": 4}
    assert "came to 1 of 4 events" in mine.line()
    assert any("events_attended" in line for line in report.explain())


def test_the_score_is_the_weighted_mean_of_signals_with_data() -> None:
    model = HealthModel(
        [(VipEvents(1, 2), 0.5), (LastContact(), 0.25), (VipEvents(0, 0, name="none"), 0.25)]
    )
    report = model.assess(facts(last_contact=NOW), at_risk_below=50)
    # "none" has no data: its quarter is shared by the others in proportion (2/3, 1/3).
    assert report.score == pytest.approx(100 * (2 / 3 * 0.5 + 1 / 3 * 1.0))
    assert sum(c.points for c in report.contributions) == pytest.approx(report.score)
    none = report.contribution("none")
    assert (none.share, none.points, none.score) == (0.0, 0.0, None)
    assert "no data" in none.line()


def test_without_any_data_there_is_no_score_and_no_status() -> None:
    report = HealthModel([(LastContact(), 1.0)]).assess(facts(), at_risk_below=50)
    assert (report.score, report.status) == (None, None)
    assert "no data yet" in report.explain()[0]
    assert transition_for("active", report) is None


# --- bad weights ------------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [-0.1, math.nan, math.inf, True, "0.5"])
def test_a_weight_that_is_negative_or_not_a_number_is_refused(weight: Any) -> None:
    with pytest.raises(OutOfRange, match="weight of events_attended"):
        HealthModel([(LastContact(), 1.0), (VipEvents(1, 1), weight)])


@pytest.mark.parametrize("weights", [(0.5, 0.4), (0.7, 0.7), (0.0, 0.0)])
def test_weights_that_do_not_add_up_to_one_are_refused(weights: tuple[float, float]) -> None:
    with pytest.raises(InvalidInput, match="must add up to 1"):
        HealthModel([(LastContact(), weights[0]), (VipEvents(1, 1), weights[1])])


def test_other_malformed_models_are_refused() -> None:
    with pytest.raises(InvalidInput, match="without signals"):
        HealthModel([])
    with pytest.raises(InvalidInput, match="more than once"):
        HealthModel([(LastContact(), 0.5), (LastContact(), 0.5)])
    with pytest.raises(InvalidInput, match="health signal"):
        HealthModel([(object(), 1.0)])  # type: ignore[list-item]
    with pytest.raises(OutOfRange):
        default_health_model().with_signal(VipEvents(1, 1), 1.0)
    with pytest.raises(InvalidInput, match="unknown signals"):
        default_health_model().with_weights({"mood": 1.0})


def test_bad_weights_leave_the_model_in_use_unchanged() -> None:
    rk = Relations(MemoryStore())
    before = rk.health.model
    with pytest.raises(OutOfRange):
        rk.config.evolve(health=before.with_weights({"feedback_trend": -0.25}))
    with pytest.raises(InvalidInput):
        rk.config.evolve(health=before.with_weights({"feedback_trend": 0.9}))
    with pytest.raises(InvalidInput):
        rk.config.evolve(health="a model")
    assert rk.health.model is before is rk.config.health


@pytest.mark.parametrize("score", [1.5, -0.1, math.nan, "high"])
def test_a_signal_reading_outside_0_to_1_is_refused(score: Any) -> None:
    model = HealthModel([(Broken(score), 1.0)])
    with pytest.raises(OutOfRange, match="score of signal 'broken'"):
        model.assess(facts(), at_risk_below=50)


# --- built-in signals -------------------------------------------------------------------------


def test_last_contact_falls_after_the_configured_span() -> None:
    signal = LastContact()
    assert signal.read(facts()).score is None
    assert signal.read(facts(last_contact=NOW.subtract(days=30))).score == 1.0
    assert signal.read(facts(last_contact=NOW.subtract(days=60))).score == pytest.approx(0.5)
    assert signal.read(facts(last_contact=NOW.subtract(days=100))).score == 0.0
    short = facts(
        last_contact=NOW.subtract(days=20),
        config=FeedbackConfig(contact_within=pendulum.duration(days=10)),
    )
    assert signal.read(short).score == pytest.approx(0.5)


class _Promise:
    def __init__(self, state: str) -> None:
        self.state = state
        self.made_at = NOW.subtract(days=2)
        self.settled_at = None if state == "made" else NOW.subtract(days=1)


def test_promise_keeping_reads_the_promises_to_the_party() -> None:
    signal = PromiseKeeping()
    assert signal.read(facts()).score is None  # no promise: no data
    promises = [_Promise("kept")] * 3 + [_Promise("broken"), _Promise("made")]
    reading = signal.read(facts(promises=promises))
    assert reading.score == 0.75
    assert reading.figures == {"kept": 3, "broken": 1, "open": 1}
    assert signal.read(facts(promises=[_Promise("made")])).score is None


def test_response_times_need_contract_targets() -> None:
    assert ResponseTimes().read(facts()).score is None


# --- through the service ----------------------------------------------------------------------


def make() -> tuple[Relations, ManualClock]:
    clock = ManualClock(START)
    config = CareConfig().evolve(feedback=FeedbackConfig(at_risk_below=60))
    ana = Client(id="c-ana", name="Ana Ruiz", contract="gold")
    rk = world(ana, SAM, MIA, clock=clock, config=config, policy=None)
    rk.equality.entitle(
        Entitlement(
            id="gold",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=3),
        ),
        actor="s-mia",
    )
    return rk, clock


def test_health_is_explained_with_the_figures_behind_each_signal() -> None:
    rk, clock = make()
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Outage", statement="Down again.")
    clock.advance(hours=6)  # later than the 4-hour target
    rk.handle(case.id, Acknowledge(paraphrase="Down again."), actor="s-sam")
    rk.handle(case.id, Escalate(reason="Third time."), actor="s-sam")
    report = rk.health.assess(party="c-ana")
    times = report.contribution("response_times")
    assert times.figures["late_answers"] == 1
    assert times.figures["contract"] == "gold"
    assert times.score == 0.0
    open_cases = report.contribution("open_cases")
    assert open_cases.figures == {"open": 1, "escalated": 1, "load": 3.0}
    assert report.contribution("last_contact").figures["days"] == 0.0
    text = "\n".join(report.explain())
    assert "1 open case(s), 1 escalated" in text
    assert "'gold' targets" in text


def test_crossing_the_threshold_moves_the_relationship_with_an_event_on_its_timeline() -> None:
    rk, clock = make()
    rel = rk.relationships.create(actor="s-sam", party="c-ana")
    rk.relationships.activate(rel.id, actor="s-sam")
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Outage", statement="Down.")
    clock.advance(hours=5)
    rk.handle(case.id, Acknowledge(paraphrase="Down."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    rk.handle(case.id, Accept(), actor="s-sam")
    clock.advance(days=4)
    rk.handle(case.id, Resolve(summary="Fixed."), actor="s-sam")
    asked = rk.feedback.request(case.id, actor="s-sam")
    rk.feedback.respond(asked.id, actor="c-ana", csat=1, nps=1)

    report = rk.health.update(rel.id, actor="s-mia")
    assert report.status == AT_RISK
    assert report.score is not None
    assert report.score < 60
    assert rk.relationships.get(rel.id).state == "at_risk"
    events = rk.relationships.timeline(rel.id)
    assert events[-1].name == "RelationshipAtRisk"
    assert "feedback_trend" in events[-1].data["reason"]

    assert rk.health.update(rel.id, actor="s-mia").status == AT_RISK
    assert len(rk.relationships.timeline(rel.id)) == len(events)  # no change, no event

    # Things get better: a happy answer on a quick new case.
    clock.advance(days=100)
    later = rk.open_case(actor="s-sam", client="c-ana", subject="Question", statement="How?")
    clock.advance(hours=1)
    rk.handle(later.id, Acknowledge(paraphrase="How."), actor="s-sam")
    rk.handle(later.id, ConfirmHeard(), actor="c-ana")
    rk.handle(later.id, Accept(), actor="s-sam")
    rk.handle(later.id, Resolve(summary="Answered."), actor="s-sam")
    clock.advance(days=5)
    asked = rk.feedback.request(later.id, actor="s-sam")
    rk.feedback.respond(asked.id, actor="c-ana", csat=5, nps=10, ces=7)
    report = rk.health.update(rel.id, actor="s-mia")
    assert report.status == "active"
    assert rk.relationships.get(rel.id).state == "active"
    assert rk.relationships.timeline(rel.id)[-1].name == "RelationshipRecovered"


def test_health_uses_the_relationship_contract_for_targets() -> None:
    rk, _ = make()
    rk.equality.entitle(
        Entitlement(
            id="basic",
            response_within=pendulum.duration(days=2),
            resolution_within=pendulum.duration(days=10),
        ),
        actor="s-mia",
    )
    rel = rk.relationships.create(actor="s-sam", party="c-ana", contract="basic")
    assert rk.equality.targets("c-ana", relationship=rel.id) == Targets(
        contract="basic",
        response_within=pendulum.duration(days=2),
        resolution_within=pendulum.duration(days=10),
    )
    facts_ = rk.health.facts(rel.id)
    assert facts_.targets is not None
    assert facts_.targets.contract == "basic"


def test_health_needs_exactly_one_known_subject() -> None:
    rk, _ = make()
    with pytest.raises(InvalidInput, match="exactly one subject"):
        rk.health.assess()
    with pytest.raises(InvalidInput, match="exactly one subject"):
        rk.health.assess("rel-1", party="c-ana")
    with pytest.raises(NotFound, match="nobody"):
        rk.health.assess(party="nobody")


def test_the_feedback_trend_rewards_improvement() -> None:
    rk, clock = make()
    signal = FeedbackTrend()
    case = rk.open_case(actor="s-sam", client="c-ana", subject="A", statement="B.")
    first = rk.feedback.request(case.id, actor="s-sam", kind="check_in")
    rk.feedback.respond(first.id, actor="c-ana", csat=2)
    clock.advance(days=100)
    second = rk.feedback.request(case.id, actor="s-sam", kind="check_in")
    rk.feedback.respond(second.id, actor="c-ana", csat=4)
    reading = signal.read(rk.health.facts(party="c-ana"))
    assert reading.figures == {"answers": 1, "recent": 75.0, "before": 25.0, "change": 50.0}
    assert reading.score == 1.0
    assert "up from 25%" in reading.summary
    assert OpenCases().read(rk.health.facts(party="c-ana")).figures["open"] == 1


def test_the_last_contact_is_kept_with_each_command_that_reaches_the_party() -> None:
    clock = ManualClock(NOW)
    rk = Relations(MemoryStore(), clock=clock)
    rk.register(
        Client(id="c-ana", name="Ana"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        Staff(id="s-mia", name="Mia", roles={"manager"}),
    )
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund", statement="Refund me.")
    first = rk.health.last_contact("c-ana")
    assert first is not None
    assert (first.event_name, first.at, first.aggregate_id) == ("CaseOpened", NOW, case.id)

    clock.advance(hours=2)
    rk.handle(case.id, Escalate(reason="Upset."), actor="s-sam")  # inside the business
    assert rk.health.last_contact("c-ana") == first
    with pytest.raises(RelationkitError):  # refused: nothing reached the client
        rk.handle(case.id, Accept(), actor="s-sam")
    assert rk.health.last_contact("c-ana") == first

    def mailer_down(event: object, aggregate: object) -> None:
        raise ConnectionError("mail server unreachable")

    rk.subscribe(mailer_down)
    with pytest.raises(ConnectionError):
        rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    # the contact was stored with the command itself, not by a listener after it
    latest = rk.health.last_contact("c-ana")
    assert latest is not None
    assert (latest.event_name, latest.at) == ("CaseAcknowledged", NOW.add(hours=2))


def test_health_as_of_an_earlier_moment_reads_only_what_was_known_then() -> None:
    rk, clock = make()
    rk.calendars.register(
        BusinessCalendar(id="utc", timezone="UTC", hours={"mon-sun": "00:00-24:00"}), actor="s-mia"
    )
    rk.calendars.register_offering(
        Offering(
            id="fix", name="Fix", scope=("fix",), lead_time=BusinessTime(hours=1), calendar_id="utc"
        ),
        actor="s-mia",
    )
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Outage", statement="Down again.")
    rel = rk.case(case.id).relationship_id
    assert rel is not None
    promise = rk.promises.make(
        actor="s-sam", party="c-ana", what="A fix", offering="fix", due=clock.now().add(days=1)
    )
    before = clock.now()
    clock.advance(days=2)
    assert rk.promises.run().broken == (promise.id,)
    clock.advance(days=1)
    rk.open_case(actor="s-sam", client="c-ana", subject="Again", statement="Still down.")
    now_report = rk.health.assess(rel)
    then = rk.health.assess(rel, now=before)
    assert now_report.contribution("promise_keeping").figures["broken"] == 1
    # at ``before`` the promise was still open, and the second case did not exist yet
    assert then.contribution("promise_keeping").score is None
    assert then.contribution("open_cases").figures["open"] == 1
    assert now_report.contribution("open_cases").figures["open"] == 2
    facts_then = rk.health.facts(rel, now=before)
    assert [p.state for p in facts_then.promises] == ["made"]
    assert facts_then.last_contact is not None
    assert facts_then.last_contact <= before
