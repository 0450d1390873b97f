"""The directory's rules: who someone is and what they may do changes only on the record,
and only in ways that mean something.

* ``DIR.details``: a change of details fits the person's kind (a member of staff has no
  contract, segment or title; a party holds no role) and changes something;
* ``DIR.roles``: a role granted is one not held yet, a role revoked one held; nobody grants
  a role to themselves (authority is given by someone else, on the record);
* ``DIR.active``: a deactivated party opens no new case, relationship or promise;
* ``DIR.policy``: versions of the written policy follow one another without gaps, each
  stored under its own number;
* ``DIR.calendar``: a business calendar is registered and changed under its own id, and a
  change changes something;
* ``DIR.offering``: an offering is registered and changed under its own id, on a
  registered calendar, and a change changes something;
* ``DIR.service_levels``: a service-level policy is defined and changed under its own id,
  for contracts that have an entitlement and no other policy, on a registered calendar (if
  it names one), and a change changes something.

Who may run the directory's commands at all is the gate ``ROLE``, configured like every
command (``CareConfig.command_roles``); it also refuses anyone who was
deactivated.

Example:
    >>> from relationkit.rules.directory import directory_rules
    >>> [r.id for r in directory_rules()]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['DIR.details', 'DIR.roles', 'DIR.active', 'DIR.policy', 'DIR.calendar', 'DIR.offering',
     'DIR.service_levels']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.entries import (
    STAFF_DETAILS,
    CalendarEntry,
    ChangeCalendar,
    ChangeDetails,
    ChangeOffering,
    ChangeServiceLevels,
    DefineServiceLevels,
    EntitlementEntry,
    GrantRole,
    OfferingEntry,
    PersonEntry,
    PolicyEntry,
    PublishPolicy,
    RegisterCalendar,
    RegisterOffering,
    RevokeRole,
    ServiceLevelEntry,
)
from relationkit.domain.equality import Entitlement
from relationkit.domain.health import parties_of
from relationkit.domain.promise import REPLY, UPDATE, Promise
from relationkit.domain.service_levels import ServiceLevelPolicy
from relationkit.rules.base import ANY

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.rules.base import Attempt

__all__ = [
    "ActiveParties",
    "CalendarsOnTheRecord",
    "DetailsFitTheKind",
    "OfferingsOnTheRecord",
    "PolicyVersions",
    "RolesChangeOnTheRecord",
    "ServiceLevelsOnTheRecord",
    "directory_rules",
]


@attrs.frozen
class DetailsFitTheKind:
    """DIR.details — a person's details are those of their kind, and a change changes
    something.

    A member of staff has a name and a time zone (their roles change by ``grant_role`` and
    ``revoke_role``); a party has a name, contract, segment, title and time zone, and holds
    no role. A change naming only values the person already has is refused: the timeline
    records changes, not repetitions.
    """

    id: ClassVar[str] = "DIR.details"
    kind: ClassVar[str] = "person"
    commands: frozenset[str] = frozenset({"change_details", "grant_role", "revoke_role"})

    def check(self, subject: PersonEntry, attempt: Attempt) -> Iterator[str]:
        """Check the change against the person's kind and details."""
        if attempt.command_name in ("grant_role", "revoke_role"):
            if not subject.is_staff:
                yield (
                    f"{subject.id!r} is a {subject.kind}; only members of staff hold roles; "
                    "register a member of staff under an id of their own"
                )
            return
        command = attempt.command
        if not isinstance(command, ChangeDetails):
            return
        if subject.is_staff:
            foreign = [k for k in command.changes if k not in STAFF_DETAILS]
            if foreign:
                yield (
                    f"{subject.id!r} is a member of staff, who has no "
                    f"{', '.join(foreign)}; change only {', '.join(STAFF_DETAILS)}"
                )
                return
        if all(getattr(subject, k) == v for k, v in command.changes.items()):
            shown = ", ".join(f"{k} is {v!r}" for k, v in command.changes.items())
            yield f"nothing changes: {shown} already; name a detail with a new value"


