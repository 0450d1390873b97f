"""The liaison between a client and a vendor, and recurrences (care rule R8):
:class:`LiaisonService`, reached as ``Relations.liaison``.

A case's problem that a vendor owns is escalated as a vendor ticket, tracked with the
vendor's reference; the client is promised updates at a cadence (each one an update
promise, :mod:`relationkit.app.promises`) until the vendor's fix is relayed and the client
confirms it. A fixed problem that comes back is linked to the earlier case as a
recurrence, and counts against the vendor's reliability.

Example:
    >>> import pendulum
    >>> from relationkit import Client, ManualClock, Relations, Staff, Vendor
    >>> from relationkit.cases import Acknowledge, ConfirmHeard
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"), Vendor(id="v-net", name="NetCo"),
    ...             Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Router down",
    ...                     statement="The router drops every hour.")
    >>> _ = rk.handle(case.id, Acknowledge(paraphrase="Your router drops hourly."), actor="s-sam")
    >>> _ = rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    >>> ticket = rk.liaison.escalate_to_vendor(case.id, actor="s-sam", vendor="v-net")
    >>> ticket.state, [p.kind for p in rk.promises.update_promises(ticket.id)]
    ('sent', ['update'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pendulum

from relationkit.domain.case import Case
from relationkit.domain.events import Event
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
from relationkit.domain.values import ident, instant
from relationkit.exceptions import NotFound, WrongPartyKind
from relationkit.rules.settings import RelationshipConfig

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.store.base import UnitOfWork

__all__ = ["LiaisonService"]


class LiaisonService:
    """Vendor tickets, client updates and recurrences (R8), reached as
    ``Relations.liaison``.

    Args:
        pipeline: the command pipeline it runs commands through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    @property
    def settings(self) -> RelationshipConfig:
        """The liaison settings in force (``CareConfig.relationships``)."""
        return self._p.config.relationships

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
        :mod:`relationkit.app.promises`) owned by ``actor``, made to the client and due
        a cadence from now, in the same transaction as the ticket. Like any promise on a
        case it needs the client to have confirmed being heard (R1): before that, the
        escalation is refused with R1's reason (acknowledge and have the client confirm
        first), and nothing is stored.

        Raises:
            NotFound: no such case or party.
            WrongPartyKind: ``vendor`` is not a :class:`~relationkit.domain.parties.Vendor`.
            RuleViolation: a care rule refused the ticket or its update promise.
        """
        with self._p.reading() as uow:
            case = uow.get(Case, ident(case_id, "case_id"))
        settings = self.settings
        command = EscalateToVendor(
            case_id=case.id,
            client_id=case.client_id,
            relationship_id=case.relationship_id,
            vendor_id=ident(vendor, "vendor"),
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

        return self._p.create(
            VendorTicket, command, actor=actor, aggregate_id=ticket_id, check=is_vendor
        )

    def _ticket(self, ticket_id: str, command: Any, actor: str) -> VendorTicket:
        return self._p.execute(VendorTicket, ticket_id, command, actor=actor)

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
        with self._p.reading() as uow:
            return uow.get(VendorTicket, ident(ticket_id, "ticket_id"))

    def tickets(self, **where: Any) -> list[VendorTicket]:
        """Vendor tickets whose indexed attributes match, e.g. ``tickets(case_id=…)``."""
        with self._p.reading() as uow:
            return uow.select(VendorTicket, **where)

    def updates_due(self, now: pendulum.DateTime | None = None) -> list[VendorTicket]:
        """Vendor tickets whose client is owed an update by ``now``, most overdue first."""
        when = self._p.now() if now is None else instant(now, "now")
        with self._p.reading() as uow:
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
        when = self._p.now() if now is None else instant(now, "now")
        with self._p.reading() as uow:
            candidates = uow.select(Case, client_id=client)
        return find_recurrence(
            candidates,
            signature,
            client_id=client,
            now=when,
            window=self.settings.recurrence_window,
        )

    def recurrence_chain(self, case_id: str) -> list[Case]:
        """The case and the earlier cases it repeats, oldest first (the chain of
        recurrence links; the events of one record are :meth:`Relations.history
        <relationkit.Relations.history>`)."""
        chain: list[Case] = []
        seen: set[str] = set()
        with self._p.reading() as uow:
            current: Case | None = uow.get(Case, ident(case_id, "case_id"))
            while current is not None and current.id not in seen:
                chain.append(current)
                seen.add(current.id)
                link = current.recurrence_of
                current = uow.find(Case, link) if link is not None else None
        return chain[::-1]

    def recurrences(self, case_id: str) -> list[Case]:
        """Later cases that were linked as recurrences of ``case_id``."""
        with self._p.reading() as uow:
            case = uow.get(Case, ident(case_id, "case_id"))
            mine = uow.select(Case, client_id=case.client_id)
        return [c for c in mine if c.recurrence_of == case_id]

    def vendor_reliability(self, vendor_id: str) -> VendorReliability:
        """Recurrence rate and mean time to fix of a vendor, from its tickets and the
        recurrence links of their cases."""
        vendor_id = ident(vendor_id, "vendor_id")
        with self._p.reading() as uow:
            tickets = uow.select(VendorTicket, vendor_id=vendor_id)
            recurred: set[str] = set()
            for client_id in sorted({t.client_id for t in tickets}):
                for case in uow.select(Case, client_id=client_id):
                    if case.recurrence_of is not None:
                        recurred.add(case.recurrence_of)
        return vendor_reliability(vendor_id, tickets, recurred)

    def timeline(self, ticket_id: str) -> list[Event]:
        """The events of a vendor ticket, oldest first."""
        ticket_id = ident(ticket_id, "ticket_id")
        with self._p.reading() as uow:
            uow.get(VendorTicket, ticket_id)
            return uow.events(VendorTicket, ticket_id)
