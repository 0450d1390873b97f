"""Service levels: a gold client's case opened on Friday evening, due on Monday morning,
warned, breached, paused while waiting on the client, and counted in attainment.

Run it: ``python examples/service_levels.py``.
"""

from __future__ import annotations

import pendulum

from relationkit import Client, ManualClock, Relations, Staff
from relationkit.calendars import BusinessCalendar
from relationkit.cases import Acknowledge, RecordStatement
from relationkit.equality import Entitlement
from relationkit.service_levels import ChangePriority, ServiceLevelPolicy, Wait

PARIS = "Europe/Paris"


def main() -> None:
    clock = ManualClock(pendulum.datetime(2026, 3, 6, 17, 50, tz=PARIS))  # Friday 17:50
    rk = Relations(clock=clock)
    rk.register(
        Client(id="c-ana", name="Ana", contract="gold"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
    )
    rk.calendars.register(BusinessCalendar(id="paris", timezone=PARIS))
    rk.equality.entitle(
        Entitlement(
            id="gold",
            response_within=pendulum.duration(hours=1),
            resolution_within=pendulum.duration(days=2),
        )
    )
    rk.service_levels.define(
        ServiceLevelPolicy(
            id="gold-sla",
            contracts=("gold",),
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
            calendar_id="paris",
        )
    )
    rk.subscribe(
        lambda event, case: print(f"  heard: {event.name} on {case.id}"),
        events=["ServiceLevelWarning", "ServiceLevelBreached"],
    )
    rk.open_case(
        actor="s-sam", client="c-ana", subject="Invoice", statement="Billed twice.", case_id="k-1"
    )
    first = rk.service_levels.clocks("k-1")[0]
    print(f"first reply due {first.due_at.isoformat()}")
    assert first.due_at == pendulum.datetime(2026, 3, 9, 10, tz=PARIS)

    clock.set(pendulum.datetime(2026, 3, 9, 9, 50, tz=PARIS))
    assert rk.service_levels.run().warned == ("k-1",)
    clock.set(pendulum.datetime(2026, 3, 9, 10, 20, tz=PARIS))
    assert rk.service_levels.run().breached == ("k-1",)
    assert rk.service_levels.run().breached == ()  # once

    rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
    rk.handle("k-1", Wait(on="client", note="Which invoice?"), actor="s-sam")
    clock.set(pendulum.datetime(2026, 3, 10, 11, tz=PARIS))
    resolution = rk.service_levels.clocks("k-1")[1]
    print(f"resolution paused: {resolution.paused}, {resolution.remaining} left")
    assert resolution.paused
    rk.handle("k-1", RecordStatement(text="Invoice 2026-031."), actor="s-sam")
    rk.handle("k-1", ChangePriority(priority="urgent", reason="Payroll blocked."), actor="s-sam")
    resolution = rk.service_levels.clocks("k-1")[1]
    print(f"urgent now: resolution due {resolution.due_at.isoformat()}")
    for group in rk.service_levels.attainment(by=("policy", "priority", "metric")):
        print(f"attainment {group.key}: met {group.met}, breached {group.breached}")
    assert rk.verify_all().ok


if __name__ == "__main__":
    main()
