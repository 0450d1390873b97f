"""The vendor liaison (care rule R8): a client's problem handed to a vendor and relayed back.

When a problem belongs to a vendor's product, staff escalate it as a :class:`VendorTicket`:
the vendor, the vendor's own reference, and a status that only moves forward, from *sent* to
*vendor acknowledged*, *fix provided*, *fix relayed* to the client and *client confirmed*.
While the client waits for the vendor, they are owed an update at a promised cadence: from
the sending, and again from each update they are given, the next one falls due a cadence
later. The time is kept on the ticket (``next_update_due``, indexed, so a sweep finds every
ticket whose update is overdue) and each owed update is a real
:class:`~relationkit.domain.promise.Promise` of kind ``"update"`` made in the same transaction
(see :mod:`relationkit.app.promises`), so a missed update is a broken promise like any
other. Relaying the vendor's fix is the last update: the client is no longer waiting on the
vendor, and the cadence ends. The vendor's response times are recorded against the targets
set when the ticket was sent.

Example:
    >>> import pendulum
    >>> from relationkit.domain.liaison import EscalateToVendor
    >>> cmd = EscalateToVendor(case_id="case_1", client_id="c-ana", vendor_id="v-phone",
    ...                        problem="Calls drop after ten seconds.",
    ...                        update_every=pendulum.duration(days=2),
    ...                        acknowledge_within=pendulum.duration(days=1))
    >>> cmd.NAME, cmd.EVENT
    ('escalate_to_vendor', 'VendorTicketOpened')
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.events import Event
from relationkit.domain.values import (
    an_id,
    optional,
    optional_aware,
    optional_id,
    required,
    to_pendulum,
)
from relationkit.exceptions import InvalidInput

__all__ = [
    "CLIENT_CONFIRMED",
    "FIX_PROVIDED",
    "FIX_RELAYED",
    "SENT",
    "TICKET_STATUSES",
    "VENDOR_ACKNOWLEDGED",
    "ClientUpdate",
    "ConfirmFix",
    "EscalateToVendor",
    "ProvideFix",
    "RelayFix",
    "UpdateClient",
    "VendorAcknowledge",
    "VendorResponse",
    "VendorTicket",
    "VendorTicketHistory",
]

SENT = "sent"
"""A ticket's status: the problem was handed to the vendor, who has not answered yet."""
VENDOR_ACKNOWLEDGED = "vendor_acknowledged"
"""A ticket's status: the vendor took the problem on, under a reference of theirs."""
FIX_PROVIDED = "fix_provided"
"""A ticket's status: the vendor provided a fix."""
FIX_RELAYED = "fix_relayed"
"""A ticket's status: the fix was passed on to the client."""
CLIENT_CONFIRMED = "client_confirmed"
"""A ticket's status: the client confirmed that the fix works."""
TICKET_STATUSES = (SENT, VENDOR_ACKNOWLEDGED, FIX_PROVIDED, FIX_RELAYED, CLIENT_CONFIRMED)
"""A ticket's statuses, in the only order they may follow."""


def _required() -> Any:
    return attrs.field(validator=required)


def _optional() -> Any:
    return attrs.field(default=None, validator=optional)


def _id() -> Any:
    return attrs.field(validator=an_id)


def _optional_id() -> Any:
    return attrs.field(default=None, validator=optional_id)


def _span(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.name == "fix_within":
        return
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; it must be a positive pendulum.Duration; "
            "pass e.g. pendulum.duration(days=2).",
            field=attribute.name,
        )


# --- values kept on a ticket ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VendorResponse:
    """A vendor's response, timed against its target.

    Attributes:
        kind: ``"acknowledged"`` or ``"fix_provided"``.
        at: when the vendor responded.
        elapsed: time from the ticket being sent to the response.
        target: the time the vendor had for it, if one was set.
        within_target: whether it met the target (``None`` without a target).
    """

    kind: str
    at: pendulum.DateTime
    elapsed: pendulum.Duration
    target: pendulum.Duration | None
    within_target: bool | None


@attrs.frozen(kw_only=True)
class ClientUpdate:
    """An update given to the client on the vendor's progress.

    Attributes:
        message: what the client was told.
        by: who told them.
        at: when.
        due_at: when the update was owed (``None`` once the cadence had ended).
        on_time: given no later than it was owed.
        answers: the id of the update promise it answered (``None`` once the cadence had
            ended).
    """

    message: str
    by: str
    at: pendulum.DateTime
    due_at: pendulum.DateTime | None
    on_time: bool
    answers: str | None = None


# --- commands ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class EscalateToVendor(Command):
    """Hand a case's problem to a vendor.

    ``update_every`` is the promised cadence of updates to the client; ``acknowledge_within``
    and ``fix_within`` are the targets the vendor's responses are timed against.
    """

    NAME: ClassVar[str] = "escalate_to_vendor"
    EVENT: ClassVar[str] = "VendorTicketOpened"

    case_id: str = _id()
    client_id: str = _id()
    vendor_id: str = _id()
    problem: str = _required()
    update_every: pendulum.Duration = attrs.field(validator=_span)
    acknowledge_within: pendulum.Duration = attrs.field(validator=_span)
    fix_within: pendulum.Duration | None = attrs.field(default=None, validator=_span)
    vendor_reference: str | None = _optional()
    relationship_id: str | None = _optional_id()


