"""Relationships, severance, the vendor liaison and recurrences, as one facade.

:class:`Relationships` is reached as ``Relations.relationships``. It runs the relationship
and vendor ticket commands through their workflows and care rules R8 and R9, fills in what
comes from the configuration (when a proposal or an approval expires, the targets and
cadence of a vendor ticket), and answers the questions people ask: which relationships are
at risk, which proposals await approval, which clients are owed an update, which cases are
the same problem come back, and how reliable a vendor's fixes are.

Every case and every promise belongs to a relationship. Which one a new case joins (used by
:meth:`Relations.open_case <relationkit.service.Relations.open_case>`):

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

A promise (:meth:`Promises.make <relationkit.services.promises.Promises.make>`) joins its
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

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pendulum

from relationkit.domain.case import Case
from relationkit.domain.liaison import (
    CLIENT_CONFIRMED,
    ConfirmFix,
    EscalateToVendor,
    ProvideFix,
    RelayFix,
    UpdateClient,
    VendorAcknowledge,
    VendorTicket,
)
from relationkit.domain.parties import Party, Staff, Vendor
from relationkit.domain.recurrence import (
    VendorReliability,
    find_recurrence,
    signature_of,
    vendor_reliability,
)
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
from relationkit.domain.values import instant, text
from relationkit.exceptions import (
    ConcurrencyError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RelationshipEnded,
    WrongPartyKind,
)
from relationkit.rules.authority import authority_problem
from relationkit.rules.relationship import RelationshipConfig
from relationkit.sweeps import Written, execute_as, process_due

if TYPE_CHECKING:
    from relationkit.domain.events import Event
    from relationkit.service import Relations
    from relationkit.store.base import UnitOfWork

__all__ = [
    "SWEEPER_ID",
    "Joining",
    "Relationships",
    "SweepReport",
    "case_relationship",
    "first_relationship_id",
    "promise_relationship",
]

T = TypeVar("T")

SWEEPER_ID = "relationkit.sweep"
"""The actor id on events the sweep records (a lapsed proposal). It is no registered person:
nobody can act, approve or delegate under it."""


@attrs.frozen
class SweepReport:
    """What :meth:`Relationships.run` did and found.

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
    """The id of the relationship started for a party that had none (see the module's rule).

    Example:
        >>> first_relationship_id("c-ana")
        'relationship_c-ana'
    """
    return f"relationship_{text(party_id, 'party')}"


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

    Built by :meth:`Relationships.joining` from a first, read-only look; :meth:`check` runs
    inside the unit of work that records the case or promise, looks again, and starts the
    party's relationship there when it is still missing; :meth:`run` runs that unit of work
    (once more if another first case of the party started the relationship at the same
    moment: the second one joins it) and tells the listeners about a relationship started.

    Attributes:
        relationship_id: the relationship the new case or promise belongs to.
        starts: True when recording it starts the relationship (the party has none yet).
    """

    def __init__(
        self,
        relationships: Relationships,
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
        """Inside the recording unit of work: confirm the relationship, or start it and
        return what starting it wrote (a :class:`~relationkit.service.Relations.create`
        check, so listeners hear the relationship before the case or promise).

        Raises:
            ConcurrencyError: the party's relationships changed since the first look.
            RelationshipEnded: a case's relationship was ended meanwhile.
        """
        now = self._look(uow)
        if now is None:
            self._trying = True
            return [self._relationships.start_in(uow, self._party_id, actor, reason=self._reason)]
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


class Relationships:
    """Relationships, severance (R9), the vendor liaison and recurrences (R8).

    Args:
        relations: the :class:`~relationkit.service.Relations` service to run commands on.
    """

    def __init__(self, relations: Relations) -> None:
        self._rk = relations

    @property
    def settings(self) -> RelationshipConfig:
        """The relationship settings in force (``config.relationships``)."""
        return self._rk.config.relationships

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
        party_obj = self._rk.party(text(party, "party"))
        command = OpenRelationship(
            party_id=party_obj.id,
            contract=contract if contract is not None else party_obj.contract,
            note=note,
        )

        def not_ended(uow: UnitOfWork, _: Staff | Party) -> None:
            for found in uow.select(Relationship, party_id=command.party_id, state=ENDED):
                raise RelationshipEnded(found.id, "open_relationship")

        return self._rk.create(
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
        with self._rk.store.unit_of_work() as uow:
            look = case_relationship if what == "case" else promise_relationship
            found = look(uow, party_id, relationship)
        return Joining(self, party_id, relationship, found, what=what, reason=reason)

    def start_in(
        self, uow: UnitOfWork, party_id: str, actor: Staff | Party, *, reason: str
    ) -> tuple[Relationship, list[Event]]:
        """Start the relationship of a party that has none, inside the caller's unit of work
        (which the caller commits): opened and activated at once, by ``actor``, with
        ``reason`` as the note on both events. Its id is :func:`first_relationship_id`.

        Used when a party's first case or promise is recorded; the events run through the
        relationship workflow, its care rules and the actor's authority like any command.
        After committing, pass the result to :meth:`Relations.notify
        <relationkit.service.Relations.notify>`.

        Raises:
            NotFound: the party is not registered.
            ConcurrencyError: the party's relationship was started meanwhile (run again).
            NotPermitted: the actor may not open or activate a relationship.
        """
        rk = self._rk
        party = uow.find_record(Party, text(party_id, "party"))
        if party is None:
            raise NotFound("party", party_id, "register the party (Relations.register) first")
        new = first_relationship_id(party.id)
        found = uow.find(Relationship, new)
        if found is not None:
            raise ConcurrencyError(Relationship.KIND, new, 0, found.version)
        workflow = rk.workflow_for(Relationship)
        opening = OpenRelationship(party_id=party.id, contract=party.contract, note=reason)
        problem = authority_problem(None, opening.NAME, actor, rk.config)
        if problem is not None:
            raise NotPermitted(
                f"refused: {party.id!r} has no relationship yet, so recording their first "
                f"case or promise starts one, and {problem}.",
                actor_id=actor.id,
                command=opening.NAME,
            )
        attempt = rk._attempt(uow, opening.NAME, opening, actor)
        subject, opened = workflow.start(new, opening, actor.id, attempt.now)
        rk.config.rulebook.enforce(subject, attempt)
        activate = Activate(note=reason)
        activated = workflow.run(
            subject, activate, attrs.evolve(attempt, command_name=activate.NAME, command=activate)
        )
        events = [opened, activated]
        uow.append(subject, events)
        return subject, events

    def _run(self, relationship_id: str, command: Any, actor: str) -> Relationship:
        return self._rk.execute(Relationship, relationship_id, command, actor=actor)

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
            expires_at=self._rk.now() + self.settings.proposal_valid_for,
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
        ``acting_for``. The approval counts for ``approval_valid_for``."""
        command = Approve(
            acting_for=acting_for,
            note=note,
            expires_at=self._rk.now() + self.settings.approval_valid_for,
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
        return self._rk.execute(
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
            starts_at=starts_at if starts_at is not None else self._rk.now(),
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
        with self._rk.store.unit_of_work() as uow:
            return uow.get(Relationship, relationship_id)

    def select(self, **where: Any) -> list[Relationship]:
        """Relationships whose indexed attributes match, e.g. ``select(party_id="c-ana")``."""
        with self._rk.store.unit_of_work() as uow:
            return uow.select(Relationship, **where)

    def at_risk(self) -> list[Relationship]:
        """Relationships at risk, longest at risk first."""
        with self._rk.store.unit_of_work() as uow:
            return uow.select(Relationship, state="at_risk", order_by="at_risk_since")

    def pending_approvals(self) -> list[Relationship]:
        """Relationships with a severance proposal awaiting approval, soonest to lapse first."""
        with self._rk.store.unit_of_work() as uow:
            return uow.select(Relationship, awaiting_approval=True, order_by="proposal_expires_at")

    def timeline(self, aggregate_id: str) -> list[Event]:
        """The events of a relationship or a vendor ticket, oldest first."""
        with self._rk.store.unit_of_work() as uow:
            if uow.find(VendorTicket, aggregate_id) is not None:
                return uow.events(VendorTicket, aggregate_id)
            uow.get(Relationship, aggregate_id)
            return uow.events(Relationship, aggregate_id)

    # --- vendor liaison (R8) -------------------------------------------------------------------

    def escalate_to_vendor(
        self,
        case_id: str,
        *,
        actor: str,
        vendor: str,
        problem: str | None = None,
        vendor_reference: str | None = None,
        update_every: pendulum.Duration | None = None,
        ticket_id: str | None = None,
    ) -> VendorTicket:
        """Hand a case's problem to a vendor, promising the client updates every
        ``update_every`` (``client_update_every`` if omitted).

        The first update is promised at once: an update promise (see
        :mod:`relationkit.services.promises`) owned by ``actor``, made to the client and due
        a cadence from now, in the same transaction as the ticket. Like any promise on a
        case it needs the client to have confirmed being heard (R1): before that, the
        escalation is refused with R1's reason (acknowledge and have the client confirm
        first), and nothing is stored.

        Raises:
            NotFound: no such case or party.
            WrongPartyKind: ``vendor`` is not a :class:`~relationkit.domain.parties.Vendor`.
            RuleViolation: a care rule refused the ticket or its update promise.
        """
        case = self._rk.case(text(case_id, "case_id"))
        settings = self.settings
        command = EscalateToVendor(
            case_id=case.id,
            client_id=case.client_id,
            relationship_id=case.relationship_id,
            vendor_id=text(vendor, "vendor"),
            problem=problem if problem is not None else case.subject,
            vendor_reference=vendor_reference,
            update_every=update_every if update_every is not None else settings.client_update_every,
            acknowledge_within=settings.vendor_acknowledge_within,
            fix_within=settings.vendor_fix_within,
        )

        def is_vendor(uow: UnitOfWork, _: Staff | Party) -> None:
            party = uow.find_record(Party, command.vendor_id)
            if party is None:
                raise NotFound("party", command.vendor_id, "register the vendor first")
            if not isinstance(party, Vendor):
                raise WrongPartyKind("vendor", party.id, "vendor", party.kind)
            if uow.find(Case, command.case_id) is None:
                raise NotFound("case", command.case_id)

        return self._rk.create(
            VendorTicket, command, actor=actor, aggregate_id=ticket_id, check=is_vendor
        )

    def _ticket(self, ticket_id: str, command: Any, actor: str) -> VendorTicket:
        return self._rk.execute(VendorTicket, ticket_id, command, actor=actor)

    def vendor_acknowledged(
        self,
        ticket_id: str,
        *,
        actor: str,
        vendor_reference: str | None = None,
        responded_at: pendulum.DateTime | None = None,
        note: str | None = None,
    ) -> VendorTicket:
        """Record the vendor's acknowledgement (when it came, if not now)."""
        command = VendorAcknowledge(
            vendor_reference=vendor_reference, responded_at=responded_at, note=note
        )
        return self._ticket(ticket_id, command, actor)

    def fix_provided(
        self,
        ticket_id: str,
        *,
        actor: str,
        fix: str,
        responded_at: pendulum.DateTime | None = None,
    ) -> VendorTicket:
        """Record the vendor's fix."""
        return self._ticket(ticket_id, ProvideFix(fix=fix, responded_at=responded_at), actor)

    def relay_fix(self, ticket_id: str, *, actor: str, message: str) -> VendorTicket:
        """Record that the fix was passed on to the client, with what they were told: the
        last update, which keeps the open update promise (if in time) and ends the cadence."""
        return self._ticket(ticket_id, RelayFix(message=message), actor)

    def client_confirmed(
        self, ticket_id: str, *, actor: str, note: str | None = None
    ) -> VendorTicket:
        """Record that the client confirmed the fix works."""
        return self._ticket(ticket_id, ConfirmFix(note=note), actor)

    def update_client(self, ticket_id: str, *, actor: str, message: str) -> VendorTicket:
        """Record an update given to the client: it keeps the open update promise (if in
        time), and the next update, a cadence later, is promised."""
        return self._ticket(ticket_id, UpdateClient(message=message), actor)

    def ticket(self, ticket_id: str) -> VendorTicket:
        """The stored vendor ticket."""
        with self._rk.store.unit_of_work() as uow:
            return uow.get(VendorTicket, ticket_id)

    def tickets(self, **where: Any) -> list[VendorTicket]:
        """Vendor tickets whose indexed attributes match, e.g. ``tickets(case_id=…)``."""
        with self._rk.store.unit_of_work() as uow:
            return uow.select(VendorTicket, **where)

    def updates_due(self, now: pendulum.DateTime | None = None) -> list[VendorTicket]:
        """Vendor tickets whose client is owed an update by ``now``, most overdue first."""
        when = self._rk.now() if now is None else instant(now, "now")
        with self._rk.store.unit_of_work() as uow:
            return uow.select(
                VendorTicket,
                next_update_due__le=when,
                state__ne=CLIENT_CONFIRMED,
                order_by="next_update_due",
            )

    # --- recurrence ----------------------------------------------------------------------------

    def find_recurrence(
        self,
        *,
        client: str,
        subject: str,
        product: str | None = None,
        category: str | None = None,
        problem_key: str | None = None,
        now: pendulum.DateTime | None = None,
    ) -> Case | None:
        """The resolved case of ``client`` that a new problem with this signature repeats
        (within ``recurrence_window``), or ``None``."""
        signature = signature_of(
            product=product, category=category, problem_key=problem_key, subject=subject
        )
        if signature is None:
            return None
        when = self._rk.now() if now is None else instant(now, "now")
        with self._rk.store.unit_of_work() as uow:
            candidates = uow.select(Case, client_id=client)
        return find_recurrence(
            candidates,
            signature,
            client_id=client,
            now=when,
            window=self.settings.recurrence_window,
        )

    def history(self, case_id: str) -> list[Case]:
        """The case and the earlier cases it repeats, oldest first."""
        chain: list[Case] = []
        seen: set[str] = set()
        with self._rk.store.unit_of_work() as uow:
            current: Case | None = uow.get(Case, case_id)
            while current is not None and current.id not in seen:
                chain.append(current)
                seen.add(current.id)
                link = current.recurrence_of
                current = uow.find(Case, link) if link is not None else None
        return chain[::-1]

    def recurrences(self, case_id: str) -> list[Case]:
        """Later cases that were linked as recurrences of ``case_id``."""
        with self._rk.store.unit_of_work() as uow:
            case = uow.get(Case, case_id)
            mine = uow.select(Case, client_id=case.client_id)
        return [c for c in mine if c.recurrence_of == case_id]

    def vendor_reliability(self, vendor_id: str) -> VendorReliability:
        """Recurrence rate and mean time to fix of a vendor, from its tickets and the
        recurrence links of their cases."""
        with self._rk.store.unit_of_work() as uow:
            tickets = uow.select(VendorTicket, vendor_id=vendor_id)
            recurred: set[str] = set()
            for client_id in sorted({t.client_id for t in tickets}):
                for case in uow.select(Case, client_id=client_id):
                    if case.recurrence_of is not None:
                        recurred.add(case.recurrence_of)
        return vendor_reliability(vendor_id, tickets, recurred)

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
        """
        when = self._rk.now() if now is None else instant(now, "now")
        command = ExpireProposal()
        sweeper = Staff(
            id=SWEEPER_ID,
            name="relationkit sweep",
            roles=self._rk.config.roles_for(command.NAME) or {"sweep"},
        )

        def expire(uow: UnitOfWork, subject: Relationship) -> Written | None:
            proposal = subject.proposal
            if proposal is None or not proposal.expired_at(when):
                return None
            return execute_as(self._rk, uow, subject, command, sweeper, when)

        result = process_due(
            self._rk,
            Relationship,
            {"state": SEVERANCE_PROPOSED, "proposal_expires_at__le": when},
            expire,
            name="relationships-expire-proposals",
            batch=batch,
        )
        due = [t.id for t in self.updates_due(when)]
        failures = tuple((item, str(exc)) for item, exc in result.refused)
        return SweepReport(when, result.processed, tuple(due), failures)
