"""Saying no well: a heated request, listened to first, answered with a reasoned "no".

Dana Whitfield's annual plan renewed without the reminder she was promised, and she wants
her money back today. The story shows what relationkit enforces on the way to a refusal:

* an early "no" is refused, because Dana has not been heard yet (care rule R1) and an
  escalated case needs a colleague's view first (R3);
* staff restate her concern; Dana corrects it; staff restate it again and she confirms;
* staff buy time with a promised reply-by time (R3), consult a manager, and then decline,
  citing the clause of the written policy the answer rests on (R2);
* the timeline that results is printed for a person to read, and its hash chain verified.

Times come from a manual clock, so the output is the same on every run::

    python examples/saying_no.py
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import pendulum

from relationkit import (
    Acknowledge,
    Clause,
    Client,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Event,
    Policy,
    Relations,
    RuleViolation,
    Staff,
)
from relationkit.serialization import datetime_from_text
from relationkit.testing import ManualClock

ZONE = "Europe/London"
CASE_ID = "case-1042"


def setting() -> tuple[Relations, ManualClock]:
    """A business with a written policy, two staff members and one client."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, 12, tz=ZONE))
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-dana", name="Dana Whitfield", timezone=ZONE),
        Staff(id="s-priya", name="Priya Nair", roles={"agent"}, timezone=ZONE),
        Staff(id="s-tomas", name="Tomás Ferreira", roles={"manager"}, timezone=ZONE),
    )
    rk.publish_policy(
        Policy(
            version=1,
            published_at=pendulum.datetime(2026, 1, 1, tz=ZONE),
            clauses=[
                Clause(
                    id="refunds-30d",
                    text="An annual plan can be refunded within 30 days of its start or renewal.",
                ),
                Clause(
                    id="renewal-notice",
                    text="We remind customers by e-mail 10 days before an annual renewal.",
                ),
            ],
        )
    )
    return rk, clock


def story(rk: Relations, clock: ManualClock) -> list[str]:
    """Play the story; return what was refused along the way."""
    refusals: list[str] = []
    rk.open_case(
        actor="s-priya",
        client="c-dana",
        case_id=CASE_ID,
        subject="Annual plan renewed without warning",
        statement=(
            "You renewed my plan and took 480 pounds without a word. "
            "I want all of it back today, or I'm cancelling everything."
        ),
        escalated=True,
    )

    clock.advance(minutes=3)
    decline = Decline(
        reason="The refund window for the renewal has closed.", clause_id="refunds-30d"
    )
    try:
        rk.handle(CASE_ID, decline, actor="s-priya")
    except* RuleViolation as refused:
        for violation in refused.exceptions:
            assert isinstance(violation, RuleViolation)
            refusals.append(f"[{violation.rule_id}] {violation.reason}")

    clock.advance(minutes=2)
    rk.handle(
        CASE_ID,
        Acknowledge(paraphrase="You were charged 480 pounds for a renewal and want a refund."),
        actor="s-priya",
    )
    clock.advance(minutes=4)
    rk.handle(
        CASE_ID,
        CorrectParaphrase(
            correction="It's not just the money: you promised a reminder and it never came."
        ),
        actor="c-dana",
    )
    clock.advance(minutes=3)
    rk.handle(
        CASE_ID,
        Acknowledge(
            paraphrase=(
                "The renewal reminder you were promised never reached you, so the 480 pounds "
                "came as a surprise; you want it back and to know why the reminder failed."
            )
        ),
        actor="s-priya",
    )
    clock.advance(minutes=2)
    rk.handle(CASE_ID, ConfirmHeard(note="Yes, that's it."), actor="c-dana")

    clock.advance(minutes=5)
    rk.handle(
        CASE_ID,
        Defer(
            reply_by=pendulum.datetime(2026, 3, 3, 12, tz=ZONE),
            reason="I want to check the reminder logs and talk it over before I answer.",
        ),
        actor="s-priya",
    )
    clock.advance(hours=3, minutes=40)
    rk.handle(
        CASE_ID,
        Consult(
            colleague_id="s-tomas",
            note=(
                "The reminder went out on 2 January to the e-mail address on file, which Dana "
                "has since changed; the window closed; offer to fix the address and the next "
                "renewal date."
            ),
        ),
        actor="s-priya",
    )
    clock.set(pendulum.datetime(2026, 3, 3, 10, 30, tz=ZONE))
    rk.handle(
        CASE_ID,
        Decline(
            reason=(
                "The plan renewed on 12 January and the 30-day refund window closed on "
                "11 February; the reminder was sent on 2 January to the address we had then."
            ),
            clause_id="refunds-30d",
            evidence=["reminder e-mail log, 2 January", "renewal invoice, 12 January"],
        ),
        actor="s-priya",
    )
    return refusals


