"""The promise lifecycle under random commands and random passing time (Hypothesis stateful).

Invariants: a kept promise never becomes broken (or anything else); a settled promise never
changes; renegotiation after the due time is refused; the stored state always matches its
timeline.
"""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from relationkit import (
    Client,
    RelationkitError,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.offering import Offering
from relationkit.domain.promise import BreakPromise, Promise
from relationkit.testing import ManualClock
from strategies import examples
from world import world

BERLIN = "Europe/Berlin"
START = pendulum.datetime(2026, 3, 2, 9, tz=BERLIN)


class PromiseLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.rk = world(
            Client(id="c-ana", name="Ana"),
            Staff(id="s-sam", name="Sam", roles={"agent"}),
            Staff(id="s-mia", name="Mia", roles={"manager"}),
            clock=self.clock,
            policy=None,
        )
        self.rk.calendars.register(BusinessCalendar(id="cal", timezone=BERLIN), actor="s-mia")
        self.rk.calendars.register_offering(
            Offering(
                id="fix",
                name="Fix",
                scope=("fix",),
                lead_time=BusinessTime(hours=4),
                calendar_id="cal",
            ),
            actor="s-mia",
        )
        self.ids: list[str] = []
        self.settled: dict[str, Promise] = {}

    def promise(self, index: int) -> Promise:
        return self.rk.promises.get(self.ids[index % len(self.ids)])

    @rule(days=st.integers(2, 10), stretch=st.booleans())
    def make(self, days: int, stretch: bool) -> None:
        refusals: list[RuleViolation] = []
        try:
            made = self.rk.promises.make(
                actor="s-sam",
                party="c-ana",
                what="a fix",
                offering="fix",
                due=self.clock.now().add(days=days),
                stretch=stretch,
                stretch_reason="urgent" if stretch else None,
            )
        except RuleViolation as exc:
            refusals = [exc]
        except RuleViolations as group:
            refusals = list(group.violations)
        if refusals:
            # Only R4 can refuse here: the owner's capacity, or the lead time when the
            # two to ten calendar days span a weekend or holidays with too few business hours.
            for refusal in refusals:
                assert refusal.rule_id == "R4"
                assert "capacity" in refusal.reason or "lead time" in refusal.reason
            return
        self.ids.append(made.id)

    @rule(hours=st.integers(1, 96))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50))
    def keep(self, index: int) -> None:
        promise = self.promise(index)
        try:
            kept = self.rk.promises.keep(promise.id, actor="s-sam")
        except RelationkitError:
            assert promise.state not in ("made", "renegotiated") or self.clock.now() > (
                promise.due_at
            )
            return
        assert self.clock.now() <= promise.due_at
        self.settled[kept.id] = kept

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50), days=st.integers(1, 5))
    def renegotiate(self, index: int, days: int) -> None:
        promise = self.promise(index)
        try:
            self.rk.promises.renegotiate(
                promise.id,
                actor="s-sam",
                due=promise.due_at.add(days=days),
                party_told="Told Ana by phone.",
            )
        except RelationkitError:
            return
        assert promise.state in ("made", "renegotiated")
        assert self.clock.now() <= promise.due_at, "renegotiated after the due time"

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50))
    def renegotiate_after_due_is_refused(self, index: int) -> None:
        promise = self.promise(index)
        if promise.state not in ("made", "renegotiated") or self.clock.now() <= promise.due_at:
            return
        before = self.rk.promises.timeline(promise.id)
        with pytest.raises(RuleViolation) as caught:
            self.rk.promises.renegotiate(
                promise.id, actor="s-sam", due=self.clock.now().add(days=3), party_told="Late."
            )
        assert caught.value.rule_id == "P1"
        assert self.rk.promises.timeline(promise.id) == before

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50))
    def approve(self, index: int) -> None:
        promise = self.promise(index)
        try:
            self.rk.promises.approve_stretch(promise.id, actor="s-mia")
        except RelationkitError:
            return
        assert promise.state == "awaiting_approval"

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50))
    def withdraw(self, index: int) -> None:
        promise = self.promise(index)
        try:
            gone = self.rk.promises.withdraw(promise.id, actor="s-sam", reason="No longer wanted.")
        except RelationkitError:
            return
        self.settled[gone.id] = gone

    @precondition(lambda self: self.ids)
    @rule(index=st.integers(0, 50))
    def break_by_hand(self, index: int) -> None:
        promise = self.promise(index)
        try:
            self.rk.execute(Promise, promise.id, BreakPromise(), actor="s-mia")
        except RelationkitError:
            return
        assert self.clock.now() > promise.due_at

    @rule()
    def sweep(self) -> None:
        self.rk.promises.run()
        again = self.rk.promises.run()
        assert not again.changed, "the sweep is not idempotent"

    @invariant()
    def settled_promises_never_change(self) -> None:
        for promise_id, settled in self.settled.items():
            assert self.rk.promises.get(promise_id) == settled

    @invariant()
    def kept_promises_were_kept_in_time(self) -> None:
        for promise in self.rk.promises.find(state="kept"):
            assert promise.settled_at is not None
            assert promise.settled_at <= promise.due_at

    def teardown(self) -> None:
        assert self.rk.verify_all().ok


PromiseLifecycle.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=20, deadline=None
)
TestPromiseLifecycle = PromiseLifecycle.TestCase
