"""Relationship health, explained signal by signal (care rule R12): :class:`HealthService`,
reached as ``Relations.health``.

Health is judged by the model in ``CareConfig.health``: named signals with weights
(:mod:`relationkit.health`). Every figure a signal reads is as known at the moment asked
for. The last contact with each party, one of the facts, is kept by a command hook
(:func:`track_contact`) in each command's own transaction.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, Client, ManualClock, Staff
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Late delivery",
    ...                     statement="My order is two weeks late.")
    >>> report = rk.health.assess(case.relationship_id)
    >>> report.subject_id, rk.health.last_contact("c-ana").event_name
    ('relationship_c-ana', 'CaseOpened')
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import Case
from relationkit.domain.entries import EntitlementEntry, PersonEntry
from relationkit.domain.equality import Entitlement, Targets, targets_for
from relationkit.domain.feedback import FeedbackRequest
from relationkit.domain.health import (
    NOT_CONTACT,
    Contact,
    HealthFacts,
    HealthModel,
    HealthReport,
    parties_of,
    transition_for,
)
from relationkit.domain.liaison import VendorTicket
from relationkit.domain.parties import Party
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import MarkAtRisk, Recover, Relationship
from relationkit.domain.values import ident, instant
from relationkit.exceptions import InvalidInput, NotFound

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.events import Event
    from relationkit.rules.base import Attempt
    from relationkit.store.base import UnitOfWork

__all__ = ["HealthService", "track_contact"]

A = TypeVar("A", bound=Aggregate)


def track_contact(event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Contact]:
    """Command hook: the last contact with each party ``subject`` is about (a health
    signal, R12), stored in the command's own transaction, so that it is never out of step
    with the timeline and costs no transaction of its own. Events inside the business
    (:data:`~relationkit.domain.health.NOT_CONTACT`) and the work of sweeps do not count.

    A contact is a record the store keeps the latest of (by its time): a command stamped
    earlier than the contact on record leaves that one in place, without this hook having
    to read it first.
    """
    if event.name in NOT_CONTACT:
        return ()
    return [
        Contact(
            party_id=party_id,
            at=event.at,
            event_name=event.name,
            aggregate_kind=subject.KIND,
            aggregate_id=subject.id,
            actor_id=event.actor_id,
        )
        for party_id in parties_of(subject)
    ]


class HealthService:
    """Relationship health (R12), reached as ``Relations.health``.

    Args:
        pipeline: the command pipeline it reads through and runs ``mark_at_risk`` and
            ``recover`` through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline
        pipeline.add_hook(track_contact)

    @property
    def model(self) -> HealthModel:
        """The signals and weights in force (``CareConfig.health``)."""
        return self._p.config.health

    def _now(self, now: pendulum.DateTime | None) -> pendulum.DateTime:
        return self._p.now() if now is None else instant(now, "now")

    def facts(
        self,
        relationship: str | None = None,
        *,
        party: str | None = None,
        now: pendulum.DateTime | None = None,
    ) -> HealthFacts:
        """What the health signals read about a relationship (or a party without one), as of
        ``now`` (see :meth:`assess`); for trying signals out. (``directory`` is left empty:
        it is only valid while :meth:`assess` assesses.)"""
        with self._p.reading() as uow:
            return attrs.evolve(self._facts(uow, relationship, party, now), directory=None)

    def _facts(
        self,
        uow: UnitOfWork,
        relationship: str | None,
        party: str | None,
        as_of: pendulum.DateTime | None,
    ) -> HealthFacts:
        now = self._now(as_of)
        if (relationship is None) == (party is None):
            raise InvalidInput(
                "refused: health needs exactly one subject; pass a relationship id or "
                "party=<party id>, not both and not neither.",
                field="relationship",
            )
        contract: str | None = None
        if relationship is not None:
            rel = uow.get(Relationship, ident(relationship, "relationship"))
            subject_id, party_id, contract = rel.id, rel.party_id, rel.contract
        else:
            subject_id = party_id = ident(party, "party")
        found = uow.find_record(Party, party_id)
        if found is None:
            raise NotFound("party", party_id, "register the party first")
        targets: Targets | None
        if as_of is None:
            entitlements = uow.records(Entitlement)
        else:  # the party's contract and its entitlement as they stood then
            found, entitlements = self._terms_then(uow, found, contract, now)
        try:
            targets = targets_for(found, entitlements, contract=contract)
        except NotFound:
            targets = None
        cases = uow.select(Case, client_id=party_id)
        feedback = uow.select(FeedbackRequest, party_id=party_id)
        promises = uow.select(Promise, party_id=party_id)
        if as_of is None:  # the present: the stored state
            contact = uow.find_record(Contact, party_id)
            last_contact = None if contact is None else contact.at
        else:  # an earlier moment: each timeline up to it, never what came later
            seen: list[pendulum.DateTime] = []
            cases = self._as_of(uow, cases, now, seen)
            feedback = self._as_of(uow, feedback, now, seen)
            promises = self._as_of(uow, promises, now, seen)
            for ticket in uow.select(VendorTicket, client_id=party_id):
                self._as_of(uow, [ticket], now, seen)
            if relationship is not None:
                self._as_of(uow, [uow.get(Relationship, subject_id)], now, seen)
            last_contact = max(seen) if seen else None
        return HealthFacts(
            subject_id=subject_id,
            party_id=party_id,
            now=now,
            cases=cases,
            feedback=feedback,
            promises=promises,
            last_contact=last_contact,
            targets=targets,
            config=self._p.config.feedback,
            directory=uow.read_only(),
        )

    def _as_of(
        self,
        uow: UnitOfWork,
        aggregates: Sequence[A],
        now: pendulum.DateTime,
        contacts: list[pendulum.DateTime],
    ) -> list[A]:
        """``aggregates`` as their timelines had them at ``now`` (those that did not exist
        yet left out), noting in ``contacts`` when each was last in touch with its party."""
        found: list[A] = []
        for aggregate in aggregates:
            then = self._then(uow, type(aggregate), aggregate.id, now, contacts)
            if then is not None:
                found.append(then)
        return found

    def _then(
        self,
        uow: UnitOfWork,
        cls: type[A],
        aggregate_id: str,
        now: pendulum.DateTime,
        contacts: list[pendulum.DateTime] | None = None,
    ) -> A | None:
        """The aggregate as its timeline had it at ``now``, or ``None`` if it did not exist
        yet. The timeline's order decides: its events up to the first one stamped after
        ``now``, so a later event stamped with an earlier time never counts."""
        events = list(itertools.takewhile(lambda e: e.at <= now, uow.events(cls, aggregate_id)))
        if not events:
            return None
        if contacts is not None:
            contacts.extend(e.at for e in events if e.name not in NOT_CONTACT)
        return self._p.workflow(cls).replay(events, verify=False)

    def _terms_then(
        self, uow: UnitOfWork, party: Party, contract: str | None, now: pendulum.DateTime
    ) -> tuple[Party, list[Entitlement]]:
        """The party and the entitlement of its contract as their timelines had them at
        ``now`` (an entitlement defined or changed later does not count). A record kept
        without a timeline (stored before the directory kept them) is all there is, and
        is read as it is."""
        if contract is None:
            entry = self._then(uow, PersonEntry, party.id, now)
            if entry is not None:
                then = entry.record()
                assert isinstance(then, Party)  # the entry of a party is a party
                party = then
        name = contract if contract is not None else party.contract
        defined = self._then(uow, EntitlementEntry, name, now)
        if defined is not None:
            return party, [defined.record()]
        if uow.find(EntitlementEntry, name) is not None:
            return party, []  # defined only later
        return party, [e for e in uow.records(Entitlement) if e.id == name]

    def assess(
        self,
        relationship: str | None = None,
        *,
        party: str | None = None,
        now: pendulum.DateTime | None = None,
        model: HealthModel | None = None,
    ) -> HealthReport:
        """The health of a relationship (or of a party), explained signal by signal, by
        ``model`` (the configured one, :attr:`model`, if omitted).

        Without ``now`` it reads the present, from the stored state. With ``now`` it reads
        every fact as it stood then: each timeline of the party is replayed up to ``now``
        (slower), so nothing that happened later (a promise broken after it, say) counts.
        """
        model = self.model if model is None else model
        with self._p.reading() as uow:
            facts = self._facts(uow, relationship, party, now)
            return model.assess(facts, at_risk_below=self._p.config.feedback.at_risk_below)

    def update(
        self, relationship: str, *, actor: str, now: pendulum.DateTime | None = None
    ) -> HealthReport:
        """Assess a relationship and, if its score crossed the threshold, move it between
        active and at risk (``mark_at_risk`` / ``recover`` on its timeline, by ``actor``,
        with the explanation as the reason)."""
        report = self.assess(relationship, now=now)
        with self._p.reading() as uow:
            state = uow.get(Relationship, relationship).state
        command_name = transition_for(state, report)
        if command_name is None:
            return report
        reason = "; ".join(report.explain())
        command: MarkAtRisk | Recover = (
            MarkAtRisk(reason=reason) if command_name == "mark_at_risk" else Recover(reason=reason)
        )
        self._p.execute(Relationship, relationship, command, actor=actor)
        return report

    def last_contact(self, party_id: str) -> Contact | None:
        """The last recorded contact with a party, if any."""
        with self._p.reading() as uow:
            return uow.find_record(Contact, ident(party_id, "party_id"))