def describe(event: Event, names: Mapping[str, str]) -> tuple[str, list[str]]:
    """What an event means to a person: a headline and its key details."""
    data: Mapping[str, Any] = event.data
    details: list[str] = []
    if event.name == "CaseOpened":
        headline = "opened the case" + (" (marked escalated)" if data["escalated"] else "")
        details.append(f'{names[data["client_id"]]} said: "{data["statement"]}"')
    elif event.name == "CaseAcknowledged":
        headline = "restated the concern"
        details.append(f'"{data["paraphrase"]}"')
    elif event.name == "ParaphraseCorrected":
        headline = "corrected the restatement"
        details.append(f'"{data["correction"]}"')
    elif event.name == "ClientConfirmedHeard":
        headline = "confirmed being heard"
        if data.get("note"):
            details.append(f'"{data["note"]}"')
    elif event.name == "DecisionDeferred":
        reply_by = datetime_from_text(data["reply_by"])
        headline = "asked for time, promising a reply by " + reply_by.in_timezone(ZONE).format(
            "ddd D MMM HH:mm"
        )
        details.append(f'"{data["reason"]}"')
    elif event.name == "ColleagueConsulted":
        headline = f"consulted {names[data['colleague_id']]}"
        details.append(f'"{data["note"]}"')
    elif event.name == "RequestDeclined":
        headline = f"declined, citing policy clause {data['clause_id']!r}"
        details.append(f"Reason: {data['reason']}")
        details.extend(f"Evidence: {item}" for item in data["evidence"])
    else:
        headline = event.name
    return headline, details


def main() -> None:
    rk, clock = setting()
    refusals = story(rk, clock)
    case = rk.case(CASE_ID)
    client = rk.party(case.client_id)
    names = {client.id: client.name}
    for staff_id in ("s-priya", "s-tomas"):
        names[staff_id] = rk.staff(staff_id).name

    print(f"Case {case.id}: {case.subject}")
    print(f"Client: {client.name}    State now: {case.state}")
    print()
    print("Refused before the client was heard:")
    for refusal in refusals:
        print(textwrap.fill(refusal, width=100, initial_indent="  ", subsequent_indent="       "))
    print()
    print(f"Timeline (times in {ZONE}):")
    for event in rk.timeline(CASE_ID):
        headline, details = describe(event, names)
        when = event.at.in_timezone(ZONE).format("ddd D MMM HH:mm")
        print(f"  {when:<16} {names[event.actor_id]:<15}  {headline}")
        for detail in details:
            print(
                textwrap.fill(
                    detail, width=100, initial_indent=" " * 37, subsequent_indent=" " * 37
                )
            )
    policy = rk.current_policy()
    assert policy is not None
    assert case.decision is not None
    clause = policy.clause(case.decision.clause_id or "")
    assert clause is not None
    print()
    print(f"Policy version {policy.version}, clause {clause.id!r}:")
    print(textwrap.fill(clause.text, width=100, initial_indent="  ", subsequent_indent="  "))
    rk.verify(CASE_ID)
    print(f"Timeline verified: {case.version} events, hash chain intact (head {case.head[:12]}).")


if __name__ == "__main__":
    main()
