"""Care rule R8 — the liaison between client and vendor — as named rules.

* ``R8.times``: a vendor's response is recorded at the time it came, which is neither in the
  future nor before the ticket was sent or before the vendor's previous response; so the
  response times measured against the targets are true.
* ``R8.relay``: a case whose problem went to a vendor does not close before the vendor's fix
  was relayed to the client; the client is never left without the answer.
* ``R8.cadence``: the updates a client is owed while the vendor works are promises that
  follow their vendor ticket: made by its cadence, kept by an update recorded on it, never
  moved or taken back on their own; so the ticket and its promises cannot tell two stories.

The status order itself (sent, vendor acknowledged, fix provided, fix relayed, client
confirmed; never backwards) is the vendor ticket workflow's, and escalating to a party that
is not a :class:`~relationkit.domain.parties.Vendor` is refused with
:class:`~relationkit.exceptions.WrongPartyKind` before a ticket exists.

Example:
    >>> from relationkit.rules.liaison import liaison_rules
    >>> [r.id for r in liaison_rules()]
    ['R8.times', 'R8.relay', 'R8.cadence']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import attrs

from relationkit.domain.case import Case
from relationkit.domain.liaison import (
    FIX_PROVIDED,
    SENT,
    VENDOR_ACKNOWLEDGED,
    ProvideFix,
    VendorAcknowledge,
    VendorTicket,
)
from relationkit.domain.promise import UPDATE, MakePromise, Promise
from relationkit.rules.base import Attempt, batches

__all__ = [
    "FixRelayedBeforeClosing",
    "TrueResponseTimes",
    "UpdatesFollowTheTicket",
    "liaison_rules",
]

_UNRELAYED = (SENT, VENDOR_ACKNOWLEDGED, FIX_PROVIDED)


@attrs.frozen
class TrueResponseTimes:
    """R8.times — vendor response times are measured honestly.

    A response may be recorded after it happened (``responded_at``), but never with a time
    in the future, before the ticket was sent, or before the vendor's previous response.
    """

    id: ClassVar[str] = "R8.times"
    kind: ClassVar[str] = "vendor_ticket"
    commands: frozenset[str] = frozenset({"vendor_acknowledge", "provide_fix"})

    def check(self, subject: VendorTicket, attempt: Attempt) -> Iterator[str]:
        """Check ``responded_at`` against now, the sending and the previous response."""
        command = attempt.command
        if not isinstance(command, VendorAcknowledge | ProvideFix):
            return
        at = command.responded_at
        if at is None:
            return
        if at > attempt.now:
            yield (
                f"responded_at {at.isoformat()} is in the future; record the time the vendor "
                "actually responded"
            )
        earliest = subject.responses[-1].at if subject.responses else subject.sent_at
        if at < earliest:
            yield (
                f"responded_at {at.isoformat()} is before {earliest.isoformat()} (the ticket "
                "was sent or the vendor last responded then); record the true time"
            )


@attrs.frozen
class FixRelayedBeforeClosing:
    """R8.relay — the client hears the vendor's answer before the case closes.

    A case with a vendor ticket that was not yet relayed to the client (still sent,
    acknowledged, or fixed but not passed on) cannot close.
    """

    id: ClassVar[str] = "R8.relay"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"close"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Look for the case's unrelayed vendor tickets."""
        waiting = attempt.directory.select(VendorTicket, case_id=subject.id, state__in=_UNRELAYED)
        for ticket in waiting:
            yield _unrelayed(ticket)

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterator[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``, with one query for a batch of cases
        instead of one per case."""
        waiting: dict[str, list[VendorTicket]] = {}
        for chunk in batches([s.id for s in subjects]):
            for ticket in attempt.directory.select(
                VendorTicket, case_id__in=chunk, state__in=_UNRELAYED
            ):
                waiting.setdefault(ticket.case_id, []).append(ticket)
        if not waiting:
            return
        for position, subject in enumerate(subjects):
            # Sorted by id, the order the query for one case returns them in.
            for ticket in sorted(waiting.get(subject.id, ()), key=_by_id):
                yield position, _unrelayed(ticket)


def _by_id(ticket: VendorTicket) -> str:
    return ticket.id


def _unrelayed(ticket: VendorTicket) -> str:
    return (
        f"vendor ticket {ticket.id!r} is {ticket.state!r}; relay the vendor's fix to "
        "the client (relay_fix) before closing the case"
    )


@attrs.frozen
class UpdatesFollowTheTicket:
    """R8.cadence — the promised updates follow their vendor ticket.

    Escalating a case to a vendor promises the client an update a cadence later, and each
    update given promises the next (see :mod:`relationkit.app.promises`). Such an
    *update* promise is made only as its ticket's next update owed, at the time the ticket
    says; it is kept only by an update recorded on the ticket (``update_client`` or
    ``relay_fix``); and it is neither renegotiated nor withdrawn on its own: the client is
    given the update instead, or the promise is broken when the time passes.
    """

    id: ClassVar[str] = "R8.cadence"
    kind: ClassVar[str] = "promise"
    commands: frozenset[str] = frozenset({"make", "keep", "renegotiate", "withdraw"})

    def check(self, subject: Promise, attempt: Attempt) -> Iterator[str]:
        """Check an update promise against its ticket."""
        command = attempt.command
        name = attempt.command_name
        if name == "make":
            if isinstance(command, MakePromise) and command.kind == UPDATE:
                yield from self._made(subject, command, attempt)
            return
        if subject.kind != UPDATE:
            return
        ticket = (
            None
            if subject.ticket_id is None
            else attempt.directory.find(VendorTicket, subject.ticket_id)
        )
        where = "its vendor ticket" if ticket is None else f"vendor ticket {ticket.id!r}"
        if name == "keep":
            if ticket is None or not ticket.answered(subject.id):
                yield (
                    f"an update promise is kept by giving the client the update on {where} "
                    "(update_client, or relay_fix with the vendor's fix)"
                )
            return
        yield (
            f"the updates the client is owed follow the cadence of {where}; give the client "
            "an update now (update_client), which promises the next one a cadence later"
        )

    @staticmethod
    def _made(subject: Promise, command: MakePromise, attempt: Attempt) -> Iterator[str]:
        ticket = (
            None
            if command.ticket_id is None
            else attempt.directory.find(VendorTicket, command.ticket_id)
        )
        if (
            ticket is None
            or ticket.update_promise_id != subject.id
            or ticket.next_update_due != command.due_at
            or ticket.client_id != command.party_id
            or ticket.case_id != command.case_id
        ):
            yield (
                "an update promise is made by a vendor ticket's cadence, as the update its "
                "client is owed next; escalate the case (escalate_to_vendor) or give an "
                "update (update_client) instead"
            )


def liaison_rules() -> tuple[Any, ...]:
    """Fresh instances of the built-in liaison rules (R8), in the order they run."""
    return (TrueResponseTimes(), FixRelayedBeforeClosing(), UpdatesFollowTheTicket())
