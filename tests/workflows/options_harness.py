"""A harness for checking that "what may I do now" agrees with doing it (not a test module).

:class:`World` is a store with people of every kind an option can be asked for, a catalogue
and, optionally, a written policy. :func:`agree` asks the options API what an actor may do
on some aggregates and then runs every reported command, each inside ``rk.batch()`` that is
rolled back by raising :class:`Rollback` at its end, and checks:

* the command is accepted if and only if its option was reported allowed;
* a refused command is refused with exactly the rule ids the option named, in order, each
  counted once (a rule gives one reason per problem, and how many problems there are may
  depend on the arguments: several cited cases, say): :class:`~relationkit.NotPermitted`
  is ``("ROLE",)``, a :class:`~relationkit.RuleViolation` its own id, and
  :class:`~relationkit.RuleViolations` the ids of its members;
* after the rollback, the store is as it was: every aggregate at the same version, the
  subject's timeline as long as before, no aggregate or lapse flag added;
* options read twice (all aggregates at once, then each alone) are equal, hash alike, and
  equal an :class:`~relationkit.Option` built from their command, verdict and refusals.

How arguments are chosen (:data:`RUNNERS`). An option answers "may I, arguments
permitting", so every command is run with arguments that permit it when any do: each
runner builds the most permissive arguments the state allows (a clause of the current
policy for a decline, an expectation the case records for a match, a colleague other than
the actor for a consultation or a delegation, evidence the relationship's own cases give,
a delegation the actor gave for a revocation, times between now and the limits the
configuration sets). Where a choice does not matter (texts, a note or none, which
scope item of the offering) Hypothesis draws it. Where the state leaves no argument that
permits the command (no policy to cite, nothing recorded to match, no delegation to
revoke), the runner still runs it with the nearest arguments: the command must then be
refused, so its option must have named the refusal. Commands run through the area facade
a user calls (``rk.handle``, ``rk.promises.keep`` …), except those the facade runs under
another name (``reject`` / ``dissent``) or has no method for (the sweeps' ``warn``,
``mark_broken``, ``expire``, ``open_recovery``), which run through ``rk.execute``.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pendulum
from hypothesis import strategies as st

from relationkit import (
    CareConfig,
    Client,
    Consultant,
    ManualClock,
    MemoryStore,
    NotFound,
    NotPermitted,
    Option,
    RelationkitError,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
    Vendor,
)
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    ChangePriority,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    EndWait,
    Escalate,
    PostUpdate,
    RecordStatement,
    Refer,
    Reopen,
    Resolve,
    StartWork,
    Wait,
)
from relationkit.domain import values
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.case import MatchExpectation, RecordExpectation, ResetExpectation
from relationkit.domain.feedback import (
    ExpireFeedback,
    FeedbackConfig,
    FeedbackRequest,
    OpenRecovery,
)
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.offering import Offering
from relationkit.domain.policy import PolicyLapseFlag
from relationkit.domain.promise import BreakPromise, Promise, WarnPromise
from relationkit.domain.relationship import Dissent, ExpireProposal, Reject, Relationship
from relationkit.domain.values import later
from relationkit.policy import Clause, Policy
from relationkit.rules.relationship import attempt_to_resolve
from relationkit.rules.settings import RelationshipConfig

START = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Lisbon")

OWNER = "c-ana"
"""The client whose records the workflows run on."""
OTHER_CLIENT = "c-bo"
VENDOR = "v-acme"
AGENT, MANAGER, PARTNER = "s-agent", "s-mia", "s-pat"
NO_ROLE = "s-norole"
LAPSED = "s-lapsed"
"""An agent who never acknowledges the written policy (R11)."""
GONE = "s-gone"
"""An agent deactivated in the directory."""
GHOST = "s-ghost"
"""An id nobody is registered under."""

ACKNOWLEDGING = (AGENT, MANAGER, PARTNER, NO_ROLE)
"""Staff who acknowledge every version of the written policy."""
COLLEAGUES = ACKNOWLEDGING
"""Active staff one may consult, refer to or delegate to."""
ACTORS = (OWNER, OTHER_CLIENT, VENDOR, AGENT, MANAGER, PARTNER, NO_ROLE, LAPSED, GONE, GHOST)
KINDS: tuple[type[Aggregate], ...] = (Case, Promise, Relationship, VendorTicket, FeedbackRequest)
CLAUSE = "refunds-30d"


class CountedIds:
    """Stands in for the ``uuid`` module of :mod:`relationkit.domain.values` while a machine
    runs (:meth:`install`): the ids relationkit makes are numbered in the order they are
    made, so that a run replayed by Hypothesis lists its records in the same order and draws
    the same data (random ids would reorder them)."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._next) << 64)  # the first 16 hex digits differ

    @staticmethod
    def install() -> Callable[[], None]:
        """Number the ids from now on; return what restores random ones."""
        values.uuid = CountedIds()  # type: ignore[assignment]

        def restore() -> None:
            values.uuid = uuid

        return restore


