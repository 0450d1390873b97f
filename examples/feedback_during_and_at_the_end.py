"""Feedback during and at the end, a health score that explains itself, and a policy update.

Northwind Studio is rebuilding Dana Whitfield's online shop. The work runs long, so:

* the feedback sweep checks in with Dana once the case has been open longer than a week
  (care rule R7), and she answers;
* the studio cannot close the case before asking for end-of-case feedback (R7); Dana's
  answer is low, which opens a service-recovery follow-up owned by a manager;
* the relationship's health is explained signal by signal before and after (R12), and the
  drop moves the relationship to "at risk" with an event on its timeline;
* the written policy gets a new version; staff must acknowledge it, and a command by
  someone who has not is flagged on the record (R11).

Times come from a manual clock, so the output is the same on every run::

    python examples/feedback_during_and_at_the_end.py
"""

from __future__ import annotations

import pendulum

from relationkit import (
    Accept,
    Acknowledge,
    CareConfig,
    Clause,
    Client,
    Close,
    ConfirmHeard,
    Policy,
    Relations,
    Resolve,
    RuleViolation,
    Staff,
    StartWork,
)
from relationkit.domain.equality import Entitlement
from relationkit.domain.feedback import CHECK_IN, FeedbackConfig
from relationkit.domain.health import HealthReport
from relationkit.testing import ManualClock

DANA = "c-dana"
PRIYA = "s-priya"  # account manager (agent)
TOMAS = "s-tomas"  # head of client services (manager)


def show_health(title: str, report: HealthReport) -> None:
    print(f"\n{title}")
    for line in report.explain():
        print(f"  {line}")


def main() -> None:
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="Europe/London"))
    config = CareConfig().evolve(feedback=FeedbackConfig(at_risk_below=75))
    rk = Relations(clock=clock, config=config)
    rk.register(
        Client(id=DANA, name="Dana Whitfield", title="Owner", contract="studio-care"),
        Staff(id=PRIYA, name="Priya Nair", roles={"agent"}),
        Staff(id=TOMAS, name="Tomás Ferreira", roles={"manager"}),
    )
    rk.feedback.entitle(
        Entitlement(
            id="studio-care",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=10),
        )
    )
    rk.publish_policy(
        Policy(
            version=1,
            published_at=clock.now(),
            clauses=[Clause(id="listen-first", text="We restate a concern before answering.")],
        )
    )
    rk.feedback.acknowledge_policy(PRIYA)
    rk.feedback.acknowledge_policy(TOMAS)
    rel = rk.relationships.create(actor=PRIYA, party=DANA, relationship_id="rel-dana")
    rk.relationships.activate(rel.id, actor=PRIYA)

    print("Case case-7: Shop rebuild before the spring sale")
    case = rk.open_case(
        actor=PRIYA,
        client=DANA,
        subject="Shop rebuild before the spring sale",
        statement="The new shop must be live before the spring sale on the 20th.",
        case_id="case-7",
    )
    clock.advance(hours=1)
    rk.handle(
        case.id, Acknowledge(paraphrase="You need the new shop live by the 20th."), actor=PRIYA
    )
    rk.handle(case.id, ConfirmHeard(), actor=DANA)
    rk.handle(case.id, Accept(note="Rebuild agreed, live by the 20th."), actor=PRIYA)
    rk.handle(case.id, StartWork(), actor=PRIYA)

    # A week and a day later the case is still open: the sweep checks in.
    clock.advance(days=8)
    sweep = rk.feedback.run()
    check_in = rk.feedback.get(sweep.check_ins[0])
    print(f"\n{clock.now():%a %d %b}: the sweep asked Dana how it is going ({check_in.kind})")
    assert check_in.kind == CHECK_IN
    print(f"Running the sweep again asks nothing more: {rk.feedback.run().check_ins == ()}")
    clock.advance(hours=5)
    rk.feedback.respond(check_in.id, actor=DANA, csat=4, nps=8, comment="Good so far.")
    print("Dana answered the check-in: CSAT 4, NPS 8, 'Good so far.'")
    show_health("Health before the end of the work:", rk.feedback.health(rel.id))

    # The work overruns the resolution target and the sale date.
    clock.advance(days=12)
    rk.handle(case.id, Resolve(summary="Shop live, two days after the sale started."), actor=PRIYA)
    try:
        rk.handle(case.id, Close(), actor=PRIYA)
    except RuleViolation as refused:
        print(f"\nClosing refused: [{refused.rule_id}] {refused.reason}")
    survey = rk.feedback.request(case.id, actor=PRIYA, request_id="fb-7-end")
    clock.advance(hours=20)
    answered = rk.feedback.respond(
        survey.id, actor=DANA, csat=2, nps=3, ces=3, comment="Live too late for the sale."
    )
    recovery = answered.recovery
    assert recovery is not None
    print(f"Dana's end-of-case answer: CSAT 2, NPS 3, CES 3; state {answered.state!r}")
    print(f"Recovery follow-up owned by {rk.staff(recovery.owner_id).name}: {recovery.reason}")
    print(f"  due {recovery.due_at.in_timezone('Europe/London'):%a %d %b %H:%M}")
    rk.handle(case.id, Close(note="Closed after the end-of-case survey."), actor=PRIYA)
    print(f"Case closed: {rk.case(case.id).state == 'closed'}")

    report = rk.feedback.update_health(rel.id, actor=TOMAS)
    show_health("Health after the end-of-case survey:", report)
    moved = rk.relationships.timeline(rel.id)[-1]
    print(f"Relationship is now {rk.relationships.get(rel.id).state!r} ({moved.name})")

    clock.advance(hours=3)
    rk.feedback.close_recovery(
        survey.id, actor=TOMAS, outcome="Called Dana; refunded the month's fee."
    )
    print(f"Tomás closed the follow-up: {rk.feedback.get(survey.id).state!r}")

    # The written policy gets a new version: everyone must acknowledge it again.
    clock.advance(days=1)
    rk.publish_policy(
        Policy(
            version=2,
            published_at=clock.now(),
            clauses=[
                Clause(id="listen-first", text="We restate a concern before answering."),
                Clause(id="check-in", text="We ask how things go on any work over a week."),
            ],
        )
    )
    print("\nPolicy version 2 published. Due to acknowledge it:")
    for status in rk.feedback.reminders():
        print(f"  {status.describe()}")
    follow_up = rk.open_case(
        actor=PRIYA,
        client=DANA,
        subject="Sale banner",
        statement="The sale banner still shows last year's dates.",
        case_id="case-8",
    )
    for flag in rk.feedback.flags(aggregate_id=follow_up.id):
        print(f"Flagged on {flag.aggregate_id} event {flag.sequence} ({flag.event_name}):")
        print(f"  {flag.reason}")
    rk.feedback.acknowledge_policy(PRIYA)
    print(f"Priya acknowledged; still due: {[s.staff_id for s in rk.feedback.reminders()]}")
    print(f"Every timeline verified: {rk.verify_all().ok}")


if __name__ == "__main__":
    main()
