""" "What may I do now" agrees with doing it, in every workflow, for every kind of actor.

Each machine drives one workflow with random commands from random actors: the client who
owns the records, another client, a vendor, an agent, a manager, a partner, staff without
a role, an agent who never acknowledged the written policy (refused by R11 when
``lapsed_action="refuse"``, flagged otherwise), a deactivated agent and an id nobody is
registered under. After every step, for an actor drawn from all of them, every option of
every aggregate is run in a batch that is rolled back and must agree with its option (see
``options_harness``). The world starts with or without a written policy, and the clock
jumps, policies are republished and staff acknowledge them along the way.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from options_harness import (
    ACTORS,
    AGENT,
    LAPSED,
    MANAGER,
    OTHER_CLIENT,
    OWNER,
    PARTNER,
    RUNNERS,
    VENDOR,
    CountedIds,
    Ctx,
    World,
    agree,
)
from relationkit import RelationkitError
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    Close,
    Compromise,
    ConfirmHeard,
    Resolve,
)
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.feedback import FeedbackRequest
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from strategies import examples

STAFF = (AGENT, MANAGER, PARTNER, LAPSED)
actors = st.sampled_from(ACTORS)


class OptionsAgree(RuleBasedStateMachine):
    """Common steps; a subclass names the workflow it drives (``FOCUS``) and adds the
    steps that create its records."""

    FOCUS: type[Aggregate] = Case
    QUORUM = 2
    REJECTIONS = 1

    def __init__(self) -> None:
        super().__init__()
        self.world: World | None = None
        self.tried = 0
        self.restore_ids = CountedIds.install()

    @property
    def w(self) -> World:
        assert self.world is not None
        return self.world

    @initialize(
        data=st.data(),
        lapsed=st.sampled_from(["refuse", "flag"]),
        policy=st.booleans(),
    )
    def setup(self, data: st.DataObject, lapsed: str, policy: bool) -> None:
        self.world = World(
            lapsed_action=lapsed, policy=policy, quorum=self.QUORUM, rejections=self.REJECTIONS
        )
        self.build()
        self.check(data)

    def build(self) -> None:
        """Create the records the machine starts with."""

    def check(self, data: st.DataObject) -> None:
        actor = data.draw(actors, label="asking")
        self.tried += agree(self.w, data.draw, actor)

    def attempt(self, action: Any) -> None:
        """Run a step that may be refused (a creation by someone who may not, …)."""
        with contextlib.suppress(RelationkitError):
            action()

    # --- driving ------------------------------------------------------------------------

    @rule(
        data=st.data(),
        actor=actors,
        allowed_only=st.integers(min_value=0, max_value=3),
        times=st.integers(min_value=1, max_value=4),
    )
    def act(self, data: st.DataObject, actor: str, allowed_only: int, times: int) -> None:
        """Run, for real, ``times`` options of records (mostly of the focused workflow):
        mostly options reported allowed, by ``actor`` or else by the first of the others
        they are allowed to, preferring those that change the state, so that runs go deep;
        otherwise any option of ``actor``'s."""
        for _ in range(times):
            self.run_one(data, actor, bool(allowed_only))
        self.check(data)

    def run_one(self, data: st.DataObject, actor: str, allowed_only: bool) -> None:
        subjects = self.w.subjects()
        focus = [s for s in subjects if isinstance(s, self.FOCUS)]
        pool = focus if focus and data.draw(st.integers(0, 3), label="focus") else subjects
        if not pool:
            return
        subject = data.draw(st.sampled_from(pool), label="subject")
        moves = self.w.rk.workflow_for(type(subject)).table.transitions[subject.state]
        who = [actor]
        if allowed_only:
            who += data.draw(st.permutations([a for a in ACTORS if a != actor]), label="who")
        for someone in who:
            try:
                options = self.w.rk.options_for([subject], actor=someone)[subject.id]
            except RelationkitError:
                continue
            choice = [o for o in options if o.allowed] if allowed_only else options
            onward = [o for o in choice if moves[o.command] != subject.state]
            if onward and data.draw(st.booleans(), label="onward"):
                choice = onward
            if choice:
                option = data.draw(st.sampled_from(choice), label="command")
                ctx = Ctx(self.w, subject, someone, data.draw)
                with contextlib.suppress(RelationkitError):
                    RUNNERS[subject.KIND][option.command](ctx)
                return

    @rule(data=st.data(), hours=st.sampled_from([1, 5, 26, 24 * 4, 24 * 16, 24 * 61]))
    def jump(self, data: st.DataObject, hours: int) -> None:
        self.w.clock.advance(hours=hours)
        self.check(data)

    @rule(data=st.data())
    def republish(self, data: st.DataObject) -> None:
        """A new version of the written policy; staff acknowledge it (but the lapsed one)."""
        self.attempt(self.w.publish)
        self.check(data)

    @rule(data=st.data(), active=st.booleans())
    def owner_in_directory(self, data: st.DataObject, active: bool) -> None:
        """The client who owns the records is deactivated, or reactivated: what was started
        goes on, nothing new is started with them (DIR.active)."""
        directory = self.w.rk.directory
        change = directory.reactivate if active else directory.deactivate
        self.attempt(lambda: change(OWNER, reason="Asked to pause the account.", actor=MANAGER))
        self.check(data)

    @rule(data=st.data())
    def sweep(self, data: st.DataObject) -> None:
        """Relationkit's own sweeps: promises fall due, proposals lapse, feedback is asked."""
        self.attempt(self.w.rk.sweeps.run)
        self.check(data)

    def teardown(self) -> None:
        try:
            if self.world is not None:
                for subject in self.w.subjects():
                    self.w.rk.verify(subject.id, type(subject))
        finally:
            self.restore_ids()

    # --- records the machines create ----------------------------------------------------

    def open_case(self, client: str = OWNER, **kwargs: Any) -> Case | None:
        try:
            return self.w.rk.open_case(
                actor=AGENT,
                client=client,
                subject="Billing",
                statement="You billed me twice for March.",
                **kwargs,
            )
        except RelationkitError:
            return None

    def heard_case(self, client: str = OWNER, *, compromise: bool = False, **kw: Any) -> None:
        """A case whose client confirmed being heard (and, optionally, was offered a
        compromise: an attempt to resolve, for R9)."""
        case = self.open_case(client, **kw)
        if case is None:
            return
        rk = self.w.rk

        def go() -> None:
            rk.handle(case.id, Acknowledge(paraphrase="You were billed twice."), actor=AGENT)
            rk.handle(case.id, ConfirmHeard(), actor=client)
            if compromise:
                rk.handle(
                    case.id,
                    Compromise(we_give="A credit note.", client_gives="Pays the rest."),
                    actor=AGENT,
                )

        self.attempt(go)