class Rollback(Exception):
    """Raised at the end of a trial batch so that nothing it wrote is kept."""


def texts(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


class World:
    """A store with people of every kind, a business calendar and an offering, and (when
    ``policy``) a written policy every member of staff but :data:`LAPSED` acknowledged.

    Args:
        lapsed_action: R11's ``lapsed_action`` (``"refuse"`` makes R11 a refusing rule).
        policy: publish a written policy at the start.
        quorum: R9's quorum.
        rejections: R9's ``rejections_to_reject``.
    """

    def __init__(
        self, *, lapsed_action: str, policy: bool, quorum: int = 2, rejections: int = 1
    ) -> None:
        self.clock = ManualClock(START)
        config = CareConfig(
            feedback=FeedbackConfig(
                lapsed_action=lapsed_action, policy_ack_lapse=pendulum.duration(days=60)
            ),
            relationships=RelationshipConfig(quorum=quorum, rejections_to_reject=rejections),
        )
        self.rk = Relations(MemoryStore(), clock=self.clock, config=config)
        rk = self.rk
        rk.register(
            Client(id=OWNER, name="Ana Ruiz"),
            Client(id=OTHER_CLIENT, name="Bo Chen"),
            Vendor(id=VENDOR, name="Acme Parts"),
            Consultant(id="p-legal", name="Legal Aid Partners"),
            Staff(id=AGENT, name="Sam Ortiz", roles={"agent"}),
            Staff(id=MANAGER, name="Mia Lund", roles={"manager"}),
            Staff(id=PARTNER, name="Pat Quinn", roles={"partner"}),
            Staff(id=NO_ROLE, name="Noor Haddad"),
            Staff(id=LAPSED, name="Lee Park", roles={"agent"}),
            Staff(id=GONE, name="Gil Moreau", roles={"agent"}),
        )
        rk.directory.deactivate(GONE, reason="Left the team.", actor=MANAGER)
        rk.calendars.register(
            BusinessCalendar(id="lisbon", timezone="Europe/Lisbon"), actor=MANAGER
        )
        rk.calendars.register_offering(
            Offering(
                id="billing",
                name="Billing fixes",
                scope=("invoice", "refund"),
                lead_time=BusinessTime(days=2),
                calendar_id="lisbon",
            ),
            actor=MANAGER,
        )
        self.policy_version = 0
        if policy:
            self.publish()

    def publish(self) -> None:
        """Publish the next version of the written policy; every acknowledging member of
        staff acknowledges it."""
        version = self.policy_version + 1
        self.rk.policy.publish(
            Policy(
                version=version,
                published_at=self.clock.now(),
                clauses=[Clause(id=CLAUSE, text="Refunds within 30 days of purchase.")],
            ),
            actor=MANAGER,
        )
        self.policy_version = version
        for who in ACKNOWLEDGING:
            self.rk.policy.acknowledge(who)

    def now(self) -> pendulum.DateTime:
        return self.rk.now()

    def subjects(self) -> list[Aggregate]:
        """Every aggregate of the workflows under test, in a stable order."""
        found: list[Aggregate] = []
        with self.rk.pipeline.reading() as uow:
            for cls in KINDS:
                found.extend(sorted(uow.select(cls), key=lambda a: a.id))
        return found

    def fingerprint(self, subject: Aggregate) -> tuple[Any, ...]:
        """What a rolled-back command must leave as it was: each aggregate's version, the
        subject's timeline length, the lapse flags."""
        with self.rk.pipeline.reading() as uow:
            versions = tuple((cls.KIND, a.id, a.version) for cls in KINDS for a in uow.select(cls))
            flags = len(uow.records(PolicyLapseFlag))
            timeline = len(uow.events(type(subject), subject.id))
        return versions, flags, timeline


# --- running a command with permissive arguments ------------------------------------------------


@attrs.frozen
class Ctx:
    """What a runner needs: the world, the subject (as the options saw it), the actor."""

    world: World
    subject: Any
    actor: str
    draw: Callable[..., Any]

    @property
    def rk(self) -> Relations:
        return self.world.rk

    @property
    def now(self) -> pendulum.DateTime:
        return self.world.now()

    def colleague(self) -> str:
        """A colleague other than the actor."""
        return str(self.draw(st.sampled_from([c for c in COLLEAGUES if c != self.actor])))


Runner = Callable[[Ctx], object]


def _case(c: Ctx, command: Any) -> object:
    return c.rk.handle(c.subject.id, command, actor=c.actor)


def _expectation_key(c: Ctx) -> str:
    keys = [e.key for e in c.subject.expectations]
    # Nothing recorded: no key permits the command; name one anyway (it must be refused).
    return str(c.draw(st.sampled_from(keys))) if keys else "e-none"


def _decline(c: Ctx) -> object:
    # The current policy's clause when one is published; without one, no clause permits a
    # decline, and R2 must refuse it.
    return _case(
        c,
        Decline(
            reason=c.draw(texts("Outside the refund window.", "The order was used.")),
            clause_id=CLAUSE,
            evidence=c.draw(st.sampled_from([(), ("ledger",)])),
        ),
    )


def _defer(c: Ctx) -> object:
    # Ahead, and no further off than the longest deferral allows (R3), as `later` counts it.
    limit = c.rk.config.max_deferral
    hours = c.draw(st.integers(min_value=1, max_value=24 * 20))
    reply_by = c.now.add(hours=hours)
    if limit is not None:
        reply_by = min(reply_by, later(c.now, limit))
    return _case(c, Defer(reply_by=reply_by, reason="Let me check the ledger."))


def _refer(c: Ctx) -> object:
    to = c.draw(st.sampled_from(["p-legal", *(s for s in COLLEAGUES if s != c.subject.client_id)]))
    return _case(c, Refer(to=to, handoff_note="Billing dispute: two charges for March."))


CASE_RUNNERS: dict[str, Runner] = {
    "record_statement": lambda c: _case(
        c, RecordStatement(text=c.draw(texts("And nobody called back.", "It happened again.")))
    ),
    "acknowledge": lambda c: _case(c, Acknowledge(paraphrase="You were billed twice.")),
    "confirm_heard": lambda c: _case(c, ConfirmHeard(note=c.draw(st.sampled_from([None, "Yes."])))),
    "correct_paraphrase": lambda c: _case(c, CorrectParaphrase(correction="Three times, in fact.")),
    "escalate": lambda c: _case(c, Escalate(reason="The client threatens to leave.")),
    "consult": lambda c: _case(c, Consult(colleague_id=c.colleague(), note="My view: refund.")),
    "record_expectation": lambda c: _case(
        c,
        RecordExpectation(
            text=c.draw(texts("A corrected invoice.", "A refund by Friday.")),
            key=f"e{c.subject.expectation_count + 1}",  # a key never used on the case
        ),
    ),
    "match_expectation": lambda c: _case(
        c,
        MatchExpectation(
            expectation=_expectation_key(c),
            offering_id="billing",
            scope_item=c.draw(st.sampled_from(["invoice", "refund"])),
        ),
    ),
    "reset_expectation": lambda c: _case(
        c,
        ResetExpectation(
            expectation=_expectation_key(c), conversation="We cannot do Friday; Monday is sure."
        ),
    ),
    "defer": _defer,
    "accept": lambda c: _case(c, Accept(note=c.draw(st.sampled_from([None, "Refund granted."])))),
    "decline": _decline,
    "compromise": lambda c: _case(
        c, Compromise(we_give="Half the fee back.", client_gives="Stays another year.")
    ),
    "refer": _refer,
    "start_work": lambda c: _case(c, StartWork()),
    "resolve": lambda c: _case(c, Resolve(summary="Refund sent.")),
    "close": lambda c: _case(c, Close()),
    "reopen": lambda c: _case(c, Reopen(reason="Billed again.")),
    "change_priority": lambda c: _case(
        c,
        ChangePriority(
            priority=c.draw(st.sampled_from(["normal", "urgent"])), reason="Payroll is blocked."
        ),
    ),
    "wait": lambda c: _case(
        c, Wait(on=c.draw(st.sampled_from(["client", "vendor"])), note="Which invoice was it?")
    ),
    "end_wait": lambda c: _case(c, EndWait(note=c.draw(st.sampled_from([None, "Answered."])))),
    "post_update": lambda c: _case(c, PostUpdate(text="The refund is with the bank.")),
}


def _renegotiate(c: Ctx) -> object:
    promise: Promise = c.subject
    # Later than the current due time (never less honest, R4), still ahead (P1).
    due = max(promise.due_at, c.now).add(days=c.draw(st.integers(min_value=1, max_value=5)))
    return c.rk.promises.renegotiate(
        promise.id, actor=c.actor, due=due, party_told="Told by phone.", reason="Parts are late."
    )


PROMISE_RUNNERS: dict[str, Runner] = {
    "approve_stretch": lambda c: c.rk.promises.approve_stretch(c.subject.id, actor=c.actor),
    "warn": lambda c: c.rk.execute(Promise, c.subject.id, WarnPromise(), actor=c.actor),
    "renegotiate": _renegotiate,
    "keep": lambda c: c.rk.promises.keep(
        c.subject.id, actor=c.actor, note=c.draw(st.sampled_from([None, "Sent."]))
    ),
    "mark_broken": lambda c: c.rk.execute(Promise, c.subject.id, BreakPromise(), actor=c.actor),
    "withdraw": lambda c: c.rk.promises.withdraw(
        c.subject.id, actor=c.actor, reason="The client cancelled the order."
    ),
}


def _evidence(c: Ctx) -> list[str]:
    """The relationship's own cases that show an attempt to resolve; failing those, every
    case of its party (which cannot permit the proposal)."""
    rel: Relationship = c.subject
    cases = c.rk.cases(client_id=rel.party_id)
    own = [k.id for k in cases if k.relationship_id in (None, rel.id) and attempt_to_resolve(k)]
    return own or sorted(k.id for k in cases) or ["case-none"]


def _revoke(c: Ctx) -> object:
    rel: Relationship = c.subject
    now = c.now
    given = sorted(
        {
            d.to_id
            for d in rel.delegations
            if d.from_id == c.actor and d.revoked_at is None and d.ends_at > now
        }
    )
    # No delegation of the actor's is running: none can be revoked (R9.delegation).
    to = c.draw(st.sampled_from(given)) if given else c.colleague()
    return c.rk.relationships.revoke_delegation(rel.id, actor=c.actor, to=to)


def _end(c: Ctx) -> object:
    amicable = c.draw(st.booleans())
    return c.rk.relationships.end(
        c.subject.id,
        actor=c.actor,
        amicable=amicable,
        conversation="We agreed to part." if amicable else None,
    )


RELATIONSHIP_RUNNERS: dict[str, Runner] = {
    "activate": lambda c: c.rk.relationships.activate(c.subject.id, actor=c.actor),
    "mark_at_risk": lambda c: c.rk.relationships.mark_at_risk(
        c.subject.id, actor=c.actor, reason="Third dispute this month."
    ),
    "recover": lambda c: c.rk.relationships.recover(
        c.subject.id, actor=c.actor, reason="The disputes were settled."
    ),
    "propose_severance": lambda c: c.rk.relationships.propose_severance(
        c.subject.id,
        actor=c.actor,
        reason="Disputes cost more than the work.",
        evidence=_evidence(c),
    ),
    "approve": lambda c: c.rk.relationships.approve(c.subject.id, actor=c.actor),
    "dissent": lambda c: c.rk.execute(
        Relationship, c.subject.id, Dissent(reason="Not yet."), actor=c.actor
    ),
    "reject": lambda c: c.rk.execute(
        Relationship, c.subject.id, Reject(reason="Not yet."), actor=c.actor
    ),
    "withdraw": lambda c: c.rk.relationships.withdraw(
        c.subject.id, actor=c.actor, reason="We talked it over."
    ),
    "expire": lambda c: c.rk.execute(Relationship, c.subject.id, ExpireProposal(), actor=c.actor),
    "end": _end,
    "reengage": lambda c: c.rk.relationships.reengage(
        c.subject.id, actor=c.actor, reason="A fresh start."
    ),
    "delegate": lambda c: c.rk.relationships.delegate(
        c.subject.id,
        actor=c.actor,
        to=c.colleague(),
        ends_at=c.now.add(days=c.draw(st.integers(min_value=1, max_value=10))),
    ),
    "revoke_delegation": _revoke,
}


def _responded_at(c: Ctx) -> pendulum.DateTime | None:
    """Now, or (drawn) a moment between the vendor's last response and now (R8.times)."""
    ticket: VendorTicket = c.subject
    earliest = ticket.responses[-1].at if ticket.responses else ticket.sent_at
    if not c.draw(st.booleans()) or earliest >= c.now:
        return None
    return earliest + (c.now - earliest) / 2


TICKET_RUNNERS: dict[str, Runner] = {
    "vendor_acknowledge": lambda c: c.rk.liaison.vendor_acknowledged(
        c.subject.id, actor=c.actor, vendor_reference="ACME-7", responded_at=_responded_at(c)
    ),
    "provide_fix": lambda c: c.rk.liaison.fix_provided(
        c.subject.id, actor=c.actor, fix="Firmware 2.1.", responded_at=_responded_at(c)
    ),
    "relay_fix": lambda c: c.rk.liaison.relay_fix(
        c.subject.id, actor=c.actor, message="Install firmware 2.1, please."
    ),
    "confirm_fix": lambda c: c.rk.liaison.client_confirmed(c.subject.id, actor=c.actor),
    "update_client": lambda c: c.rk.liaison.update_client(
        c.subject.id, actor=c.actor, message="The vendor is still on it."
    ),
}


FEEDBACK_RUNNERS: dict[str, Runner] = {
    "give_feedback": lambda c: c.rk.feedback.respond(
        c.subject.id,
        actor=c.actor,
        csat=c.draw(st.integers(min_value=1, max_value=5)),
        comment=c.draw(st.sampled_from([None, "Slow, but fixed."])),
    ),
    "expire": lambda c: c.rk.execute(
        FeedbackRequest, c.subject.id, ExpireFeedback(reason="No answer."), actor=c.actor
    ),
    "open_recovery": lambda c: c.rk.execute(
        FeedbackRequest,
        c.subject.id,
        OpenRecovery(owner_id=MANAGER, reason="A low answer.", due_at=c.now.add(days=3)),
        actor=c.actor,
    ),
    "close_recovery": lambda c: c.rk.feedback.close_recovery(
        c.subject.id, actor=c.actor, outcome="Called the client; credit given."
    ),
}

RUNNERS: dict[str, dict[str, Runner]] = {
    Case.KIND: CASE_RUNNERS,
    Promise.KIND: PROMISE_RUNNERS,
    Relationship.KIND: RELATIONSHIP_RUNNERS,
    VendorTicket.KIND: TICKET_RUNNERS,
    FeedbackRequest.KIND: FEEDBACK_RUNNERS,
}
"""For each workflow, command name -> how to run it with permissive arguments."""


# --- the check ----------------------------------------------------------------------------------


SEEN: Counter[tuple[str, str, str, str, tuple[str, ...]]] = Counter()
"""What :func:`agree` checked: (kind, state, command, actor, rule ids) and how often."""


def distinct(ids: Sequence[str]) -> tuple[str, ...]:
    """Each rule id once, in order: a rule may give several reasons (one per cited case …),
    and the arguments decide how many."""
    return tuple(dict.fromkeys(ids))


def refused_ids(error: BaseException) -> tuple[str, ...] | None:
    """The rule ids a refusal names (each once, in order), or ``None`` if ``error`` is no
    refusal by a rule."""
    if isinstance(error, RuleViolations):
        return distinct([v.rule_id for v in error.exceptions])
    if isinstance(error, RuleViolation):
        return (error.rule_id,)
    return None


def trial(world: World, runner: Runner, ctx: Ctx) -> BaseException | None:
    """Run ``runner`` inside a batch that is then rolled back; return what it raised."""
    outcome: list[BaseException | None] = []
    try:
        with world.rk.batch():
            try:
                runner(ctx)
            except RelationkitError as exc:
                outcome.append(exc)
            else:
                outcome.append(None)
            raise Rollback
    except Rollback:
        pass
    return outcome[0]


def same_options(first: Sequence[Option], second: Sequence[Option]) -> None:
    """Options read twice are equal, hash alike, and equal one built from their parts."""
    assert first == second
    for a, b in zip(first, second, strict=True):
        assert a == b
        assert not a != b  # noqa: SIM202 - __ne__ is defined apart from __eq__
        assert hash(a) == hash(b)
        rebuilt = Option(a.command, a.allowed, b.blocked_by)
        assert rebuilt == a
        assert hash(rebuilt) == hash(a)
        assert a.rule_ids == tuple(v.rule_id for v in b.blocked_by)
        assert a.allowed == (not a.rule_ids)


def agree(world: World, draw: Callable[..., Any], actor: str) -> int:
    """Check every option ``actor`` has on every aggregate of the world against running it;
    return how many commands were tried."""
    rk = world.rk
    subjects = world.subjects()
    if not subjects:
        return 0
    if actor == GHOST:
        return _unknown_actor(world, draw, subjects)
    together = rk.options_for(subjects, actor=actor)
    tried = 0
    for subject in subjects:
        alone = rk.options_for([_fresh(world, subject)], actor=actor)[subject.id]
        same_options(together[subject.id], alone)
        runners = RUNNERS[subject.KIND]
        workflow = world.rk.workflow_for(type(subject))
        # relationkit's own commands (the service-level clocks) are offered to nobody else
        offered = [
            n for n in workflow.table.allowed_from(subject.state) if n not in workflow.internal
        ]
        assert [o.command for o in alone] == offered
        for option in alone:
            before = world.fingerprint(subject)
            ctx = Ctx(world, subject, actor, draw)
            error = trial(world, runners[option.command], ctx)
            where = f"{option.command!r} on {subject.KIND} {subject.id} ({subject.state}), {actor}"
            if option.allowed:
                assert error is None, f"{where}: reported allowed, refused: {error!r}"
            else:
                assert error is not None, f"{where}: reported {option.rule_ids}, accepted"
                got = refused_ids(error)
                assert got == distinct(option.rule_ids), (
                    f"{where}: reported {option.rule_ids}, refused with {got}: {error}"
                )
                if option.rule_ids == ("ROLE",):
                    assert isinstance(error, NotPermitted)
            assert world.fingerprint(subject) == before, f"{where}: the rollback left a trace"
            SEEN[(subject.KIND, subject.state, option.command, actor, option.rule_ids)] += 1
            tried += 1
    return tried


def _fresh(world: World, subject: Aggregate) -> Aggregate:
    with world.rk.pipeline.reading() as uow:
        return uow.get(type(subject), subject.id)


def _unknown_actor(world: World, draw: Callable[..., Any], subjects: list[Aggregate]) -> int:
    """An id nobody is registered under: asking is refused as running is (NotFound)."""
    rk = world.rk
    try:
        rk.options_for(subjects, actor=GHOST)
    except NotFound:
        pass
    else:
        raise AssertionError("options for an unknown actor were given")
    tried = 0
    for subject in subjects:
        workflow = rk.workflow_for(type(subject))
        for name in workflow.table.allowed_from(subject.state):
            if name in workflow.internal:
                continue
            before = world.fingerprint(subject)
            error = trial(world, RUNNERS[subject.KIND][name], Ctx(world, subject, GHOST, draw))
            assert isinstance(error, NotFound), f"{name!r} by an unknown actor: {error!r}"
            assert world.fingerprint(subject) == before
            tried += 1
    return tried
