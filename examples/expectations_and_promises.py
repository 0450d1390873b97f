"""Expectations and promises: set expectations up front, then promise only what you can keep.

Lena Hoffmann, who runs an online shop from New York, asks a Berlin web agency for three
things: (A) an accessibility review, (B) a full redesign and (C) a first place on search
engines. The agency's catalogue offers a website audit that covers only A, with a lead time
of 20 business days on the Berlin office calendar (German public holidays included).

The story shows what relationkit enforces:

* a promise made before Lena's expectations are settled is refused (care rule R5);
* A is matched to the audit's scope; B and C are reset with Lena, the conversation recorded;
* a promise due in two weeks is refused, naming the earliest honest due time (R4);
* a promise due in six weeks is made, renegotiated once before it falls due (Lena is told),
  warned about by the sweep once 80 % of the business time has passed, and kept;
* the promise's timeline is printed with every time on Lena's clock and the office's.

Times come from a manual clock, so the output is the same on every run::

    python examples/expectations_and_promises.py
"""

from __future__ import annotations

import textwrap

import pendulum

from relationkit import (
    Acknowledge,
    Client,
    ConfirmHeard,
    Relations,
    RuleViolation,
    Staff,
)
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.case import MatchExpectation, RecordExpectation, ResetExpectation
from relationkit.domain.offering import Offering
from relationkit.testing import ManualClock

OFFICE = "Europe/Berlin"
CLIENT_ZONE = "America/New_York"
NAMES = {"s-jonas": "Jonas Weber", "s-ines": "Ines Roth", "c-lena": "Lena Hoffmann"}


def when(at: pendulum.DateTime) -> str:
    """A time as the office and the client each read it."""
    office = at.in_timezone(OFFICE).format("ddd D MMM HH:mm")
    client = at.in_timezone(CLIENT_ZONE).format("ddd D MMM HH:mm")
    return f"{office} Berlin ({client} New York)"


def say(text: str) -> None:
    """Print a refusal's reason, wrapped for reading."""
    print(textwrap.fill(text, width=92, initial_indent="  ", subsequent_indent="  "))


def setting() -> tuple[Relations, ManualClock]:
    """The agency, its calendar and catalogue, and its client."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 10, tz=OFFICE))
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-lena", name=NAMES["c-lena"], timezone=CLIENT_ZONE),
        Staff(id="s-jonas", name=NAMES["s-jonas"], roles={"agent"}, timezone=OFFICE),
        Staff(id="s-ines", name=NAMES["s-ines"], roles={"manager"}, timezone=OFFICE),
    )
    rk.promises.register_calendar(
        BusinessCalendar(
            id="berlin-office",
            name="Berlin office",
            timezone=OFFICE,
            hours={"mon-thu": "09:00-17:30", "fri": "09:00-15:00"},
            country="DE",
            subdivision="BE",
        )
    )
    rk.promises.register_offering(
        Offering(
            id="audit",
            name="Website audit",
            scope=("accessibility review", "performance review"),
            lead_time=BusinessTime(days=20),
            calendar_id="berlin-office",
        )
    )
    return rk, clock


def main() -> None:
    rk, clock = setting()
    print("Website audit for Lena Hoffmann")
    print("=" * 31)
    case = rk.open_case(
        actor="s-jonas",
        client="c-lena",
        subject="Shop website",
        statement="I want the shop accessible, redesigned, and first on search engines.",
        case_id="case-2201",
    )
    expected = {
        "A": "an accessibility review",
        "B": "a full redesign",
        "C": "first place on search engines",
    }
    for key, words in expected.items():
        rk.handle(case.id, RecordExpectation(key=key, text=words), actor="s-jonas")
    rk.handle(
        case.id,
        Acknowledge(paraphrase="You want A, B and C for the shop before the summer sale."),
        actor="s-jonas",
    )
    rk.handle(case.id, ConfirmHeard(), actor="c-lena")
    print("Lena expects: " + "; ".join(f"({k}) {v}" for k, v in expected.items()))

    six_weeks = clock.now().add(weeks=6).set(hour=15)
    try:
        rk.promises.make(
            actor="s-jonas", what="An accessibility review", offering="audit",
            scope=["accessibility review"], case=case.id, due=six_weeks,
        )  # fmt: skip
    except RuleViolation as refused:
        print(f"\nPromising now is refused [{refused.rule_id}]:")
        say(refused.reason)

    rk.handle(
        case.id,
        MatchExpectation(expectation="A", offering_id="audit", scope_item="accessibility review"),
        actor="s-jonas",
    )
    for key, talk in [
        ("B", "Told Lena a redesign is not something we do; she will ask a design studio."),
        ("C", "Told Lena nobody can promise a search ranking; she agreed to drop it."),
    ]:
        rk.handle(case.id, ResetExpectation(expectation=key, conversation=talk), actor="s-jonas")
    print("\nExpectations settled with Lena:")
    for e in rk.case(case.id).expectations:
        how = f"matched to {e.offering_id}: {e.scope_item}" if e.status == "matched" else "reset"
        print(f"  ({e.key}) {e.text}: {how}")
        if e.conversation:
            print(f"      conversation: {e.conversation}")

    two_weeks = clock.now().add(weeks=2).set(hour=15)
    print(f"\nJonas offers a due time in two weeks: {when(two_weeks)}")
    try:
        rk.promises.make(
            actor="s-jonas", what="An accessibility review", offering="audit",
            scope=["accessibility review"], case=case.id, due=two_weeks,
        )  # fmt: skip
    except RuleViolation as refused:
        print(f"  refused [{refused.rule_id}]:")
        say(refused.reason)
        honest = rk.promises.earliest_due("audit", owner="s-jonas")
        print(f"  earliest honest due time: {when(honest.earliest)}")

    promise = rk.promises.make(
        actor="s-jonas",
        what="An accessibility review of the shop",
        offering="audit",
        scope=["accessibility review"],
        case=case.id,
        due=six_weeks,
    )
    print(f"\nPromised instead, six weeks out: due {when(promise.due_at)}")

    clock.advance(weeks=4)
    moved = rk.promises.renegotiate(
        promise.id,
        actor="s-jonas",
        due=six_weeks.add(weeks=1),
        party_told="Called Lena: the shop's new checkout needs reviewing too; she agreed.",
        reason="The checkout was rebuilt during the review.",
    )
    print(f"Renegotiated in time, on {when(clock.now())}: now due {when(moved.due_at)}")

    assert moved.warn_at is not None
    clock.set(moved.warn_at)
    report = rk.promises.run()
    print(f"Sweep on {when(clock.now())}: {len(report.warned)} promise falling due (80 %)")
    print(f"Sweep again at the same time changes nothing: {not rk.promises.run().changed}")

    clock.advance(days=2)
    kept = rk.promises.keep(promise.id, actor="s-jonas", note="Report delivered to Lena.")
    print(f"Kept on {when(clock.now())}: state {kept.state}")

    print("\nTimeline of the promise:")
    for event in rk.promises.timeline(promise.id):
        who = NAMES.get(event.actor_id, event.actor_id)
        print(
            f"  {event.at.in_timezone(OFFICE).format('ddd D MMM HH:mm'):<17} {who:<18} {event.name}"
        )
    rate = rk.promises.keeping_rate(owner="s-jonas")
    print(f"\nJonas's keeping rate: {rate.kept} kept, {rate.broken} broken")
    verified = rk.verify_all()
    print(f"Timelines verified: {verified.checked} checked, intact: {verified.ok}")


if __name__ == "__main__":
    main()