@attrs.frozen(kw_only=True)
class VendorAcknowledge(Command):
    """The vendor acknowledged the problem (often giving its own reference)."""

    NAME: ClassVar[str] = "vendor_acknowledge"
    EVENT: ClassVar[str] = "VendorAcknowledged"

    vendor_reference: str | None = _optional()
    responded_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_pendulum, validator=optional_aware
    )
    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class ProvideFix(Command):
    """The vendor provided a fix (or instructions that fix it)."""

    NAME: ClassVar[str] = "provide_fix"
    EVENT: ClassVar[str] = "VendorFixProvided"

    fix: str = _required()
    responded_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=to_pendulum, validator=optional_aware
    )


@attrs.frozen(kw_only=True)
class RelayFix(Command):
    """Staff passed the fix on to the client, in words the client understands.

    It is the last of the promised updates: it keeps the open update promise (when given in
    time) and ends the cadence.
    """

    NAME: ClassVar[str] = "relay_fix"
    EVENT: ClassVar[str] = "FixRelayedToClient"

    message: str = _required()


@attrs.frozen(kw_only=True)
class ConfirmFix(Command):
    """The client confirmed the fix works."""

    NAME: ClassVar[str] = "confirm_fix"
    EVENT: ClassVar[str] = "ClientConfirmedFix"

    note: str | None = _optional()


@attrs.frozen(kw_only=True)
class UpdateClient(Command):
    """Tell the client where things stand (the promised cadence of updates).

    It keeps the open update promise (when given in time) and, while the client still waits
    for the vendor's fix, makes the promise of the next update, a cadence later.
    """

    NAME: ClassVar[str] = "update_client"
    EVENT: ClassVar[str] = "ClientUpdated"

    message: str = _required()


# --- the history and the aggregate ---------------------------------------------------------------


@attrs.define(kw_only=True)
class VendorTicketHistory(History):
    """Every update the client was given on a vendor ticket, from its timeline
    (:meth:`Relations.history <relationkit.app.relations.Relations.history>`).

    Attributes:
        updates: the updates given to the client (and the relayed fix), oldest first.
    """

    updates: list[ClientUpdate] = attrs.Factory(list)

    def _given(self, subject: VendorTicket) -> None:
        assert subject.last_update is not None
        self.updates.append(subject.last_update)

    def _on_update_client(self, subject: VendorTicket, command: UpdateClient, event: Event) -> None:
        self._given(subject)

    def _on_relay_fix(self, subject: VendorTicket, command: RelayFix, event: Event) -> None:
        self._given(subject)


