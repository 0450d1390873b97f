"""Expectations first: settle what the client expects, then promise only what you can keep.

Lena Hoffmann runs an online shop from New York. She asks a Berlin web agency for three
things: (A) an accessibility review, (B) a full redesign and (C) first place on search
engines. The agency's catalogue has a website audit that covers A and nothing else, and it
takes 20 business days on the Berlin office's calendar, German public holidays included.
Jonas takes her request. relationkit keeps him honest:

* a promise made while Lena's expectations are still open is refused (``R5.promise``);
* A is matched to the audit's scope; B and C are reset with Lena, and each conversation
  is recorded on the case;
* a promise due in two weeks is refused, with the earliest due time the calendar can
  honour (``R4``); ``rk.promises.earliest_due`` gives the same answer beforehand;
* a promise due in six weeks is made; four weeks on, Jonas moves it a week, with Lena's
  agreement, before it falls due; the promise sweep warns when 80 % of its business time
  has passed; the promise is kept;
* times are shown on the office's clock and on Lena's.

The case's and the promise's timelines are printed at the end, and every timeline's hash
chain is checked. Times come from a :class:`~relationkit.ManualClock`, so the output is the
same on every run::

    python examples/expectations_and_promises.py

``main(store)`` plays the story into a store given by its URL (``relationkit demo`` plays
it into ``relations.db``); without one it plays in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from relationkit import Client, Event, ManualClock, Relations, RuleViolation, Staff
from relationkit.calendars import BusinessCalendar, BusinessTime, Offering
from relationkit.cases import (
    Acknowledge,
    ConfirmHeard,
    MatchExpectation,
    RecordExpectation,
    ResetExpectation,
)

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
LENA, JONAS, INES = "c-lena", "s-jonas", "s-ines"


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


def both(at: pendulum.DateTime) -> str:
    """A time on the office's clock and on Lena's."""
    office, lena = at.in_timezone(BERLIN), at.in_timezone(NEW_YORK)
    return f"{office:ddd D MMM HH:mm} in Berlin ({lena:HH:mm} in New York)"


def main(store: str | None = None, registrar: str | None = None) -> None:
    """Play the story into ``store`` (a store URL such as ``sqlite:///relations.db``), or
    into memory when it is omitted. ``registrar`` registers the story's people: in a new
    store nobody can yet, so relationkit's setup does (its events name ``rk-setup``); the
    demo, which plays every story into one store, names its front office."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 10, tz=BERLIN))
    rk = Relations(store, clock=clock)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=LENA, name="Lena Hoffmann", timezone=NEW_YORK),
        Staff(id=JONAS, name="Jonas Weber", roles={"agent"}, timezone=BERLIN),
        Staff(id=INES, name="Ines Roth", roles={"manager"}, timezone=BERLIN),
        actor=registrar,
    )
    # Know your stuff: when the office works, and what it offers with what lead time. Both
    # set what everyone is held to, so a manager registers them, on the record.
    rk.calendars.register(
        BusinessCalendar(
            id="berlin-office",
            name="Berlin office",
            timezone=BERLIN,
            hours={"mon-thu": "09:00-17:30", "fri": "09:00-15:00"},
            country="DE",
            subdivision="BE",
        ),
        actor=INES,
        reason="Our opening hours and Berlin's public holidays.",
    )
    rk.calendars.register_offering(
        Offering(
            id="website-audit",
            name="Website audit",
            scope=("accessibility review", "performance review"),
            lead_time=BusinessTime(days=20),
            calendar_id="berlin-office",
        ),
        actor=INES,
    )

    print("Lena wants (A) an accessibility review, (B) a full redesign and (C) first place on")
    print("search engines. The agency's website audit covers only A, in 20 business days.")
    case = rk.open_case(
        actor=JONAS,
        client=LENA,
        subject="Shop website before the summer sale",
        statement="I want the shop accessible, redesigned, and first on search engines.",
        case_id="case-2201",
    )
    print(f"  accepted  Jonas opens {case.id} with Lena's words")
    for key, words in [
        ("A", "an accessibility review"),
        ("B", "a full redesign"),
        ("C", "first place on search engines"),
    ]:
        rk.handle(case.id, RecordExpectation(key=key, text=words), actor=JONAS)
        print(f"  accepted  Jonas records expectation {key}: {words}")
    rk.handle(
        case.id,
        Acknowledge(paraphrase="You want A, B and C for the shop before the summer sale."),
        actor=JONAS,
    )
    case = rk.handle(case.id, ConfirmHeard(), actor=LENA)
    print(f"  accepted  Jonas restates what she wants and Lena confirms; the case is {case.state}")

    six_weeks = clock.now().add(weeks=6).set(hour=15)
    promise = {
        "actor": JONAS,
        "what": "An accessibility review of the shop",
        "offering": "website-audit",
        "scope": ["accessibility review"],
        "case": case.id,
        "promise_id": "promise-2201",
    }
    try:
        rk.promises.make(**promise, due=six_weeks)
    except RuleViolation as refusal:
        print("  refused   Jonas promises the review before her expectations are settled")
        print(f"            {refusal.rule_id}: {refusal.reason}")

    rk.handle(
        case.id,
        MatchExpectation(
            expectation="A", offering_id="website-audit", scope_item="accessibility review"
        ),
        actor=JONAS,
    )
    print("  accepted  Jonas matches A to the audit's accessibility review")
    for key, talk in [
        ("B", "Told Lena a redesign is not something we do; she will ask a design studio."),
        ("C", "Told Lena nobody can promise a search ranking; she agreed to drop it."),
    ]:
        rk.handle(case.id, ResetExpectation(expectation=key, conversation=talk), actor=JONAS)
        print(f"  accepted  Jonas resets {key} with Lena: {talk}")

    two_weeks = clock.now().add(weeks=2).set(hour=15)
    try:
        rk.promises.make(**promise, due=two_weeks)
    except RuleViolation as refusal:
        print(f"  refused   Jonas promises the review for {both(two_weeks)}")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    honest = rk.promises.earliest_due("website-audit", owner=JONAS)
    print(f"The earliest honest due time is {both(honest.earliest)}.")
    made = rk.promises.make(**promise, due=six_weeks)
    print(f"  accepted  Jonas promises it for {both(made.due_at)}; the promise is {made.state}")

    clock.advance(weeks=4)
    moved = rk.promises.renegotiate(
        made.id,
        actor=JONAS,
        due=six_weeks.add(weeks=1),
        party_told="Called Lena: the new checkout needs reviewing too; she agreed.",
        reason="The checkout was rebuilt during the review.",
    )
    print(f"  accepted  Four weeks on, Jonas moves the due time to {both(moved.due_at)},")
    print("            with Lena's agreement, before it falls due")

    # The promise sweep runs on a schedule in a real application (rk.sweeps.run()).
    if moved.warn_at is not None:
        clock.set(moved.warn_at)
    swept = rk.promises.run()
    if made.id in swept.warned:
        print(f"{both(clock.now())}: 80 % of the promise's business time has passed;")
        print("the promise sweep warns that it falls due soon.")
    clock.advance(days=2)
    kept = rk.promises.keep(made.id, actor=JONAS, note="Report delivered to Lena.")
    print(f"  accepted  Jonas delivers the report; the promise is {kept.state}")
    rate = rk.promises.keeping_rate(owner=JONAS)
    print(f"Jonas's promise-keeping record: {rate.kept} kept, {rate.broken} broken.")

    print_timeline(f"Lena's request: the timeline of case {case.id}", rk.timeline(case.id), BERLIN)
    print_timeline(
        f"The promise to Lena: the timeline of promise {kept.id}",
        rk.promises.timeline(kept.id),
        BERLIN,
    )
    report = rk.verify_all()
    print(f"\nTimelines checked: {report.checked}, {'all intact' if report.ok else 'BROKEN'}.")


if __name__ == "__main__":
    main()
