"""The liaison between a client and a vendor, and a fault that comes back (care rule R8).

Harbour IT looks after Rosa Lindqvist's phones but does not make them: the handsets come
from Altus Mobile, a vendor. Rosa does not deal with Altus herself; Harbour stands between
them, presses the vendor and keeps her informed. When her phone keeps dropping calls:

* her case is opened and she is heard; the fault goes to Altus as a vendor ticket, and
  Rosa is promised an update every two days; Altus acknowledges with its own reference;
* when an update falls due, ``rk.liaison.updates_due()`` lists her ticket, and Jon gives
  her the update;
* Altus sends a fix; closing the case before the fix is passed on to Rosa is refused
  (``R8.relay``); Jon relays it in plain words, she confirms the calls hold, and the case
  closes;
* three months later the same fault is back: the new case is recognised as a recurrence
  of the first and linked to it, Altus's reliability figure drops, and Rosa is told what
  Harbour does about it (it takes the fault up with Altus again, on her side).

The first case's and the repeat ticket's timelines are printed at the end, and every
timeline's hash chain is checked. Times come from a :class:`~relationkit.ManualClock`, so
the output is the same on every run::

    python examples/vendor_liaison.py

``main(store)`` plays the story into a store given by its URL (``relationkit demo`` plays
it into ``relations.db``); without one it plays in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from relationkit import Client, Event, ManualClock, Relations, RuleViolation, Staff, Vendor
from relationkit.cases import Accept, Acknowledge, Close, ConfirmHeard, Resolve

STOCKHOLM = "Europe/Stockholm"
ROSA, ALTUS, JON = "c-rosa", "v-altus", "s-jon"
PHONE = "Altus A7 phone"


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
    clock = ManualClock(pendulum.datetime(2026, 2, 2, 9, tz=STOCKHOLM))
    rk = Relations(store, clock=clock)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=ROSA, name="Rosa Lindqvist", timezone=STOCKHOLM),
        Vendor(id=ALTUS, name="Altus Mobile"),
        Staff(id=JON, name="Jon Berg", roles={"agent"}, timezone=STOCKHOLM),
        actor=registrar,
    )
    relationship = rk.relationships.create(actor=JON, party=ROSA, relationship_id="rel-rosa")
    relationship = rk.relationships.activate(relationship.id, actor=JON)
    print(
        f"Rosa has a support contract with Harbour IT: {relationship.id} is {relationship.state}."
    )

    first = rk.open_case(
        actor=JON,
        client=ROSA,
        subject="Phone drops calls",
        statement="Every call drops after about ten seconds. I run my business on this phone.",
        case_id="case-301",
        product=PHONE,  # product and category let relationkit recognise the fault if it returns
        category="calls",
    )
    print(f"  accepted  Rosa calls: her phone drops every call; Jon opens {first.id}")
    rk.handle(
        first.id,
        Acknowledge(paraphrase="Your calls cut out after ten seconds, and you need them."),
        actor=JON,
    )
    rk.handle(first.id, ConfirmHeard(), actor=ROSA)
    rk.handle(first.id, Accept(note="We will take it to Altus."), actor=JON)
    print("  accepted  Jon restates the problem, Rosa confirms, and Jon takes the case on")

    ticket = rk.liaison.escalate_to_vendor(
        first.id,
        actor=JON,
        vendor=ALTUS,
        problem="A7 drops calls after about 10 s on firmware 4.1.",
        ticket_id="ticket-301",
    )
    print(f"  accepted  Jon escalates the fault to Altus as {ticket.id}")
    owed_by = ticket.next_update_due.in_timezone(STOCKHOLM)
    print(f"            Rosa is owed an update by {owed_by:ddd D MMM HH:mm}")
    clock.advance(hours=5)
    ticket = rk.liaison.vendor_acknowledged(ticket.id, actor=JON, vendor_reference="ALT-55817")
    answer = ticket.responses[-1]
    print(f"  accepted  Altus acknowledges, with its own reference {ticket.vendor_reference},")
    print(
        f"            after {answer.elapsed.in_words()}, "
        f"{'within' if answer.within_target else 'outside'} its target"
    )

    clock.set(ticket.next_update_due)
    if ticket.id in [owed.id for owed in rk.liaison.updates_due()]:
        print(f"{owed_by:ddd D MMM HH:mm}: the update promised to Rosa falls due;")
        print("the liaison lists her ticket among those whose client is owed one.")
    rk.liaison.update_client(
        ticket.id, actor=JON, message="Altus is testing a fix; next news on Friday."
    )
    print("  accepted  Jon updates Rosa")
    clock.advance(days=1, hours=5)
    rk.liaison.fix_provided(ticket.id, actor=JON, fix="Firmware 4.2 fixes the radio timer.")
    print("  accepted  Altus provides a fix: firmware 4.2")
    rk.handle(first.id, Resolve(summary="Firmware 4.2 installed with Rosa."), actor=JON)
    rk.feedback.request(first.id, actor=JON)
    print("  accepted  Jon records the resolution and asks Rosa for feedback")

    try:
        rk.handle(first.id, Close(), actor=JON)
    except RuleViolation as refusal:
        print("  refused   Jon closes the case before telling Rosa about the fix")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    rk.liaison.relay_fix(
        ticket.id,
        actor=JON,
        message="Install update 4.2 from Settings tonight; it fixes the dropped calls.",
    )
    print("  accepted  Jon relays the fix to Rosa in plain words")
    rk.liaison.client_confirmed(ticket.id, actor=JON, note="Rosa called back: calls hold.")
    first = rk.handle(first.id, Close(), actor=JON)
    print(f"  accepted  Rosa confirms the calls hold; the case is {first.state}")
    before = rk.liaison.vendor_reliability(ALTUS)
    print(
        f"Altus's record so far: reliability {before.reliability:.0%}, "
        f"recurrence rate {before.recurrence_rate:.0%}"
    )

    clock.advance(months=3)
    print("\nThree months later, Rosa calls again.")
    second = rk.open_case(
        actor=JON,
        client=ROSA,
        subject="The phone drops calls again!",
        statement="It's the same thing again. Did you sell me a broken phone?",
        case_id="case-302",
        product=PHONE,
        category="calls",
    )
    print(f"  accepted  Jon opens {second.id}: the same phone drops calls again")
    print(f"relationkit links it to {second.recurrence_of} as a recurrence. The history:")
    for case in rk.liaison.recurrence_chain(second.id):
        print(
            f"    {case.id} opened {case.opened_at:ddd D MMM YYYY}: {case.subject} ({case.state})"
        )
    after = rk.liaison.vendor_reliability(ALTUS)
    print(
        f"Altus's reliability figure falls from {before.reliability:.0%} to "
        f"{after.reliability:.0%}; recurrence rate {after.recurrence_rate:.0%}."
    )
    rk.handle(
        second.id,
        Acknowledge(paraphrase="The same fault is back after three months, and it hurts."),
        actor=JON,
    )
    rk.handle(second.id, ConfirmHeard(), actor=ROSA)
    print("  accepted  Jon restates it and Rosa confirms: she has been heard")
    again = rk.liaison.escalate_to_vendor(
        second.id,
        actor=JON,
        vendor=ALTUS,
        problem="Repeat of ALT-55817: firmware 4.2 did not hold.",
        ticket_id="ticket-302",
    )
    print(f"  accepted  Jon escalates to Altus again as {again.id}, a repeat of ALT-55817")
    rk.liaison.update_client(
        again.id,
        actor=JON,
        message=(
            "We are on your side: Altus makes the phone, and we press them for you. We "
            "reopened ALT-55817 as a repeat fault and will call you every two days until "
            "it is fixed for good."
        ),
    )
    print("  accepted  Jon tells Rosa what is being done")

    print_timeline(
        f"Rosa's first case: the timeline of case {first.id}", rk.timeline(first.id), STOCKHOLM
    )
    print_timeline(
        f"The repeat ticket with Altus: the timeline of vendor ticket {again.id}",
        rk.liaison.timeline(again.id),
        STOCKHOLM,
    )
    report = rk.verify_all()
    print(f"\nTimelines checked: {report.checked}, {'all intact' if report.ok else 'BROKEN'}.")


if __name__ == "__main__":
    main()
