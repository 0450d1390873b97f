"""Saying no well: a heated request, listened to first, answered with a reasoned "no".

Ana Ruiz's annual subscription renewed seven weeks ago and she wants her money back; the
company's written policy refunds a subscription only within 30 days of payment. Sam takes
her call. On the way to a "no" that she can live with, relationkit holds him to the habits
that keep a hard answer from ending a relationship:

* a quick "no" is refused twice over: Ana has not been heard yet (care rule ``R1.case``)
  and, the case being heated (escalated), a colleague's view is needed first (``R3``);
* only Ana can say she was heard: Sam cannot confirm it for her (the gate ``ROLE``);
* Sam restates her concern, Ana corrects him, he restates it again and she confirms;
* Sam buys time with a definite reply-by time and asks his manager, Mia, for her view;
* a decline citing a clause the policy does not have is refused (``R2``); the decline that
  gives its reason, cites the real clause and names the facts behind it is accepted;
* the case cannot close before Ana is asked for feedback (``R7.close``).

At the end the case's timeline is printed and every timeline's hash chain is checked.
Times come from a :class:`~relationkit.ManualClock`, so the output is the same on every
run::

    python examples/saying_no.py

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
    NotPermitted,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.cases import (
    Acknowledge,
    Close,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Resolve,
)
from relationkit.policy import Clause, Policy

LONDON = "Europe/London"
ANA, SAM, MIA = "c-ana", "s-sam", "s-mia"


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
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, 15, tz=LONDON))
    rk = Relations(store, clock=clock)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=ANA, name="Ana Ruiz", timezone="Europe/Madrid"),
        Staff(id=SAM, name="Sam Ortiz", roles={"agent"}, timezone=LONDON),
        Staff(id=MIA, name="Mia Chen", roles={"manager"}, timezone=LONDON),
        actor=registrar,
    )
    # The written policy: publish the next version (the first in an empty store), keeping
    # the clauses it already has.
    current = rk.policy.current()
    rk.policy.publish(
        Policy(
            version=1 if current is None else current.version + 1,
            published_at=rk.now(),
            clauses=(
                *(() if current is None else current.clauses),
                Clause(
                    id="refunds-30d",
                    text="Subscriptions are refunded in full within 30 days of payment.",
                ),
                Clause(
                    id="renewal-notice",
                    text="Annual renewals are announced by e-mail at least 14 days ahead.",
                ),
            ),
        ),
        actor=MIA,
    )

    print("Ana calls, upset: her annual subscription renewed seven weeks ago and she wants")
    print("the money back. Sam opens an escalated case with her own words.")
    case = rk.open_case(
        actor=SAM,
        client=ANA,
        subject="Refund of the annual renewal",
        statement="I was charged for another year and I want my money back.",
        escalated=True,
        case_id="case-1042",
    )
    print(f"  accepted  Sam opens {case.id}; it is {case.state}")

    # Saying no at once breaks two rules; RuleViolations carries each of them.
    try:
        rk.handle(
            case.id,
            Decline(
                reason="The renewal was paid 49 days ago; refunds end after 30 days.",
                clause_id="refunds-30d",
            ),
            actor=SAM,
        )
    except RuleViolations as refusal:
        print("  refused   Sam says no straight away")
        for violation in refusal.violations:
            print(f"            {violation.rule_id}: {violation.reason}")

    case = rk.handle(
        case.id, Acknowledge(paraphrase="You were charged for a year you did not want."), actor=SAM
    )
    print(f"  accepted  Sam restates her concern; the case is {case.state}")

    # Whether Ana was heard is for Ana to say: the gate refuses anyone else (NotPermitted).
    try:
        rk.handle(case.id, ConfirmHeard(), actor=SAM)
    except NotPermitted as refusal:
        print("  refused   Sam marks Ana as heard himself")
        print(f"            {refusal.rule_id}: {refusal.reason}")

    clock.advance(minutes=2)
    case = rk.handle(
        case.id,
        CorrectParaphrase(correction="Nobody told me it would renew; that is what upsets me."),
        actor=ANA,
    )
    print(f"  accepted  Ana corrects him: the money is only half of it; the case is {case.state}")
    rk.handle(
        case.id,
        Acknowledge(paraphrase="The renewal came without warning, and you want the charge undone."),
        actor=SAM,
    )
    case = rk.handle(case.id, ConfirmHeard(), actor=ANA)
    print(f"  accepted  Sam restates it again and Ana confirms; the case is {case.state}")

    # Buying time: the reply-by time becomes a promise to Ana.
    clock.advance(minutes=5)
    case = rk.handle(
        case.id,
        Defer(
            reply_by=pendulum.datetime(2026, 3, 3, 12, tz=LONDON),
            reason="I want to check whether the renewal notice reached you.",
        ),
        actor=SAM,
    )
    print(f"  accepted  Sam buys time and promises a reply by tomorrow noon; {case.state}")
    clock.advance(hours=3)
    rk.handle(
        case.id,
        Consult(
            colleague_id=MIA,
            note="The renewal notice went out on 22 December; the refund window is firm.",
        ),
        actor=SAM,
    )
    print("  accepted  Sam asks Mia, his manager, for her view")

    try:
        rk.handle(
            case.id,
            Decline(reason="Refunds end after 30 days.", clause_id="refund-policy"),
            actor=SAM,
        )
    except RuleViolation as refusal:
        print("  refused   Sam declines, citing a clause that does not exist")
        print(f"            {refusal.rule_id}: {refusal.reason}")

    clock.advance(hours=1)
    case = rk.handle(
        case.id,
        Decline(
            reason=(
                "The renewal was paid 49 days ago, past the 30-day refund window, and the "
                "renewal notice was e-mailed 21 days before it."
            ),
            clause_id="refunds-30d",
            evidence=(
                "payment of 2026-01-12 on invoice 1043",
                "renewal notice e-mailed on 2025-12-22",
            ),
        ),
        actor=SAM,
    )
    print(f"  accepted  Sam declines with the reason, the clause and the facts; {case.state}")
    clock.advance(minutes=20)
    case = rk.handle(
        case.id,
        Resolve(summary="Ana understood the decision and turned off automatic renewal."),
        actor=SAM,
    )
    print(f"  accepted  Sam records how it ended; the case is {case.state}")

    try:
        rk.handle(case.id, Close(), actor=SAM)
    except RuleViolation as refusal:
        print("  refused   Sam closes the case without asking Ana how it went")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    rk.feedback.request(case.id, actor=SAM)
    case = rk.handle(case.id, Close(), actor=SAM)
    print(f"  accepted  Sam asks Ana for feedback, then closes the case; it is {case.state}")

    print_timeline(
        f"Ana's refund request: the timeline of case {case.id}", rk.timeline(case.id), LONDON
    )
    report = rk.verify_all()
    print(f"\nTimelines checked: {report.checked}, {'all intact' if report.ok else 'BROKEN'}.")


if __name__ == "__main__":
    main()
