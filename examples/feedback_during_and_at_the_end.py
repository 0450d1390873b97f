"""Feedback during and at the end, a health score that explains itself, and a policy update.

Northwind Studio is rebuilding Dana Whitfield's online shop under its "studio-care"
contract: an answer within 4 hours, the work done within 10 days. Northwind counts a
relationship whose health falls below 75 of 100 as at risk, and Tomás, a manager, owns
the follow-up whenever a client answers a survey badly. The work runs long, so:

* asking early is cheap: the feedback sweep checks in with Dana once her case has been open
  longer than a week (care rule R7), only once, and she answers;
* asking at the end is required: closing the case before Dana is asked for end-of-case
  feedback is refused (``R7.close``); her low answer opens a service-recovery follow-up,
  owned by Tomás and due within two days;
* the relationship's health is explained signal by signal before and after (R12), and the
  drop marks the relationship at risk, with the explanation on its timeline;
* the written policy gets a new version; staff must acknowledge it again, and a command by
  someone who has not is flagged on the record (R11).

The feedback request's and the relationship's timelines are printed at the end, and every
timeline's hash chain is checked. Times come from a :class:`~relationkit.ManualClock`, so
the output is the same on every run::

    python examples/feedback_during_and_at_the_end.py

``main(store)`` plays the story into a store given by its URL (``relationkit demo`` plays
it into ``relations.db``); without one it plays in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from relationkit import CareConfig, Client, Event, ManualClock, Relations, RuleViolation, Staff
from relationkit.cases import Accept, Acknowledge, Close, ConfirmHeard, Resolve, StartWork
from relationkit.equality import Entitlement
from relationkit.feedback import CHECK_IN, FeedbackConfig
from relationkit.policy import Clause, Policy

LONDON = "Europe/London"
DANA, PRIYA, TOMAS = "c-dana", "s-priya", "s-tomas"


def print_timeline(title: str, events: Iterable[Event], zone: str) -> None:
    """Print a timeline: each event's number, time (read in ``zone``), name and actor, with
    the data it recorded on the line below."""
    print(f"\n{title} (times in {zone})")
    for event in events:
        when = event.at.in_timezone(zone)
        print(
            f"  {event.sequence:>2}  {when:ddd D MMM YYYY HH:mm}  {event.name} by {event.actor_id}"
        )
        data = [
            f"{key}: {value}" for key, value in event.data.items() if value not in (None, "", [])
        ]
        if data:
            print("        " + "; ".join(data))


def publish_next_policy(rk: Relations, *clauses: Clause, actor: str) -> Policy:
    """Publish the next version of the written policy, as ``actor``: every clause it had,
    and ``clauses``."""
    current = rk.policy.current()  # None before the first version
    return rk.policy.publish(
        Policy(
            version=1 if current is None else current.version + 1,
            published_at=rk.now(),
            clauses=(*(() if current is None else current.clauses), *clauses),
        ),
        actor=actor,
    )


def main(store: str | None = None, registrar: str | None = None) -> None:
    """Play the story into ``store`` (a store URL such as ``sqlite:///relations.db``), or
    into memory when it is omitted. ``registrar`` registers the story's people: in a new
    store nobody can yet, so relationkit's setup does (its events name ``rk-setup``); the
    demo, which plays every story into one store, names its front office."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz=LONDON))
    config = CareConfig().evolve(feedback=FeedbackConfig(at_risk_below=75, recovery_owner=TOMAS))
    rk = Relations(store, clock=clock, config=config)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=DANA, name="Dana Whitfield", contract="studio-care", timezone=LONDON),
        Staff(id=PRIYA, name="Priya Nair", roles={"agent"}, timezone=LONDON),
        Staff(id=TOMAS, name="Tomás Ferreira", roles={"manager"}, timezone=LONDON),
        actor=registrar,
    )
    # Targets come from the contract, never from who the client is (R10).
    rk.equality.entitle(
        Entitlement(
            id="studio-care",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=10),
        ),
        actor=TOMAS,
    )
    publish_next_policy(
        rk, Clause(id="listen-first", text="We restate a concern before answering it."), actor=TOMAS
    )
    rk.policy.acknowledge(PRIYA)
    rk.policy.acknowledge(TOMAS)
    relationship = rk.relationships.create(actor=PRIYA, party=DANA, relationship_id="rel-dana")
    rk.relationships.activate(relationship.id, actor=PRIYA)
    print("Northwind Studio rebuilds Dana's shop under its 'studio-care' contract.")
    print("Priya and Tomás have acknowledged the written policy.")

    case = rk.open_case(
        actor=PRIYA,
        client=DANA,
        subject="Shop rebuild before the spring sale",
        statement="The new shop must be live before the spring sale on the 20th.",
        case_id="case-7",
    )
    print(f"  accepted  Priya opens {case.id}: the new shop must be live before the spring sale")
    clock.advance(hours=1)
    rk.handle(
        case.id, Acknowledge(paraphrase="You need the new shop live by the 20th."), actor=PRIYA
    )
    rk.handle(case.id, ConfirmHeard(), actor=DANA)
    rk.handle(case.id, Accept(note="Rebuild agreed, live by the 20th."), actor=PRIYA)
    case = rk.handle(case.id, StartWork(), actor=PRIYA)
    print(f"  accepted  Priya restates it, Dana confirms, Priya accepts and starts; {case.state}")

    # The feedback sweep runs on a schedule in a real application (rk.sweeps.run()).
    clock.advance(days=8)
    rk.feedback.run()
    rk.feedback.run()  # running it again asks nobody twice
    check_ins = [r for r in rk.feedback.requests(case_id=case.id) if r.kind == CHECK_IN]
    print(
        f"{clock.now().in_timezone(LONDON):ddd D MMM HH:mm}: the case has been open over a "
        f"week; the feedback sweep, run twice, asked Dana {len(check_ins)} time(s) how it goes."
    )
    clock.advance(hours=5)
    rk.feedback.respond(check_ins[0].id, actor=DANA, csat=4, nps=8, comment="Good so far.")
    print("  accepted  Dana answers: satisfaction 4 of 5, would recommend 8 of 10")
    print("The relationship's health while the work goes on:")
    for line in rk.health.assess(relationship.id).explain():
        print("   ", line)

    clock.advance(days=12)
    rk.handle(case.id, Resolve(summary="Shop live, two days after the sale started."), actor=PRIYA)
    print("  accepted  The shop goes live two days late; Priya records it")
    try:
        rk.handle(case.id, Close(), actor=PRIYA)
    except RuleViolation as refusal:
        print("  refused   Priya closes the case without asking Dana how it went")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    survey = rk.feedback.request(case.id, actor=PRIYA, request_id="survey-7")
    print(f"  accepted  Priya asks Dana for end-of-case feedback ({survey.id})")
    clock.advance(hours=20)
    survey = rk.feedback.respond(
        survey.id, actor=DANA, csat=2, nps=3, ces=3, comment="Live too late for the sale."
    )
    print("  accepted  Dana answers: satisfaction 2 of 5, would recommend 3 of 10, effort 3 of 7")
    if survey.recovery is not None:
        due = survey.recovery.due_at.in_timezone(LONDON)
        print(
            f"A low answer opens a service-recovery follow-up, owned by {survey.recovery.owner_id},"
        )
        print(f"due {due:ddd D MMM HH:mm}: {survey.recovery.reason}")
    case = rk.handle(case.id, Close(note="Closed after the end-of-case survey."), actor=PRIYA)
    print(f"  accepted  Priya closes the case; it is {case.state}")

    report = rk.health.update(relationship.id, actor=TOMAS)
    relationship = rk.relationships.get(relationship.id)
    print(f"Tomás updates the relationship's health; the relationship is now {relationship.state}:")
    for line in report.explain():
        print("   ", line)
    clock.advance(hours=3)
    rk.feedback.close_recovery(
        survey.id, actor=TOMAS, outcome="Called Dana; refunded the month's fee."
    )
    print("  accepted  Tomás calls Dana, refunds the month's fee and closes the follow-up")

    clock.advance(days=1)
    policy = publish_next_policy(
        rk,
        Clause(id="check-in", text="We ask how things are going on any work longer than a week."),
        actor=TOMAS,
    )
    print(f"Northwind publishes version {policy.version} of its written policy:")
    for staff_id in (PRIYA, TOMAS):
        status = rk.policy.acknowledgement(staff_id)
        if status is not None:
            print("   ", status.describe())
    follow_up = rk.open_case(
        actor=PRIYA,
        client=DANA,
        subject="Sale banner",
        statement="The sale banner still shows last year's dates.",
        case_id="case-8",
    )
    print(f"  accepted  Priya, who has not read the new version yet, opens {follow_up.id}")
    print("relationkit flags it on the record:")
    for flag in rk.policy.flags(aggregate_id=follow_up.id):
        print("   ", flag.reason)
    rk.policy.acknowledge(PRIYA)
    print("  accepted  Priya acknowledges the new version")

    print_timeline(
        f"Dana's end-of-case feedback: the timeline of feedback request {survey.id}",
        rk.feedback.timeline(survey.id),
        LONDON,
    )
    print_timeline(
        f"Northwind's relationship with Dana: the timeline of relationship {relationship.id}",
        rk.relationships.timeline(relationship.id),
        LONDON,
    )
    verified = rk.verify_all()
    print(f"\nTimelines checked: {verified.checked}, {'all intact' if verified.ok else 'BROKEN'}.")


if __name__ == "__main__":
    main()
