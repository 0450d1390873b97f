"""Relationships and severance: :class:`RelationshipService`, reached as
``Relations.relationships``.

It runs the relationship commands through the command pipeline (workflow and care rule
R9), fills in what comes from the configuration (when a proposal or an approval expires),
and answers the questions people ask: which relationships are at risk, which proposals
await approval.

Every case and every promise belongs to a relationship. Which one a new case joins (used by
:meth:`Relations.open_case <relationkit.app.relations.Relations.open_case>`):

* a case names its relationship (``relationship=``): it must be the client's own and not
  ended;
* otherwise the client's one relationship that is not ended is used; if the client has
  several, the case must name one; if all of them are ended, the case is refused with
  :class:`~relationkit.exceptions.RelationshipEnded` until a manager re-engages one;
* a client with no relationship at all is a client from their first case on: opening it
  starts their relationship, active at once, in the same transaction and on the record
  (``RelationshipOpened`` and ``RelationshipActivated``, by whoever opened the case). Its id
  is :func:`first_relationship_id`, one per party, so two first cases opened at the same
  moment cannot start two relationships: the slower writer gets a
  :class:`~relationkit.exceptions.ConcurrencyError` and, retried, joins the first.

A promise (:meth:`PromiseService.make <relationkit.app.promises.PromiseService.make>`) joins its
case's relationship; a promise without a case joins the party's one live relationship (the
latest ended one if all are ended: an obligation such as a final refund outlives the
relationship), and starts one if the party has none.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, MemoryStore, Client, Staff
    >>> from relationkit.testing import ManualClock
    >>> rk = Relations(MemoryStore(), clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> rel = rk.relationships.create(actor="s-sam", party="c-ana")
    >>> rk.relationships.activate(rel.id, actor="s-sam").state
    'active'
    >>> rk.open_case(actor="s-sam", client="c-ana", subject="Invoice",
    ...              statement="The invoice is wrong.").relationship_id == rel.id
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pendulum

from relationkit.app.sweeps import process_due, sweeper_for
from relationkit.domain.liaison import CLIENT_CONFIRMED, VendorTicket
from relationkit.domain.parties import Party, Staff
from relationkit.domain.relationship import (
    ENDED,
    SEVERANCE_PROPOSED,
    Activate,
    Approve,
    Delegate,
    Dissent,
    End,
    ExpireProposal,
    MarkAtRisk,
    OpenRelationship,
    ProposeSeverance,
    Recover,
    ReEngage,
    Reject,
    Relationship,
    RevokeDelegation,
    Withdraw,
)
from relationkit.domain.values import MAX_ID_LENGTH, ident, instant
from relationkit.exceptions import (
    ConcurrencyError,
    InvalidInput,
    NotFound,
    RelationshipEnded,
)
from relationkit.rules.settings import RelationshipConfig

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.domain.events import Event
    from relationkit.store.base import UnitOfWork

__all__ = [
    "Joining",
    "RelationshipService",
    "SweepReport",
    "case_relationship",
    "first_relationship_id",
    "promise_relationship",
]

T = TypeVar("T")


@attrs.frozen
class SweepReport:
    """What :meth:`RelationshipService.run` did and found.

    Attributes:
        at: the time the sweep ran for.
        expired: ids of relationships whose severance proposal lapsed (now active again).
        updates_due: ids of vendor tickets whose client is owed an update.
        failures: ``(id, message)`` for each lapsed proposal the sweep could not expire (it
            stays due, and the next run tries again).
    """

    at: pendulum.DateTime
    expired: tuple[str, ...]
    updates_due: tuple[str, ...]
    failures: tuple[tuple[str, str], ...] = ()


def first_relationship_id(party_id: str) -> str:
    """The id of the relationship started for a party that had none (see the module's rule):
    ``relationship_`` and the party's id, or, where that would be longer than an id may be
    (:data:`~relationkit.domain.values.MAX_ID_LENGTH`), ``relationship_`` and a digest of
    the party's id: one id per party either way.

    Example:
        >>> first_relationship_id("c-ana")
        'relationship_c-ana'
        >>> len(first_relationship_id("c-" + "a" * 198))
        45
    """
    derived = f"relationship_{ident(party_id, 'party')}"
    if len(derived) <= MAX_ID_LENGTH:
        return derived
    return f"relationship_{hashlib.sha256(party_id.encode()).hexdigest()[:32]}"


def case_relationship(uow: UnitOfWork, client_id: str, relationship_id: str | None) -> str | None:
    """The relationship a new case of ``client_id`` joins (see the module's rule), or
    ``None`` when the client has no relationship yet and the case is to start one.

    Raises:
        NotFound: the named relationship does not exist.
        InvalidInput: it is another party's, or the client has several and named none.
        RelationshipEnded: the relationship (or every one of the client's) is ended.
    """
    if relationship_id is not None:
        found = _named(uow, client_id, relationship_id, "a case")
        if found.state == ENDED:
            raise RelationshipEnded(found.id, "open_case")
        return found.id
    mine = uow.select(Relationship, party_id=client_id)
    live = _live(client_id, mine, "a case")
    if live is not None:
        return live.id
    if mine:
        raise RelationshipEnded(mine[0].id, "open_case")
    return None


def promise_relationship(uow: UnitOfWork, party_id: str, relationship_id: str | None) -> str | None:
    """The relationship a new promise to ``party_id`` without a case joins (see the module's
    rule), or ``None`` when the party has none yet and the promise is to start one.

    Raises:
        NotFound: the named relationship does not exist.
        InvalidInput: it is another party's, or the party has several live ones and the
            promise named none.
    """
    if relationship_id is not None:
        return _named(uow, party_id, relationship_id, "a promise").id
    mine = uow.select(Relationship, party_id=party_id)
    live = _live(party_id, mine, "a promise")
    if live is not None:
        return live.id
    if mine:
        return max(mine, key=lambda r: r.exit.at if r.exit is not None else r.opened_at).id
    return None


def _named(uow: UnitOfWork, party_id: str, relationship_id: str, what: str) -> Relationship:
    found = uow.find(Relationship, relationship_id)
    if found is None:
        raise NotFound("relationship", relationship_id)
    if found.party_id != party_id:
        raise InvalidInput(
            f"refused: {what} of {party_id!r} in relationship {relationship_id!r}; that "
            f"relationship is with {found.party_id!r}; name one of {party_id!r}'s own.",
            field="relationship",
        )
    return found


def _live(party_id: str, mine: list[Relationship], what: str) -> Relationship | None:
    live = [r for r in mine if r.state != ENDED]
    if len(live) > 1:
        raise InvalidInput(
            f"refused: {what} of {party_id!r} without naming its relationship; "
            f"{party_id!r} has {len(live)} ({', '.join(r.id for r in live)}); "
            "pass relationship=<id>.",
            field="relationship",
        )
    return live[0] if live else None


class Joining:
    """The relationship a new case or promise joins, started with it if the party has none.

    Built by :meth:`RelationshipService.joining` from a first, read-only look;
    :meth:`check` runs inside the unit of work that records the case or promise, looks
    again, and starts the party's relationship there when it is still missing; :meth:`run`
    runs that unit of work (once more if another first case of the party started the
    relationship at the same moment: the second one joins it).

    Attributes:
        relationship_id: the relationship the new case or promise belongs to.
        starts: True when recording it starts the relationship (the party has none yet).
    """

    def __init__(
        self,
        relationships: RelationshipService,
        party_id: str,
        named: str | None,
        found: str | None,
        *,
        what: str,
        reason: str,
    ) -> None:
        self._relationships = relationships
        self._party_id = party_id
        self._named = named
        self._what = what
        self._reason = reason
        self.starts = found is None
        self.relationship_id = first_relationship_id(party_id) if found is None else found
        self._trying = False

    def _look(self, uow: UnitOfWork) -> str | None:
        if self._what == "case":
            return case_relationship(uow, self._party_id, self._named)
        return promise_relationship(uow, self._party_id, self._named)

    def check(self, uow: UnitOfWork, actor: Staff | Party) -> Written | None:
        """Inside the recording unit of work: confirm the party and its relationship, or
        start the relationship and return what starting it wrote (a creation's check, see
        :meth:`Pipeline.start_in <relationkit.app.pipeline.Pipeline.start_in>`, so listeners
        hear the relationship before the case or promise).

        Raises:
            NotFound: the party is not registered.
            ConcurrencyError: the party's relationships changed since the first look.
            RelationshipEnded: a case's relationship was ended meanwhile.
        """
        if uow.find_record(Party, self._party_id) is None:
            who = "client" if self._what == "case" else "party"
            raise NotFound(
                "party", self._party_id, f"register the {who} (Relations.register) first"
            )
        now = self._look(uow)
        if now is None:
            self._trying = True
            return self._relationships.start_in(uow, self._party_id, actor, reason=self._reason)
        if now != self.relationship_id:
            raise ConcurrencyError(Relationship.KIND, now, 0, None)
        return None

    def run(self, record: Callable[[], T]) -> T:
        """Run ``record`` (which commits a unit of work calling :meth:`check`), once more if
        another writer started the party's first relationship at the same moment."""
        try:
            return record()
        except ConcurrencyError:
            if not self._trying:
                raise
            self._trying = False
            return record()  # the relationship exists now: this one joins it


class RelationshipService:
    """Relationships and severance (R9), reached as ``Relations.relationships``.

    Args:
        pipeline: the command pipeline it runs commands through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    @property
    def settings(self) -> RelationshipConfig:
        """The relationship settings in force (``config.relationships``)."""
        return self._p.config.relationships

    # --- lifecycle -----------------------------------------------------------------------------

    def create(
        self,
        *,
        actor: str,
        party: str,
        contract: str | None = None,
        note: str | None = None,
        relationship_id: str | None = None,
    ) -> Relationship:
        """Start a relationship with a registered party, as a prospect.

        The contract defaults to the party's own. A party whose relationship was ended gets
        no new one: re-engage the ended one instead.

        Raises:
            NotFound: the party is not registered.
            RelationshipEnded: the party's relationship was ended.
        """
        with self._p.reading() as uow:
            party_obj = uow.get_record(Party, ident(party, "party"))
        command = OpenRelationship(
            party_id=party_obj.id,
            contract=contract if contract is not None else party_obj.contract,
            note=note,
        )

        def not_ended(uow: UnitOfWork, _: Staff | Party) -> None:
            for found in uow.select(Relationship, party_id=command.party_id, state=ENDED):
                raise RelationshipEnded(found.id, "open_relationship")

        return self._p.create(
            Relationship, command, actor=actor, aggregate_id=relationship_id, check=not_ended
        )

    def joining(
        self, party_id: str, relationship: str | None, *, what: str, reason: str
    ) -> Joining:
        """The relationship a new case (``what="case"``) or promise (``what="promise"``) of
        ``party_id`` joins, naming ``relationship`` or not (see the module's rule); if the
        party has none, ``reason`` is the note of the relationship it starts.

        Raises:
            NotFound: the named relationship does not exist.
            InvalidInput: it is another party's, or the party has several and none is named.
            RelationshipEnded: a case's relationship (or all the client's) is ended.
        """
        with self._p.reading() as uow:
            look = case_relationship if what == "case" else promise_relationship
            found = look(uow, party_id, relationship)
        return Joining(self, party_id, relationship, found, what=what, reason=reason)

    def start_in(
        self, uow: UnitOfWork, party_id: str, actor: Staff | Party, *, reason: str
    ) -> Written:
        """Start the relationship of a party that has none, inside the caller's unit of work
        (which the caller commits): opened and activated at once, by ``actor``, with
        ``reason`` as the note on both events. Its id is :func:`first_relationship_id`.

        Used when a party's first case or promise is recorded; both commands run through
        the command pipeline like any other (authority, care rules, workflow).

        Raises:
            NotFound: the party is not registered.
            ConcurrencyError: the party's relationship was started meanwhile (run again).
            NotPermitted: the actor may not open or activate a relationship.
        """
        party = uow.find_record(Party, ident(party_id, "party"))
        if party is None:
            raise NotFound("party", party_id, "register the party (Relations.register) first")
        new = first_relationship_id(party.id)
        found = uow.find(Relationship, new)
        if found is not None:
            raise ConcurrencyError(Relationship.KIND, new, 0, found.version)
        opening = OpenRelationship(party_id=party.id, contract=party.contract, note=reason)
        now = self._p.now()
        why = (
            f"{party.id!r} has no relationship yet, so recording their first case or promise "
            "starts one"
        )
        opened = self._p.start_in(
            uow, Relationship, opening, actor=actor, aggregate_id=new, now=now, why=why
        )
        subject = opened[0][0]
        activate = Activate(note=reason)
        activated = self._p.run_on(uow, subject, activate, actor=actor, now=now, why=why)
        return [*opened, *activated]

    def _run(self, relationship_id: str, command: Any, actor: str) -> Relationship:
        return self._p.execute(Relationship, relationship_id, command, actor=actor)

    def activate(
        self, relationship_id: str, *, actor: str, note: str | None = None
    ) -> Relationship:
        """The prospect became a client."""
        return self._run(relationship_id, Activate(note=note), actor)

    def mark_at_risk(self, relationship_id: str, *, actor: str, reason: str) -> Relationship:
        """Say the relationship is at risk, and why."""
        return self._run(relationship_id, MarkAtRisk(reason=reason), actor)

    def recover(self, relationship_id: str, *, actor: str, reason: str) -> Relationship:
        """The risk passed; the relationship is active again."""
        return self._run(relationship_id, Recover(reason=reason), actor)

    def propose_severance(
        self, relationship_id: str, *, actor: str, reason: str, evidence: Iterable[str] | str
    ) -> Relationship:
        """Propose to end an at-risk relationship, citing the cases that show an attempt to
        resolve (R9). The proposal lapses after ``proposal_valid_for``."""
        command = ProposeSeverance(
            reason=reason,
            evidence=evidence,
            expires_at=self._p.now() + self.settings.proposal_valid_for,
        )
        return self._run(relationship_id, command, actor)

    def approve(
        self,
        relationship_id: str,
        *,
        actor: str,
        acting_for: str | None = None,
        note: str | None = None,
    ) -> Relationship:
        """Approve the open proposal, in one's own name or under a delegation from
        ``acting_for``. The approval counts for ``approval_valid_for``, and records the roles
        its principal (``acting_for``, else ``actor``) holds now: R9's authority is judged
        by them when the relationship ends."""
        principal = ident(acting_for if acting_for is not None else actor, "actor")
        with self._p.reading() as uow:
            staff = uow.find_record(Staff, principal)
        command = Approve(
            acting_for=acting_for,
            note=note,
            expires_at=self._p.now() + self.settings.approval_valid_for,
            roles=staff.roles if staff is not None else frozenset(),
        )
        return self._run(relationship_id, command, actor)

    def reject(self, relationship_id: str, *, actor: str, reason: str) -> Relationship:
        """Say no to the open proposal. With the default settings one "no" rejects it and
        the relationship is active again; when more are configured, the earlier ones are
        recorded as dissents."""
        current = self.get(relationship_id)
        needed = self.settings.rejections_to_reject
        given = len(current.proposal.rejections) if current.proposal is not None else 0
        command: Reject | Dissent = (
            Reject(reason=reason) if given + 1 >= needed else Dissent(reason=reason)
        )
        return self._p.execute(
            Relationship, relationship_id, command, actor=actor, expected_version=current.version
        )

    def withdraw(self, relationship_id: str, *, actor: str, reason: str) -> Relationship:
        """Take the open proposal back (the proposer, or someone with authority)."""
        return self._run(relationship_id, Withdraw(reason=reason), actor)

    def end(
        self,
        relationship_id: str,
        *,
        actor: str,
        amicable: bool,
        conversation: str | None = None,
        note: str | None = None,
    ) -> Relationship:
        """End the relationship as approved (R9), recording whether it was amicable and,
        if so, the exit conversation."""
        command = End(amicable=amicable, conversation=conversation, note=note)
        return self._run(relationship_id, command, actor)

    def reengage(self, relationship_id: str, *, actor: str, reason: str) -> Relationship:
        """Take an ended relationship up again (someone with authority, with the reason)."""
        return self._run(relationship_id, ReEngage(reason=reason), actor)

    def delegate(
        self,
        relationship_id: str,
        *,
        actor: str,
        to: str,
        ends_at: pendulum.DateTime,
        starts_at: pendulum.DateTime | None = None,
        note: str | None = None,
    ) -> Relationship:
        """Lend ``actor``'s approval authority on this relationship to ``to`` from
        ``starts_at`` (now, if omitted) until ``ends_at``."""
        command = Delegate(
            to=to,
            starts_at=starts_at if starts_at is not None else self._p.now(),
            ends_at=ends_at,
            note=note,
        )
        return self._run(relationship_id, command, actor)

    def revoke_delegation(self, relationship_id: str, *, actor: str, to: str) -> Relationship:
        """Take back ``actor``'s delegations to ``to`` that are still in force."""
        return self._run(relationship_id, RevokeDelegation(to=to), actor)

    # --- reading -------------------------------------------------------------------------------

    def get(self, relationship_id: str) -> Relationship:
        """The stored relationship."""
        with self._p.reading() as uow:
            return uow.get(Relationship, ident(relationship_id, "relationship_id"))

    def select(self, **where: Any) -> list[Relationship]:
        """Relationships whose indexed attributes match, e.g. ``select(party_id="c-ana")``."""
        with self._p.reading() as uow:
            return uow.select(Relationship, **where)

    def at_risk(self) -> list[Relationship]:
        """Relationships at risk, longest at risk first."""
        with self._p.reading() as uow:
            return uow.select(Relationship, state="at_risk", order_by="at_risk_since")

    def pending_approvals(self) -> list[Relationship]:
        """Relationships with a severance proposal awaiting approval, soonest to lapse first."""
        with self._p.reading() as uow:
            return uow.select(Relationship, awaiting_approval=True, order_by="proposal_expires_at")

    def timeline(self, relationship_id: str) -> list[Event]:
        """The events of a relationship, oldest first."""
        relationship_id = ident(relationship_id, "relationship_id")
        with self._p.reading() as uow:
            uow.get(Relationship, relationship_id)
            return uow.events(Relationship, relationship_id)

    # --- sweep ---------------------------------------------------------------------------------

    def run(self, now: pendulum.DateTime | None = None, *, batch: int = 100) -> SweepReport:
        """Let lapsed severance proposals expire (the relationship is active again) and find
        the vendor tickets whose client is owed an update. Running it twice for the same time
        changes nothing more. It is safe to run from several processes at once: each lapsed
        proposal is expired by exactly one of them (``expired`` lists this run's, in id
        order).

        Args:
            now: the time to sweep for; the clock's time if omitted.
            batch: how many relationships one transaction claims.

        Raises:
            InsideBatch: called inside ``rk.batch()`` (nothing was read or written).
        """
        self._p.refuse_in_batch("rk.relationships.run")
        when = self._p.now() if now is None else instant(now, "now")
        command = ExpireProposal()
        sweeper = sweeper_for(self._p.config, command.NAME)

        def expire(uow: UnitOfWork, subject: Relationship) -> Written | None:
            proposal = subject.proposal
            if proposal is None or not proposal.expired_at(when):
                return None
            return self._p.run_on(uow, subject, command, actor=sweeper, now=when)

        result = process_due(
            self._p,
            Relationship,
            {"state": SEVERANCE_PROPOSED, "proposal_expires_at__le": when},
            expire,
            name="relationships-expire-proposals",
            batch=batch,
        )
        with self._p.reading() as uow:
            due = [
                t.id
                for t in uow.select(
                    VendorTicket,
                    next_update_due__le=when,
                    state__ne=CLIENT_CONFIRMED,
                    order_by="next_update_due",
                )
            ]
        failures = tuple((item, str(exc)) for item, exc in result.refused)
        return SweepReport(when, result.processed, tuple(due), failures)