@attrs.frozen
class RolesChangeOnTheRecord:
    """DIR.roles — roles are given by someone else, and each grant or revocation changes
    something.

    Nobody grants a role to themselves: authority is given by a colleague who may grant it,
    and the timeline says who. A role is granted only if not held, revoked only if held.
    """

    id: ClassVar[str] = "DIR.roles"
    kind: ClassVar[str] = "person"
    commands: frozenset[str] = frozenset({"grant_role", "revoke_role"})

    def check(self, subject: PersonEntry, attempt: Attempt) -> Iterator[str]:
        """Check who grants, and that the role changes."""
        command = attempt.command
        if isinstance(command, GrantRole):
            if attempt.actor_id == subject.id:
                yield (
                    f"{subject.id!r} cannot grant a role to themselves; authority is given by "
                    "a colleague; ask one who may grant roles"
                )
            if command.role in subject.roles:
                yield f"{subject.id!r} holds {command.role!r} already; nothing to grant"
        elif isinstance(command, RevokeRole) and command.role not in subject.roles:
            held = ", ".join(sorted(subject.roles)) or "no role"
            yield f"{subject.id!r} does not hold {command.role!r} (holds {held}); nothing to revoke"


@attrs.frozen
class ActiveParties:
    """DIR.active — nothing new is started with a deactivated party.

    A party deactivated in the directory opens no new case, gets no new relationship and
    is made no new promise until it is reactivated; what was started before goes on,
    including the promises it makes by itself: the reply a deferral of a case promises and
    the updates a vendor ticket owes the client.
    """

    id: ClassVar[str] = "DIR.active"
    kind: ClassVar[str] = ANY
    commands: frozenset[str] = frozenset({"open", "open_relationship", "make"})

    def check(self, subject: Aggregate, attempt: Attempt) -> Iterator[str]:
        """Check that the parties of the new aggregate are active."""
        if isinstance(subject, Promise) and subject.kind in (REPLY, UPDATE):
            return  # it follows a case or a vendor ticket started before
        for party_id in parties_of(subject):
            party = attempt.directory.find_party(party_id)
            if party is not None and not party.active:
                yield (
                    f"{party_id!r} was deactivated in the directory and takes nothing new; "
                    "reactivate them first (rk.directory.reactivate), with the reason"
                )


@attrs.frozen
class PolicyVersions:
    """DIR.policy — the written policy's versions form a gapless history.

    Version *n* is published only after version *n* - 1, and is stored under its number
    (``"n"``), so a decline cites exactly one text and an acknowledgement names it.
    """

    id: ClassVar[str] = "DIR.policy"
    kind: ClassVar[str] = "policy"
    commands: frozenset[str] = frozenset({"publish_policy"})

    def check(self, subject: PolicyEntry, attempt: Attempt) -> Iterator[str]:
        """Check the version's number and its predecessor."""
        command = attempt.command
        number = command.version if isinstance(command, PublishPolicy) else None
        if number is None:
            return
        if subject.id != str(number):
            yield f"version {number} is stored under {str(number)!r}, not {subject.id!r}"
        if number > 1 and attempt.directory.find(PolicyEntry, str(number - 1)) is None:
            yield (
                f"version {number - 1} was never published, so version {number} would leave "
                f"a gap; publish version {number - 1} first"
            )


@attrs.frozen
class CalendarsOnTheRecord:
    """DIR.calendar — a business calendar keeps its id, and a change changes something.

    The calendar a command carries is stored under its own id, so the entry, its record and
    every offering and service level that names it agree; a change that leaves the calendar
    as it is is refused: the timeline records changes, not repetitions.
    """

    id: ClassVar[str] = "DIR.calendar"
    kind: ClassVar[str] = "calendar"
    commands: frozenset[str] = frozenset({"register_calendar", "change_calendar"})

    def check(self, subject: CalendarEntry, attempt: Attempt) -> Iterator[str]:
        """Check the calendar's id and that a change changes it."""
        command = attempt.command
        if not isinstance(command, RegisterCalendar | ChangeCalendar):
            return
        if command.calendar.id != subject.id:
            yield (
                f"the calendar given is {command.calendar.id!r}, not {subject.id!r}; a "
                "calendar keeps its id; register one under a new id instead"
            )
        elif isinstance(command, ChangeCalendar) and command.calendar == subject.calendar:
            yield f"nothing changes: calendar {subject.id!r} is so already; change something"


