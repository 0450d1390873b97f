"""Equal treatment (R10): targets from the contract only, and the disparity report."""

from __future__ import annotations

import pendulum
import pytest

from relationkit import (
    Client,
    Consultant,
    InvalidInput,
    MemoryStore,
    NotFound,
    OutOfRange,
    Relations,
    Staff,
    Vendor,
)
from relationkit.domain.case import Accept, Acknowledge, ConfirmHeard, Decline, Resolve
from relationkit.domain.equality import Entitlement, Targets, equality_report, targets_for
from relationkit.testing import ManualClock
from world import START, world

GOLD = Entitlement(
    id="gold",
    response_within=pendulum.duration(hours=4),
    resolution_within=pendulum.duration(days=2),
)
STANDARD = Entitlement(
    id="standard",
    response_within=pendulum.duration(hours=24),
    resolution_within=pendulum.duration(days=5),
)


def test_parties_of_different_rank_under_one_contract_get_the_same_targets() -> None:
    ceo = Client(id="c-ada", name="Ada", title="Chief Executive Officer", contract="gold")
    clerk = Client(id="c-bo", name="Bo", title="Junior clerk", contract="gold", segment="north")
    vendor = Vendor(id="v-cy", name="Cy Ltd", title="Strategic partner", contract="gold")
    targets = {targets_for(p, [STANDARD, GOLD]) for p in (ceo, clerk, vendor)}
    assert targets == {
        Targets(
            contract="gold",
            response_within=GOLD.response_within,
            resolution_within=GOLD.resolution_within,
        )
    }


def test_targets_follow_the_contract_and_nothing_else() -> None:
    ceo = Client(id="c-ada", name="Ada", title="Chief Executive Officer", contract="standard")
    assert targets_for(ceo, [STANDARD, GOLD]).response_within == STANDARD.response_within
    assert targets_for(ceo, [GOLD], contract="gold").contract == "gold"
    with pytest.raises(NotFound, match="entitlement"):
        targets_for(ceo, [GOLD])


def test_entitlements_are_validated() -> None:
    with pytest.raises(InvalidInput, match="positive"):
        Entitlement(
            id="x", response_within=pendulum.duration(), resolution_within=GOLD.resolution_within
        )


def test_the_service_reads_targets_from_stored_entitlements() -> None:
    rk = Relations(MemoryStore())
    rk.register(
        Client(id="c-ada", name="Ada", title="CEO", contract="gold"),
        Client(id="c-bo", name="Bo", title="Intern", contract="gold"),
    )
    rk.equality.entitle(GOLD, STANDARD)
    assert rk.equality.targets("c-ada") == rk.equality.targets("c-bo")
    with pytest.raises(InvalidInput):
        rk.equality.entitle("gold")  # type: ignore[arg-type]


# --- the report --------------------------------------------------------------------------------


def service() -> tuple[Relations, ManualClock]:
    clock = ManualClock(START)
    rk = world(
        Client(id="c-1", name="One", segment="north"),
        Client(id="c-2", name="Two", segment="north"),
        Client(id="c-3", name="Three", segment="south"),
        Consultant(id="p-4", name="Four", segment="south"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        clock=clock,
        policy=None,
    )
    rk.equality.entitle(STANDARD)
    return rk, clock


def handled(rk: Relations, clock: ManualClock, party: str, *, wait: int) -> None:
    """A case answered after ``wait`` hours and resolved ``wait`` hours later."""
    clock.set(START)
    case = rk.open_case(actor="s-sam", client=party, subject="Help", statement="Please.")
    clock.advance(hours=wait)
    rk.handle(case.id, Acknowledge(paraphrase="Please."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor=party)
    rk.handle(case.id, Accept(), actor="s-sam")
    clock.advance(hours=wait)
    rk.handle(case.id, Resolve(summary="Done."), actor="s-sam")


def test_equal_treatment_shows_no_disparity() -> None:
    rk, clock = service()
    for party in ("c-1", "c-2", "c-3"):
        handled(rk, clock, party, wait=2)
    report = rk.equality.report()
    assert report.ok
    assert report.overall.cases == 3
    assert report.overall.response_hours == pytest.approx(2.0)
    assert report.overall.response_on_target == 1.0
    assert "no disparity" in "\n".join(report.lines())


def test_a_group_served_more_slowly_is_flagged_beyond_the_tolerance() -> None:
    rk, clock = service()
    handled(rk, clock, "c-1", wait=2)
    handled(rk, clock, "c-2", wait=2)
    handled(rk, clock, "c-3", wait=30)  # south waits longer than the 24-hour target
    report = rk.equality.report(dimensions=("segment",))
    flagged = {(d.group, d.metric) for d in report.disparities}
    assert ("south", "response_hours") in flagged
    assert ("south", "response_on_target") in flagged
    assert ("north", "response_hours") in flagged  # north is quicker than everyone: shown too
    south = next(
        d for d in report.disparities if (d.group, d.metric) == ("south", "response_hours")
    )
    assert south.value == 30.0
    assert south.overall == pytest.approx(34 / 3)
    assert "segment=south" in south.describe()
    assert any("DISPARITY" in line for line in report.lines())
    # a generous tolerance accepts the on-target gap but not the time gap
    loose = rk.equality.report(dimensions=("segment",), tolerance=0.7)
    assert {d.metric for d in loose.disparities} == {"response_hours", "resolution_hours"}


def test_outcomes_are_compared_across_party_kinds() -> None:
    clients = [Client(id=f"c-{i}", name=f"C{i}") for i in range(2)]
    vendors = [Vendor(id=f"v-{i}", name=f"V{i}") for i in range(2)]
    from relationkit.domain.case import Case

    def decided(party: str, kind: str) -> Case:
        case = Case(
            id=f"k-{party}",
            state="decided",
            client_id=party,
            subject="S",
            opened_by="s",
            opened_at=START,
        )
        if kind == "accept":
            case._on_accept(Accept(), _event(START.add(hours=1)))
        else:
            case._on_decline(Decline(reason="No.", clause_id="x"), _event(START.add(hours=1)))
        return case

    cases = [
        decided("c-0", "accept"),
        decided("c-1", "accept"),
        decided("v-0", "decline"),
        decided("v-1", "decline"),
    ]
    report = equality_report(cases, [*clients, *vendors], dimensions=("kind",), tolerance=0.25)
    by = {(d.group, d.metric): d for d in report.disparities}
    assert by[("vendor", "favourable")].value == 0.0
    assert by[("client", "favourable")].difference == pytest.approx(0.5)
    small = equality_report(cases, [*clients, *vendors], dimensions=("kind",), min_cases=3)
    assert small.ok
    assert len(small.groups) == 2


def _event(at: pendulum.DateTime):  # type: ignore[no-untyped-def]
    from relationkit.domain.events import chain

    return chain(None, aggregate_id="k", name="X", actor_id="s", at=at, data={})


def test_report_arguments_are_checked() -> None:
    rk, _ = service()
    with pytest.raises(OutOfRange):
        rk.equality.report(tolerance=1.5)
    with pytest.raises(InvalidInput, match="dimension"):
        rk.equality.report(dimensions=("title",))
    custom = equality_report([], [], dimensions={"initial": lambda p: p.name[0]})
    assert custom.overall.cases == 0
    assert custom.ok
