"""The liaison between a client and a vendor, and a fault that comes back (care rule R8).

Harbour IT looks after Rosa Lindqvist's phones but does not make them: the handsets come
from Altus Mobile. When Rosa's phone keeps dropping calls,

* her case is opened and she is heard; the problem goes to Altus as a vendor ticket with
  Altus's own reference, and Rosa is promised an update every two days;
* Altus acknowledges and sends a fix; Harbour relays it to Rosa in plain words, she confirms
  it works, and the case closes (it could not close before the fix was relayed);
* three months later the same fault is back. The new case is recognised as a recurrence of
  the first and linked to it, Altus's reliability figures drop, and Rosa is told what is
  being done: Harbour is on her side and takes it up with the vendor again.

Times come from a manual clock, so the output is the same on every run::

    python examples/vendor_liaison.py
"""

from __future__ import annotations

import pendulum

from relationkit import (
    Accept,
    Acknowledge,
    Client,
    Close,
    ConfirmHeard,
    Relations,
    Resolve,
    RuleViolation,
    Staff,
    Vendor,
)
from relationkit.testing import ManualClock


def say(when: pendulum.DateTime, text: str) -> None:
    local = when.in_timezone("Europe/Stockholm")
    print(f"{local.format('YYYY-MM-DD HH:mm')}  {text}")


def percent(share: float) -> str:
    return f"{share:.0%}"


def main() -> None:
    clock = ManualClock(pendulum.datetime(2026, 2, 2, 9, tz="Europe/Stockholm"))
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-rosa", name="Rosa Lindqvist", timezone="Europe/Stockholm"),
        Vendor(id="v-altus", name="Altus Mobile"),
        Staff(id="s-jon", name="Jon Berg", roles={"agent"}),
    )
    r = rk.relationships
    rel = r.create(actor="s-jon", party="c-rosa")
    r.activate(rel.id, actor="s-jon", note="Support contract signed.")

    print("== The first fault ==")
    fault = {"product": "Altus A7 phone", "category": "calls"}
    first = rk.open_case(
        actor="s-jon",
        client="c-rosa",
        subject="Phone drops calls",
        statement="Every call drops after about ten seconds. I run my business on this phone.",
        **fault,
    )
    rk.handle(
        first.id,
        Acknowledge(paraphrase="Your calls cut out after ten seconds, and you need them."),
        actor="s-jon",
    )
    rk.handle(first.id, ConfirmHeard(), actor="c-rosa")
    rk.handle(first.id, Accept(note="We will take it to Altus."), actor="s-jon")
    say(clock.now(), f"case opened in Rosa's relationship: {rel.id == first.relationship_id}")

    ticket = r.escalate_to_vendor(
        first.id,
        actor="s-jon",
        vendor="v-altus",
        problem="A7 drops calls after ~10 s on firmware 4.1.",
    )
    next_update = ticket.next_update_due.in_timezone("Europe/Stockholm")
    say(clock.now(), f"escalated to Altus; next update to Rosa due {next_update:%a %d %b %H:%M}")

    clock.advance(hours=5)
    ticket = r.vendor_acknowledged(ticket.id, actor="s-jon", vendor_reference="ALT-55817")
    ack = ticket.responses[-1]
    say(
        clock.now(),
        f"Altus acknowledged as {ticket.vendor_reference} after {ack.elapsed.in_words()} "
        f"(target met: {ack.within_target})",
    )
    clock.advance(days=2)
    due = r.run().updates_due
    say(clock.now(), f"sweep: Rosa is owed an update: {ticket.id in due}")
    r.update_client(ticket.id, actor="s-jon", message="Altus is testing a fix; next news Friday.")

    clock.advance(days=1)
    ticket = r.fix_provided(ticket.id, actor="s-jon", fix="Firmware 4.2 fixes the radio timer.")
    rk.handle(first.id, Resolve(summary="Firmware 4.2 installed with Rosa."), actor="s-jon")
    rk.feedback.request(first.id, actor="s-jon")
    try:
        rk.handle(first.id, Close(), actor="s-jon")
    except RuleViolation as refused:
        say(clock.now(), f"closing refused [{refused.rule_id}]: the fix is not relayed yet")
    r.relay_fix(
        ticket.id,
        actor="s-jon",
        message="Install update 4.2 from Settings tonight; it fixes the dropped calls.",
    )
    r.client_confirmed(ticket.id, actor="s-jon", note="Rosa called back: calls hold.")
    rk.handle(first.id, Close(), actor="s-jon")
    say(clock.now(), f"fix relayed and confirmed; case {rk.case(first.id).state}")

    before = r.vendor_reliability("v-altus")
    say(
        clock.now(),
        f"Altus reliability {percent(before.reliability)}, recurrence rate "
        f"{percent(before.recurrence_rate)}, mean time to fix {before.mean_time_to_fix.in_words()}",
    )

    print()
    print("== Three months later ==")
    clock.advance(months=3)
    second = rk.open_case(
        actor="s-jon",
        client="c-rosa",
        subject="The phone drops calls again!",
        statement="It's the same thing again. Did you sell me a broken phone?",
        **fault,
    )
    say(clock.now(), f"new case is a recurrence of the first: {second.recurrence_of == first.id}")
    for n, case in enumerate(r.history(second.id), start=1):
        say(case.opened_at, f"  history {n}: {case.subject!r} ({case.state})")
    after = r.vendor_reliability("v-altus")
    say(
        clock.now(),
        f"Altus reliability {percent(before.reliability)} -> {percent(after.reliability)}, "
        f"recurrence rate {percent(after.recurrence_rate)}",
    )
    rk.handle(
        second.id,
        Acknowledge(paraphrase="The same fault is back after three months, and it hurts."),
        actor="s-jon",
    )
    rk.handle(second.id, ConfirmHeard(), actor="c-rosa")
    again = r.escalate_to_vendor(
        second.id,
        actor="s-jon",
        vendor="v-altus",
        problem=f"Repeat of {ticket.vendor_reference}: firmware 4.2 did not hold.",
    )
    told = r.update_client(
        again.id,
        actor="s-jon",
        message=(
            "We are on your side: Altus makes the phone, we press them for you. We reopened "
            f"their ticket {ticket.vendor_reference} as a repeat fault and will call you "
            "every two days until it is fixed for good."
        ),
    )
    say(clock.now(), f"Rosa told: {told.updates[-1].message}")


if __name__ == "__main__":
    main()
