"""Service levels: a case opened on a Friday evening, a reply due on Monday morning.

Ingrid Lindqvist's company is on the "gold-support" contract: a first reply within one
business hour and a resolution within sixteen, counted on the support desk's calendar
(Stockholm, weekdays 09:00-17:00). Her e-mail arrives on Friday at 17:50, after hours.
relationkit keeps the clocks and holds everyone to them:

* the targets come from the contract, never from who Ingrid is (care rule ``R10``); a manager
  defines them, on the record, and an agent may not (the gate ``ROLE``);
* the first reply is due on Monday at 10:00, not on Friday evening: the clock counts the
  desk's working hours only;
* the sweep warns at three quarters of the target and records the breach at the due time,
  each exactly once however often it runs, and a listener pages the manager;
* while the desk waits for Ingrid's answer to a question, the resolution clock pauses;
* a change of priority is recorded with who changed it and why, and the running clocks
  take the new targets as if they had been set from the start;
* every start, pause, warning and breach is an event on the case's tamper-evident timeline.

At the end the clocks' events are printed and every timeline's hash chain is checked. Times
come from a :class:`~relationkit.ManualClock`, so the output is the same on every run::

    python examples/service_levels.py

``main(store)`` plays the story into a store given by its URL (``relationkit demo`` plays
it into ``relations.db``); without one it plays in memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import pendulum

from relationkit import Client, Event, ManualClock, NotPermitted, Relations, Staff
from relationkit.calendars import BusinessCalendar
from relationkit.cases import Accept, Acknowledge, ConfirmHeard, RecordStatement, Resolve
from relationkit.equality import Entitlement
from relationkit.service_levels import ChangePriority, ServiceLevelPolicy, Wait

STOCKHOLM = "Europe/Stockholm"
INGRID, OMAR, ELIN = "c-ingrid", "s-omar", "s-elin"
CASE = "case-2207"


def main(store: str | None = None, registrar: str | None = None) -> None:
    """Play the story into ``store`` (a store URL such as ``sqlite:///relations.db``), or
    into memory when it is omitted. ``registrar`` registers the story's people: in a new
    store nobody can yet, so relationkit's setup does (its events name ``rk-setup``); the
    demo, which plays every story into one store, names its front office."""
    clock = ManualClock(pendulum.datetime(2026, 3, 6, 17, 50, tz=STOCKHOLM))  # a Friday
    rk = Relations(store, clock=clock)
    try:
        story(rk, clock, registrar)
    finally:
        rk.store.close()


def print_timeline(title: str, events: Iterable[Event], zone: str) -> None:
    """Print a timeline: each event's number, time (read in ``zone``), name and actor, with
    what it recorded on the line below (for the clocks' events, what changed)."""
    print(f"\n{title} (times in {zone})")
    for event in events:
        when = event.at.in_timezone(zone)
        print(
            f"  {event.sequence:>2}  {when:ddd D MMM YYYY HH:mm}  {event.name} by {event.actor_id}"
        )
        changes = event.data.get("clock_changes")
        if changes:
            data = [", ".join(f"{c['metric']} {c['change']}" for c in changes)]
        else:
            data = [
                f"{key}: {value}"
                for key, value in event.data.items()
                if value not in (None, "", []) and key != "levels"
            ]
        if data:
            print("        " + "; ".join(data))


def show_clocks(rk: Relations, title: str) -> None:
    """Print where each clock of the case stands now, in the desk's time."""
    print(f"  {title}")
    for status in rk.service_levels.clocks(CASE):
        due = "" if status.due_at is None else f", due {status.due_at:ddd D MMM HH:mm}"
        if status.breached:
            how = f"breached by {status.by.in_words()}"
        elif status.met:
            how = f"met with {status.by.in_words()} to spare"
        else:
            how = f"{status.state}, {status.remaining.in_words()} of business time left"
        print(f"            {status.metric}: {how}{due}")


def story(rk: Relations, clock: ManualClock, registrar: str | None = None) -> None:
    """The story itself, step by step."""
    rk.register(
        Client(id=INGRID, name="Ingrid Lindqvist", contract="gold-support", timezone=STOCKHOLM),
        Staff(id=OMAR, name="Omar Haddad", roles={"agent"}, timezone=STOCKHOLM),
        Staff(id=ELIN, name="Elin Berg", roles={"manager"}, timezone=STOCKHOLM),
        actor=registrar,
    )
    # What everyone is held to is set by a manager, on the record.
    rk.calendars.register(
        BusinessCalendar(
            id="stockholm-desk",
            name="Stockholm support desk",
            timezone=STOCKHOLM,
            hours={"mon-fri": "09:00-17:00"},
        ),
        actor=ELIN,
    )
    rk.equality.entitle(
        Entitlement(
            id="gold-support",
            response_within=pendulum.duration(hours=1),
            resolution_within=pendulum.duration(days=2),
        ),
        actor=ELIN,
    )
    gold = ServiceLevelPolicy(
        id="gold-support-sla",
        title="Gold support",
        contracts=("gold-support",),
        targets={
            "normal": {
                "first_reply": pendulum.duration(hours=1),
                "resolution": pendulum.duration(hours=16),
            },
            "urgent": {
                "first_reply": pendulum.duration(minutes=30),
                "resolution": pendulum.duration(hours=8),
            },
        },
        default_priority="normal",
        calendar_id="stockholm-desk",
    )
    try:
        rk.service_levels.define(gold, actor=OMAR, reason="Let me set our own targets.")
    except NotPermitted as refusal:
        print("  refused   Omar, an agent, defines the contract's targets himself")
        print(f"            {refusal.rule_id}: {refusal.reason}")
    rk.service_levels.define(gold, actor=ELIN, reason="The gold contract's terms, 2026.")
    print("  accepted  Elin, the manager, defines them: reply within 1 business hour,")
    print("            resolve within 16, on the Stockholm desk's hours")

    # The manager's pager: a listener hears every warning and breach as it is recorded.
    rk.subscribe(
        lambda event, case: print(f"  paged     Elin hears {event.name} on {case.id}"),
        events=["ServiceLevelWarning", "ServiceLevelBreached"],
    )

    print("\nFriday 17:50: Ingrid writes that her company was billed twice for February.")
    rk.open_case(
        actor=OMAR,
        client=INGRID,
        subject="Billed twice for February",
        statement="We were charged twice for February and need one charge reversed.",
        case_id=CASE,
    )
    show_clocks(rk, "the case is open; the desk is closed until Monday 09:00")

    clock.set(pendulum.datetime(2026, 3, 9, 9, 50, tz=STOCKHOLM))
    print("\nMonday 09:50: the sweep runs (as it would every few minutes).")
    print(f"  swept     warned: {list(rk.service_levels.run().warned)}")
    clock.set(pendulum.datetime(2026, 3, 9, 10, 20, tz=STOCKHOLM))
    print("Monday 10:20: nobody has answered yet; the sweep runs twice.")
    print(f"  swept     breached: {list(rk.service_levels.run().breached)}")
    again = rk.service_levels.run().breached
    print(f"  swept     breached: {list(again)} (a breach is recorded once)")

    rk.handle(
        CASE,
        Acknowledge(paraphrase="February was charged twice; you want one reversed."),
        actor=OMAR,
    )
    clock.advance(minutes=10)
    rk.handle(CASE, ConfirmHeard(note="Yes, exactly."), actor=INGRID)
    show_clocks(rk, "Omar replies at last and Ingrid confirms he understood; a breach stays one")

    clock.advance(minutes=20)
    rk.handle(
        CASE, Wait(on="client", note="Which of the two invoice numbers should stay?"), actor=OMAR
    )
    clock.set(pendulum.datetime(2026, 3, 10, 11, tz=STOCKHOLM))
    show_clocks(rk, "Tuesday 11:00: Omar asked Ingrid a question; while the desk waits, it pauses")

    # Ingrid's answer, in her words, recorded by Omar: the client's words end the wait.
    rk.handle(CASE, RecordStatement(text="Keep invoice 2026-031, reverse 2026-032."), actor=OMAR)
    rk.handle(
        CASE,
        ChangePriority(priority="urgent", reason="Her payroll run is blocked until it is fixed."),
        actor=OMAR,
    )
    show_clocks(rk, "Ingrid answers and adds that payroll is blocked; Omar makes the case urgent")

    rk.handle(
        CASE, Acknowledge(paraphrase="Reverse 2026-032, and quickly: payroll waits."), actor=OMAR
    )
    rk.handle(CASE, ConfirmHeard(), actor=INGRID)
    rk.handle(CASE, Accept(note="A duplicate charge; reversed in full."), actor=OMAR)
    clock.advance(hours=2)
    rk.handle(
        CASE, Resolve(summary="Invoice 2026-032 reversed; the refund is on its way."), actor=OMAR
    )
    show_clocks(rk, "Two hours later the charge is reversed and the case resolved")

    print("\nAttainment of the gold contract's targets so far:")
    for group in rk.service_levels.attainment(by=("policy", "metric")):
        policy, *_, metric = group.key  # the dimensions not asked for read "*"
        print(f"  {policy}, {metric}: met {group.met}, breached {group.breached}")

    print_timeline(
        f"Ingrid's double charge: the timeline of case {CASE}", rk.timeline(CASE), STOCKHOLM
    )

    report = rk.verify_all()
    print(f"\nTimelines checked: {report.checked}, {'all intact' if report.ok else 'DAMAGED'}.")


if __name__ == "__main__":
    main()
