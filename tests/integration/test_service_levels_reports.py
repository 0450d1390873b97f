"""Service-level attainment in the reports: by the priority a clock ended at, in the
equal-treatment report (equal contracts, equal targets, met alike), in
``relationkit report``, and as a health signal that reads only what was known then."""

from __future__ import annotations

import copy
from pathlib import Path

import attrs
import pendulum
from click.testing import CliRunner

from relationkit import Client, ManualClock, Relations, Staff, Vendor, open_store
from relationkit.calendars import BusinessCalendar
from relationkit.cases import Acknowledge
from relationkit.cli import cli
from relationkit.domain.equality import contract_disparities
from relationkit.equality import Entitlement
from relationkit.health import ServiceLevelAttainment, default_health_model
from relationkit.service_levels import ChangePriority, ServiceLevelPolicy

H = pendulum.duration
MONDAY_8 = pendulum.datetime(2026, 3, 9, 8, tz="Europe/Paris")
TARGETS = {
    "normal": {"first_reply": H(hours=1), "resolution": H(hours=16)},
    "urgent": {"first_reply": H(minutes=30), "resolution": H(hours=6)},
}


def world(store: object = None, policy_id: str = "gold-sla") -> tuple[Relations, ManualClock]:
    clock = ManualClock(MONDAY_8)
    rk = Relations(store, clock=clock)  # type: ignore[arg-type]
    rk.register(
        Client(id="c-ana", name="Ana", contract="gold"),
        Vendor(id="v-bo", name="Bo Parts", contract="gold"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
    )
    rk.calendars.register(
        BusinessCalendar(id="paris", timezone="Europe/Paris", hours={"mon-fri": "09:00-17:00"})
    )
    rk.equality.entitle(
        Entitlement(id="gold", response_within=H(hours=1), resolution_within=H(days=2))
    )
    rk.service_levels.define(
        ServiceLevelPolicy(
            id=policy_id,
            contracts=("gold",),
            targets=TARGETS,
            default_priority="normal",
            calendar_id="paris",
        )
    )
    return rk, clock


def open_case(rk: Relations, client: str, case_id: str) -> None:
    rk.open_case(
        actor="s-sam", client=client, subject="Invoice", statement="Billed twice.", case_id=case_id
    )


def test_attainment_counts_a_clock_at_the_priority_it_ended_at() -> None:
    rk, clock = world()
    open_case(rk, "c-ana", "k-1")
    clock.advance(hours=3)  # the first reply was due at 10:00
    assert rk.service_levels.run().breached == ("k-1",)
    rk.handle("k-1", ChangePriority(priority="urgent", reason="Customer escalated."), actor="s-sam")
    rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
    found = rk.service_levels.attainment(by=("priority", "metric"))
    assert [(a.key, a.met, a.breached, a.cases) for a in found] == [
        (("*", "normal", "*", "first_reply"), 0, 1, 1)
    ]
    # the case is urgent now, but its breach stays where it happened
    assert rk.case("k-1").priority == "urgent"
    assert rk.case("k-1").service_levels.tallies[0].priority == "normal"  # type: ignore[union-attr]


def test_the_equality_report_flags_a_contract_met_unequally_by_party_kind() -> None:
    rk, clock = world()
    open_case(rk, "c-ana", "k-1")
    open_case(rk, "v-bo", "k-2")
    clock.advance(minutes=20)
    rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
    clock.advance(hours=3)  # the vendor's first reply is late
    rk.service_levels.run()
    report = rk.equality.report(dimensions=("kind",), tolerance=0.2)
    assert not report.ok
    assert [(g.group, g.sla_attainment) for g in report.groups] == [
        ("client", 1.0),
        ("vendor", 0.0),
    ]
    assert report.overall.sla_attainment == 0.5
    assert {(d.group, d.metric) for d in report.disparities} >= {
        ("client", "sla_attainment"),
        ("vendor", "sla_attainment"),
    }
    (contract,) = report.contracts
    assert contract.contract == "gold"
    assert contract.metric == "sla_attainment"
    assert contract.groups == (("client", "100% of 1 clocks met"), ("vendor", "0% of 1 clocks met"))
    assert "contract=gold: service-level attainment differs by party kind" in "\n".join(
        report.lines()
    )
    # within tolerance, nothing is flagged
    assert rk.equality.report(dimensions=("kind",), tolerance=0.5).contracts == ()


def test_equal_contracts_get_equal_targets_and_a_difference_is_flagged() -> None:
    rk, _ = world()
    open_case(rk, "c-ana", "k-1")
    open_case(rk, "v-bo", "k-2")
    cases = [rk.case("k-1"), rk.case("k-2")]
    kinds = {"c-ana": "client", "v-bo": "vendor"}
    served = {"k-1": "gold", "k-2": "gold"}
    assert cases[0].service_levels.targets == cases[1].service_levels.targets  # type: ignore[union-attr]
    assert contract_disparities(cases, kinds, served) == ()
    assert rk.equality.report().contracts == ()
    # a case whose stored targets differ from its contract's other cases is flagged
    odd = copy.deepcopy(cases[1])
    levels = odd.service_levels
    assert levels is not None
    odd.service_levels = attrs.evolve(levels, targets=levels.targets[:1])
    (found,) = contract_disparities([cases[0], odd], kinds, served)
    assert (found.contract, found.metric, found.priority) == ("gold", "sla_targets", "normal")
    assert [kind for kind, _ in found.groups] == ["client", "vendor"]
    assert "resolution" in found.groups[0][1]
    assert "resolution" not in found.groups[1][1]


def test_report_shows_attainment_literally(tmp_path: Path) -> None:
    db = tmp_path / "sla.db"
    with open_store(str(db)) as store:
        rk, clock = world(store, policy_id="gold-[bold]sla[/bold]")
        open_case(rk, "c-ana", "k-1")
        open_case(rk, "v-bo", "k-2")
        clock.advance(minutes=20)
        rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
        clock.advance(hours=3)
        rk.service_levels.run()
    result = CliRunner().invoke(
        cli, ["--db", str(db), "report"], env={"COLUMNS": "200", "RELATIONKIT_DB": None}
    )
    assert result.exit_code == 0, result.output
    section = result.output[result.output.index("Service-level attainment") :]
    rows = [line for line in section.splitlines() if "gold-[bold]sla[/bold]" in line]
    assert len(rows) == 2
    cells = [[c.strip() for c in row.strip("│ ").split("│")] for row in rows]
    assert cells == [
        ["gold-[bold]sla[/bold]", "normal", "client", "1", "0", "100%", "1"],
        ["gold-[bold]sla[/bold]", "normal", "vendor", "0", "1", "0%", "1"],
    ]


def test_the_health_signal_reads_only_breaches_known_then() -> None:
    rk, clock = world()
    open_case(rk, "c-ana", "k-1")
    clock.advance(minutes=20)
    rk.handle("k-1", Acknowledge(paraphrase="You were billed twice."), actor="s-sam")
    open_case(rk, "c-ana", "k-2")
    clock.advance(hours=3)
    rk.service_levels.run()  # k-2's first reply was due at 10:20
    model = default_health_model().with_signal(ServiceLevelAttainment(), 0.15)
    now = rk.health.assess(party="c-ana", model=model).contribution("service_levels")
    assert (now.figures["met"], now.figures["breached"]) == (1, 1)
    assert now.score == 0.5
    early = rk.health.assess(party="c-ana", model=model, now=MONDAY_8.add(minutes=30)).contribution(
        "service_levels"
    )
    assert (early.figures["met"], early.figures["breached"]) == (1, 0)
    # before the breach was swept, but after the due time: counted as breached then
    due_passed = rk.health.assess(
        party="c-ana", model=model, now=MONDAY_8.add(hours=2, minutes=30)
    ).contribution("service_levels")
    assert (due_passed.figures["met"], due_passed.figures["breached"]) == (1, 1)
    assert "service_levels" not in {s.name for s in default_health_model().signals}