@attrs.define(kw_only=True)
class VendorTicket(Aggregate):
    """A client's problem handed to a vendor, from sending to the client's confirmation.

    Attributes:
        case_id: the client's case.
        client_id: the client.
        vendor_id: the vendor.
        relationship_id: the client's relationship the case belongs to.
        problem: the problem as described to the vendor.
        vendor_reference: the vendor's own reference for it.
        opened_by: who escalated it.
        sent_at: when.
        update_every: the promised cadence of client updates.
        acknowledge_within: target for the vendor's acknowledgement.
        fix_within: target for the vendor's fix, if any.
        next_update_due: when the client is next owed an update (indexed; ``None`` once the
            fix was relayed to the client, which ends the cadence).
        update_count: how many updates the client was given, the relayed fix included
            (each one is in its :class:`VendorTicketHistory`).
        last_update: the latest update given to the client, if any.
        answered_updates: how many of the updates answered an update promise. Update
            promises are numbered in order (see :attr:`update_promise_id`) and each update
            given while the cadence runs answers the next one, so these are the promises
            numbered 1 to ``answered_updates`` (see :meth:`answered`).
        responses: the vendor's responses, timed: its acknowledgement, then its fix (the
            workflow takes each once).
        acknowledged_at: when the vendor acknowledged.
        fix: the fix the vendor provided.
        fix_provided_at: when.
        relayed_at: when the fix was relayed to the client.
        confirmed_at: when the client confirmed it.
    """

    KIND: ClassVar[str] = "vendor_ticket"
    INDEXED: ClassVar[tuple[str, ...]] = (
        "state",
        "case_id",
        "client_id",
        "vendor_id",
        "next_update_due",
    )
    SNAPSHOT_VERSION: ClassVar[int] = 2
    HISTORY: ClassVar[type[History]] = VendorTicketHistory

    case_id: str
    client_id: str
    vendor_id: str
    problem: str
    opened_by: str
    sent_at: pendulum.DateTime
    update_every: pendulum.Duration
    acknowledge_within: pendulum.Duration
    fix_within: pendulum.Duration | None = None
    relationship_id: str | None = None
    vendor_reference: str | None = None
    next_update_due: pendulum.DateTime | None = None
    update_count: int = 0
    last_update: ClientUpdate | None = None
    answered_updates: int = 0
    responses: list[VendorResponse] = attrs.Factory(list)
    acknowledged_at: pendulum.DateTime | None = None
    fix: str | None = None
    fix_provided_at: pendulum.DateTime | None = None
    relayed_at: pendulum.DateTime | None = None
    confirmed_at: pendulum.DateTime | None = None

    @classmethod
    def opened(cls, event: Event, command: EscalateToVendor, state: str) -> VendorTicket:
        """The ticket that ``event`` (a ``VendorTicketOpened``) creates."""
        ticket = cls(
            id=event.aggregate_id,
            state=state,
            case_id=command.case_id,
            client_id=command.client_id,
            vendor_id=command.vendor_id,
            relationship_id=command.relationship_id,
            problem=command.problem,
            vendor_reference=command.vendor_reference,
            opened_by=event.actor_id,
            sent_at=event.at,
            update_every=command.update_every,
            acknowledge_within=command.acknowledge_within,
            fix_within=command.fix_within,
            next_update_due=event.at + command.update_every,
        )
        ticket.version = event.sequence
        ticket.head = event.hash
        return ticket

    def involves(self, party_id: str) -> bool:
        """True for the ticket's client."""
        return party_id == self.client_id

    def update_overdue(self, now: pendulum.DateTime) -> bool:
        """True if the client is owed an update by ``now``."""
        return self.next_update_due is not None and self.next_update_due <= now

    @property
    def update_promise_id(self) -> str | None:
        """The id of the promise of the update the client is owed next (due at
        ``next_update_due``), or ``None`` once the cadence has ended. The first is
        ``"<ticket id>-update-1"``, and each update given moves on to the next number."""
        if self.next_update_due is None:
            return None
        return f"{self.id}-update-{self.update_count + 1}"

    def answered(self, promise_id: str) -> bool:
        """True if an update given on this ticket answered the update promise
        ``promise_id`` (R8: only such an update keeps it)."""
        prefix = f"{self.id}-update-"
        if not promise_id.startswith(prefix):
            return False
        number = promise_id[len(prefix) :]
        return (
            number.isascii()
            and number.isdigit()
            and not number.startswith("0")
            and int(number) <= self.answered_updates
        )

    # Event handlers --------------------------------------------------------------------------

    def _respond(self, kind: str, at: pendulum.DateTime, target: pendulum.Duration | None) -> None:
        elapsed = at - self.sent_at
        self.responses.append(
            VendorResponse(
                kind=kind,
                at=at,
                elapsed=pendulum.duration(seconds=elapsed.total_seconds()),
                target=target,
                within_target=None if target is None else elapsed <= target,
            )
        )

    def _tell_client(self, message: str, event: Event, *, last: bool) -> None:
        due = self.next_update_due
        answers = self.update_promise_id
        self.last_update = ClientUpdate(
            message=message,
            by=event.actor_id,
            at=event.at,
            due_at=due,
            on_time=due is None or event.at <= due,
            answers=answers,
        )
        self.update_count += 1
        if answers is not None:
            self.answered_updates += 1
        # Once ended (the fix relayed), the cadence stays ended: no promise follows.
        ended = last or due is None
        self.next_update_due = None if ended else event.at + self.update_every

    def _on_vendor_acknowledge(self, command: VendorAcknowledge, event: Event) -> None:
        at = command.responded_at or event.at
        self.acknowledged_at = at
        if command.vendor_reference is not None:
            self.vendor_reference = command.vendor_reference
        self._respond("acknowledged", at, self.acknowledge_within)

    def _on_provide_fix(self, command: ProvideFix, event: Event) -> None:
        at = command.responded_at or event.at
        self.fix = command.fix
        self.fix_provided_at = at
        self._respond("fix_provided", at, self.fix_within)

    def _on_relay_fix(self, command: RelayFix, event: Event) -> None:
        self._tell_client(command.message, event, last=True)
        self.relayed_at = event.at

    def _on_update_client(self, command: UpdateClient, event: Event) -> None:
        # After the fix was relayed the cadence is over: an update is recorded, owed no more.
        self._tell_client(command.message, event, last=self.state == FIX_RELAYED)

    def _on_confirm_fix(self, command: ConfirmFix, event: Event) -> None:
        self.confirmed_at = event.at
        self.next_update_due = None

    # Stored snapshots of earlier versions ----------------------------------------------------

    @classmethod
    def upgrade_snapshot(cls, data: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Version 1 kept every update given to the client; version 2 keeps how many, the
        latest, and how many answered an update promise."""
        if from_version < 2:
            data = dict(data)
            updates = data.pop("updates", None) or []
            data["update_count"] = len(updates)
            if updates:
                data["last_update"] = updates[-1]
            data["answered_updates"] = sum(1 for u in updates if u.get("answers") is not None)
            from_version = 2
        return super().upgrade_snapshot(data, from_version)