@attrs.frozen
class OfferingsOnTheRecord:
    """DIR.offering — an offering keeps its id, counts its lead time on a registered
    calendar, and a change changes something.

    An offering's lead time is counted on its calendar (R4), so that calendar must be
    registered when the offering is registered or moved to it.
    """

    id: ClassVar[str] = "DIR.offering"
    kind: ClassVar[str] = "offering"
    commands: frozenset[str] = frozenset({"register_offering", "change_offering"})

    def check(self, subject: OfferingEntry, attempt: Attempt) -> Iterator[str]:
        """Check the offering's id, its calendar, and that a change changes it."""
        command = attempt.command
        if not isinstance(command, RegisterOffering | ChangeOffering):
            return
        offering = command.offering
        if offering.id != subject.id:
            yield (
                f"the offering given is {offering.id!r}, not {subject.id!r}; an offering "
                "keeps its id; register one under a new id instead"
            )
            return
        if attempt.directory.find_record(BusinessCalendar, offering.calendar_id) is None:
            yield (
                f"its calendar {offering.calendar_id!r} is not registered, and its lead time "
                "is counted on it; register the calendar first (rk.calendars.register)"
            )
        if isinstance(command, ChangeOffering) and offering == subject.offering:
            yield f"nothing changes: offering {subject.id!r} is so already; change something"


@attrs.frozen
class ServiceLevelsOnTheRecord:
    """DIR.service_levels — a service-level policy keeps its id, is attached to contracts
    that have an entitlement and no other policy, counts on a registered calendar, and a
    change changes something.

    A case takes the policy of its contract, so a contract has one policy at most, and a
    policy is attached to contracts that exist (their entitlements, R10); its targets are
    counted on its calendar, so that calendar must be registered when the policy is defined
    or moved to it.
    """

    id: ClassVar[str] = "DIR.service_levels"
    kind: ClassVar[str] = "service_level_policy"
    commands: frozenset[str] = frozenset({"define_service_levels", "change_service_levels"})

    def check(self, subject: ServiceLevelEntry, attempt: Attempt) -> Iterator[str]:
        """Check the policy's id, its contracts, its calendar, and that a change changes it."""
        command = attempt.command
        if not isinstance(command, DefineServiceLevels | ChangeServiceLevels):
            return
        policy = command.policy
        if policy.id != subject.id:
            yield (
                f"the policy given is {policy.id!r}, not {subject.id!r}; a service-level "
                "policy keeps its id; define one under a new id instead"
            )
            return
        directory = attempt.directory
        others = [p for p in directory.records(ServiceLevelPolicy) if p.id != subject.id]
        for contract in policy.contracts:
            if (
                directory.find(EntitlementEntry, contract) is None
                and directory.find_record(Entitlement, contract) is None
            ):
                yield (
                    f"contract {contract!r} has no entitlement, and a service-level policy "
                    "is attached to a contract's entitlement; define it first "
                    "(rk.equality.entitle)"
                )
            other = next((p.id for p in others if contract in p.contracts), None)
            if other is not None:
                yield (
                    f"contract {contract!r} is covered by policy {other!r} already, and a "
                    "contract has one service-level policy; take it out of that policy first "
                    "(rk.service_levels.change)"
                )
        calendar_id = policy.calendar_id
        if calendar_id is not None and directory.find_record(BusinessCalendar, calendar_id) is None:
            yield (
                f"its calendar {calendar_id!r} is not registered, and its targets are counted "
                "on it; register the calendar first (rk.calendars.register), or leave "
                "calendar_id out to count around the clock"
            )
        if isinstance(command, ChangeServiceLevels) and policy == subject.policy:
            yield f"nothing changes: policy {subject.id!r} is so already; change something"


def directory_rules() -> tuple[Any, ...]:
    """Fresh instances of the directory's rules, in the order they run."""
    return (
        DetailsFitTheKind(),
        RolesChangeOnTheRecord(),
        ActiveParties(),
        PolicyVersions(),
        CalendarsOnTheRecord(),
        OfferingsOnTheRecord(),
        ServiceLevelsOnTheRecord(),
    )