class CaseOptions(OptionsAgree):
    FOCUS = Case

    def build(self) -> None:
        self.open_case(escalated=False)

    @rule(data=st.data(), escalated=st.booleans(), client=st.sampled_from([OWNER, OTHER_CLIENT]))
    def another_case(self, data: st.DataObject, escalated: bool, client: str) -> None:
        if len(self.w.rk.cases()) < 3:
            self.open_case(client, escalated=escalated)
        self.check(data)

    @rule(data=st.data())
    def hear(self, data: st.DataObject) -> None:
        """The client of a case is heard (acknowledged, and they confirm)."""
        rk = self.w.rk
        case = data.draw(st.sampled_from(rk.cases()), label="case")

        def go() -> None:
            rk.handle(case.id, Acknowledge(paraphrase="You were billed twice."), actor=AGENT)
            rk.handle(case.id, ConfirmHeard(), actor=case.client_id)

        self.attempt(go)
        self.check(data)

    @rule(data=st.data())
    def wrap_up(self, data: st.DataObject) -> None:
        """A case is answered and resolved, end-of-case feedback is asked, and it is closed
        (each step as far as the rules let it go)."""
        rk = self.w.rk
        case = data.draw(st.sampled_from(rk.cases()), label="case")
        for step in (
            lambda: rk.handle(case.id, Accept(), actor=AGENT),
            lambda: rk.handle(case.id, Resolve(summary="Refund sent."), actor=AGENT),
            lambda: rk.feedback.request(case.id, actor=AGENT),
            lambda: rk.handle(case.id, Close(), actor=AGENT),
        ):
            self.attempt(step)
        self.check(data)

    @rule(data=st.data(), kind=st.sampled_from(["end_of_case", "check_in"]), who=actors)
    def ask_feedback(self, data: st.DataObject, kind: str, who: str) -> None:
        """End-of-case feedback is what lets a case close (R7.close)."""
        case = data.draw(st.sampled_from(self.w.rk.cases()), label="case")
        self.attempt(lambda: self.w.rk.feedback.request(case.id, actor=who, kind=kind))
        self.check(data)

    @precondition(lambda self: len(self.w.rk.liaison.tickets()) < 2)
    @rule(data=st.data(), who=st.sampled_from(STAFF))
    def to_vendor(self, data: st.DataObject, who: str) -> None:
        """A vendor ticket keeps the case from closing until its fix is relayed (R8.relay)."""
        case = data.draw(st.sampled_from(self.w.rk.cases()), label="case")
        self.attempt(
            lambda: self.w.rk.liaison.escalate_to_vendor(case.id, actor=who, vendor=VENDOR)
        )
        self.check(data)


