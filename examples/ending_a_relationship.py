"""Ending a client relationship: no one alone may do it (care rule R9).

Brightline Consulting has tried hard with Marek Nowak's firm: he was heard, a compromise on
the disputed invoices was offered, and still every month brings a new dispute. Olivia, a
partner, proposes to part ways.

* Her proposal must cite the case that shows the attempt to resolve; without it, refused.
* She cannot approve her own proposal, and her word alone cannot end it: the end is
  refused until two colleagues approve, one of them with authority. Sam, on leave, lends
  his approval authority to Priya for the week; Priya may approve for Sam, but nobody could
  approve on Olivia's behalf.
* The exit is recorded as amicable: both sides agree to disagree, and what was said in the
  exit conversation is kept on the relationship's timeline.

Times come from a manual clock, so the output is the same on every run::

    python examples/ending_a_relationship.py
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum

from relationkit import (
    Acknowledge,
    Client,
    Compromise,
    ConfirmHeard,
    RelationkitError,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.testing import ManualClock


def attempt(what: str, action: Callable[[], Any]) -> None:
    """Run ``action`` and print whether it was accepted or which rule refused it."""
    try:
        action()
    except (RuleViolation, RuleViolations) as refused:
        found = refused.violations if isinstance(refused, RuleViolations) else (refused,)
        print(f"  {what}: refused")
        for violation in found:
            print(f"      [{violation.rule_id}] {violation.reason}")
    except RelationkitError as refused:
        print(f"  {what}: refused ({type(refused).__name__})")
    else:
        print(f"  {what}: done")


def main() -> None:
    clock = ManualClock(pendulum.datetime(2026, 6, 1, 10, tz="UTC"))
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-marek", name="Marek Nowak"),
        Staff(id="s-olivia", name="Olivia Grant", roles={"partner"}),
        Staff(id="s-sam", name="Sam Okafor", roles={"manager"}),
        Staff(id="s-priya", name="Priya Nair", roles={"agent"}),
        Staff(id="s-lee", name="Lee Chen", roles={"agent"}),
    )
    r = rk.relationships
    rel = r.create(actor="s-lee", party="c-marek")
    r.activate(rel.id, actor="s-lee")

    print("An attempt to resolve, first:")
    case = rk.open_case(
        actor="s-lee",
        client="c-marek",
        subject="Disputed invoices",
        statement="Your invoices bill hours nobody asked for.",
    )
    rk.handle(
        case.id,
        Acknowledge(paraphrase="You feel billed for work you never requested."),
        actor="s-lee",
    )
    rk.handle(case.id, ConfirmHeard(), actor="c-marek")
    rk.handle(
        case.id,
        Compromise(
            we_give="Half of the disputed hours written off.",
            client_gives="Approves work orders in writing from now on.",
        ),
        actor="s-lee",
    )
    print(f"  case {case.subject!r}: heard, compromise offered")
    r.mark_at_risk(rel.id, actor="s-lee", reason="A new billing dispute every month.")

    print()
    print("Olivia (partner) proposes to part ways:")
    reason = "Disputes every month despite the compromise; we cannot serve him well."
    attempt(
        "propose without evidence",
        lambda: r.propose_severance(rel.id, actor="s-olivia", reason=reason, evidence=[]),
    )
    attempt(
        "propose citing the disputed-invoices case",
        lambda: r.propose_severance(rel.id, actor="s-olivia", reason=reason, evidence=[case.id]),
    )
    attempt("Olivia approves her own proposal", lambda: r.approve(rel.id, actor="s-olivia"))
    attempt("Olivia ends it alone", lambda: r.end(rel.id, actor="s-olivia", amicable=False))

    print()
    print("Two colleagues weigh in:")
    r.delegate(rel.id, actor="s-sam", to="s-priya", ends_at=clock.now().add(days=7))
    print("  Sam (manager, on leave) delegates his approval to Priya for a week")
    attempt(
        "Priya approves on Olivia's behalf",
        lambda: r.approve(rel.id, actor="s-priya", acting_for="s-olivia"),
    )
    clock.advance(days=1)
    attempt("Lee approves", lambda: r.approve(rel.id, actor="s-lee", note="I tried for months."))
    attempt("Lee approves again", lambda: r.approve(rel.id, actor="s-lee"))
    attempt("Olivia ends it now", lambda: r.end(rel.id, actor="s-olivia", amicable=False))
    clock.advance(days=1)
    attempt(
        "Priya approves for Sam",
        lambda: r.approve(rel.id, actor="s-priya", acting_for="s-sam", note="Sam agrees."),
    )

    print()
    print("The exit conversation, then the end:")
    attempt(
        "end as amicable without the conversation",
        lambda: r.end(rel.id, actor="s-olivia", amicable=True),
    )
    ended = r.end(
        rel.id,
        actor="s-olivia",
        amicable=True,
        conversation=(
            "We met Marek, thanked him for four years, and said plainly why we part. He did "
            "not agree with us on the hours, but we agree to disagree and part on good terms."
        ),
    )
    exit = ended.exit
    assert exit is not None
    print(f"  relationship {ended.state}; amicable: {exit.amicable}")
    print(f"  approvals that counted: {', '.join(exit.approvers)}")
    print(f"  exit conversation: {exit.conversation}")
    attempt(
        "a new case for Marek",
        lambda: rk.open_case(
            actor="s-lee", client="c-marek", subject="Hello", statement="One more thing."
        ),
    )

    print()
    print("The relationship's timeline:")
    for event in r.timeline(rel.id):
        print(f"  {event.at.format('YYYY-MM-DD HH:mm')}  {event.name:<28} by {event.actor_id}")


if __name__ == "__main__":
    main()
