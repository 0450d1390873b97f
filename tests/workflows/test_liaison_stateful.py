"""The vendor ticket and its client-update cadence, driven by Hypothesis: vendor responses,
updates given in time or late, the relayed fix, the client's confirmation, promise sweeps,
clock jumps, and attempts to move, keep or withdraw an update promise by hand. After every
step the ticket and its update promises tell one story: the update the ticket says is owed
next is the one open promise that is not yet due, an update given in time kept the promise it
answered and a late one kept nothing, and every promise whose time passed unkept is overdue
or broken. A refused command changes nothing."""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relationkit import CareConfig, Client, RelationkitError, Staff, Vendor
from relationkit.cases import Acknowledge, ConfirmHeard
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.promise import Promise
from relationkit.testing import ManualClock
from strategies import examples
from world import START, world

EVERY = pendulum.duration(hours=24)
hours = st.integers(min_value=1, max_value=40)


class Cadence(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.rk = world(
            Client(id="c-ana", name="Ana"),
            Vendor(id="v-tel", name="Telco"),
            Staff(id="s-al", name="Al", roles={"agent"}),
            Staff(id="s-bo", name="Bo", roles={"agent"}),
            clock=self.clock,
            config=CareConfig(),
            policy=None,
        )
        case = self.rk.open_case(actor="s-al", client="c-ana", subject="Calls", statement="Drop.")
        self.rk.handle(case.id, Acknowledge(paraphrase="Your calls drop."), actor="s-al")
        self.rk.handle(case.id, ConfirmHeard(), actor="c-ana")
        self.ticket = self.rk.liaison.escalate_to_vendor(
            case.id, actor="s-al", vendor="v-tel", update_every=EVERY
        ).id

    # --- helpers ---------------------------------------------------------------------------

    def current(self) -> VendorTicket:
        return self.rk.liaison.ticket(self.ticket)

    def promises(self) -> list[Promise]:
        return self.rk.promises.update_promises(self.ticket)

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.current(),
            self.rk.liaison.timeline(self.ticket),
            self.promises(),
        )

    def attempt(self, action: Any) -> None:
        """Run ``action``; if it is refused, nothing may have changed."""
        before = self.snapshot()
        try:
            action()
        except RelationkitError:
            assert self.snapshot() == before

    # --- steps -----------------------------------------------------------------------------

    @rule(n=hours)
    def time_passes(self, n: int) -> None:
        self.clock.advance(hours=n)

    @rule()
    def sweep(self) -> None:
        report = self.rk.promises.run()
        assert set(report.broken) <= {p.id for p in self.promises()} | set(report.broken)

    @rule(who=st.sampled_from(["s-al", "s-bo"]))
    def update(self, who: str) -> None:
        self.attempt(lambda: self.rk.liaison.update_client(self.ticket, actor=who, message="News."))

    @precondition(lambda self: self.current().state == "sent")
    @rule()
    def vendor_acknowledges(self) -> None:
        self.rk.liaison.vendor_acknowledged(self.ticket, actor="s-al")

    @precondition(lambda self: self.current().state == "vendor_acknowledged")
    @rule()
    def vendor_fixes(self) -> None:
        self.rk.liaison.fix_provided(self.ticket, actor="s-al", fix="Patch.")

    @precondition(lambda self: self.current().state == "fix_provided")
    @rule()
    def relay(self) -> None:
        self.rk.liaison.relay_fix(self.ticket, actor="s-bo", message="Install it.")

    @precondition(lambda self: self.current().state == "fix_relayed")
    @rule()
    def confirm(self) -> None:
        self.rk.liaison.client_confirmed(self.ticket, actor="s-al")

    @rule(how=st.sampled_from(["keep", "renegotiate", "withdraw"]))
    def by_hand(self, how: str) -> None:
        owed = self.current().update_promise_id
        if owed is None:
            return
        p = self.rk.promises
        actions = {
            "keep": lambda: p.keep(owed, actor="s-al"),
            "renegotiate": lambda: p.renegotiate(
                owed, actor="s-al", due=self.clock.now().add(days=9), party_told="Phoned."
            ),
            "withdraw": lambda: p.withdraw(owed, actor="s-al", reason="Busy."),
        }
        before = self.snapshot()
        try:
            actions[how]()
        except RelationkitError:
            assert self.snapshot() == before
        else:  # pragma: no cover - a failure of the rule under test
            raise AssertionError(f"{how} of an update promise by hand was accepted")

    # --- the one story ---------------------------------------------------------------------

    @invariant()
    def the_ticket_and_its_promises_agree(self) -> None:
        now = self.clock.now()
        ticket = self.current()
        promises = {p.id: p for p in self.promises()}
        committed = [p for p in promises.values() if p.is_committed]
        assert all(p.ticket_id == ticket.id and p.party_id == "c-ana" for p in promises.values())
        if ticket.next_update_due is None:
            assert ticket.state in ("fix_relayed", "client_confirmed")
            assert all(p.due_at < now for p in committed)  # only a missed, late one is left
        else:
            owed = promises[str(ticket.update_promise_id)]
            assert owed.due_at == ticket.next_update_due
            # still owed; once its time has passed, the sweep may have recorded it broken
            assert owed.is_committed or (owed.state == "broken" and owed.due_at < now)
            assert all(p.due_at < now for p in committed if p.id != owed.id)
        updates = self.rk.history(ticket.id, VendorTicket).updates
        assert len(updates) == ticket.update_count
        assert ticket.last_update == (updates[-1] if updates else None)
        answered = {u.answers for u in updates}
        for promise_id in promises:
            assert ticket.answered(promise_id) is (promise_id in answered)
        for given in updates:
            if given.answers is None:
                assert given.due_at is None  # given after the cadence ended
                continue
            assert promises[given.answers].due_at == given.due_at
            assert (promises[given.answers].state == "kept") is given.on_time
        for p in promises.values():
            if p.state == "kept":
                assert p.id in answered
        for p in promises.values():
            assert p.state in ("made", "kept", "broken")
            if p.state == "broken":
                assert p.due_at < now

    def teardown(self) -> None:
        self.rk.verify(self.ticket, VendorTicket)
        for p in self.promises():
            self.rk.verify(p.id, Promise)


TestCadence = Cadence.TestCase
TestCadence.settings = settings(max_examples=examples(40), stateful_step_count=25, deadline=None)