class PromiseOptions(OptionsAgree):
    FOCUS = Promise

    def build(self) -> None:
        self.heard_case()

    @precondition(lambda self: len(self.w.rk.promises.find()) < 4)
    @rule(
        data=st.data(),
        who=st.sampled_from(STAFF),
        owner=st.sampled_from([None, AGENT, MANAGER]),
        days=st.integers(min_value=-1, max_value=12),
        stretch=st.booleans(),
        on_case=st.booleans(),
    )
    def make(
        self,
        data: st.DataObject,
        who: str,
        owner: str | None,
        days: int,
        stretch: bool,
        on_case: bool,
    ) -> None:
        rk = self.w.rk
        cases = rk.cases(client_id=OWNER)
        self.attempt(
            lambda: rk.promises.make(
                actor=who,
                party=OWNER,
                what="The corrected invoice",
                due=rk.now().add(days=days),
                offering="billing",
                owner=owner,
                case=cases[0].id if on_case and cases else None,
                stretch=stretch,
                stretch_reason="The client's audit is on Monday." if stretch else None,
            )
        )
        self.check(data)

    @precondition(lambda self: len(self.w.rk.liaison.tickets()) < 1)
    @rule(data=st.data())
    def to_vendor(self, data: st.DataObject) -> None:
        """A vendor ticket promises the client updates (update promises, R8.cadence)."""
        cases = self.w.rk.cases(client_id=OWNER)
        if cases:
            self.attempt(
                lambda: self.w.rk.liaison.escalate_to_vendor(
                    cases[0].id, actor=AGENT, vendor=VENDOR
                )
            )
        self.check(data)


