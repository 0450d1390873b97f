"""Random commands from random actors, and after every step the promises relationkit makes:
no decision before the client confirmed being heard, refusals change nothing, the timeline
verifies, and replaying it gives the stored case."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from relationkit import (
    Client,
    Event,
    RelationkitError,
    Staff,
)
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Escalate,
    RecordStatement,
    Refer,
    Reopen,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Command
from relationkit.testing import ManualClock
from relationkit.workflows.case import CASE_WORKFLOW
from strategies import examples
from world import CASE_RULES, LEGAL, world

START = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Tokyo")

CLIENT = "c-ana"
STAFF_WITH_ROLES = ("s-agent", "s-manager")
ACTORS = (*STAFF_WITH_ROLES, "s-norole", CLIENT, "c-stranger")

DECISIONS = {
    "RequestAccepted",
    "RequestDeclined",
    "CompromiseOffered",
    "CaseReferred",
    "DecisionDeferred",
}
"""Events that answer the client or promise something (care rule R1)."""
UNHEARING = {"StatementRecorded", "CaseAcknowledged", "ParaphraseCorrected", "CaseReopened"}
"""Events after which the client must confirm a paraphrase again."""
CLIENT_ANSWERS = {"ClientConfirmedHeard", "ParaphraseCorrected"}

Make = Callable[[pendulum.DateTime], Command]


def fixed(command: Command) -> Make:
    return lambda now: command


def defer_in(hours: int) -> Make:
    return lambda now: Defer(reply_by=now.add(hours=hours), reason="Let me look into it.")


VARIANTS: dict[str, tuple[Make, ...]] = {
    "record_statement": (fixed(RecordStatement(text="And nobody called me back.")),),
    "acknowledge": (fixed(Acknowledge(paraphrase="You were billed after cancelling.")),),
    "confirm_heard": (fixed(ConfirmHeard()), fixed(ConfirmHeard(note="Yes."))),
    "correct_paraphrase": (fixed(CorrectParaphrase(correction="Billed twice, in fact.")),),
    "escalate": (fixed(Escalate(reason="The client threatens to leave.")),),
    "consult": tuple(
        fixed(Consult(colleague_id=who, note="My view."))
        for who in ("s-manager", "s-agent", CLIENT, "s-ghost")
    ),
    "defer": tuple(defer_in(h) for h in (-1, 2, 30, 24 * 20)),
    "accept": (fixed(Accept()), fixed(Accept(note="Refund granted.", evidence=["ledger"]))),
    "decline": (
        fixed(Decline(reason="Outside the refund window.", clause_id="refunds-30d")),
        fixed(Decline(reason="Outside the refund window.")),
        fixed(Decline(reason="No.", clause_id="no-such-clause")),
        fixed(Decline()),
    ),
    "compromise": (
        fixed(Compromise(we_give="half the fee back", client_gives="stays a year")),
        fixed(Compromise(we_give="half the fee back")),
    ),
    "refer": (
        fixed(Refer(to="p-legal", handoff_note="Billing dispute, two charges.")),
        fixed(Refer(to="s-manager", handoff_note="Needs a manager.")),
        fixed(Refer(to=CLIENT, handoff_note="Back to you.")),
        fixed(Refer(to="p-legal")),
    ),
    "start_work": (fixed(StartWork()),),
    "resolve": (fixed(Resolve(summary="Refund sent.")),),
    "close": (fixed(Close()),),
    "reopen": (fixed(Reopen(reason="Billed again.")),),
}


PARTY_COMMANDS = frozenset({"confirm_heard", "correct_paraphrase"})


def fitting(name: str, pick: int) -> str:
    """An actor who may plausibly run ``name``: the client, or a staff member with a role."""
    return CLIENT if name in PARTY_COMMANDS else STAFF_WITH_ROLES[pick % len(STAFF_WITH_ROLES)]


class CaseMachine(RuleBasedStateMachine):
    """Drives one case with random commands from random actors."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.rk = world(
            Client(id=CLIENT, name="Ana Ruiz"),
            Client(id="c-stranger", name="Bo Chen"),
            LEGAL,
            Staff(id="s-agent", name="Sam Ortiz", roles={"agent"}),
            Staff(id="s-manager", name="Mia Lund", roles={"manager"}),
            Staff(id="s-norole", name="Noor Haddad"),
            clock=self.clock,
            config=CASE_RULES,
            publisher="s-manager",
        )
        self.case_id = "case-1"
        self.accepted = 0
        self.refused = 0
        self.stored: Case | None = None
        self.events: list[Event] = []
        """The case and its timeline as the last check read them."""

    @initialize(escalated=st.booleans())
    def open_case(self, escalated: bool) -> None:
        self.rk.open_case(
            actor="s-agent",
            client=CLIENT,
            subject="Billing",
            statement="You billed me after I cancelled!",
            escalated=escalated,
            case_id=self.case_id,
        )

    @rule(
        data=st.data(),
        offered=st.integers(min_value=0, max_value=3),
        anyone=st.integers(min_value=0, max_value=3),
        variant=st.integers(min_value=0, max_value=3),
        minutes=st.integers(min_value=0, max_value=600),
    )
    def act(
        self, data: st.DataObject, offered: int, anyone: int, variant: int, minutes: int
    ) -> None:
        """Run a command: mostly one the case's state offers, by an actor who plausibly may
        run it; otherwise any command, by anyone (a stranger, staff without a role …)."""
        state = (self.stored or self.rk.case(self.case_id)).state
        names = tuple(sorted(VARIANTS))
        if offered:  # commands of other areas (expectations …) are left to their own tests
            names = tuple(n for n in CASE_WORKFLOW.table.allowed_from(state) if n in VARIANTS)
        name = data.draw(st.sampled_from(names), label="command")
        if anyone:
            actor = fitting(name, variant)
        else:
            actor = data.draw(st.sampled_from(ACTORS), label="actor")
        self.clock.advance(minutes=minutes)
        makers = VARIANTS[name]
        command = makers[variant % len(makers)](self.clock.now())
        before = self.stored or self.rk.case(self.case_id)
        timeline = self.events or self.rk.timeline(self.case_id)
        try:
            after = self.rk.handle(self.case_id, command, actor=actor)
        except RelationkitError:
            self.refused += 1
            assert self.rk.case(self.case_id) == before
            assert self.rk.timeline(self.case_id) == timeline
            return
        self.accepted += 1
        events = self.rk.timeline(self.case_id)
        assert events[:-1] == timeline
        assert (events[-1].name, events[-1].actor_id) == (command.EVENT, actor)
        assert after.version == before.version + 1 == len(events)

    @invariant()
    def the_case_keeps_its_promises(self) -> None:
        """After every step: verify() holds, the timeline replays to the stored case, no
        decision came before the client confirmed being heard, and only the client answered
        for the client while only staff with a role did the rest."""
        self.rk.verify(self.case_id)
        stored = self.stored = self.rk.case(self.case_id)
        events = self.events = self.rk.timeline(self.case_id)
        assert CASE_WORKFLOW.replay(events) == stored
        heard = False
        for event in events:
            if event.name in DECISIONS:
                assert heard, f"{event.name} (event {event.sequence}) before the client was heard"
            if event.name == "ClientConfirmedHeard":
                heard = True
            elif event.name in UNHEARING:
                heard = False
            if event.name in CLIENT_ANSWERS:
                assert event.actor_id == CLIENT
            else:
                assert event.actor_id in STAFF_WITH_ROLES
        assert stored.heard == heard


CaseMachine.TestCase.settings = settings(
    max_examples=examples(40), stateful_step_count=25, deadline=None
)
TestCaseStateful = CaseMachine.TestCase
