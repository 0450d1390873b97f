"""Ending a client relationship: no one alone may do it (care rule R9).

Brightline Consulting has worked with Marek Nowak for four years, and lately every invoice
brings a dispute. Lee listened to him and offered a compromise on the disputed hours;
still the disputes go on. Olivia, a partner, proposes to part ways. relationkit makes sure
the decision is a shared one, and that the parting is recorded as it happened:

* a proposal that does not cite the case showing the attempt to resolve is refused
  (``R9.evidence``);
* Olivia cannot approve her own proposal (``R9.approvers``), and cannot end the
  relationship on her word alone: ending needs two colleagues' approvals, one of them from
  someone with authority (``R9.quorum``, ``R9.authority``);
* Kofi, a manager going on leave, lends his approval authority to Ravi for a week; Ravi may
  approve for Kofi, but nobody may approve on behalf of the proposer;
* the end is recorded as amicable: both sides agree to disagree, and what was said in the
  exit conversation is kept (``R9.exit`` refuses an amicable end without it);
* an ended relationship takes no new case (``RelationshipEnded``).

The relationship's timeline is printed at the end, and every timeline's hash chain is
checked. Times come from a :class:`~relationkit.ManualClock`, so the output is the same on
every run::

    python examples/ending_a_relationship.py

``main(store)`` plays the story into a store given by its URL (``relationkit demo`` plays
it into ``relations.db``); without one it plays in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from relationkit import (
    Client,
    Event,
    ManualClock,
    Relations,
    RelationshipEnded,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.cases import Acknowledge, Compromise, ConfirmHeard

LONDON = "Europe/London"
MAREK, OLIVIA, KOFI, RAVI, LEE = "c-marek", "s-olivia", "s-kofi", "s-ravi", "s-lee"


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


def main(store: str | None = None, registrar: str | None = None) -> None:
    """Play the story into ``store`` (a store URL such as ``sqlite:///relations.db``), or
    into memory when it is omitted. ``registrar`` registers the story's people: in a new
    store nobody can yet, so relationkit's setup does (its events name ``rk-setup``); the
    demo, which plays every story into one store, names its front office."""
    clock = ManualClock(pendulum.datetime(2026, 6, 1, 10, tz=LONDON))
    rk = Relations(store, clock=clock)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=MAREK, name="Marek Nowak", timezone="Europe/Warsaw"),
        Staff(id=OLIVIA, name="Olivia Grant", roles={"partner"}, timezone=LONDON),
        Staff(id=KOFI, name="Kofi Mensah", roles={"manager"}, timezone=LONDON),
        Staff(id=RAVI, name="Ravi Patel", roles={"agent"}, timezone=LONDON),
        Staff(id=LEE, name="Lee Chen", roles={"agent"}, timezone=LONDON),
        actor=registrar,
    )
    relationship = rk.relationships.create(actor=LEE, party=MAREK, relationship_id="rel-marek")
    rk.relationships.activate(relationship.id, actor=LEE)

    print("Brightline has worked with Marek for four years. First, an attempt to resolve:")
    case = rk.open_case(
        actor=LEE,
        client=MAREK,
        subject="Disputed invoices",
        statement="Your invoices bill hours nobody asked for.",
        case_id="case-88",
    )
    rk.handle(
        case.id, Acknowledge(paraphrase="You feel billed for work you never requested."), actor=LEE
    )
    rk.handle(case.id, ConfirmHeard(), actor=MAREK)
    case = rk.handle(
        case.id,
        Compromise(
            we_give="Half of the disputed hours written off.",
            client_gives="Approves work orders in writing from now on.",
        ),
        actor=LEE,
    )
    print(f"  accepted  Lee opens {case.id}, Marek confirms he was heard, Lee offers a compromise")
    rk.relationships.mark_at_risk(
        relationship.id, actor=LEE, reason="A new billing dispute every month."
    )
    print("  accepted  The disputes go on; Lee marks the relationship at risk")

    print("Olivia, a partner, proposes to part ways.")
    reason = "Disputes every month despite the compromise; we cannot serve him well."
    try:
        rk.relationships.propose_severance(
            relationship.id, actor=OLIVIA, reason=reason, evidence=[]
        )
    except RuleViolation as refusal:
        print("  refused   Olivia proposes without citing the attempt to resolve")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    rk.relationships.propose_severance(
        relationship.id, actor=OLIVIA, reason=reason, evidence=[case.id]
    )
    print(f"  accepted  Olivia proposes, citing {case.id}, the disputed-invoices case")
    try:
        rk.relationships.approve(relationship.id, actor=OLIVIA)
    except RuleViolation as refusal:
        print("  refused   Olivia approves her own proposal")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    try:
        rk.relationships.end(relationship.id, actor=OLIVIA, amicable=False)
    except RuleViolations as refusal:  # more than one rule refuses
        print("  refused   Olivia ends the relationship on her own")
        for violation in refusal.violations:
            print(f"            {violation.rule_id}: {violation.reason}")

    rk.relationships.delegate(relationship.id, actor=KOFI, to=RAVI, ends_at=clock.now().add(days=7))
    print("  accepted  Kofi, a manager going on leave, lends his approval authority to Ravi")
    try:
        rk.relationships.approve(relationship.id, actor=RAVI, acting_for=OLIVIA)
    except RuleViolation as refusal:
        print("  refused   Ravi approves on Olivia's behalf")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    clock.advance(days=1)
    rk.relationships.approve(relationship.id, actor=LEE, note="I tried for months.")
    print("  accepted  Lee approves")
    try:
        rk.relationships.end(relationship.id, actor=OLIVIA, amicable=False)
    except RuleViolations as refusal:
        print("  refused   Olivia ends it with one approval, none from someone with authority")
        for violation in refusal.violations:
            print(f"            {violation.rule_id}: {violation.reason}")
    clock.advance(days=1)
    rk.relationships.approve(relationship.id, actor=RAVI, acting_for=KOFI, note="Kofi agrees.")
    print("  accepted  Ravi approves for Kofi")

    try:
        rk.relationships.end(relationship.id, actor=OLIVIA, amicable=True)
    except RuleViolation as refusal:
        print("  refused   Olivia ends it as amicable without recording the exit conversation")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    ended = rk.relationships.end(
        relationship.id,
        actor=OLIVIA,
        amicable=True,
        conversation=(
            "We met Marek, thanked him for four years, and said plainly why we part. He does "
            "not agree with us on the hours; we agree to disagree and part on good terms."
        ),
    )
    print(
        f"  accepted  Olivia meets Marek, then ends it amicably; the relationship is {ended.state}"
    )
    try:
        rk.open_case(actor=LEE, client=MAREK, subject="Hello", statement="One more thing.")
    except RelationshipEnded as refusal:
        print("  refused   Lee opens a new case for Marek")
        print(f"            RelationshipEnded: {refusal}")

    print_timeline(
        f"Brightline's relationship with Marek: the timeline of relationship {ended.id}",
        rk.relationships.timeline(ended.id),
        LONDON,
    )
    report = rk.verify_all()
    print(f"\nTimelines checked: {report.checked}, {'all intact' if report.ok else 'BROKEN'}.")


if __name__ == "__main__":
    main()