class RelationshipOptions(OptionsAgree):
    FOCUS = Relationship

    def build(self) -> None:
        self.heard_case(compromise=True)

    @precondition(lambda self: len(self.w.rk.relationships.select()) < 3)
    @rule(data=st.data(), compromise=st.booleans())
    def another_relationship(self, data: st.DataObject, compromise: bool) -> None:
        """A second relationship of the same client, with a case of its own: its cases are
        no evidence for the first one (R9.evidence)."""
        rk = self.w.rk
        try:
            rel = rk.relationships.create(actor=AGENT, party=OWNER)
        except RelationkitError:
            rel = None
        if rel is not None:
            self.heard_case(compromise=compromise, relationship=rel.id)
        self.check(data)

    @rule(
        data=st.data(),
        whos=st.lists(st.sampled_from(STAFF), min_size=1, max_size=3, unique=True),
        closer=st.sampled_from(STAFF),
    )
    def rally(self, data: st.DataObject, whos: list[str], closer: str) -> None:
        """Colleagues approve an open proposal one after the other, and someone tries to end
        the relationship."""
        r = self.w.rk.relationships
        for rel in r.select(state="severance_proposed"):
            for who in whos:
                self.attempt(lambda: r.approve(rel.id, actor=who))  # noqa: B023 - run at once
            self.attempt(
                lambda: r.end(rel.id, actor=closer, amicable=True, conversation="We agreed.")  # noqa: B023
            )
        self.check(data)

    @rule(data=st.data())
    def other_client(self, data: st.DataObject) -> None:
        if not self.w.rk.relationships.select(party_id=OTHER_CLIENT):
            self.heard_case(OTHER_CLIENT, compromise=True)
        self.check(data)


class RelationshipQuorumOneTwoNoes(RelationshipOptions):
    """A quorum of one, and two noes to reject (the first is a dissent)."""

    QUORUM = 1
    REJECTIONS = 2


class TicketOptions(OptionsAgree):
    FOCUS = VendorTicket

    def build(self) -> None:
        self.heard_case()
        cases = self.w.rk.cases()
        if cases:
            self.attempt(
                lambda: self.w.rk.liaison.escalate_to_vendor(
                    cases[0].id, actor=AGENT, vendor=VENDOR
                )
            )

    @precondition(lambda self: len(self.w.rk.liaison.tickets()) < 3)
    @rule(data=st.data(), who=st.sampled_from(STAFF))
    def to_vendor(self, data: st.DataObject, who: str) -> None:
        case = data.draw(st.sampled_from(self.w.rk.cases()), label="case")
        self.attempt(
            lambda: self.w.rk.liaison.escalate_to_vendor(case.id, actor=who, vendor=VENDOR)
        )
        self.check(data)


class FeedbackOptions(OptionsAgree):
    FOCUS = FeedbackRequest

    def build(self) -> None:
        self.heard_case()

    @precondition(lambda self: len(self.w.rk.feedback.requests()) < 4)
    @rule(data=st.data(), kind=st.sampled_from(["end_of_case", "check_in"]), who=actors)
    def ask(self, data: st.DataObject, kind: str, who: str) -> None:
        rk = self.w.rk
        cases = rk.cases()
        if cases:
            case = data.draw(st.sampled_from(cases), label="case")
            self.attempt(lambda: rk.feedback.request(case.id, actor=who, kind=kind))
        self.check(data)

    @rule(data=st.data(), csat=st.integers(min_value=1, max_value=5))
    def answer(self, data: st.DataObject, csat: int) -> None:
        """The client answers an open request (a low answer opens a recovery)."""
        rk = self.w.rk
        open_ = [r for r in rk.feedback.requests() if r.state == "requested"]
        if open_:
            request = data.draw(st.sampled_from(open_), label="request")
            self.attempt(lambda: rk.feedback.respond(request.id, actor=OWNER, csat=csat))
        self.check(data)


def _settings(n: int) -> settings:
    return settings(max_examples=examples(n), stateful_step_count=25)


TestCaseOptions = CaseOptions.TestCase
TestCaseOptions.settings = _settings(12)
TestPromiseOptions = PromiseOptions.TestCase
TestPromiseOptions.settings = _settings(10)
TestRelationshipOptions = RelationshipOptions.TestCase
TestRelationshipOptions.settings = _settings(10)
TestRelationshipQuorumOneTwoNoes = RelationshipQuorumOneTwoNoes.TestCase
TestRelationshipQuorumOneTwoNoes.settings = _settings(8)
TestTicketOptions = TicketOptions.TestCase
TestTicketOptions.settings = _settings(10)
TestFeedbackOptions = FeedbackOptions.TestCase
TestFeedbackOptions.settings = _settings(10)
